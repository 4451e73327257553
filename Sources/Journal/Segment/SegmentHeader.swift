import Checksums

/// The 32 bytes at the start of every segment file, little-endian:
/// `magic "STELEWAL" (8) | version u32 = 2 | header_size u32 = 32 |
///  base_offset u64 | reserved u32 = 0 | crc32c u32 of the 28 bytes before it`.
package struct SegmentHeader: Equatable, Sendable {
    package static let size = 32
    package static let version: UInt32 = 2
    package static let magic: [UInt8] = Array("STELEWAL".utf8)

    /// The global offset of the segment's first record.
    package let baseOffset: UInt64

    package init(baseOffset: UInt64) {
        self.baseOffset = baseOffset
    }

    /// Why a header failed to decode.
    package enum Defect: Error, Equatable, Sendable, CustomStringConvertible {
        case badMagic, unsupportedVersion(UInt32), badHeaderSize(UInt32), nonZeroReserved, checksumMismatch

        package var description: String {
            switch self {
            case .badMagic: "bad magic"
            case .unsupportedVersion(let v): "unsupported format version \(v)"
            case .badHeaderSize(let s): "header size \(s), expected 32"
            case .nonZeroReserved: "reserved field is not zero"
            case .checksumMismatch: "header crc mismatch"
            }
        }
    }

    /// Decodes and verifies the first 32 bytes of `bytes`.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<SegmentHeader, Defect> {
        precondition(bytes.count >= size)
        guard bytes.prefix(8).elementsEqual(magic) else { return .failure(.badMagic) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28])) == stored else {
            return .failure(.checksumMismatch)
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version else { return .failure(.unsupportedVersion(version)) }
        let headerSize = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard headerSize == UInt32(size) else { return .failure(.badHeaderSize(headerSize)) }
        guard bytes.loadUnaligned(fromByteOffset: 24, as: UInt32.self) == 0 else { return .failure(.nonZeroReserved) }
        let base = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        return .success(SegmentHeader(baseOffset: base))
    }

    /// The header's 32 bytes.
    package var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: Self.magic)
            raw.storeBytes(of: Self.version.littleEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(Self.size).littleEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: baseOffset.littleEndian, toByteOffset: 16, as: UInt64.self)
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<28]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 28, as: UInt32.self)
        }
        return bytes
    }
}
