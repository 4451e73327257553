/// Byte-level helpers for the ASCII tokens of HTTP (header names, media
/// types, schemes): compared without regard to ASCII case and trimmed of
/// optional whitespace, without building new strings.
package enum ASCIIText {
    /// Whether `a` and `b` are equal when ASCII letters are folded to lower case.
    @inlinable
    package static func equalIgnoringCase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let left = a.utf8, right = b.utf8
        guard left.count == right.count else { return false }
        var other = right.makeIterator()
        for x in left {
            guard let y = other.next() else { return false }
            if x != y, lowered(x) != lowered(y) { return false }
        }
        return true
    }

    /// `byte` with an ASCII capital letter turned into its small letter.
    @inlinable
    package static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `text` without the spaces and tabs at either end (HTTP's optional whitespace).
    @inlinable
    package static func trimmed(_ text: Substring) -> Substring {
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return text[start..<end]
    }

    /// The part of `text` before the first `separator`, trimmed (a media type's essence, a list item).
    @inlinable
    package static func field(_ text: Substring, before separator: UInt8) -> Substring {
        let bytes = text.utf8
        let end = bytes.firstIndex(of: separator) ?? bytes.endIndex
        return trimmed(text[bytes.startIndex..<end])
    }

    @inlinable
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
