/// A complete HTTP response: status, header fields and body bytes.
/// libmicrohttpd adds `Content-Length`, `Date` and the connection headers.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
