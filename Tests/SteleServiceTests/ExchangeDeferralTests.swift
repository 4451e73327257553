import Glibc
import HTTPServer
import Testing

/// A producer that runs on a polling thread may answer, or defer to another
/// thread: whichever comes first (that thread's answer or the connection's
/// second suspension), the request gets exactly its one answer, and the
/// connection serves the next request after it.
@Suite struct ExchangeDeferralTests {
    @Test(arguments: ["produced", "early", "later"], ["inline", "resumed"])
    func aProducerThatAnswersOrDefers_getsItsOneAnswerThrough(kind: String, when: String) throws {
        let server = try HTTPServer(configuration: Self.configuration, handler: DeferringHandler())
        defer { server.stop() }
        let socket = try Self.connect(to: server.port)
        defer { close(socket) }
        // Three requests on one keep-alive connection: each answered once, in order.
        for _ in 0..<3 {
            let response = try Self.get("/\(kind)/\(when)", on: socket)
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response)")
            #expect(response.hasSuffix("\r\n\r\n\(kind)"), "\(response)")
        }
        // libmicrohttpd reports a request complete just after its last byte is sent.
        let deadline = ContinuousClock.now + .seconds(10)
        while server.requestsInFlight > 0, ContinuousClock.now < deadline { usleep(1000) }
        #expect(server.requestsInFlight == 0, "a request was never reported complete")
    }

    static var configuration: HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        return configuration
    }

    static func connect(to port: UInt16) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "cannot connect to 127.0.0.1:\(port)")
        return descriptor
    }

    /// Sends `GET path` and reads one response whose body has a Content-Length.
    static func get(_ path: String, on socket: Int32) throws -> String {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        try #require(request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) } == request.count)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let separator = Array("\r\n\r\n".utf8)
            if let headEnd = (0..<max(0, received.count - 3)).first(where: { Array(received[$0..<$0 + 4]) == separator }) {
                let head = String(decoding: received[0..<headEnd], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).filter { $0 != " " }) } ?? 0
                if received.count >= headEnd + 4 + length { return String(decoding: received, as: UTF8.self) }
            }
            let got = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            try #require(got > 0, "the connection closed or timed out after \(received.count) bytes")
            received += chunk[0..<got]
        }
    }
}
