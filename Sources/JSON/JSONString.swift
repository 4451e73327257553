/// Writes JSON string literals by hand (RFC 8259, section 7), for response
/// paths that assemble their bytes without building a ``JSONValue``.
package enum JSONString {
    /// Appends `string` to `output` as a quoted JSON string: `"` and `\` are
    /// escaped, control characters U+0000–U+001F become `\b \t \n \f \r` or
    /// `\u00XX`, and every other character is copied as UTF-8 (so U+007F, `/`
    /// and non-ASCII text are written as they are).
    package static func appendQuoted(_ string: some StringProtocol, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + string.utf8.count + 2)
        output.append(UInt8(ascii: "\""))
        let copied: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            appendEscaped(utf8, to: &output)
        }
        if copied == nil {
            var contiguous = String(string)
            contiguous.withUTF8 { appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `string` as a quoted JSON string to a new array.
    package static func quoted(_ string: some StringProtocol) -> [UInt8] {
        var output: [UInt8] = []
        appendQuoted(string, to: &output)
        return output
    }

    /// Copies runs of bytes that need no escape in one step, and escapes the rest.
    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            appendEscape(for: byte, to: &output)
            runStart = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    /// The escape sequence for one ASCII byte that may not appear raw in a string.
    private static func appendEscape(for byte: UInt8, to output: inout [UInt8]) {
        let short: UInt8?
        switch byte {
        case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
        case 0x08: short = UInt8(ascii: "b")
        case 0x09: short = UInt8(ascii: "t")
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0C: short = UInt8(ascii: "f")
        case 0x0D: short = UInt8(ascii: "r")
        default: short = nil
        }
        if let short {
            output.append(UInt8(ascii: "\\"))
            output.append(short)
            return
        }
        // Only bytes below 0x20 get here: the high digit is 0 or 1.
        let low = byte & 0x0F
        output.append(contentsOf: [
            UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
            UInt8(ascii: "0") + (byte >> 4), low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10,
        ])
    }
}
