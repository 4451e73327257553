import Journal
import SystemPackage
import Testing

/// F4, F8 and F9: damage to acknowledged records is corruption, not a torn
/// tail. Opening refuses, names the file and the damaged record's offset, and
/// changes nothing; `verify` says the same with exit code 3.
@Suite("Recovery refuses damage to acknowledged records")
struct RecoveryCorruptionTests {
    static let options = Fixtures.options(segmentMaxBytes: 4096)

    enum Pick: String, Sendable { case first, middle, last }

    /// One flipped bit: in which segment, which of its records, which byte
    /// of that record (negative: from the record's end) and which bits.
    struct BitFlip: Sendable, CustomTestStringConvertible {
        let segment: Int
        let record: Pick
        let byte: Int
        let mask: UInt8
        let label: String
        var testDescription: String { "segment \(segment), \(record) record, \(label)" }
    }

    static let bitFlips: [BitFlip] = [
        BitFlip(segment: 0, record: .first, byte: 0, mask: 0x01, label: "length word, low bit"),
        BitFlip(segment: 0, record: .middle, byte: 3, mask: 0x80, label: "the JSON flag"),
        BitFlip(segment: 0, record: .middle, byte: 3, mask: 0x40, label: "length word, bit 30"),
        BitFlip(segment: 1, record: .first, byte: 6, mask: 0x10, label: "crc32c"),
        BitFlip(segment: 1, record: .middle, byte: 25, mask: 0x04, label: "blake3"),
        BitFlip(segment: 1, record: .last, byte: 60, mask: 0x01, label: "payload"),
        BitFlip(segment: 0, record: .last, byte: -1, mask: 0x01, label: "the segment's last byte"),
        BitFlip(segment: 1, record: .last, byte: 0, mask: 0x02, label: "length word of the segment's last record"),
    ]

    static func pick(_ pick: Pick, from records: [AppendedRecord]) -> AppendedRecord {
        switch pick {
        case .first: records[0]
        case .middle: records[records.count / 2]
        case .last: records[records.count - 1]
        }
    }

