extension JSONValidation {
    /// Why a payload is not acceptable JSON: a stable ``Reason`` for programs, and
    /// where it went wrong with a human-readable text (jansson's, where jansson found it).
    ///
    /// `line` is 1-based; `position` counts the bytes read up to and including the
    /// offending one; `column` counts the characters (not bytes) of that line read
    /// so far. jansson reports its findings the same way.
    package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        package let reason: Reason
        package let line: Int
        package let column: Int
        package let position: Int
        package let text: String

        package init(reason: Reason, line: Int, column: Int, position: Int, text: String) {
            self.reason = reason
            self.line = line
            self.column = column
            self.position = position
            self.text = text
        }

        /// A failure found at byte `offset` of `bytes` by Stele's own checks.
        init(reason: Reason, text: String, offset: Int, in bytes: UnsafeRawBufferPointer) {
            var line = 1
            var column = 0
            let end = min(offset, bytes.count - 1)
            if end >= 0 {
                for index in 0...end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\n") && index < end {
                        line += 1
                        column = 0
                    } else if byte & 0xC0 != 0x80 {
                        column += 1  // not a UTF-8 continuation byte: a new character
                    }
                }
            }
            self.init(reason: reason, line: line, column: column, position: max(end + 1, 0), text: text)
        }

        package var description: String {
            "invalid JSON (\(reason.rawValue)) at line \(line), column \(column): \(text)"
        }
    }
}
