import Dispatch
import Glibc
import HTTPServer
import Synchronization
import Testing

/// A request whose client leaves while it is suspended: libmicrohttpd ends
/// it without calling the handler again, and the answer that comes later
/// (a producer that captures its exchange, as long-polls and appends answer)
/// keeps nothing alive: every exchange is freed once its answer has come.
@Suite struct AbandonedExchangeTests {
    @Test func anExchangeWhoseClientLeft_isFreedOnceItsAnswerComes() throws {
        let handler = LateAnsweringHandler()
        let server = try HTTPServer(configuration: ExchangeDeferralTests.configuration, handler: handler)
        defer { server.stop() }
        let count = 50
        for _ in 0..<count {
            let socket = try ExchangeDeferralTests.connect(to: server.port)
            let request = Array("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            try #require(request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) } == request.count)
            close(socket)
        }
        // Every request reached the handler, was answered 100 ms later, and was ended by libmicrohttpd.
        let deadline = ContinuousClock.now + .seconds(30)
        while handler.answered.load(ordering: .acquiring) < count || server.requestsInFlight > 0,
              ContinuousClock.now < deadline {
            usleep(5_000)
        }
        #expect(handler.answered.load(ordering: .acquiring) == count)
        #expect(server.requestsInFlight == 0, "a request was never reported complete")
        // The exchanges' last references went with their requests' state.
        while handler.liveExchanges > 0, ContinuousClock.now < deadline { usleep(5_000) }
        #expect(handler.liveExchanges == 0, "\(handler.liveExchanges) of \(count) abandoned exchanges still alive")
    }
}

/// Answers `GET /late` 100 ms later, from another thread, with a producer
/// that captures the exchange; keeps only weak references to the exchanges.
final class LateAnsweringHandler: HTTPHandler, Sendable {
    let answered = Atomic(0)
    private let exchanges = Mutex<[WeakExchange]>([])

    struct WeakExchange: @unchecked Sendable {
        weak var exchange: HTTPExchange?
    }

    var liveExchanges: Int { exchanges.withLock { $0.filter { $0.exchange != nil }.count } }

    func accept(_ head: HTTPRequest) -> HTTPAdmission { .accept(maximumBodyBytes: 0) }

    func bodyTooLarge(_ head: HTTPRequest, limit: Int) -> HTTPResponse { HTTPResponse(status: 413) }

    func handle(_ request: HTTPRequest, exchange: HTTPExchange) {
        exchanges.withLock { $0.append(WeakExchange(exchange: exchange)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) {
            exchange.respond(producing: { _ = exchange; return HTTPResponse(status: 200) })
            self.answered.add(1, ordering: .releasing)
        }
    }

    func responded(method: String, path: String, status: Int, duration: Duration) {}
}

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
