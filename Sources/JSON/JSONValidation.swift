import CJansson

/// Checks that bytes are one JSON value, with jansson (the only JSON parser
/// Stele uses). Duplicate object keys are refused: their meaning is ambiguous.
package enum JSONValidation {
    /// Why a payload is not acceptable JSON, with jansson's position and text.
    package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        package let line: Int
        package let column: Int
        package let position: Int
        package let text: String

        package var description: String { "invalid JSON at line \(line), column \(column): \(text)" }
    }

    /// Validates `bytes` as a single JSON value of any type.
    package static func validate(_ bytes: UnsafeRawBufferPointer) -> Failure? {
        var error = json_error_t()
        let flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY
        let value = bytes.withMemoryRebound(to: CChar.self) { chars in
            json_loadb(chars.baseAddress, chars.count, Int(flags), &error)
        }
        if let value {
            json_decref_shim(value)
            return nil
        }
        let text = withUnsafeBytes(of: error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return Failure(line: Int(error.line), column: Int(error.column), position: Int(error.position), text: text)
    }
}
