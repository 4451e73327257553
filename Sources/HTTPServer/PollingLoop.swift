import CMicroHTTPD
import CSystemCalls
import Glibc
import Synchronization

/// One polling thread and the libmicrohttpd daemon it drives. The daemon runs
/// epoll without a thread of its own (`MHD_USE_EPOLL`, no internal polling
/// thread); this thread sleeps on the daemon's epoll descriptor, for at most
/// the daemon's next connection timeout, then has it process whatever is
/// ready with `MHD_run`, which never blocks.
///
/// Why not libmicrohttpd's own epoll threads: in 0.9.75, when `epoll_wait`
/// fills its batch of 128 events, the loop waits again, with the full
/// timeout, before it serves them, so a thread with exactly 128 or 256
/// sockets ready stalls until another event or the connection timeout
/// (ManyConnectionsTests). `MHD_run` waits with a timeout of 0, so that
/// second wait returns at once. Its `poll()` loop does not stall but hands
/// the kernel every connection on every turn: with 10,000 idle keep-alive
/// connections open, one appender got 183 answers a second instead of 6,600
/// (bench/README, "Measured 2026-12-06").
///
/// Connections arrive from the acceptor's thread through ``add(_:)`` and are
/// handed to the daemon on this thread.
///
/// One other thread may run the daemon, never at the same time as this one:
/// the thread that resumes the server's last suspended connection while the
/// loop sleeps (see ``resumed(last:)``). With one client appending, that is the
/// journal's thread after its fsync; waking this thread to send the answer
/// put a halted CPU's wake-up between every fsync and its answer.
final class PollingLoop: @unchecked Sendable {
    // @unchecked: `thread` is set by `start` before anything else can reach
    // this object and read by `stop`; the descriptors and daemon never change.

    /// A connection accepted and not yet handed to the daemon.
    struct Arrival: Sendable {
        let socket: Int32
        var address: sockaddr_storage
        let length: socklen_t
        let client: ClientAddress?
    }

    let daemon: OpaquePointer
    private let epoll: Int32
    /// Written to wake the thread: for arrivals and to stop it.
    private let wakeup: Int32
    /// Set by the first ``stop()``: the thread ends, and ``add(_:)`` closes what comes.
    private let stopping = Atomic(false)
    /// Whether `wakeup` has been written since the thread last read it: one
    /// write then does for many resumes (1,000 long-polls woken together).
    private let wakePending = Atomic(false)
    private let arrivals = Mutex([Arrival]())
    /// Held by whichever thread runs the daemon.
    private let running = Mutex(())
    private var thread: pthread_t?
    /// Told of each connection the daemon refused (it has closed the socket).
    private let refused: @Sendable (ClientAddress?) -> Void
    private let log: @Sendable (String) -> Void

    /// The longest the thread sleeps without an event, in milliseconds.
    /// Another thread's run (``resumed(last:)``) may give a connection back its
    /// idle timeout while this thread sleeps on a timeout computed before it;
    /// libmicrohttpd counts those timeouts in whole seconds.
    private static let longestSleep: Int32 = 1_000
    private static let wakeupToken: UInt64 = 0
    private static let daemonToken: UInt64 = 1

    /// Watches `daemon` (started with `MHD_USE_EPOLL` and no polling thread).
    init(
        daemon: OpaquePointer, refused: @escaping @Sendable (ClientAddress?) -> Void,
        log: @escaping @Sendable (String) -> Void
    ) throws(HTTPServerError) {
        let epoll = stele_epoll()
        guard epoll >= 0 else { throw .listenFailed(reason: Self.lastError("epoll_create")) }
        let wakeup = stele_event_fd()
        let daemonEpoll = stele_mhd_epoll_fd(daemon)
        guard wakeup >= 0, daemonEpoll >= 0,
              stele_watch_readable(epoll, wakeup, Self.wakeupToken) == 0,
              stele_watch_readable(epoll, daemonEpoll, Self.daemonToken) == 0
        else {
            let reason = Self.lastError(daemonEpoll < 0 ? "the daemon's epoll descriptor" : "epoll_ctl")
            if wakeup >= 0 { close(wakeup) }
            close(epoll)
            throw .listenFailed(reason: reason)
        }
        self.daemon = daemon
        self.epoll = epoll
        self.wakeup = wakeup
        self.refused = refused
        self.log = log
    }

    deinit {
        close(wakeup)
        close(epoll)
    }

    /// Starts the thread.
    func start(named name: String) {
        guard let handle = ServerThread.start(named: name, { self.run() }) else {
            preconditionFailure("cannot start a polling thread")
        }
        thread = handle
    }

