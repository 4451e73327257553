import CChecksums
import Checksums
import Testing

/// CRC32C against RFC 3720 and against itself (hardware vs portable,
/// one-shot vs continued, aligned vs misaligned).
@Suite("CRC32C")
struct CRC32CTests {
    typealias Implementation = @Sendable (UInt32, UnsafeRawPointer?, Int) -> UInt32

    /// Each implementation the CPU has, plus the dispatching entry point.
    static let implementations: [(name: String, function: Implementation)] = {
        var list: [(name: String, function: Implementation)] = [
            ("dispatch", { stele_crc32c($0, $1, $2) }),
            ("portable", { stele_crc32c_portable($0, $1, $2) }),
        ]
        if stele_crc32c_has_hardware() {
            list.append(("hardware", { stele_crc32c_hardware($0, $1, $2) }))
            list.append(("hardware lanes", { stele_crc32c_hardware_lanes($0, $1, $2) }))
            list.append(("hardware folding", { stele_crc32c_hardware_folding($0, $1, $2) }))
        }
        return list
    }()

    struct CheckValue: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let crc: UInt32
        var testDescription: String { name }
    }

    /// RFC 3720 appendix B.4. The RFC prints each CRC as the bytes sent on
    /// the wire, least significant first: "aa 36 91 8a" is 0x8A9136AA.
    static let rfc3720CheckValues: [CheckValue] = {
        var readCommandPDU = [UInt8](repeating: 0, count: 48)
        for (offset, byte) in [(0, 0x01), (1, 0xC0), (16, 0x14), (22, 0x04), (27, 0x14), (31, 0x18), (32, 0x28),
                               (40, 0x02)] {
            readCommandPDU[offset] = UInt8(byte)
        }
        return [
            CheckValue(name: "32 bytes of zeros", bytes: [UInt8](repeating: 0, count: 32), crc: 0x8A91_36AA),
            CheckValue(name: "32 bytes of ones", bytes: [UInt8](repeating: 0xFF, count: 32), crc: 0x62A8_AB43),
            CheckValue(name: "32 ascending bytes", bytes: (0..<32).map { UInt8($0) }, crc: 0x46DD_794E),
            CheckValue(name: "32 descending bytes", bytes: (0..<32).reversed().map { UInt8($0) }, crc: 0x113F_DB5C),
            CheckValue(name: "iSCSI SCSI Read (10) command PDU", bytes: readCommandPDU, crc: 0xD996_3A56),
        ]
    }()

    @Test(arguments: rfc3720CheckValues)
    func crc32c_matchesRFC3720CheckValues(_ vector: CheckValue) {
        for implementation in Self.implementations {
            let crc = vector.bytes.withUnsafeBytes { implementation.function(0, $0.baseAddress, $0.count) }
            #expect(crc == vector.crc, "\(implementation.name)")
        }
        #expect(CRC32C.checksum(vector.bytes) == vector.crc)
    }

    @Test func crc32c_matchesCatalogueCheckValue_for123456789() {
        let bytes = Array("123456789".utf8)
        for implementation in Self.implementations {
            let crc = bytes.withUnsafeBytes { implementation.function(0, $0.baseAddress, $0.count) }
            #expect(crc == 0xE306_9283, "\(implementation.name)")
        }
        #expect(CRC32C.checksum(bytes) == 0xE306_9283)
    }

    @Test func crc32c_ofNothing_isTheStartingValue() {
        #expect(CRC32C.checksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(CRC32C.checksum([UInt8](), continuing: 0x1234_5678) == 0x1234_5678)
    }

    @Test(.enabled(if: stele_crc32c_has_hardware(), "needs SSE4.2 and PCLMULQDQ"))
    func crc32c_bothHardwareKernelsEqualPortable_onRandomInputsOfRandomLengths() {
        var random = SeededGenerator(seed: 0xC3C3_2C01)
        // Around the lanes' block sizes (768, 12288) and folding's minimum (256) and 64-byte steps.
        var lengths = Array(0...100) + [767, 768, 769, 12287, 12288, 12289, 12288 + 768, 70_000]
        lengths += [255, 256, 257, 319, 320, 321, 383, 384, 1023, 1024, 1025]
        // Around where folding adds a table stream (8 KiB) and its 136-byte steps.
        lengths += [8191, 8192, 8193, 8192 + 135, 8192 + 136, 8192 + 137, 64 + 136 * 61, 64 + 136 * 61 + 199]
        for _ in 0..<300 { lengths.append(Int.random(in: 0...70_000, using: &random)) }
        for length in lengths {
            let bytes = random.bytes(length)
            let start = UInt32(truncatingIfNeeded: random.next())
            bytes.withUnsafeBytes { buffer in
                let portable = stele_crc32c_portable(start, buffer.baseAddress, buffer.count)
                let lanes = stele_crc32c_hardware_lanes(start, buffer.baseAddress, buffer.count)
                let folding = stele_crc32c_hardware_folding(start, buffer.baseAddress, buffer.count)
                let hardware = stele_crc32c_hardware(start, buffer.baseAddress, buffer.count)
                #expect(lanes == portable, "lanes: length \(length), start \(start)")
                #expect(folding == portable, "folding: length \(length), start \(start)")
                #expect(hardware == portable, "length \(length), start \(start)")
            }
        }
    }

    /// Long messages are folded beside a table stream whose CRC is moved
    /// past the rest by one multiplication per set bit of its length: step
    /// counts of all ones (2^k - 1) use every constant up to 2^k steps.
    @Test(.enabled(if: stele_crc32c_has_hardware(), "needs SSE4.2 and PCLMULQDQ"))
    func crc32c_foldingEqualsPortable_onMessagesOfUpToFiveMebibytes() {
        var random = SeededGenerator(seed: 0xC3C3_2C05)
        var lengths = (6...15).map { 64 + 136 * ((1 << $0) - 1) + Int.random(in: 0..<136, using: &random) }
        for _ in 0..<4 { lengths.append(Int.random(in: 1 << 20...5 << 20, using: &random)) }
        let bytes = random.bytes(lengths.max()!)
        bytes.withUnsafeBytes { buffer in
            for length in lengths {
                let start = UInt32(truncatingIfNeeded: random.next())
                let portable = stele_crc32c_portable(start, buffer.baseAddress, length)
                let folding = stele_crc32c_hardware_folding(start, buffer.baseAddress, length)
                #expect(folding == portable, "length \(length), start \(start)")
            }
        }
    }

    @Test func crc32c_continuingAtAnySplit_equalsOneShot() {
        var random = SeededGenerator(seed: 0xC3C3_2C02)
        for _ in 0..<200 {
            let bytes = random.bytes(Int.random(in: 0...70_000, using: &random))
            let whole = CRC32C.checksum(bytes)
            // One split at a random point, then several random pieces.
            let split = Int.random(in: 0...bytes.count, using: &random)
            let continued = CRC32C.checksum(bytes[split...], continuing: CRC32C.checksum(bytes[..<split]))
            #expect(continued == whole, "split at \(split) of \(bytes.count)")
            for implementation in Self.implementations {
                var crc: UInt32 = 0
                var offset = 0
                bytes.withUnsafeBytes { buffer in
                    while offset < buffer.count {
                        let end = min(buffer.count, offset + Int.random(in: 1...5000, using: &random))
                        let piece = UnsafeRawBufferPointer(rebasing: buffer[offset..<end])
                        crc = implementation.function(crc, piece.baseAddress, piece.count)
                        offset = end
                    }
                }
                #expect(crc == whole, "\(implementation.name), \(bytes.count) bytes in pieces")
            }
        }
    }

    @Test func crc32c_doesNotDependOnTheStartAddressAlignment() {
        var random = SeededGenerator(seed: 0xC3C3_2C03)
        let length = 40_000
        let storage = random.bytes(length + 64)
        storage.withUnsafeBytes { buffer in
            let reference = stele_crc32c_portable(0, buffer.baseAddress! + 0, length)
            for misalignment in 0..<64 {
                // Copy the same bytes to start `misalignment` bytes past a 64-byte boundary.
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: length + 128, alignment: 64)
                defer { scratch.deallocate() }
                let start = scratch.baseAddress! + misalignment
                start.copyMemory(from: buffer.baseAddress!, byteCount: length)
                for implementation in Self.implementations {
                    for size in [length, 1000, 77, 8, 3] {
                        let expected = stele_crc32c_portable(0, buffer.baseAddress!, size)
                        #expect(implementation.function(0, start, size) == expected,
                                "\(implementation.name), offset \(misalignment), \(size) bytes")
                    }
                }
                #expect(stele_crc32c(0, start, length) == reference)
            }
        }
    }
}
