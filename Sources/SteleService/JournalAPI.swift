package import HTTPServer
package import Journal
package import Logging
import Synchronization

/// Stele's HTTP API over a journal: routing, limits, authorization, and the
/// handlers of every endpoint (in `Handlers/`). It never blocks a polling
/// thread: appends and long-polls answer through their exchange when the
/// journal calls back; cursor and cleanup work runs in a task; reads come
/// from memory or, when they would wait for the disk, from ``DiskReads``.
package final class JournalAPI: HTTPHandler {
    package let limits: ServiceLimits
    let tokens: AccessTokens?
    let metricsNeedRead: Bool
    let metrics: ServiceMetrics
    let logger: Logger
    let wakeReads = WakeReadCache()
    let diskReads: DiskReads
    private let phase = Mutex(ServicePhase.recovering)

    package init(
        limits: ServiceLimits = ServiceLimits(), tokens: AccessTokens? = nil, metricsNeedRead: Bool = false,
        metrics: ServiceMetrics, logger: Logger
    ) {
        self.limits = limits
        self.tokens = tokens
        self.metricsNeedRead = metricsNeedRead
        self.metrics = metrics
        self.logger = logger
        diskReads = DiskReads(metrics: metrics)
    }

    /// Serves `journal` once it is recovered, unless shutdown has begun;
    /// `announce` (READY to a service manager) runs only when it serves, under
    /// the same lock as ``startDraining(announce:)``'s, so it can never follow
    /// the announcement of the drain.
    package func startServing(_ journal: Journal, announce: () -> Void) -> Bool {
        phase.withLock { phase in
            guard case .recovering = phase else { return false }
            phase = .serving(journal)
            announce()
            return true
        }
    }

    /// Begins the drain for shutdown, after `announce` (STOPPING): new requests
    /// are refused. Returns the journal being served, nil while it recovers.
    package func startDraining(announce: () -> Void) -> Journal? {
        phase.withLock { phase in
            announce()
            let journal: Journal?
            switch phase {
            case .serving(let open), .draining(let open?): journal = open
            case .recovering, .draining(nil): journal = nil
            }
            phase = .draining(journal)
            return journal
        }
    }

    package var currentPhase: ServicePhase { phase.withLock { $0 } }

    // MARK: HTTPHandler

    package func accept(_ head: HTTPRequest) -> HTTPAdmission {
        switch admit(head) {
        case .success(let limit): .accept(maximumBodyBytes: limit)
        case .failure(let problem): .refuse(problem.response(instance: head.path))
        }
    }

    package func bodyTooLarge(_ head: HTTPRequest, limit: Int) -> HTTPResponse {
        Problem(.payloadTooLarge, "the request body is larger than \(limit) bytes", members: [("limit", .integer(UInt64(limit)))])
            .response(instance: head.path)
    }

    package func handle(_ request: HTTPRequest, exchange: HTTPExchange) {
        guard case .success(let operation) = Router.resolve(method: request.method, path: request.path) else {
            return exchange.respond(Problem(.notFound, "no resource at \(request.path)").response(instance: request.path))
        }
        // One reading of the phase for the whole request: it may change meanwhile.
        let phase = currentPhase
        let journal: Journal?
        switch phase {
        case .serving(let open): journal = open
        case .recovering, .draining: journal = nil
        }
        let answer = Answer(exchange: exchange, instance: request.path)
        switch operation {
        case .health: answer.json(200, #"{"status":"ok"}"#)
        case .readiness: readiness(answer)
        case .metrics: exposeMetrics(journal, answer)
        default:
            guard let journal else { return answer.problem(Self.unavailable(in: phase)) }
            route(operation, request, journal, answer)
        }
    }

    /// The methods the API serves keep their name in metrics; every other
    /// token a client sends is "other", so that clients cannot make series.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE": method
        default: "other"
        }
    }

    package func responded(method: String, path: String, status: Int, duration: Duration) {
        metrics.recordRequest(
            route: Router.route(of: path) ?? "unmatched", method: Self.methodLabel(method), status: status, duration: duration)
        // Server-side failures (5xx) are worth an operator's attention; the rest is debug detail.
        // The metadata is built only when the line is logged (swift-log's autoclosures).
        if status >= 500 {
            logger.warning("request failed", metadata: Self.requestMetadata(method, path, status, duration))
        } else {
            logger.debug("request", metadata: Self.requestMetadata(method, path, status, duration))
        }
    }

    private static func requestMetadata(_ method: String, _ path: String, _ status: Int, _ duration: Duration) -> Logger.Metadata {
        [
            "http.method": "\(method)", "http.path": "\(path)", "http.status": "\(status)",
            "http.duration_us": "\(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)",
        ]
    }

    private func route(_ operation: Operation, _ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        switch operation {
        case .appendRecords: append(request, journal, answer)
        case .readRecords: readRecords(request, journal, answer)
        case .readRecord(let offset): readRecord(offset, request, journal, answer)
        case .listCursors: listCursors(journal, answer)
        case .readCursor(let name): readCursor(name, journal, answer)
        case .setCursor(let name): setCursor(name, request, journal, answer)
        case .deleteCursor(let name): deleteCursor(name, journal, answer)
        case .listSegments: listSegments(journal, answer)
        case .cleanup: cleanup(request, journal, answer)
        case .describeJournal: describe(journal, answer)
        case .health, .readiness, .metrics: break
        }
    }

    /// `GET /metrics`: the Prometheus text format.
    private func exposeMetrics(_ journal: Journal?, _ answer: Answer) {
        let metrics = self.metrics
        Task {
            var snapshot: JournalSnapshot?
            if let journal { snapshot = await JournalSnapshot.of(journal) }
            answer.send(HTTPResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: metrics.exposition(snapshot)))
        }
    }

    /// The problem for a request that needs the journal when `phase` has none
    /// to serve it (or, for readiness, none that takes writes).
    static func unavailable(in phase: ServicePhase) -> Problem {
        switch phase {
        case .recovering: Problem(.notReady, "the journal is still being recovered")
        case .draining: Problem(.shuttingDown, "the server is shutting down")
        case .serving(let journal):
            switch journal.state {
            // Not asked for by any caller; a retryable answer all the same, never a 500.
            case .writable: Problem(.notReady, "the journal is not ready yet")
            case .failed(let reason): Problem(.journalFailed, "the journal has failed: \(reason)")
            case .closed: Problem(.shuttingDown, "the journal is closed")
            }
        }
    }
}
