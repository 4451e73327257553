/// Segment file names: the base offset as 16 lowercase hex digits, then `.wal`.
package enum SegmentName {
    package static let suffix = ".wal"

    /// `0000000004000000.wal` for base 0x4000000.
    package static func fileName(base: UInt64) -> String {
        let hex = String(base, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + suffix
    }

    /// The base offset a segment file name stands for, or nil if the name is not one.
    package static func base(fromFileName name: String) -> UInt64? {
        guard name.utf8.count == 16 + suffix.utf8.count, name.hasSuffix(suffix) else { return nil }
        let digits = name.prefix(16)
        guard digits.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(digits, radix: 16)
    }
}
