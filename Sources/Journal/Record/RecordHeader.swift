package import Checksums

/// The 40 bytes in front of every payload:
/// `[length word:u32 LE][crc32c:u32 LE][blake3:32]`.
package struct RecordHeader: Equatable, Sendable {
    /// The payload length (low 31 bits of the length word).
    package var payloadLength: Int
    /// Whether the payload was validated as JSON on append (top bit of the length word).
    package var isJSON: Bool
    /// CRC32C of: global offset (u64 LE), length word, blake3, payload.
    package var checksum: UInt32
    /// BLAKE3-256 of the payload as the client sent it.
    package var digest: BLAKE3Digest

    package init(payloadLength: Int, isJSON: Bool, checksum: UInt32, digest: BLAKE3Digest) {
        self.payloadLength = payloadLength
        self.isJSON = isJSON
        self.checksum = checksum
        self.digest = digest
    }

    /// The length word as stored: the length with the JSON flag in its top bit.
    package var lengthWord: UInt32 {
        UInt32(payloadLength) | (isJSON ? RecordFormat.jsonFlag : 0)
    }

    /// The whole record's size on disk.
    package var recordSize: Int { RecordFormat.headerSize + payloadLength }

    /// Reads a header from the first 40 bytes of `bytes`.
    package init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= RecordFormat.headerSize)
        let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        payloadLength = Int(word & RecordFormat.lengthMask)
        isJSON = word & RecordFormat.jsonFlag != 0
        checksum = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        digest = BLAKE3Digest(bytes: UnsafeRawBufferPointer(rebasing: bytes[8..<40]))
    }

    /// Writes the header into the first 40 bytes of `bytes`.
    package func encode(into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= RecordFormat.headerSize)
        bytes.storeBytes(of: lengthWord.littleEndian, toByteOffset: 0, as: UInt32.self)
        bytes.storeBytes(of: checksum.littleEndian, toByteOffset: 4, as: UInt32.self)
        digest.withUnsafeBytes { digestBytes in
            UnsafeMutableRawBufferPointer(rebasing: bytes[8..<40]).copyMemory(from: digestBytes)
        }
    }

    /// The CRC32C that binds a record to its global offset: over the offset
    /// (u64 LE), the length word, the blake3 and the payload as stored.
    package static func checksum(
        offset: UInt64, lengthWord: UInt32, digest: BLAKE3Digest, payload: UnsafeRawBufferPointer
    ) -> UInt32 {
        // The offset, the length word and the BLAKE3 laid end to end: one call for their 44 bytes.
        var prefix: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        let crc = withUnsafeMutableBytes(of: &prefix) { raw in
            raw.storeBytes(of: offset.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: lengthWord.littleEndian, toByteOffset: 8, as: UInt32.self)
            digest.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[12..<44]).copyMemory(from: $0) }
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<44]))
        }
        return CRC32C.checksum(payload, continuing: crc)
    }
}
