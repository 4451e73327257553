import Testing

/// One request a server must refuse with a clear 4xx and without changing
/// the journal: the exact bytes to send and what the answer may be.
struct BadRequest: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    /// The raw request target, as sent.
    let target: String
    /// The request bytes, given the server's port (for `Host`).
    let bytes: @Sendable (UInt16) -> [UInt8]
    /// Statuses that are a correct refusal.
    let statuses: Set<Int>
    /// Problem codes that are a correct refusal; nil accepts any (or a
    /// libmicrohttpd page).
    let codes: Set<String>?
    /// The exact `Allow` header a 405 must carry.
    let allow: String?
    /// A server bug this request is known to hit ("BUG: …"): its checks run
    /// as a known issue until the server is fixed.
    var knownIssue: Comment?

    var testDescription: String { name }

    /// This request, its checks marked as hitting a known server bug.
    func known(_ issue: Comment) -> BadRequest {
        var copy = self
        copy.knownIssue = issue
        return copy
    }

    /// A request built from parts; `Content-Length` is added for a body.
    init(
        _ name: String, _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        statuses: Set<Int>, codes: Set<String>? = nil, allow: String? = nil
    ) {
        self.name = name
        self.method = method
        self.target = target
        self.bytes = { port in RawHTTPClient.requestBytes(method, target, port: port, headers: headers, body: body) }
        self.statuses = statuses
        self.codes = codes
        self.allow = allow
    }

    /// A request sent exactly as `raw` gives it.
    init(
        _ name: String, raw: @escaping @Sendable (UInt16) -> String, method: String, target: String,
        statuses: Set<Int>, codes: Set<String>? = nil
    ) {
        self.name = name
        self.method = method
        self.target = target
        self.bytes = { Array(raw($0).utf8) }
        self.statuses = statuses
        self.codes = codes
        self.allow = nil
    }

    /// An append of `body` as JSON.
    static func appendJSON(_ name: String, _ body: [UInt8], codes: Set<String> = ["malformed-json"]) -> BadRequest {
        BadRequest(
            name, "POST", "/v1/records", headers: [("Content-Type", "application/json")], body: body, statuses: [400], codes: codes)
    }

    static func appendJSON(_ name: String, _ text: String, codes: Set<String> = ["malformed-json"]) -> BadRequest {
        appendJSON(name, Array(text.utf8), codes: codes)
    }

    /// A cursor update with `body`.
    /// A cursor update that is refused with 400 and `code`: `invalid-body` for
    /// JSON that is not `{"offset": n}`, `malformed-json` for what is not JSON.
    static func cursorBody(_ name: String, _ text: String, code: String = "invalid-body") -> BadRequest {
        BadRequest(
            name, "PUT", "/v1/cursors/existing", headers: [("Content-Type", "application/json")], body: Array(text.utf8),
            statuses: [400], codes: [code])
    }
}
