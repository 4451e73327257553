import Dispatch
import Glibc
import Synchronization

/// Closes connections whose next request does not arrive in time.
///
/// libmicrohttpd's connection timeout is an idle timeout: a client that sends
/// its headers one byte at a time (slowloris) is never idle and never timed
/// out. Here every connection has a clock that starts when it opens and again
/// when a request completes; a connection whose next request's headers have
/// not all arrived within the deadline is shut down (`shutdown(2)`, which
/// libmicrohttpd sees as the peer leaving; the descriptor stays its to close).
/// Requests being handled (bodies, long-polls) are not timed here.
final class RequestDeadlines: Sendable {
    private struct Clock {
        var since: ContinuousClock.Instant
        var handling: Bool
    }

    private let deadline: Duration
    /// Open connections by socket. libmicrohttpd reports a close before it
    /// closes the socket, so a number here always names the connection it was
    /// recorded for.
    private let clocks = Mutex([Int32: Clock]())
    // Set up in init, cancelled once; Dispatch sources are thread-safe.
    private nonisolated(unsafe) let timer: any DispatchSourceTimer

    init(deadline: Duration) {
        self.deadline = deadline
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "stele.http-deadlines"))
        let period = min(max(deadline / 4, .milliseconds(100)), .seconds(1))
        let (seconds, attoseconds) = period.components
        let interval = DispatchTimeInterval.nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.enforce() }
        timer.resume()
    }

    func stop() {
        timer.cancel()
    }

    func opened(_ socket: Int32) {
        guard socket >= 0 else { return }
        clocks.withLock { $0[socket] = Clock(since: .now, handling: false) }
    }

    func closed(_ socket: Int32) {
        _ = clocks.withLock { $0.removeValue(forKey: socket) }
    }

    /// A request's headers are in: it is handled, not timed here.
    func headersArrived(_ socket: Int32) {
        clocks.withLock { $0[socket]?.handling = true }
    }

    /// A request is done: the next one's clock starts.
    func requestCompleted(_ socket: Int32) {
        // Only for a connection still open: never re-record a closed socket,
        // whose number the kernel may hand to the next connection.
        clocks.withLock { clocks in
            guard clocks[socket] != nil else { return }
            clocks[socket] = Clock(since: .now, handling: false)
        }
    }

    private func enforce() {
        let now = ContinuousClock.now
        clocks.withLock { clocks in
            for (socket, clock) in clocks where !clock.handling && now - clock.since > deadline {
                // Under the lock: the connection cannot be reported closed (and
                // its socket number reused) while it is shut down here.
                shutdown(socket, Int32(SHUT_RDWR))
                clocks[socket]?.handling = true
            }
        }
    }
}
