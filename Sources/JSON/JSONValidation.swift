import CJansson

/// Checks that bytes are exactly one JSON value (RFC 8259, any type at the top
/// level) that Stele is willing to store, with jansson (the only JSON parser
/// Stele uses) plus a few checks of its own.
///
/// Refused, each with its own ``Failure/Reason``:
/// - empty or whitespace-only input, truncated input, bad syntax, anything after the value;
/// - invalid UTF-8 (overlong forms, surrogates encoded in UTF-8, stray or missing
///   continuation bytes) and `\u` escapes that leave a surrogate unpaired;
/// - NUL: a raw 0x00 byte anywhere (jansson would stop reading at one that follows
///   the value, and accept `1\0`) and the escape `\u0000`, which jansson refuses
///   by default — Stele keeps that default, so a stored string never holds U+0000;
/// - nesting deeper than `maximumDepth` arrays and objects (jansson's own limit,
///   2048, applies on top);
/// - integers outside `Int64` and reals that overflow a `Double` (`1e400`);
///   reals that underflow (`1e-400`) are accepted as zero, as jansson does;
/// - duplicate keys in an object, whose meaning is ambiguous.
///
/// Safe to call from any thread at once: each call parses into its own jansson tree.
package enum JSONValidation {
    /// The nesting depth allowed when a caller does not choose one: a scalar has
    /// depth 0, `[]` depth 1, `[{}]` depth 2.
    package static let defaultMaximumDepth = 64

    /// jansson's decoding flags: any value at the top level, duplicate keys refused.
    /// `JSON_ALLOW_NUL` is deliberately absent.
    static let decodingFlags = Int(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

    /// Validates `bytes` as a single JSON value of any type; `nil` means valid.
    package static func validate(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) -> Failure? {
        switch withTree(of: bytes, maximumDepth: maximumDepth, { _ in () }) {
        case .success: return nil
        case .failure(let failure): return failure
        }
    }

    /// Validates `bytes` as a single JSON value of any type; `nil` means valid.
    package static func validate(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) -> Failure? {
        bytes.withUnsafeBytes { validate($0, maximumDepth: maximumDepth) }
    }

    /// Parses `bytes` with jansson after the checks jansson does not make, and
    /// lends the tree to `body`; the tree is freed when `body` returns and must
    /// not escape it.
    static func withTree<Value>(
        of bytes: UnsafeRawBufferPointer, maximumDepth: Int,
        _ body: (UnsafeMutablePointer<json_t>) -> Value
    ) -> Result<Value, Failure> {
        precondition(maximumDepth >= 0, "maximumDepth must not be negative")
        if bytes.isEmpty {
            return .failure(Failure(reason: .empty, text: "empty input", offset: 0, in: bytes))
        }
        if let finding = JSONDepthScanner.scan(bytes, maximumDepth: maximumDepth) {
            let text: String
            switch finding.reason {
            case .tooDeep: text = "nesting deeper than \(maximumDepth) levels"
            default: text = "NUL byte (0x00) in input"
            }
            return .failure(Failure(reason: finding.reason, text: text, offset: finding.offset, in: bytes))
        }
        var error = json_error_t()
        let tree = bytes.withMemoryRebound(to: CChar.self) { chars in
            json_loadb(chars.baseAddress, chars.count, decodingFlags, &error)
        }
        guard let tree else { return .failure(failure(from: error, in: bytes)) }
        defer { json_decref_shim(tree) }
        return .success(body(tree))
    }
}
