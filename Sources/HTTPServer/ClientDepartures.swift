import CSystemCalls
import Glibc
import Synchronization

/// Notices clients that leave while their request is suspended.
///
/// libmicrohttpd does not poll a suspended connection: a client that closes
/// its socket during a long-poll keeps its connection (one of the limited
/// slots) and its wait until the wait ends by itself. A request that may wait
/// long registers its socket here; one thread waits in epoll for the peer's
/// close or reset and runs the request's handler, which ends the wait early,
/// so the answer goes out, fails, and the connection closes.
///
/// A socket is never taken out of the epoll set: the kernel drops it there
/// when libmicrohttpd closes it, and taking it out by number could hit a
/// socket opened since under the same number. A registration outlives its
/// request on a kept-alive connection; it is re-armed for the next one, and an
/// event for a request already answered finds no handler and is ignored.
final class ClientDepartures: Sendable {
    private struct State {
        var nextToken: UInt64 = 1
        var handlers: [UInt64: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())
    private let epoll: Int32
    /// Written to stop the thread; its token is 0.
    private let wakeup: Int32
    private let stopped = Atomic(false)
    private nonisolated(unsafe) var thread: pthread_t?

    /// Starts the watching thread; nil when the kernel refuses an epoll instance or an eventfd.
    init?() {
        let epoll = stele_epoll()
        guard epoll >= 0 else { return nil }
        let wakeup = stele_event_fd()
        guard wakeup >= 0, stele_watch_readable(epoll, wakeup, 0) == 0 else {
            if wakeup >= 0 { close(wakeup) }
            close(epoll)
            return nil
        }
        self.epoll = epoll
        self.wakeup = wakeup
        // Without a thread: deinit closes both descriptors.
        guard let handle = ServerThread.start(named: "stele-departures", { self.run() }) else { return nil }
        thread = handle
    }

    deinit {
        close(wakeup)
        close(epoll)
    }

    /// Runs `handler` (once, on the watching thread) if the peer of `socket`
    /// closes or resets its side before ``forget(_:)``. Returns the token to
    /// forget it by, or nil when the socket cannot be watched.
    func watch(socket: Int32, _ handler: @escaping @Sendable () -> Void) -> UInt64? {
        guard socket >= 0, !stopped.load(ordering: .relaxed) else { return nil }
        let token: UInt64 = state.withLock { state in
            defer { state.nextToken += 1 }
            state.handlers[state.nextToken] = handler
            return state.nextToken
        }
        // Registered after the handler is stored: an event may come at once.
        guard stele_watch_peer_close(epoll, socket, token) == 0 else {
            forget(token)
            return nil
        }
        return token
    }

    /// The request `token` watched for is over: its handler will not run.
    func forget(_ token: UInt64) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    /// Stops the thread; handlers not run yet never run.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ServerThread.stop(thread, wakingWith: wakeup)
        thread = nil
        state.withLock { $0.handlers.removeAll() }
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        while true {
            let count = tokens.withUnsafeMutableBufferPointer { stele_wait_tokens(epoll, $0.baseAddress, Int32($0.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            for token in tokens[..<Int(count)] {
                if token == 0 { return }
                let handler = state.withLock { $0.handlers.removeValue(forKey: token) }
                handler?()
            }
        }
    }
}