    /// Hands an accepted connection to this loop (any thread). After
    /// ``stop()`` the socket is closed at once.
    func add(_ arrival: Arrival) {
        let taken = arrivals.withLock { waiting in
            guard !stopping.load(ordering: .relaxed) else { return false }
            waiting.append(arrival)
            return true
        }
        guard taken else {
            close(arrival.socket)
            refused(arrival.client)
            return
        }
        wake()
    }

    /// Has the answer of a connection of this daemon sent, once it is
    /// resumed (any thread). When it was the last connection waiting for an
    /// answer (`last`, counted by ``ResumeGate``) and no other thread runs the
    /// daemon now, the calling thread runs it itself; otherwise the loop's
    /// thread is woken.
    ///
    /// Running the daemon here takes a wake-up off the answer's path: with
    /// one client appending, the journal's thread sends the answer straight
    /// after its fsync instead of waiting for this loop's CPU to wake from
    /// its halt. While other connections still wait, the loops' threads send
    /// the answers, and the answering thread goes on to resume the others or
    /// back to its fsyncs.
    func resumed(last: Bool) {
        if !last || !runIfIdle() { wake() }
    }

    /// Runs the daemon on the calling thread unless another thread runs it
    /// (or the loop has stopped): true when it did and nothing is left for
    /// now. The loop's thread may sleep on a timeout set before this run;
    /// ``longestSleep`` bounds how late that makes a connection's timeout.
    private func runIfIdle() -> Bool {
        let done: Bool? = running.withLockIfAvailable { _ in
            guard !stopping.load(ordering: .relaxed) else { return true }
            // A resumed connection takes two turns: one to answer it, one to
            // put it back into the daemon's epoll set, where the next request
            // finds it (libmicrohttpd leaves it marked ready until a read
            // finds nothing, and says so with a timeout of 0).
            for _ in 0..<3 {
                _ = MHD_run(daemon)
                if nextTimeout() != 0 { return true }
            }
            return false
        }
        return done ?? false
    }

    /// Makes the thread run the daemon once more (any thread).
    func wake() {
        guard !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = write(wakeup, &one, MemoryLayout<UInt64>.size)
    }

    /// Ends the thread and waits for it; the daemon is then the caller's to
    /// stop. Connections accepted and not yet handed over are closed.
    func stop() {
        // Set under the arrivals' lock, so an arrival is either queued before
        // it (and closed below) or closed by `add` itself.
        let first = arrivals.withLock { _ in !stopping.exchange(true, ordering: .relaxed) }
        guard first else { return }
        ServerThread.stop(thread, wakingWith: wakeup)
        thread = nil
        // Waits for a run on another thread to end: it sees `stopping` afterwards.
        running.withLock { _ in }
        for arrival in arrivals.withLock({ waiting in defer { waiting = [] }; return waiting }) {
            close(arrival.socket)
            refused(arrival.client)
        }
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 2)
        var timeout = running.withLock { _ in nextTimeout() }
        while !stopping.load(ordering: .relaxed) {
            let count = stele_wait_tokens_within(epoll, &tokens, 2, timeout)
            if count < 0, errno != EINTR {
                log("polling stopped: \(Self.lastError("epoll_wait"))")
                return
            }
            var woken = false
            if count > 0, tokens[0..<Int(count)].contains(Self.wakeupToken) {
                var counter: UInt64 = 0
                _ = read(wakeup, &counter, MemoryLayout<UInt64>.size)
                // Cleared after the read: a wake from here on writes again,
                // and one before it is seen by the MHD_run below.
                _ = wakePending.exchange(false, ordering: .acquiringAndReleasing)
                if stopping.load(ordering: .relaxed) { return }
                woken = true
            }
            timeout = running.withLock { _ in
                if woken { addArrivals() }
                _ = MHD_run(daemon)
                return nextTimeout()
            }
        }
    }

    /// Milliseconds until the daemon needs to run again, 0 when it has work
    /// now, at most ``longestSleep`` (a thread running the daemon only).
    private func nextTimeout() -> Int32 {
        var next: UInt64 = 0
        guard MHD_get_timeout(daemon, &next) == .YES else { return Self.longestSleep }
        return Int32(clamping: min(next, UInt64(Self.longestSleep)))
    }

    /// Hands the connections that arrived to the daemon (holding `running`).
    private func addArrivals() {
        for var arrival in arrivals.withLock({ waiting in defer { waiting = [] }; return waiting }) {
            // The daemon owns the socket from here, and closes it itself when
            // it refuses it — then it never opened.
            let added = withUnsafeMutablePointer(to: &arrival.address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    MHD_add_connection(daemon, arrival.socket, $0, arrival.length)
                }
            }
            if added != .YES { refused(arrival.client) }
        }
    }

    private static func lastError(_ call: String) -> String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
