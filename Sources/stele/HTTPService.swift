import Glibc
import HTTPServer
import Journal
import Logging
import ServiceLifecycle
import SteleService

/// Keeps the HTTP server running; at shutdown it drains first: stops
/// accepting connections, refuses new requests, answers every long-poll,
/// lets appends and disk reads in flight finish (for at most `grace`) and stops.
struct HTTPService: Service {
    let server: HTTPServer
    let api: JournalAPI
    let grace: Duration
    let logger: Logger
    /// Tells the world the server listens (its address on stdout).
    let announce: @Sendable () -> Void

    func run() async throws {
        announce()
        try? await gracefulShutdown()
        let journal = api.startDraining { SystemdNotifier().notify("STOPPING=1") }
        logger.info("shutting down: draining requests", metadata: ["http.in_flight": "\(server.requestsInFlight)"])
        server.quiesce()
        journal?.answerWaiters()
        let deadline = ContinuousClock.now + grace
        while server.requestsInFlight > 0, ContinuousClock.now < deadline {
            // A cancelled group (recovery failed) still drains; Task.sleep would return at once.
            do { try await Task.sleep(for: .milliseconds(5)) } catch { usleep(5_000) }
        }
        if server.requestsInFlight > 0 {
            logger.warning("requests still in flight at the end of the grace period", metadata: ["http.in_flight": "\(server.requestsInFlight)"])
        }
        server.stop()
    }
}
