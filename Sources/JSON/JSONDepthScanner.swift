/// A single pass over raw bytes, before jansson sees them, for what jansson
/// does not check: nesting deeper than the caller allows (found without
/// recursion, so 10,000 open brackets cost 10,000 steps), and NUL bytes, which
/// jansson takes for the end of its input when they follow the value.
///
/// It tracks only whether it is inside a string; everything else is left to
/// jansson. On malformed input it may report a finding jansson would have
/// reported differently, but it never passes input jansson would refuse for
/// depth, and on well-formed input its string tracking is exact.
enum JSONDepthScanner {
    /// The first problem found: `reason` is `.tooDeep` or `.nulCharacter`, and
    /// `offset` the byte where it was found.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int
    ) -> (reason: JSONValidation.Failure.Reason, offset: Int)? {
        let count = bytes.count
        var depth = 0
        var index = 0
        while index < count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                while index < count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { break }
                    if byte == 0 { return (.nulCharacter, index) }
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        if index < count && bytes[index] == 0 { return (.nulCharacter, index) }
                    }
                    index += 1
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return (.tooDeep, index) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            case 0:
                return (.nulCharacter, index)
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
