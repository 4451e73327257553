import Journal
import SystemPackage
import Testing

/// F6, F7 and cursor files: segment headers, the segments' layout, stray
/// temporary files and cursors. Only a newest segment that held no record is
/// recreated and only known temporary files are removed; the rest is refused.
@Suite("Recovery checks headers, segment layout and cursors")
struct RecoveryLayoutTests {
    static let options = Fixtures.options(segmentMaxBytes: 4096)

    /// A journal of three sealed segments plus a newest segment that holds no
    /// record yet: the state a crash leaves between creating the next segment
    /// (header written, space allocated, synced) and writing into it.
    static func journalWithEmptyNewestSegment() async throws -> (RecoveryFixture, base: UInt64, file: String) {
        let fixture = try await RecoveryFixture.make(options: options, count: 80)
        let base = fixture.end
        let file = "segments/\(Damage.segmentName(base: base))"
        fixture.directory.write(SegmentHeader(baseOffset: base).encoded + Array(repeating: 0, count: 4096), to: file)
        return (fixture, base, file)
    }

    @Test func emptyNewestSegment_withAValidHeader_opensCleanWithNoAction() async throws {
        let (fixture, base, _) = try await Self.journalWithEmptyNewestSegment()
        #expect(try fixture.verify().exitCode == 0)
        let journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(journal.segments.last?.base == base)
        #expect(journal.bounds.end == base)
        #expect(try await journal.append(Fixtures.json("1")).offset == base)
        await journal.close()
    }

