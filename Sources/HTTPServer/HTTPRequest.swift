/// One HTTP request as the service sees it: Swift values only, no C pointers.
///
/// The path and the query are kept exactly as the client sent them (still
/// percent-encoded): the service decodes each piece itself, so an encoded
/// `/` or NUL inside a segment is visible to it.
package struct HTTPRequest: Sendable {
    package var method: String
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
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (matched without regard to ASCII case).
    package func header(_ name: String) -> String? {
        headers.first { Self.equalIgnoringASCIICase($0.name, name) }?.value
    }

    private static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }

    /// The value of the query argument `name`; "" when present without `=`.
    package func queryValue(_ name: String) -> String? {
        guard let item = query.first(where: { $0.name == name }) else { return nil }
        return item.value ?? ""
    }

    /// The declared body length, when the request has a valid `Content-Length`.
    package var contentLength: Int? {
        header("content-length").flatMap { Int($0.trimmingSpaces) }
    }
}

extension String {
    var trimmingSpaces: Substring {
        let text = self[...]
        let start = text.firstIndex { $0 != " " && $0 != "\t" } ?? text.endIndex
        let end = text.lastIndex { $0 != " " && $0 != "\t" }.map { text.index(after: $0) } ?? start
        return start < end ? text[start..<end] : ""
    }
}