    @Test(arguments: bitFlips)
    func bitFlip_inASealedSegment_isRefusedNamingTheSegmentAndTheRecordOffset(flip: BitFlip) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        try #require(fixture.segments.count > flip.segment + 1)
        let segment = fixture.segments[flip.segment]
        let record = Self.pick(flip.record, from: fixture.records(in: segment))
        let (file, position) = fixture.location(of: record)
        let byte = flip.byte >= 0 ? flip.byte : Int(record.next - record.offset) + flip.byte
        fixture.modify(file) { $0[position + byte] ^= flip.mask }
        await fixture.expectRefusal(naming: segment.name, offset: record.offset)
    }

    // MARK: Zeroed sectors

    /// Records of exactly 96 bytes, so that some 512-byte sectors of a segment
    /// begin on a record boundary (file position 32 + 5 × 96 = 512) and others
    /// inside a record. A 4 KiB segment holds 42 of them (a 4064-byte file).
    static func ninetySixByteRecords() async throws -> RecoveryFixture {
        let records = (0..<100).map { Fixtures.binary(56, seed: UInt8($0)) }
        return try await RecoveryFixture.make(options: Self.options, records: records)
    }

    /// A zeroed sector: which segment, which sector of its file (nil: its last, partial one).
    struct ZeroedSector: Sendable, CustomTestStringConvertible {
        let segment: Int
        let sector: Int?
        let label: String
        var testDescription: String { "segment \(segment): \(label)" }
    }

    static let zeroedSectors: [ZeroedSector] = [
        ZeroedSector(segment: 0, sector: 1, label: "sector 1, starting on a record boundary"),
        ZeroedSector(segment: 0, sector: 2, label: "sector 2, starting inside a record"),
        ZeroedSector(segment: 1, sector: 5, label: "sector 5, starting inside a record"),
        ZeroedSector(segment: 1, sector: 4, label: "sector 4, starting on a record boundary"),
        ZeroedSector(segment: 0, sector: nil, label: "the last sector, zeroing the segment's tail from a record boundary"),
        ZeroedSector(segment: 1, sector: nil, label: "the last sector, zeroing the segment's tail from a record boundary"),
    ]

    @Test(arguments: zeroedSectors)
    func zeroedSector_inASealedSegment_isRefusedNamingTheSegmentAndTheRecordOffset(zeroed: ZeroedSector) async throws {
        let fixture = try await Self.ninetySixByteRecords()
        try #require(fixture.segments.count > zeroed.segment + 1)
        let segment = fixture.segments[zeroed.segment]
        let file = fixture.file(segment)
        let size = fixture.directory.contents(of: file).count
        try #require(size == 32 + 42 * 96)
        let start = 512 * (zeroed.sector ?? ((size - 1) / 512))
        let firstZeroed = segment.base + UInt64(start - 32)
        let damaged = fixture.records(in: segment).last { $0.offset <= firstZeroed }!
        fixture.modify(file) { bytes in
            let end = min(start + 512, bytes.count)
            bytes.replaceSubrange(start..<end, with: repeatElement(0, count: end - start))
        }
        await fixture.expectRefusal(naming: segment.name, offset: damaged.offset)
    }

    @Test(arguments: [1, 40, 4096])
    func garbageAppended_toASealedSegment_isRefusedAtItsEnd(length: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let sealed = fixture.segments[1]
        fixture.modify(fixture.file(sealed)) { $0 += Damage.garbage(length) }
        await fixture.expectRefusal(naming: sealed.name, offset: sealed.end)
    }

    // MARK: Deep in the newest segment

    /// 1 MiB segments (all records in one, the newest) and a 16 KiB window.
    static let bigSegmentSmallWindow = Fixtures.options(segmentMaxBytes: 1 << 20, window: 16 << 10)

    @Test(arguments: [(0, 0x01 as UInt8), (5, 0x80), (30, 0x10), (60, 0x04)])
    func bitFlip_deepInTheNewestSegment_withMoreThanTheWindowAfterIt_isRefused(byte: Int, mask: UInt8) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.bigSegmentSmallWindow, count: 250)
        try #require(fixture.segments.count == 1)
        let record = fixture.appended[20]
        try #require(fixture.end - record.next > UInt64(16 << 10))
        let (file, position) = fixture.location(of: record)
        fixture.modify(file) { $0[position + byte] ^= mask }
        await fixture.expectRefusal(naming: fixture.newest.name, offset: record.offset)
    }

    @Test func zeroedSector_deepInTheNewestSegment_withMoreThanTheWindowAfterIt_isRefused() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.bigSegmentSmallWindow, count: 250)
        let file = fixture.file(fixture.newest)
        let firstZeroed = UInt64(1024 - 32)
        let damaged = fixture.appended.last { $0.offset <= firstZeroed }!
        try #require(fixture.end - firstZeroed > UInt64(16 << 10))
        fixture.modify(file) { $0.replaceSubrange(1024..<1536, with: repeatElement(0, count: 512)) }
        await fixture.expectRefusal(naming: fixture.newest.name, offset: damaged.offset)
    }

    @Test func bitFlip_inTheNewestSegment_withLessThanTheWindowAfterIt_isATornTail() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.bigSegmentSmallWindow, count: 250)
        let record = fixture.appended[240]
        let (file, position) = fixture.location(of: record)
        fixture.modify(file) { $0[position + 50] ^= 0x01 }
        #expect(try fixture.verify().exitCode == 1)
        let journal = try await fixture.open()
        #expect(journal.recoveryReport.cutTornTail)
        #expect(journal.bounds.end == record.offset)
        await journal.close()
    }

    // MARK: F8 in a sealed segment

    static let badLengthWords: [UInt32] = [0x7FFF_FFFF, 0xFFFF_FFFF, 0, 0x8000_0000, 0x00FF_FFFF, 0x0010_0000]

    @Test(arguments: badLengthWords, [Pick.first, .middle, .last])
    func hugeOrZeroLength_inASealedSegment_isRefusedWithoutTrustingIt(lengthWord: UInt32, pick: Pick) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let segment = fixture.segments[1]
        let record = Self.pick(pick, from: fixture.records(in: segment))
        let (file, position) = fixture.location(of: record)
        fixture.modify(file) { $0.replaceSubrange(position..<position + 4, with: Damage.littleEndian(lengthWord)) }
        await fixture.expectRefusal(naming: segment.name, offset: record.offset)
    }

    // MARK: F9: a valid record at the wrong offset

    /// (source, target): the source record's bytes overwrite the target record (same size).
    static let misplacedCopies: [(source: Int, target: Int)] = [(3, 5), (5, 3), (12, 40), (40, 12), (1, 2)]

    @Test(arguments: misplacedCopies)
    func recordCopiedToAnotherOffset_inASealedSegment_isDetected(source: Int, target: Int) async throws {
        let fixture = try await RecoveryFixture.make(options: Self.options, count: 80)
        let from = fixture.appended[source], to = fixture.appended[target]
        try #require(from.next - from.offset == to.next - to.offset)
        let segment = fixture.segment(holding: to.offset)
        try #require(segment != fixture.newest)
        let bytes = fixture.bytes(of: from)
        let (file, position) = fixture.location(of: to)
        fixture.modify(file) { $0.replaceSubrange(position..<position + bytes.count, with: bytes) }
        await fixture.expectRefusal(naming: segment.name, offset: to.offset)
    }

    @Test func recordCopiedToAnotherOffset_deepInTheNewestSegment_isDetected() async throws {
        let fixture = try await RecoveryFixture.make(options: Self.bigSegmentSmallWindow, count: 250)
        let from = fixture.appended[3], to = fixture.appended[5]
        let bytes = fixture.bytes(of: from)
        let (file, position) = fixture.location(of: to)
        fixture.modify(file) { $0.replaceSubrange(position..<position + bytes.count, with: bytes) }
        await fixture.expectRefusal(naming: fixture.newest.name, offset: to.offset)
    }
}
