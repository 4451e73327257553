import CMicroHTTPD
import Synchronization

/// Resumes suspended connections only while their daemon runs, and wakes the
/// polling loop that runs it.
///
/// An answer may come after the server has stopped: a disk read or an fsync
/// that outlived the shutdown's grace period. libmicrohttpd leaves a
/// connection still suspended at `MHD_stop_daemon` alone (its memory is not
/// freed), but resuming it then would lock the freed daemon's mutex. The
/// server closes the gate before it stops the daemons; a resume holds the
/// gate's lock, so it either completes before the stop or does nothing.
///
/// A daemon with its own polling threads wakes them itself on a resume. One
/// run by a ``PollingLoop`` does not (libmicrohttpd ignores its wake-up
/// channel without internal threads), so the loop is told of each suspend
/// and resume.
final class ResumeGate: @unchecked Sendable {
    // @unchecked: `loops` is set once, by `route`, before any connection is served.
    private let open = Mutex(true)
    /// The polling loops by the daemon each runs; empty with poll.
    private var loops: [OpaquePointer: PollingLoop] = [:]
    /// Connections suspended through a loop and not yet resumed, over all
    /// loops: the thread that resumes the last of them may send its answer
    /// itself (see ``PollingLoop/resumed(last:)``). Counted over the server,
    /// not per loop: a long-poll fan-out resumes one loop's readers among the
    /// other's, and the thread resuming them should not stop to send one
    /// loop's answers while the other's readers still wait for their resume
    /// (1,000 readers: last answered after 8.2–9.1 ms against 8.7–10.5 ms).
    private let suspended = Atomic(0)

    init() {}

    /// Tells the gate which loop runs which daemon. Call it before the first
    /// connection is accepted.
    func route(_ loops: [PollingLoop]) {
        self.loops = Dictionary(uniqueKeysWithValues: loops.map { ($0.daemon, $0) })
    }

    /// Suspends `connection`, on the thread running its daemon, and returns
    /// the polling loop that runs it (nil with libmicrohttpd's own threads):
    /// the resume goes through it.
    func suspend(_ connection: OpaquePointer) -> PollingLoop? {
        let loop = loops.isEmpty ? nil : stele_mhd_connection_daemon(connection).flatMap { loops[$0] }
        MHD_suspend_connection(connection)
        if loop != nil { suspended.wrappingAdd(1, ordering: .relaxed) }
        return loop
    }

    /// Resumes `connection`, suspended through `loop`, unless the gate is
    /// closed, and has the loop send its answer.
    func resume(_ connection: OpaquePointer, through loop: PollingLoop?) {
        let resumed = open.withLock { open in
            if open { MHD_resume_connection(connection) }
            return open
        }
        // Outside the gate: the loop may run its daemon here, and a stopping
        // loop waits for that before its daemon is stopped.
        if resumed, let loop {
            loop.resumed(last: suspended.wrappingSubtract(1, ordering: .relaxed).newValue == 0)
        }
    }

    /// Refuses every later resume, once any under way has finished.
    func close() {
        open.withLock { $0 = false }
    }
}
