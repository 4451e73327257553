import Dispatch
import HTTPServer

/// A handler that answers `GET /{kind}/{when}` through a producer that may
/// defer (``HTTPExchange/respond(producingOrDeferring:)``), to hold the
/// exchange's phases to their promise:
/// - kind `produced`: the producer returns its response;
/// - kind `early`: the producer has another thread answer, waits until it
///   has, then defers (the answer is there before the connection is suspended again);
/// - kind `later`: the producer defers and another thread answers 50 ms later;
/// - when `inline`: the producer is handed over before `handle` returns;
///   `resumed`: 20 ms later, from another thread, to a suspended connection.
/// Each response's body names its kind.
struct DeferringHandler: HTTPHandler {
    func accept(_ head: HTTPRequest) -> HTTPAdmission { .accept(maximumBodyBytes: 0) }

    func bodyTooLarge(_ head: HTTPRequest, limit: Int) -> HTTPResponse { HTTPResponse(status: 413) }

    func handle(_ request: HTTPRequest, exchange: HTTPExchange) {
        let parts = request.path.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return exchange.respond(HTTPResponse(status: 404)) }
        let kind = parts[0]
        let producer: @Sendable () -> HTTPResponse? = {
            let answer = HTTPResponse(status: 200, body: Array(kind.utf8))
            switch kind {
            case "produced":
                return answer
            case "early":
                let answered = DispatchSemaphore(value: 0)
                DispatchQueue.global().async {
                    exchange.respond(answer)
                    answered.signal()
                }
                answered.wait()
                return nil
            default:
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { exchange.respond(answer) }
                return nil
            }
        }
        if parts[1] == "inline" {
            exchange.respond(producingOrDeferring: producer)
        } else {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
                exchange.respond(producingOrDeferring: producer)
            }
        }
    }

    func responded(method: String, path: String, status: Int, duration: Duration) {}
}
