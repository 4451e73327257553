import HTTPServer
import Journal

/// The reply side of one request, with the shortcuts the handlers use.
struct Answer: Sendable {
    let exchange: HTTPExchange
    /// The request path, for the problems' `instance`.
    let instance: String

    func send(_ response: HTTPResponse) {
        exchange.respond(response)
    }

    /// Answers with a JSON body.
    func json(_ status: Int, _ body: [UInt8], headers: [(name: String, value: String)] = []) {
        exchange.respond(HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body))
    }

    func json(_ status: Int, _ body: String) {
        json(status, Array(body.utf8))
    }

    func problem(_ problem: Problem) {
        exchange.respond(problem.response(instance: instance))
    }

    func problem(_ error: JournalError, context: ProblemContext) {
        problem(Problem(error, context: context))
    }
}
