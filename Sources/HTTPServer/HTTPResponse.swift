/// A complete HTTP response: status, header fields and body bytes.
/// libmicrohttpd adds `Content-Length`, `Date` and the connection headers.
package struct HTTPResponse: Sendable {
    package var status: Int { didSet { shared = nil } }
    package var headers: [(name: String, value: String)] { didSet { shared = nil } }
    package var body: [UInt8] { didSet { shared = nil } }
    /// Set by ``sharedOnce()``: copies of this response sent on many
    /// connections share one libmicrohttpd response object.
    package private(set) var shared: SharedResponse?

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// This response, marked so that every connection it is sent on shares
    /// one libmicrohttpd response object (one copy of the body, made now),
    /// for an answer many clients get at once; unmarked when the object
    /// cannot be made. Changing a copy's status, header fields or body
    /// afterwards drops the mark from that copy.
    package func sharedOnce() -> HTTPResponse {
        var copy = self
        copy.shared = SharedResponse(self)
        return copy
    }
}
