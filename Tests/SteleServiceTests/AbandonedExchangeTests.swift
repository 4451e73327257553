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
