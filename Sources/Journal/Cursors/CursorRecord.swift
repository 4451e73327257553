import Checksums

/// A cursor file's 20 bytes: `magic "STELECUR" (8) | offset u64 LE | crc32c u32 LE of the 16 before it`.
package struct CursorRecord: Equatable, Sendable {
    package static let size = 20
    static let magic: [UInt8] = Array("STELECUR".utf8)

    package let offset: UInt64

    package init(offset: UInt64) {
        self.offset = offset
    }

    package var encoded: [UInt8] {
        var bytes = Self.magic + [UInt8](repeating: 0, count: 12)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: offset.littleEndian, toByteOffset: 8, as: UInt64.self)
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<16]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 16, as: UInt32.self)
        }
        return bytes
    }

    /// Decodes a cursor file's contents, or nil if they are not a valid cursor.
    package init?(decoding bytes: [UInt8]) {
        guard bytes.count == Self.size, bytes.prefix(8).elementsEqual(Self.magic) else { return nil }
        let valid = bytes.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<16]))
                == UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
        guard valid else { return nil }
        offset = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
    }
}
