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
/// channel without internal threads), so the gate wakes that loop.
final class ResumeGate: @unchecked Sendable {
    // @unchecked: `loops` is set once, by `route`, before any connection is served.
    private let open = Mutex(true)
    /// The polling loops by the daemon each runs; empty with poll.
    private var loops: [OpaquePointer: PollingLoop] = [:]

    init() {}

    /// Tells the gate which loop runs which daemon. Call it before the first
    /// connection is accepted.
    func route(_ loops: [PollingLoop]) {
        self.loops = Dictionary(uniqueKeysWithValues: loops.map { ($0.daemon, $0) })
    }

    /// Resumes `connection` unless the gate is closed.
    func resume(_ connection: OpaquePointer) {
        open.withLock { open in
            guard open else { return }
            // Asked before the resume: once resumed, the loop may answer and
            // close the connection at any moment.
            let loop = loops.isEmpty ? nil : stele_mhd_connection_daemon(connection).flatMap { loops[$0] }
            MHD_resume_connection(connection)
            loop?.wake()
        }
    }

    /// Refuses every later resume, once any under way has finished.
    func close() {
        open.withLock { $0 = false }
    }
}
