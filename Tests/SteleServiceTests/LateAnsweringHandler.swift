import Dispatch
import HTTPServer
import Synchronization

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
