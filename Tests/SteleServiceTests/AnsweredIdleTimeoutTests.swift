import Glibc
import HTTPServer
import Testing

/// A connection answered from another thread (the journal's, a timer's) is
/// still a connection of its daemon like any other: it serves its next
/// request, and once it idles past the connection timeout the server closes
/// it. With epoll, the thread that answers the last suspended connection may
/// run the daemon itself while the polling thread sleeps on a timeout it
/// computed when that connection was suspended (and had none).
@Suite struct AnsweredIdleTimeoutTests {
    @Test(arguments: HTTPServerConfiguration.EventLoop.allCases)
    func aConnectionAnsweredFromAnotherThread_isClosedOnceItIdlesPastTheTimeout(
        loop: HTTPServerConfiguration.EventLoop
    ) throws {
        var configuration = ExchangeDeferralTests.configuration
        configuration.eventLoop = loop
        configuration.connectionTimeoutSeconds = 1
        let server = try HTTPServer(configuration: configuration, handler: LateAnsweringHandler())
        defer { server.stop() }
        let socket = try ExchangeDeferralTests.connect(to: server.port)
        defer { close(socket) }
        for _ in 0..<2 {
            let response = try ExchangeDeferralTests.get("/late", on: socket)
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response)")
        }
        // Idle from here: libmicrohttpd counts the timeout in whole seconds,
        // so the close comes one to two seconds after the last answer.
        let idleSince = ContinuousClock.now
        var byte: UInt8 = 0
        let received = recv(socket, &byte, 1, 0)
        let waited = ContinuousClock.now - idleSince
        #expect(received == 0, "the connection was not closed (recv: \(received), errno \(errno))")
        // The socket's receive timeout is 10 s: a close well before it is the server's.
        #expect(waited < .seconds(8), "closed only after \(waited)")
    }
}
