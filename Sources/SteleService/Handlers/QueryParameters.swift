import HTTPServer

/// Strict readers of query parameters: decimal digits only for numbers
/// (no sign, no fraction, no exponent), `true`/`false`/`1`/`0` for flags.
struct QueryParameters {
    let request: HTTPRequest

    /// The parameter as an unsigned integer within `range`, `fallback` when absent.
    func integer(_ name: String, in range: ClosedRange<UInt64>, default fallback: UInt64) -> Result<UInt64, Problem> {
        guard let text = request.queryValue(name) else { return .success(fallback) }
        guard let value = Self.decimal(text), range.contains(value) else {
            return .failure(Problem(
                .invalidParameter, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \"\(text)\""))
        }
        return .success(value)
    }

    /// The parameter as a flag, false when absent.
    func flag(_ name: String) -> Result<Bool, Problem> {
        switch request.queryValue(name) {
        case nil, "false", "0": .success(false)
        case "true", "1", "": .success(true)
        case let other?: .failure(Problem(.invalidParameter, "\(name) must be true or false, not \"\(other)\""))
        }
    }

    /// A non-negative decimal integer that fits in 64 bits, or nil.
    static func decimal(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}
