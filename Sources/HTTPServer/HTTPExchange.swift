import CMicroHTTPD
import Synchronization

/// The answer channel of one request. The handler calls one of the
/// `respond` methods exactly once, from any thread. When it has not answered
/// by the time it returns, the connection is suspended (no polling thread
/// waits for it) and resumed by the answer.
package final class HTTPExchange: Sendable {
    /// The answer, or how to make it on a polling thread (a producer that
    /// returns nil answers later, through another `respond`).
    enum Outcome: Sendable {
        case response(HTTPResponse)
        case producer(@Sendable () -> HTTPResponse?)
    }

    private enum Phase {
        case handling, suspended, resumed, answered
    }

    private struct State {
        var phase = Phase.handling
        var outcome: Outcome?
        /// The registration with ``ClientDepartures``, while there is one.
        var departureToken: UInt64?
        /// The loop running the connection's daemon, found when it was suspended.
        var loop: PollingLoop?
    }

    // The connection stays valid while it is suspended or being handled:
    // libmicrohttpd frees it only after the response, which needs the outcome.
    private nonisolated(unsafe) let connection: OpaquePointer
    private let state = Mutex(State())
    /// Closed once the daemon stops: an answer after that resumes nothing.
    private let gate: ResumeGate
    private let departures: ClientDepartures?

    init(connection: OpaquePointer, gate: ResumeGate, departures: ClientDepartures?) {
        self.connection = connection
        self.gate = gate
        self.departures = departures
    }

    /// Runs `handler` if the client closes its connection before this
    /// request is answered, so that a handler that may wait long (a
    /// long-poll) can answer at once and free the connection. It runs at most
    /// once, on another thread; it should make the answer come, as any answer
    /// does. Call it before the answer, from the handler.
    package func onClientDeparture(_ handler: @escaping @Sendable () -> Void) {
        guard let departures else { return }
        state.withLock { state in
            // Answered already: the connection may close without a word to the watch.
            guard state.outcome == nil, state.phase != .answered, state.departureToken == nil else { return }
            state.departureToken = departures.watch(socket: stele_mhd_connection_socket(connection), handler)
        }
    }

    /// Answers with `response`.
    package func respond(_ response: HTTPResponse) {
        answer(.response(response))
    }

    /// Answers with the response `produce` makes; it runs on a polling thread
    /// once the connection is resumed. Use it when the answer is ready on a
    /// thread that should not do the work of rendering it (the journal's
    /// writer thread, a timer).
    package func respond(producing produce: @escaping @Sendable () -> HTTPResponse) {
        answer(.producer(produce))
    }

    /// Like ``respond(producing:)``, but `produce` may find on the polling
    /// thread that it cannot answer without waiting (say, for the disk): it
    /// then hands that work to another thread, which calls a `respond` method
    /// once done, and returns nil. The connection is suspended again until then.
    package func respond(producingOrDeferring produce: @escaping @Sendable () -> HTTPResponse?) {
        answer(.producer(produce))
    }

    private func answer(_ outcome: Outcome) {
        let (resume, loop): (Bool, PollingLoop?) = state.withLock { state in
            guard state.outcome == nil, state.phase != .answered else { return (false, nil) }
            if let token = state.departureToken {
                departures?.forget(token)
                state.departureToken = nil
            }
            state.outcome = outcome
            guard state.phase == .suspended else { return (false, nil) }
            state.phase = .resumed
            return (true, state.loop)
        }
        if resume { gate.resume(connection, through: loop) }
    }

    /// Called by the bridge when the handler returns: the outcome if it is
    /// already there, else the connection is suspended until it arrives.
    func outcomeOrSuspend() -> Outcome? {
        state.withLock { state in
            if let outcome = state.outcome {
                state.phase = Self.phase(taking: outcome)
                // Let go of it: a producer usually captures this exchange.
                state.outcome = nil
                return outcome
            }
            // Suspended under the lock, so an answer arriving now finds the
            // phase set and resumes a connection that is really suspended.
            state.phase = .suspended
            state.loop = gate.suspend(connection)
            return nil
        }
    }

    /// Called by the bridge when libmicrohttpd is done with the request
    /// before it was answered (the client left while it was suspended): an
    /// answer that comes later resumes nothing, and whatever an answer
    /// already here captured (often this exchange) is let go.
    func abandon() {
        state.withLock { state in
            state.phase = .answered
            state.outcome = nil
            if let token = state.departureToken {
                departures?.forget(token)
                state.departureToken = nil
            }
        }
    }

    /// Called by the bridge after a resume: the outcome, taken once.
    func takeOutcome() -> Outcome? {
        state.withLock { state in
            guard state.phase == .resumed, let outcome = state.outcome else { return nil }
            state.phase = Self.phase(taking: outcome)
            // Let go of it: a producer usually captures this exchange (a cycle otherwise).
            state.outcome = nil
            return outcome
        }
    }

    /// The phase once `outcome` is taken: a producer may still defer, so the
    /// exchange keeps taking answers (handling) until it has produced one.
    private static func phase(taking outcome: Outcome) -> Phase {
        if case .producer = outcome { .handling } else { .answered }
    }

    /// The response to send now for `outcome` (taken with ``outcomeOrSuspend()``
    /// or ``takeOutcome()``), or nil when a producer deferred and the answer
    /// has not come yet: the connection is then suspended until it does.
    func response(for outcome: Outcome) -> HTTPResponse? {
        var next = outcome
        while true {
            switch next {
            case .response(let response):
                return response
            case .producer(let produce):
                if let response = produce() {
                    state.withLock { state in
                        state.phase = .answered
                        // A stray second answer would otherwise stay here (and
                        // keep alive whatever it captured).
                        state.outcome = nil
                    }
                    return response
                }
                // Deferred: the answer may already be here, or it resumes the connection.
                guard let later = outcomeOrSuspend() else { return nil }
                next = later
            }
        }
    }
}
