import HTTPServer

/// Strict readers of query parameters: decimal digits only for numbers
/// (no sign, no fraction, no exponent), `true` or `false` for flags, and a
/// parameter given twice is refused (which one would count is a guess, and a
/// proxy may guess the other way). Authorization reads `force` through
/// ``flag(_:)`` too, so the scope it asks for and what the handler does
/// cannot disagree.
struct QueryParameters {
    let request: HTTPRequest

    /// The parameter's one value ("" without `=`), nil when absent, or the problem when it is repeated.
    private func value(_ name: String) -> Result<String?, Problem> {
        var found: String?
        var count = 0
        for item in request.query where item.name == name {
            count += 1
            found = item.value ?? ""
        }
        if count > 1 { return .failure(Problem(.invalidParameter, "\(name) is given \(count) times; give it once")) }
        return .success(found)
    }

    /// The parameter as an unsigned integer within `range`, `fallback` when absent.
    func integer(_ name: String, in range: ClosedRange<UInt64>, default fallback: UInt64) -> Result<UInt64, Problem> {
        let text: String
        switch value(name) {
        case .failure(let problem): return .failure(problem)
        case .success(nil): return .success(fallback)
        case .success(let given?): text = given
        }
        guard let value = Self.decimal(text), range.contains(value) else {
            return .failure(Problem(
                .invalidParameter, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \"\(text)\""))
        }
        return .success(value)
    }

    /// The parameter as a flag, false when absent.
    func flag(_ name: String) -> Result<Bool, Problem> {
        switch value(name) {
        case .failure(let problem): .failure(problem)
        case .success(nil), .success("false"): .success(false)
        case .success("true"): .success(true)
        case .success(let other?): .failure(Problem(.invalidParameter, "\(name) must be true or false, not \"\(other)\""))
        }
    }

    /// A non-negative decimal integer that fits in 64 bits, or nil.
    static func decimal(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}
