import Checksums
import Journal
import Testing

@Suite struct RecordFormatTests {
    @Test func recordHeader_roundTripsThroughItsFortyBytes() {
        let payload: [UInt8] = Array(#"{"a":1}"#.utf8)
        let digest = payload.withUnsafeBytes { BLAKE3Hasher.hash($0) }
        let header = RecordHeader(payloadLength: payload.count, isJSON: true, checksum: 0xDEAD_BEEF, digest: digest)
        var bytes = [UInt8](repeating: 0, count: 40)
        bytes.withUnsafeMutableBytes { header.encode(into: $0) }
        #expect(bytes[0..<4] == [7, 0, 0, 0x80])  // length 7, JSON flag in the top bit, little-endian
        #expect(bytes[4..<8] == [0xEF, 0xBE, 0xAD, 0xDE])
        let decoded = bytes.withUnsafeBytes { RecordHeader(decoding: $0) }
        #expect(decoded == header)
    }

    @Test func recordChecksum_isBoundToTheRecordsOffset() {
        let payload: [UInt8] = [1, 2, 3]
        let digest = payload.withUnsafeBytes { BLAKE3Hasher.hash($0) }
        let here = payload.withUnsafeBytes {
            RecordHeader.checksum(offset: 0, lengthWord: 3, digest: digest, payload: $0)
        }
        let there = payload.withUnsafeBytes {
            RecordHeader.checksum(offset: 43, lengthWord: 3, digest: digest, payload: $0)
        }
        #expect(here != there)
    }

    @Test func recordChecksum_coversOffsetLengthWordDigestAndPayloadInThatOrder() {
        let payload: [UInt8] = Array("stele".utf8)
        let digest = payload.withUnsafeBytes { BLAKE3Hasher.hash($0) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(4096).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(5).littleEndian) { bytes += $0 }
        digest.withUnsafeBytes { bytes += $0 }
        bytes += payload
        let expected = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        let actual = payload.withUnsafeBytes {
            RecordHeader.checksum(offset: 4096, lengthWord: 5, digest: digest, payload: $0)
        }
        #expect(actual == expected)
    }

    @Test func segmentHeader_encodesTheDesignLayout() {
        let bytes = SegmentHeader(baseOffset: 0x0102_0304_0506_0708).encoded
        #expect(bytes.count == 32)
        #expect(Array(bytes[0..<8]) == Array("STELEWAL".utf8))
        #expect(Array(bytes[8..<12]) == [2, 0, 0, 0])
        #expect(Array(bytes[12..<16]) == [32, 0, 0, 0])
        #expect(Array(bytes[16..<24]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[24..<28]) == [0, 0, 0, 0])
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<28])) }
        #expect(Array(bytes[28..<32]) == withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        #expect(bytes.withUnsafeBytes { SegmentHeader.decode($0) } == .success(SegmentHeader(baseOffset: 0x0102_0304_0506_0708)))
    }

    @Test(arguments: [0, 8, 12, 16, 24, 28])
    func segmentHeader_withAnyFieldChanged_isRefused(byte: Int) {
        var bytes = SegmentHeader(baseOffset: 4096).encoded
        bytes[byte] ^= 0x01
        guard case .failure = bytes.withUnsafeBytes({ SegmentHeader.decode($0) }) else {
            Issue.record("a damaged header decoded")
            return
        }
    }

    @Test func segmentNames_areSixteenHexDigitsOfTheBaseOffset() {
        #expect(SegmentName.fileName(base: 0) == "0000000000000000.wal")
        #expect(SegmentName.fileName(base: 0x4000000) == "0000000004000000.wal")
        #expect(SegmentName.base(fromFileName: "0000000004000000.wal") == 0x4000000)
        #expect(SegmentName.base(fromFileName: "000000000400000.wal") == nil)
        #expect(SegmentName.base(fromFileName: "000000000400000G.wal") == nil)
        #expect(SegmentName.base(fromFileName: "0000000004000000.wal.tmp") == nil)
        #expect(SegmentName.base(fromFileName: "00000000040000AB.wal") == nil)
    }

    @Test func sparseIndex_findsTheNearestEntryAtOrBefore() {
        var index = SparseIndex()
        var position: UInt64 = 0
        var positions: [UInt64] = []
        for _ in 0..<1000 {
            index.noteRecord(at: position)
            positions.append(position)
            position += 300
        }
        #expect(index.entryCount < 100)
        for probe in stride(from: UInt64(0), to: position, by: 77) {
            let entry = index.entry(atOrBefore: probe)
            #expect(entry <= probe)
            #expect(positions.contains(entry))
            #expect(probe - entry < SparseIndex.stride + 300)
        }
    }

    @Test func cursorRecord_roundTripsAndRefusesDamage() {
        let bytes = CursorRecord(offset: 123_456).encoded
        #expect(bytes.count == 20)
        #expect(CursorRecord(decoding: bytes) == CursorRecord(offset: 123_456))
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x10
            #expect(CursorRecord(decoding: damaged) == nil)
        }
    }

    @Test(arguments: ["a", "reader-1", "A.b_c", String(repeating: "x", count: 128), "a..b"])
    func cursorName_acceptsTheDocumentedAlphabet(name: String) throws {
        #expect(try CursorName(name).rawValue == name)
    }

    @Test(arguments: ["", ".", "..", "...", "a/b", "a\u{0}", "é", String(repeating: "x", count: 129), "a b", "%2e"])
    func cursorName_refusesEverythingElse(name: String) {
        #expect(throws: JournalError.invalidCursorName(name)) { try CursorName(name) }
    }
}
