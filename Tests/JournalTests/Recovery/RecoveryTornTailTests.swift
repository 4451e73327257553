import Journal
import SystemPackage
import Testing

/// F3, F5 and F8 in the newest segment: the only damage recovery repairs by
/// itself is a provable torn tail, and it keeps what it cuts in quarantine/.
@Suite("Recovery cuts a provable torn tail and nothing else")
struct RecoveryTornTailTests {
    /// How a write torn inside the last record looks on disk.
    enum TearMode: String, CaseIterable, Sendable {
        /// The file ends inside the record (its preallocated space is gone too).
        case fileTruncated
        /// The file keeps its length; the record's remaining bytes never left the cache.
        case restZeroed
    }

    /// Where inside the last record the tear falls: `kept` bytes survive
    /// (negative: counted back from the record's end).
    struct Tear: Sendable, CustomTestStringConvertible {
        let label: String
        let kept: Int
        func keptBytes(of recordSize: Int) -> Int { kept > 0 ? kept : recordSize + kept }
        var testDescription: String { label }
    }

    static let tears: [Tear] = [
        Tear(label: "1 byte of the length word", kept: 1),
        Tear(label: "the whole length word", kept: 4),
        Tear(label: "length and crc", kept: 8),
        Tear(label: "inside the blake3", kept: 21),
        Tear(label: "the whole header, no payload", kept: 40),
        Tear(label: "one payload byte", kept: 41),
        Tear(label: "middle of the payload", kept: 75),
        Tear(label: "one byte short", kept: -1),
    ]

    static let options = Fixtures.options(segmentMaxBytes: 4096)

    @Test(arguments: tears, TearMode.allCases)
    func tornTail_partialLastRecord_isCutAndKeptInQuarantine(tear: Tear, mode: TearMode) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        try #require(fixture.segments.count >= 3)
        let last = fixture.appended[fixture.appended.count - 1]
        let recordSize = Int(last.next - last.offset)
        let kept = tear.keptBytes(of: recordSize)
        let (file, position) = fixture.location(of: last)
        let original = fixture.directory.contents(of: file)
        let cutBytes = Array(original[position..<position + kept])
        try #require(cutBytes.last != 0, "the tear should end on a non-zero byte so its extent is exact")
        fixture.modify(file) { bytes in
            switch mode {
            case .fileTruncated: bytes.removeSubrange((position + kept)...)
            case .restZeroed: bytes.replaceSubrange(position + kept..<position + recordSize, with: repeatElement(0, count: recordSize - kept))
            }
        }

        let verdict = try fixture.verify()
        #expect(verdict.exitCode == 1)
        guard case .repairable(let planned) = verdict else { Issue.record("verify: \(verdict)"); return }
        #expect(planned.cutTornTail)
        #expect(planned.end == last.offset)

        var journal = try await fixture.open()
        let report = journal.recoveryReport
        #expect(report.actions.count == 1)
        guard case .truncatedTornTail(let segment, let offset, let bytes, _) = report.actions.first else {
            Issue.record("actions: \(report.actions)")
            await journal.close()
            return
        }
        #expect(segment == fixture.newest.name)
        #expect(offset == last.offset)
        #expect(bytes == kept)
        #expect(journal.bounds.start == 0 && journal.bounds.end == last.offset)
        let stored = try Fixtures.readAll(journal)
        #expect(stored.map(\.offset) == fixture.appended.dropLast().map(\.offset))
        #expect(stored.map(\.digest) == fixture.appended.dropLast().map(\.digest))

        let quarantined = Damage.tornTailName(base: fixture.newest.base, offset: last.offset)
        #expect(fixture.directory.files(in: "quarantine").contains(quarantined))
        #expect(fixture.directory.contents(of: "quarantine/\(quarantined)") == cutBytes)
        let segmentAfter = fixture.directory.contents(of: file)
        #expect(segmentAfter.count == position)
        let unchangedBeforeCut = segmentAfter == Array(original.prefix(position))
        #expect(unchangedBeforeCut, "the bytes before the cut changed")

