import CJansson

extension JSONValidation {
    /// Turns jansson's error into a ``Failure`` with a stable reason.
    ///
    /// jansson reports most problems with its own code (`json_error_code`); two
    /// need a second look at the bytes: an unpaired surrogate escape comes back as
    /// plain `json_error_invalid_syntax`, and an empty document as "premature end
    /// of input" just like a truncated one.
    static func failure(from error: json_error_t, in bytes: UnsafeRawBufferPointer) -> Failure {
        var error = error
        let text = withUnsafeBytes(of: error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let position = Int(error.position)
        let reason: Failure.Reason
        switch json_error_code_shim(&error) {
        case json_error_out_of_memory: reason = .outOfMemory
        case json_error_stack_overflow: reason = .tooDeep
        case json_error_invalid_utf8: reason = .invalidUTF8
        case json_error_premature_end_of_input: reason = isWhitespace(bytes) ? .empty : .truncated
        case json_error_end_of_input_expected: reason = .trailingData
        case json_error_null_character, json_error_null_byte_in_key: reason = .nulCharacter
        case json_error_duplicate_key: reason = .duplicateKey
        case json_error_numeric_overflow: reason = .numberOutOfRange
        case json_error_invalid_syntax:
            if let start = firstLoneSurrogateEscape(in: bytes), start < position {
                reason = .loneSurrogate
            } else {
                reason = .syntax
            }
        default: reason = .syntax
        }
        return Failure(
            reason: reason, line: Int(error.line), column: Int(error.column), position: position,
            text: reason == .empty ? "no JSON value (only whitespace)" : text)
    }

    /// Whether `bytes` holds nothing but JSON whitespace.
    private static func isWhitespace(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// The offset of the first `\u` escape, inside a string, that encodes a
    /// surrogate not paired as high-then-low; `nil` if there is none.
    ///
    /// Only called after jansson has refused the input, and only trusted before
    /// jansson's error position, where the bytes are known to lex as JSON.
    private static func firstLoneSurrogateEscape(in bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                inString = byte == UInt8(ascii: "\"")
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = false
                index += 1
            case UInt8(ascii: "\\"):
                guard let unit = unicodeEscape(in: bytes, at: index) else {
                    index += 2  // a one-character escape such as \n or \"
                    continue
                }
                switch unit {
                case 0xD800...0xDBFF:
                    guard let next = unicodeEscape(in: bytes, at: index + 6), (0xDC00...0xDFFF).contains(next)
                    else { return index }
                    index += 12
                case 0xDC00...0xDFFF:
                    return index
                default:
                    index += 6
                }
            default:
                index += 1
            }
        }
        return nil
    }

    /// The code unit of a well-formed `\uXXXX` escape starting at `offset`, or `nil`.
    private static func unicodeEscape(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16? {
        guard offset + 6 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
        else { return nil }
        var unit: UInt16 = 0
        for byte in bytes[(offset + 2)..<(offset + 6)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }
}
