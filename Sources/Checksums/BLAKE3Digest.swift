/// A 32-byte BLAKE3 output: the default-length hash, keyed hash or derived
/// key.
///
/// Promises:
/// - The bytes are stored inline (`MemoryLayout<BLAKE3Digest>.size == 32`):
///   creating, copying, comparing and hashing a digest never allocates.
/// - Equality is byte equality; `hex` and `description` are the 64-character
///   lowercase hexadecimal form of the bytes in order, and `init?(hex:)`
///   inverts it (accepting either case).
public struct BLAKE3Digest: Hashable, Sendable, CustomStringConvertible {
    /// The size of a digest in bytes.
    public static let byteCount = 32

    // Bytes 0-7, 8-15, 16-23 and 24-31, each group read as a little-endian
    // integer, so the in-memory form on little-endian hosts is the bytes.
    @usableFromInline var word0: UInt64
    @usableFromInline var word1: UInt64
    @usableFromInline var word2: UInt64
    @usableFromInline var word3: UInt64

    /// Creates a digest from exactly 32 bytes.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == Self.byteCount, "a BLAKE3 digest is 32 bytes, got \(bytes.count)")
        word0 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        word1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        word2 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        word3 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Parses 64 hexadecimal digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var index = 0
        var high: UInt8 = 0
        for character in hex.utf8 {
            guard index < 2 * Self.byteCount, let nibble = Self.nibble(character) else { return nil }
            if index % 2 == 0 {
                high = nibble
            } else {
                let byte = UInt64(high << 4 | nibble)
                let byteIndex = index / 2
                let shift = UInt64(8 * (byteIndex % 8))
                switch byteIndex / 8 {
                case 0: words.0 |= byte << shift
                case 1: words.1 |= byte << shift
                case 2: words.2 |= byte << shift
                default: words.3 |= byte << shift
                }
            }
            index += 1
        }
        guard index == 2 * Self.byteCount else { return nil }
        (word0, word1, word2, word3) = words
    }

    /// Calls `body` with the 32 bytes of the digest.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bytes = (word0.littleEndian, word1.littleEndian, word2.littleEndian, word3.littleEndian)
        return try Swift.withUnsafeBytes(of: &bytes) { try body($0) }
    }

    /// The 64-character lowercase hexadecimal form.
    public var hex: String {
        String(unsafeUninitializedCapacity: 2 * Self.byteCount) { characters in
            writeHex(into: characters)
            return 2 * Self.byteCount
        }
    }

    public var description: String { hex }

    /// Appends the 64-character lowercase hexadecimal form to `output`,
    /// without making a `String` (for responses built byte by byte).
    /// The digits are made in a stack buffer and appended in one copy: a read
    /// of 100 records spent an eighth of its CPU time here when each digit was
    /// appended on its own.
    public func appendHex(to output: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * Self.byteCount) { characters in
            writeHex(into: characters)
            output.append(contentsOf: characters)
        }
    }

    /// Writes the 64 lowercase hexadecimal digits into `characters` (64 bytes).
    private func writeHex(into characters: UnsafeMutableBufferPointer<UInt8>) {
        withUnsafeBytes { bytes in
            for index in 0..<Self.byteCount {
                let byte = bytes[index]
                characters[2 * index] = Self.hexDigit(byte >> 4)
                characters[2 * index + 1] = Self.hexDigit(byte & 0x0F)
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