        let next = try await journal.append(Fixtures.json(#"{"after":"cut"}"#))
        #expect(next.offset == last.offset)
        await journal.close()

        journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(journal.bounds.end == next.next)
        #expect(try Fixtures.readAll(journal).map(\.digest) == fixture.appended.dropLast().map(\.digest) + [next.digest])
        await journal.close()
        #expect(try fixture.verify().exitCode == 0)
    }

    @Test(arguments: [1, 40, 60])
    func tornTail_inTheOnlyRecord_leavesAnEmptyJournalThatTakesAppendsAtZero(kept: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 1)
        let (file, position) = fixture.location(of: fixture.appended[0])
        let cutBytes = Array(fixture.directory.contents(of: file)[position..<position + kept])
        fixture.modify(file) { $0.removeSubrange((position + kept)...) }
        let journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.map(\.isTornTailCut) == [true])
        #expect(journal.bounds.start == 0 && journal.bounds.end == 0)
        #expect(try Fixtures.readAll(journal).isEmpty)
        #expect(fixture.directory.contents(of: "quarantine/\(Damage.tornTailName(base: 0, offset: 0))") == cutBytes)
        #expect(try await journal.append(Fixtures.json("0")).offset == 0)
        await journal.close()
    }

    /// Quarantine is never overwritten: a tail torn again at the offset of an
    /// earlier cut is kept beside the first copy, not over it.
    @Test func aSecondTornTailAtTheSameOffset_isKeptBesideTheFirst() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 1)
        let (file, position) = fixture.location(of: fixture.appended[0])
        let firstCut = Array(fixture.directory.contents(of: file)[position..<position + 30])
        fixture.modify(file) { $0.removeSubrange((position + 30)...) }
        var journal = try await fixture.open()
        let replacement = try await journal.append(Fixtures.json(#"{"second":"record at zero"}"#))
        await journal.close()
        #expect(replacement.offset == 0)
        let secondCut = Array(fixture.directory.contents(of: file)[position..<position + 20])
        try #require(secondCut != Array(firstCut.prefix(20)))
        fixture.modify(file) { $0.removeSubrange((position + 20)...) }

        journal = try await fixture.open()
        #expect(journal.recoveryReport.cutTornTail)
        await journal.close()
        let name = Damage.tornTailName(base: 0, offset: 0)
        #expect(fixture.directory.contents(of: "quarantine/\(name)") == firstCut)
        #expect(fixture.directory.contents(of: "quarantine/\(name).1") == secondCut)
    }

    @Test func recovery_isIdempotent_reopeningAfterACutChangesNothingFurther() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 60)
        let last = fixture.appended[fixture.appended.count - 1]
        let (file, position) = fixture.location(of: last)
        fixture.modify(file) { $0.removeSubrange((position + 50)...) }

        var journal = try await fixture.open()
        #expect(journal.recoveryReport.cutTornTail)
        let bounds = journal.bounds
        let stored = try Fixtures.readAll(journal)
        let segments = journal.segments
        await journal.close()
        #expect(bounds.end == last.offset)
        let afterFirst = DirectorySnapshot(fixture.directory)
        let verdict = try fixture.verify()
        #expect(verdict.exitCode == 0, "\(verdict)")
        if case .clean(let report) = verdict { #expect(report.end == bounds.end && report.actions.isEmpty) }

        for _ in 0..<2 {
            journal = try await fixture.open()
            #expect(journal.recoveryReport.actions.isEmpty)
            #expect(journal.bounds.start == bounds.start && journal.bounds.end == bounds.end)
            #expect(journal.segments == segments)
            let again = try Fixtures.readAll(journal)
            #expect(again.map(\.offset) == stored.map(\.offset))
            #expect(again.map(\.digest) == stored.map(\.digest))
            await journal.close()
            #expect(DirectorySnapshot(fixture.directory).differences(from: afterFirst) == [])
        }
    }

    @Test func recovery_interruptedAfterQuarantining_reachesTheSameStateWhenRerun() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 60)
        let last = fixture.appended[fixture.appended.count - 1]
        let (file, position) = fixture.location(of: last)
        fixture.modify(file) { $0.removeSubrange((position + 50)...) }
        let cutBytes = Array(fixture.directory.contents(of: file)[position...])
        // As if the first run copied the cut bytes to quarantine/ and crashed before truncating.
        let quarantined = Damage.tornTailName(base: fixture.newest.base, offset: last.offset)
        fixture.directory.write(cutBytes, to: "quarantine/\(quarantined)")

        let journal = try await fixture.open()
        #expect(journal.recoveryReport.cutTornTail)
        #expect(journal.bounds.end == last.offset)
        await journal.close()
        #expect(fixture.directory.files(in: "quarantine") == [quarantined])
        #expect(fixture.directory.contents(of: "quarantine/\(quarantined)") == cutBytes)
        #expect(fixture.directory.contents(of: file).count == position)
    }

    // MARK: F5: zeros and garbage after the last record

    @Test(arguments: [1, 4096, 1 << 20])
    func zeroTail_ofAnyLength_isTheEndOfTheLog_andNothingIsRepaired(zeros: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 60)
        fixture.modify(fixture.file(fixture.newest)) { $0 += repeatElement(0, count: zeros) }
        let before = DirectorySnapshot(fixture.directory)

        let verdict = try fixture.verify()
        #expect(verdict.exitCode == 0, "\(verdict)")
        let journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(journal.bounds.end == fixture.end)
        #expect(try Fixtures.readAll(journal).map(\.digest) == fixture.appended.map(\.digest))
        #expect(DirectorySnapshot(fixture.directory).differences(from: before) == [], "opening repaired something")
        #expect(try await journal.append(Fixtures.json("1")).offset == fixture.end)
        await journal.close()
    }

    /// Where appended garbage lands in the newest segment.
    enum Placement: String, CaseIterable, Sendable {
        /// Directly after the last record, over the preallocated zeros.
        case rightAfterLastRecord
        /// After the file's preallocated space, zeros in between.
        case afterPreallocatedSpace
    }

    /// Writes `garbage` into the newest segment; returns the bytes opening should cut.
    static func place(_ garbage: [UInt8], _ placement: Placement, in fixture: RecoveryFixture) -> [UInt8] {
        let start = RecoveryFixture.position(of: fixture.end, in: fixture.newest.base)
        fixture.modify(fixture.file(fixture.newest)) { bytes in
            switch placement {
            case .rightAfterLastRecord:
                if bytes.count < start + garbage.count { bytes += repeatElement(0, count: start + garbage.count - bytes.count) }
                bytes.replaceSubrange(start..<start + garbage.count, with: garbage)
            case .afterPreallocatedSpace:
                bytes += garbage
            }
        }
        // Zeros after the garbage are end-of-log space, not part of what is cut.
        let after = fixture.directory.contents(of: fixture.file(fixture.newest))
        let end = (after.lastIndex { $0 != 0 } ?? start - 1) + 1
        return Array(after[start..<max(start, end)])
    }

    @Test(arguments: [1, 100, 3000], Placement.allCases)
    func garbageTail_withinTheWindow_isCutAsATornTail(length: Int, placement: Placement) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 60)
        let cut = Self.place(Damage.garbage(length), placement, in: fixture)
        #expect(try fixture.verify().exitCode == 1)

        var journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.map(\.isTornTailCut) == [true])
        if case .truncatedTornTail(let segment, let offset, let bytes, _) = journal.recoveryReport.actions.first {
            #expect(segment == fixture.newest.name && offset == fixture.end && bytes == cut.count)
        }
        #expect(journal.bounds.end == fixture.end)
        #expect(try Fixtures.readAll(journal).map(\.digest) == fixture.appended.map(\.digest))
        let quarantined = Damage.tornTailName(base: fixture.newest.base, offset: fixture.end)
        let kept = fixture.directory.contents(of: "quarantine/\(quarantined)")
        let same = kept == cut
        #expect(same, "quarantine holds \(kept.count) bytes; the cut was \(cut.count)")
        #expect(try await journal.append(Fixtures.json("2")).offset == fixture.end)
        await journal.close()
        journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.isEmpty)
        await journal.close()
    }

    static let smallWindow = Fixtures.options(segmentMaxBytes: 4096, window: 16 << 10)

    @Test func garbageTail_endingExactlyAtTheWindow_isStillATornTail() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.smallWindow, count: 20)
        let cut = Self.place(Damage.garbage(Self.smallWindow.unsyncedWindow), .rightAfterLastRecord, in: fixture)
        #expect(cut.count == Self.smallWindow.unsyncedWindow)
        let journal = try await fixture.open()
        #expect(journal.recoveryReport.cutTornTail)
        #expect(journal.bounds.end == fixture.end)
        await journal.close()
    }

    /// Garbage reaching past the window: (leading zeros, garbage bytes).
    static let beyondWindow: [(zeros: Int, garbage: Int)] = [
        (0, (16 << 10) + 1),
        (0, 20 << 10),
        (20 << 10, 1),
        ((16 << 10) - 1, 2),
    ]

    @Test(arguments: beyondWindow)
    func garbageTail_reachingBeyondTheWindow_isRefused(zeros: Int, garbage: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.smallWindow, count: 20)
        _ = Self.place(Array(repeating: 0, count: zeros) + Damage.garbage(garbage), .rightAfterLastRecord, in: fixture)
        await fixture.expectRefusal(naming: fixture.newest.name, offset: fixture.end)
    }

    // MARK: F8 in the last record of the newest segment

    static let badLengthWords: [UInt32] = [0x7FFF_FFFF, 0xFFFF_FFFF, 0, 0x8000_0000, 0x00FF_FFFF, 0x0010_0000]

    @Test(arguments: badLengthWords)
    func hugeOrZeroLength_inTheLastRecordOfTheNewestSegment_isCutAsATornTail(lengthWord: UInt32) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 60)
        let last = fixture.appended[fixture.appended.count - 1]
        let (file, position) = fixture.location(of: last)
        fixture.modify(file) { $0.replaceSubrange(position..<position + 4, with: Damage.littleEndian(lengthWord)) }
        let damaged = Array(fixture.directory.contents(of: file)[position..<position + Int(last.next - last.offset)])
        #expect(try fixture.verify().exitCode == 1)

        let journal = try await fixture.open()
        #expect(journal.recoveryReport.actions.map(\.isTornTailCut) == [true])
        #expect(journal.bounds.end == last.offset)
        #expect(try Fixtures.readAll(journal).map(\.digest) == fixture.appended.dropLast().map(\.digest))
        let quarantined = Damage.tornTailName(base: fixture.newest.base, offset: last.offset)
        #expect(fixture.directory.contents(of: "quarantine/\(quarantined)") == damaged)
        #expect(try await journal.append(Fixtures.json("3")).offset == last.offset)
        await journal.close()
    }
}
