/// One HTTP request as the service sees it: Swift values only, no C pointers.
///
/// The path and the query are kept exactly as the client sent them (still
/// percent-encoded): the service decodes each piece itself, so an encoded
/// `/` or NUL inside a segment is visible to it.
package struct HTTPRequest: Sendable {
    package var method: String
    /// The protocol version of the request line, such as `HTTP/1.1`.
    package var version: String
    /// The path part of the request target, percent-encoded as received.
    package var path: String
    /// Query arguments in order, names and values percent-decoded (nil when
    /// the argument has no `=`). Decoding failures leave the raw text.
    package var query: [(name: String, value: String?)]
    /// Header fields in order, names as the client sent them.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(
        method: String, path: String, query: [(name: String, value: String?)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], version: String = "HTTP/1.1"
    ) {
        self.method = method
        self.version = version
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (matched without regard to ASCII case).
    package func header(_ name: String) -> String? {
        headers.first { ASCIIText.equalIgnoringCase($0.name, name) }?.value
    }

    /// Every value of the header `name`, in order.
    package func headerValues(_ name: String) -> [String] {
        headers.compactMap { ASCIIText.equalIgnoringCase($0.name, name) ? $0.value : nil }
    }

    /// The value of the query argument `name`; "" when present without `=`.
    package func queryValue(_ name: String) -> String? {
        guard let item = query.first(where: { $0.name == name }) else { return nil }
        return item.value ?? ""
    }

    /// The declared body length, when the request has a valid `Content-Length`.
    package var contentLength: Int? {
        header("content-length").flatMap { Int(ASCIIText.trimmed($0[...])) }
    }
}
