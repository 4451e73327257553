extension JSONValidation.Failure {
    /// What kind of problem a payload has. The raw values are stable and may be
    /// shown to clients (for example as a problem-details extension member).
    package enum Reason: String, Sendable, Hashable, CaseIterable {
        /// No value at all: zero bytes, or only whitespace.
        case empty
        /// The input ends inside a value (`{"a":1`, `"abc`, `[1,`).
        case truncated
        /// Anything else the JSON grammar refuses: bad tokens, bad escapes,
        /// unescaped control characters in strings, a byte-order mark.
        case syntax
        /// More than one value, or something that is not whitespace after the value (`{} {}`).
        case trailingData
        /// Bytes that are not well-formed UTF-8 (overlong forms, 0xFF, a truncated
        /// sequence, a UTF-16 surrogate encoded in UTF-8 such as `ED A0 80`).
        case invalidUTF8
        /// A `\u` escape of a surrogate that is not half of a high-low pair.
        case loneSurrogate
        /// A raw NUL byte, or the escape `\u0000` (in a string or a key).
        case nulCharacter
        /// Arrays and objects nested deeper than allowed.
        case tooDeep
        /// An integer outside `Int64`, or a real too large for a `Double`.
        case numberOutOfRange
        /// The same key twice in one object.
        case duplicateKey
        /// jansson could not allocate memory: the server's problem, not the client's.
        case outOfMemory
    }
}