    /// A damaged header: its label and the header bytes for a segment based at `base`.
    struct HeaderDamage: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: @Sendable (_ base: UInt64, _ valid: [UInt8]) -> [UInt8]
        var testDescription: String { label }
    }

    static let headerDamages: [HeaderDamage] = [
        HeaderDamage(label: "bad magic") { _, valid in var bytes = valid; bytes[0] ^= 0x20; return bytes },
        HeaderDamage(label: "version 3") { base, _ in Damage.header(version: 3, base: base) },
        HeaderDamage(label: "version 1") { base, _ in Damage.header(version: 1, base: base) },
        HeaderDamage(label: "header size 64") { base, _ in Damage.header(headerSize: 64, base: base) },
        HeaderDamage(label: "reserved not zero") { base, _ in Damage.header(base: base, reserved: 1) },
        HeaderDamage(label: "crc flipped") { _, valid in var bytes = valid; bytes[28] ^= 0x01; return bytes },
        HeaderDamage(label: "base flipped under a valid crc") { base, _ in Damage.header(base: base ^ 0x10) },
        HeaderDamage(label: "base of the next segment") { base, _ in Damage.header(base: base + 4096) },
        HeaderDamage(label: "all zeros") { _, _ in Array(repeating: 0, count: 32) },
    ]

    /// Overwrites the first 32 bytes of `file` with the damaged header.
    static func damageHeader(_ damage: HeaderDamage, of file: String, base: UInt64, in fixture: RecoveryFixture) {
        fixture.modify(file) { bytes in
            bytes.replaceSubrange(0..<32, with: damage.bytes(base, Array(bytes.prefix(32))))
        }
    }

    /// Checks that the newest segment at `base` was recreated and the journal goes on from there.
    static func expectRecreated(_ fixture: RecoveryFixture, base: UInt64, records: [AppendedRecord]) async throws {
        let name = Damage.segmentName(base: base)
        let verdict = try fixture.verify()
        #expect(verdict.exitCode == 1, "\(verdict)")
        var journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.map(\.isRecreation) == [true])
        if case .recreatedSegment(let segment, _) = journal.recoveryReport.actions.first { #expect(segment == name) }
        #expect(journal.segments.last?.base == base && journal.segments.last?.name == name)
        #expect(journal.bounds.end == base)
        #expect(Array(fixture.directory.contents(of: "segments/\(name)").prefix(32)) == SegmentHeader(baseOffset: base).encoded)
        #expect(try Fixtures.readAll(journal).map(\.digest) == records.map(\.digest))
        let next = try await journal.append(Fixtures.json(#"{"after":"recreate"}"#))
        #expect(next.offset == base)
        await journal.close()
        journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(journal.bounds.end == next.next)
        await journal.close()
    }

    @Test(arguments: headerDamages)
    func badHeader_inTheNewestSegmentWithNoRecords_isRecreated(damage: HeaderDamage) async throws {
        let (fixture, base, file) = try await Self.journalWithEmptyNewestSegment()
        Self.damageHeader(damage, of: file, base: base, in: fixture)
        try await Self.expectRecreated(fixture, base: base, records: fixture.appended)
    }

    @Test(arguments: [0, 1, 16, 31])
    func newestSegment_shorterThanItsHeader_isRecreatedAtItsBase(length: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let newest = fixture.newest
        try #require(fixture.segments.count >= 3)
        fixture.modify(fixture.file(newest)) { $0.removeSubrange(length...) }
        try await Self.expectRecreated(
            fixture, base: newest.base, records: fixture.appended.filter { $0.offset < newest.base })
    }

    @Test(arguments: [0, 31])
    func onlySegment_shorterThanItsHeader_isRecreatedAsAnEmptyJournal(length: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 5)
        try #require(fixture.segments.count == 1)
        fixture.modify(fixture.file(fixture.newest)) { $0.removeSubrange(length...) }
        try await Self.expectRecreated(fixture, base: 0, records: [])
    }

    @Test(arguments: headerDamages)
    func badHeader_inTheNewestSegmentHoldingRecords_isRefused(damage: HeaderDamage) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        try #require(fixture.records(in: fixture.newest).count > 0)
        Self.damageHeader(damage, of: fixture.file(fixture.newest), base: fixture.newest.base, in: fixture)
        await fixture.expectRefusal(naming: fixture.newest.name, offset: nil)
    }

    @Test(arguments: headerDamages, [0, 1])
    func badHeader_inASealedSegment_isRefused(damage: HeaderDamage, segment: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let sealed = fixture.segments[segment]
        Self.damageHeader(damage, of: fixture.file(sealed), base: sealed.base, in: fixture)
        await fixture.expectRefusal(naming: sealed.name, offset: nil)
    }

    @Test(arguments: [0, 16, 31, 32], [0, 1])
    func sealedSegment_truncatedToItsHeaderOrLess_isRefused(length: Int, segment: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let sealed = fixture.segments[segment]
        fixture.modify(fixture.file(sealed)) { $0.removeSubrange(length...) }
        guard let corruption = await fixture.expectRefusal() else { return }
        // A header-only file is a valid empty segment; the break then shows as a gap after it.
        let named = length < 32 ? sealed.name : fixture.segments[segment + 1].name
        #expect(corruption.file == named && corruption.description.contains(named), "\(corruption)")
    }

    @Test(arguments: [0, 1], [1, 39, 41, 60])
    func sealedSegment_truncatedInsideARecord_isRefusedNamingThatRecord(segment: Int, kept: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let sealed = fixture.segments[segment]
        let records = fixture.records(in: sealed)
        let record = records[records.count / 2]
        let (file, position) = fixture.location(of: record)
        fixture.modify(file) { $0.removeSubrange((position + kept)...) }
        await fixture.expectRefusal(naming: sealed.name, offset: record.offset)
    }

    // MARK: F7: gaps, overlaps, temporary files

    @Test(arguments: [1, 2])
    func missingMiddleSegment_isRefusedAsAGap(missing: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 120)
        try #require(fixture.segments.count >= 4)
        fixture.directory.remove(fixture.file(fixture.segments[missing]))
        let after = fixture.segments[missing + 1]
        guard let corruption = await fixture.expectRefusal() else { return }
        #expect(corruption.file == after.name && corruption.offset == after.base, "\(corruption)")
        #expect(corruption.description.contains("gap") && corruption.description.contains(after.name), "\(corruption)")
    }

    @Test func missingOldestSegment_isNotAGap_theJournalStartsLater() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        fixture.directory.remove(fixture.file(fixture.segments[0]))
        #expect(try fixture.verify().exitCode == 0)
        let journal = try await fixture.open()
        #expect(journal.bounds.start == fixture.segments[1].base && journal.bounds.end == fixture.end)
        #expect(try Fixtures.readAll(journal).map(\.digest)
            == fixture.appended.filter { $0.offset >= fixture.segments[1].base }.map(\.digest))
        await journal.close()
    }

    @Test(arguments: [0, 1, 2])
    func segmentCopiedVerbatimUnderAnotherName_isRefused(source: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let segment = fixture.segments[source]
        // A name inside the copied segment, just past its first record.
        let newBase = fixture.records(in: segment)[1].offset
        let copy = Damage.segmentName(base: newBase)
        fixture.directory.write(fixture.directory.contents(of: fixture.file(segment)), to: "segments/\(copy)")
        guard let corruption = await fixture.expectRefusal() else { return }
        #expect(corruption.file == copy, "\(corruption)")
    }

    @Test(arguments: [0, 1, 2])
    func overlappingSegments_withConsistentHeaders_areRefusedAsAnOverlap(source: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let segment = fixture.segments[source]
        let records = fixture.records(in: segment)
        // A segment holding the same records from the second one on: each is valid at its offset.
        let newBase = records[1].offset
        let copy = Damage.segmentName(base: newBase)
        let original = fixture.directory.contents(of: fixture.file(segment))
        let body = original[RecoveryFixture.position(of: newBase, in: segment.base)...]
        fixture.directory.write(SegmentHeader(baseOffset: newBase).encoded + body, to: "segments/\(copy)")
        guard let corruption = await fixture.expectRefusal() else { return }
        #expect(corruption.description.contains("overlap"), "\(corruption)")
        #expect(corruption.file == copy && corruption.offset == newBase, "\(corruption)")
    }

    @Test func strayTemporaryFiles_areRemovedOnOpen_andTheJournalOpensNormally() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let journal0 = try await fixture.open()
        try await journal0.setCursor(named: "reader", to: fixture.appended[10].offset)
        await journal0.close()
        let strays = ["segments/x.tmp", "segments/\(fixture.newest.name).tmp", "cursors/reader.cursor.tmp", "cursors/other.cursor.tmp"]
        for stray in strays { fixture.directory.write(Damage.garbage(33), to: stray) }

        #expect(try fixture.verify().exitCode == 0)
        for stray in strays { #expect(fixture.directory.exists(stray), "verify must not remove \(stray)") }
        let journal = try await fixture.open()
        for stray in strays { #expect(!fixture.directory.exists(stray), "\(stray) was not removed") }
        #expect(journal.bounds.end == fixture.end)
        #expect(try Fixtures.readAll(journal).map(\.digest) == fixture.appended.map(\.digest))
        #expect(try await journal.cursor(named: "reader") == fixture.appended[10].offset)
        #expect(try await journal.append(Fixtures.json("1")).offset == fixture.end)
        await journal.close()
    }

    // MARK: Cursors

    struct CursorDamage: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: @Sendable (_ fixture: RecoveryFixture) -> [UInt8]
        var testDescription: String { label }
    }

    static let cursorDamages: [CursorDamage] = [
        CursorDamage(label: "garbage") { _ in Damage.garbage(20) },
        CursorDamage(label: "empty") { _ in [] },
        CursorDamage(label: "truncated") { fixture in Array(CursorRecord(offset: fixture.appended[10].offset).encoded.prefix(12)) },
        CursorDamage(label: "one byte too many") { fixture in CursorRecord(offset: fixture.appended[10].offset).encoded + [0] },
        CursorDamage(label: "crc flipped") { fixture in
            var bytes = CursorRecord(offset: fixture.appended[10].offset).encoded
            bytes[19] ^= 0x01
            return bytes
        },
        CursorDamage(label: "offset flipped, crc not updated") { fixture in
            var bytes = CursorRecord(offset: fixture.appended[10].offset).encoded
            bytes[8] ^= 0x01
            return bytes
        },
        CursorDamage(label: "past the end") { fixture in CursorRecord(offset: fixture.end + 110).encoded },
        CursorDamage(label: "one past the end") { fixture in CursorRecord(offset: fixture.end + 1).encoded },
        CursorDamage(label: "off a record boundary") { fixture in CursorRecord(offset: fixture.appended[10].offset + 1).encoded },
        CursorDamage(label: "inside a sealed segment's record") { fixture in
            CursorRecord(offset: fixture.appended[40].offset + 45).encoded
        },
    ]

    @Test(arguments: cursorDamages)
    func damagedCursorFile_isRefusedNamingIt(damage: CursorDamage) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let journal = try await fixture.open()
        try await journal.setCursor(named: "reader", to: fixture.appended[10].offset)
        await journal.close()
        fixture.directory.write(damage.bytes(fixture), to: "cursors/reader.cursor")
        guard let corruption = await fixture.expectRefusal() else { return }
        #expect(corruption.description.contains("cursors/reader.cursor"), "\(corruption)")
    }

    @Test(arguments: [0, 10, 79, 80])
    func validCursor_atAnyBoundaryIncludingTheEnd_opensNormally(record: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let offset = record < fixture.appended.count ? fixture.appended[record].offset : fixture.end
        fixture.directory.write(CursorRecord(offset: offset).encoded, to: "cursors/reader.cursor")
        #expect(try fixture.verify().exitCode == 0)
        let journal = try await fixture.open()
        #expect(try await journal.cursor(named: "reader") == offset)
        await journal.close()
    }

    /// README: a cursor outside the log is corruption. A cursor below the
    /// start is the only trace of a lost oldest segment (no gap is left).
    @Test func cursorIntoAMissingOldestSegment_isRefused() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        #expect(fixture.segments.count >= 3)
        let journal = try await fixture.open()
        try await journal.setCursor(named: "reader", to: fixture.appended[0].offset)
        await journal.close()
        fixture.directory.remove("segments/\(fixture.segments[0].name)")
        guard let corruption = await fixture.expectRefusal() else { return }
        #expect(corruption.description.contains("below the journal's start"), "\(corruption)")
    }

    /// A segment named so near the top of the 64-bit offsets that its bytes
    /// would run past them: refused as corruption, never arithmetic that traps.
    @Test(arguments: [
        ("ffffffffffffffff.wal", 100), ("ffffffffffffff00.wal", 4096), ("ffffffff00000001.wal", 64),
    ])
    func segmentNamedAtTheTopOfTheOffsets_isRefused(name: String, bytes: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 10)
        var generator = SystemRandomNumberGenerator()
        fixture.directory.write((0..<bytes).map { _ in UInt8.random(in: 1...255, using: &generator) }, to: "segments/\(name)")
        await fixture.expectRefusal()
    }
}
