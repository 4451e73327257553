/// Why the bytes at a position are not a valid record.
package enum RecordDefect: Equatable, Sendable, CustomStringConvertible {
    /// A length word of zero: empty payloads are never written (all-zero space reads as this).
    case zeroLength
    case lengthTooLarge(Int)
    /// The record claims more bytes than the file holds.
    case truncated(needed: Int, available: Int)
    case checksumMismatch
    case digestMismatch

    package var description: String {
        switch self {
        case .zeroLength: "zero length word"
        case .lengthTooLarge(let length): "length \(length) exceeds the format's limit"
        case .truncated(let needed, let available): "record needs \(needed) bytes, file has \(available)"
        case .checksumMismatch: "crc mismatch"
        case .digestMismatch: "blake3 mismatch"
        }
    }
}
