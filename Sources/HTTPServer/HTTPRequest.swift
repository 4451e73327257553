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

    /// The path of a request target: an absolute-form target
    /// (`http://host/v1/journal`, which RFC 9112 section 3.2.2 says a server
    /// must accept) loses its scheme and authority; any other is kept as it is.
    package static func path(ofTarget target: String) -> String {
        let utf8 = target.utf8
        guard utf8.first != UInt8(ascii: "/") else { return target }
        for scheme in ["http://", "https://"] where utf8.count >= scheme.utf8.count {
            guard ASCIIText.equalIgnoringCase(target.prefix(scheme.count), scheme) else { continue }
            let authorityAndPath = target.dropFirst(scheme.count)
            guard let slash = authorityAndPath.firstIndex(of: "/") else { return "/" }
            return String(authorityAndPath[slash...])
        }
        return target
    }

    /// The declared body length, when the request has a valid `Content-Length`.
    /// A length beyond `Int.max` (libmicrohttpd takes up to 2^64 - 2) reads
    /// as `Int.max`: over any limit.
    package var contentLength: Int? {
        header("content-length").flatMap { UInt64(ASCIIText.trimmed($0[...])) }.map { Int(clamping: $0) }
    }
}
