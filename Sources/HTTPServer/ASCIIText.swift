/// Byte-level helpers for the ASCII tokens of HTTP (header names, media
/// types, schemes): compared without regard to ASCII case and trimmed of
/// optional whitespace, without building new strings. Concrete (not generic)
/// so that callers in other modules get the fast path without specialization.
package enum ASCIIText {
    /// Whether `a` and `b` are equal when ASCII letters are folded to lower case.
    package static func equalIgnoringCase(_ a: String, _ b: String) -> Bool {
        equalIgnoringCase(a[...], b)
    }

    /// Whether `a` and `b` are equal when ASCII letters are folded to lower case.
    package static func equalIgnoringCase(_ a: Substring, _ b: String) -> Bool {
        let left = a.utf8, right = b.utf8
        guard left.count == right.count else { return false }
        let fast = left.withContiguousStorageIfAvailable { x in
            right.withContiguousStorageIfAvailable { y in equalIgnoringCase(x, y) }
        }
        if let fast, let result = fast { return result }
        return zip(left, right).allSatisfy { $0 == $1 || lowered($0) == lowered($1) }
    }

    private static func equalIgnoringCase(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<x.count where x[index] != y[index] {
            if lowered(x[index]) != lowered(y[index]) { return false }
        }
        return true
    }

    /// `byte` with an ASCII capital letter turned into its small letter.
    @inline(__always)
    static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `text` without the spaces and tabs at either end (HTTP's optional whitespace).
    package static func trimmed(_ text: Substring) -> Substring {
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return text[start..<end]
    }

    /// The part of `text` before the first `separator`, trimmed (a media type's essence, a list item).
    package static func field(_ text: Substring, before separator: UInt8) -> Substring {
        let bytes = text.utf8
        let end = bytes.firstIndex(of: separator) ?? bytes.endIndex
        return trimmed(text[bytes.startIndex..<end])
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
