import JSON

/// One named input for a table-driven test, with the reason it must be refused
/// (or `nil` when it must be accepted).
struct TestInput: Sendable, CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    let reason: JSONValidation.Failure.Reason?

    init(_ name: String, _ text: String, _ reason: JSONValidation.Failure.Reason? = nil) {
        self.init(name, Array(text.utf8), reason)
    }

    init(_ name: String, _ bytes: [UInt8], _ reason: JSONValidation.Failure.Reason? = nil) {
        self.name = name
        self.bytes = bytes
        self.reason = reason
    }

    var description: String { name }

    /// `[[[…0…]]]`, `count` arrays deep.
    static func nestedArrays(_ count: Int) -> [UInt8] {
        Array(repeating: UInt8(ascii: "["), count: count) + [UInt8(ascii: "0")]
            + Array(repeating: UInt8(ascii: "]"), count: count)
    }

    /// `{"a":{"a":…0…}}`, `count` objects deep.
    static func nestedObjects(_ count: Int) -> [UInt8] {
        Array(String(repeating: "{\"a\":", count: count).utf8) + [UInt8(ascii: "0")]
            + Array(repeating: UInt8(ascii: "}"), count: count)
    }
}
