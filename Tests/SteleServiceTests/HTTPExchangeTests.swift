import Dispatch
import Testing

@testable import HTTPServer

/// The waiting half of an exchange, without a libmicrohttpd connection: these
/// exchanges are never suspended (suspending would touch the connection), so
/// each test also shows that an answer that came during the wait is taken
/// without a suspension.
@Suite("A polling thread may wait for an answer due soon instead of suspending")
struct HTTPExchangeTests {
    /// Never dereferenced: the exchanges here are never suspended.
    private static var noConnection: OpaquePointer { OpaquePointer(bitPattern: 0x10)! }

    @Test func anExchange_expectsNothingUntilTheHandlerSaysSo() {
        let exchange = HTTPExchange(connection: Self.noConnection)
        #expect(exchange.expectedWithin == nil)
        exchange.expectAnswer(within: .microseconds(1_500))
        #expect(exchange.expectedWithin == .microseconds(1_500))
    }

    @Test func anAnswerFromAnotherThread_endsTheWait_andIsTakenWithoutSuspending() async {
        let exchange = HTTPExchange(connection: Self.noConnection)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(2)) {
            exchange.respond(producing: { HTTPResponse(status: 201) })
        }
        #expect(exchange.waitForAnswer(atMost: .seconds(30)))
        #expect(exchange.outcomeOrSuspend()?.make().status == 201)
    }

    @Test func anAnswerAlreadyThere_isSeenAtOnce() {
        let exchange = HTTPExchange(connection: Self.noConnection)
        exchange.respond(HTTPResponse(status: 400))
        #expect(exchange.waitForAnswer(atMost: .zero))
        #expect(exchange.outcomeOrSuspend()?.make().status == 400)
    }

    @Test func noAnswer_endsTheWaitAtItsLimit_andALaterAnswerIsStillTaken() {
        let exchange = HTTPExchange(connection: Self.noConnection)
        #expect(!exchange.waitForAnswer(atMost: .milliseconds(1)))
        exchange.respond(HTTPResponse(status: 201))
        #expect(exchange.outcomeOrSuspend()?.make().status == 201)
    }
}
