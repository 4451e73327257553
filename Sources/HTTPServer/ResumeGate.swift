import CMicroHTTPD
import Synchronization

/// Resumes suspended connections only while their daemon runs.
///
/// An answer may come after the server has stopped: a disk read or an fsync
/// that outlived the shutdown's grace period. libmicrohttpd leaves a
/// connection still suspended at `MHD_stop_daemon` alone (its memory is not
/// freed), but resuming it then would lock the freed daemon's mutex. The
/// server closes the gate before it stops the daemon; a resume holds the
/// gate's lock, so it either completes before the stop or does nothing.
final class ResumeGate: Sendable {
    private let open = Mutex(true)

    init() {}

    /// Resumes `connection` unless the gate is closed.
    func resume(_ connection: OpaquePointer) {
        open.withLock { open in
            if open { MHD_resume_connection(connection) }
        }
    }

    /// Refuses every later resume, once any under way has finished.
    func close() {
        open.withLock { $0 = false }
    }
}
