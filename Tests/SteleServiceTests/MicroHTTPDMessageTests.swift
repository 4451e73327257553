import HTTPServer
import Testing

/// What a client does to a connection is logged at debug, not warning: any
/// client can make libmicrohttpd say it. What goes wrong in the server stays a warning.
@Suite struct MicroHTTPDMessageTests {
    @Test(arguments: [
        "Connection was closed by remote side with incomplete request.",
        "Socket has been disconnected when reading request.",
        "Connection socket is closed when reading request due to the error: Connection reset by peer",
        "Failed to send the response headers for the request for `/v1/records'. Error: Broken pipe",
        "Error processing request (HTTP response code is 400 ('Bad Request')). Closing connection.",
        "Received HTTP/1.1 request without `Host' header.",
    ])
    func aClientsDoing_isAboutAClient(message: String) {
        #expect(HTTPServer.isAboutAClient(message))
    }

    @Test(arguments: [
        "Closing connection (out of memory).",
        "Failed to create worker thread: Resource temporarily unavailable",
        "Closing connection (application reported error generating data).",
    ])
    func theServersTrouble_isNotAboutAClient(message: String) {
        #expect(!HTTPServer.isAboutAClient(message))
    }
}
