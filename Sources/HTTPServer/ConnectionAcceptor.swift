import CMicroHTTPD
import CSystemCalls
import Glibc
import Synchronization

/// The listening socket, and a thread of its own that accepts connections on
/// it and hands each to libmicrohttpd (`MHD_add_connection`), either to the
/// daemon with its own polling threads or through one of Stele's
/// ``PollingLoop``s to that loop's daemon.
///
/// When libmicrohttpd accepts by itself, every polling thread of its pool
/// watches the listening socket and the first to wake takes what is waiting:
/// 64 connections opened at once landed 56 on one thread and 8 on the other,
/// so one core served seven eighths of the load while the other idled.
/// `MHD_add_connection` instead places each connection on a pool thread by
/// its descriptor number, which spreads them evenly, and the polling loops
/// are chosen the same way. TLS applies to added connections as to accepted ones.
///
/// The connection limit is kept here, not by libmicrohttpd: 0.9.75 checks an
/// added connection against it only later, on the polling thread ("Failed to
/// start serving new connection"), and after such refusals the next
/// `MHD_stop_daemon` hung for good, joining a polling thread blocked on a
/// mutex inside the library (seen after a burst of 150 connections at a
/// limit of 50; its per-address refusals do not do this). So this counts
/// the connections it hands over until libmicrohttpd reports them closed,
/// closes any beyond the limit itself, and the daemon's own limit is set so
/// high that it is never reached. The per-address limit is kept here too:
/// with one daemon per polling loop, each daemon's own count would see only
/// its share of a client's connections.
final class ConnectionAcceptor: @unchecked Sendable {
    /// Where accepted connections go.
    enum Destination {
        /// A daemon with its own polling threads.
        case daemon(OpaquePointer)
        /// Polling loops, chosen by descriptor number.
        case loops([PollingLoop])
    }

    // @unchecked: `destination` and `thread` are set before the thread starts and
    // read by `stop()` after it has been joined; the two refusal logs
    // are the thread's alone; the descriptors never change.
    private let listener: Int32
    /// The port bound (the one the kernel chose when 0 was asked for).
    let port: UInt16
    /// Written to stop the thread.
    private let wakeup: Int32
    /// Set by the first ``stop()``.
    private let stopped = Atomic(false)
    private var destination: Destination?
    private var thread: pthread_t?
    private let log: (String) -> Void
    /// Connections open at once, at most.
    private let limit: Int
    /// Connections handed to libmicrohttpd and not yet closed.
    private let admitted = Atomic<Int>(0)
    /// Connections open at once from one client address, at most (0: no limit).
    let perAddressLimit: Int
    /// Connections open now by client address (only with a per-address limit).
    private let perAddress = Mutex([ClientAddress: Int]())
    /// Connections refused at each limit (thread only).
    private var limitRefusals = RefusalLog()
    private var addressRefusals = RefusalLog()

    /// Binds and listens on `address`. Nothing is accepted before ``start(daemon:)``.
    init(
        address: SocketAddress, limit: Int, perAddressLimit: Int, log: @escaping (String) -> Void
    ) throws(HTTPServerError) {
        self.log = log
        self.limit = limit
        self.perAddressLimit = perAddressLimit
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(family, socketType, 0)
        guard descriptor >= 0 else { throw .listenFailed(reason: Self.lastError("socket")) }
        var on: Int32 = 1
        // A restart may bind while the last run's connections are in TIME_WAIT.
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        // "::" means IPv6 only, as with libmicrohttpd's own listening socket.
        if address.isIPv6 { setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = address.withSocketAddress { bind(descriptor, $0, address.length) } == 0
        guard bound, listen(descriptor, SOMAXCONN) == 0 else {
            let reason = Self.lastError(bound ? "listen" : "bind")
            close(descriptor)
            throw .listenFailed(reason: reason)
        }
        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let wakeup = stele_event_fd()
        guard wakeup >= 0 else {
            close(descriptor)
            throw .listenFailed(reason: Self.lastError("eventfd"))
        }
        listener = descriptor
        self.wakeup = wakeup
        port = SocketAddress.port(of: local)
    }

    deinit {
        close(wakeup)
    }

    /// Starts accepting into `destination`, whose daemons must run without a
    /// listening socket of their own (`MHD_USE_NO_LISTEN_SOCKET`) and with `MHD_USE_ITC`.
    func start(into destination: Destination) {
        self.destination = destination
        guard let handle = ServerThread.start(named: "stele-accept", { self.run() }) else {
            preconditionFailure("cannot start the accepting thread")
        }
        thread = handle
    }

    /// libmicrohttpd is closing `connection` (any thread).
    func connectionClosed(_ connection: OpaquePointer) {
        uncount(perAddressLimit > 0 ? stele_mhd_client_address(connection).flatMap(ClientAddress.init) : nil)
    }

    /// A connection counted at accept never opened: libmicrohttpd refused it
    /// (and closed its socket).
    func connectionRefused(_ client: ClientAddress?) {
        uncount(client)
    }

    /// Takes a connection counted at accept out of both counts.
    private func uncount(_ client: ClientAddress?) {
        admitted.subtract(1, ordering: .relaxed)
        guard perAddressLimit > 0, let client else { return }
        perAddress.withLock { open in
            guard let count = open[client] else { return }
            open[client] = count > 1 ? count - 1 : nil
        }
    }

    /// Counts a connection from `client`, unless it already has as many as allowed.
    private func admit(_ client: ClientAddress?) -> Bool {
        guard perAddressLimit > 0, let client else { return true }
        return perAddress.withLock { open in
            let count = open[client, default: 0]
            guard count < perAddressLimit else { return false }
            open[client] = count + 1
            return true
        }
    }

    /// Stops accepting and closes the listening socket; connections already
    /// added are libmicrohttpd's. Call it before the daemon stops; a second
    /// call does nothing (a second close could hit a descriptor reused since).
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ServerThread.stop(thread, wakingWith: wakeup)
        thread = nil
        close(listener)
    }

    private func run() {
        var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeup, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&descriptors, 2, -1) < 0 {
                if errno == EINTR { continue }
                log("accepting stopped: \(Self.lastError("poll"))")
                return
            }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents != 0 { acceptWaiting() }
        }
    }

    /// Accepts until none is waiting.
    private func acceptWaiting() {
        guard let destination else { return }
        while true {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let accepted = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    stele_accept(listener, $0, &length)
                }
            }
            if accepted < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: leave the connection in the
                    // backlog and look again shortly rather than spin on it.
                    log("cannot accept a connection: \(Self.lastError("accept")); retrying in 10 ms")
                    usleep(10_000)
                    return
                default:
                    log("cannot accept a connection: \(Self.lastError("accept"))")
                    return
                }
            }
            guard admitted.add(1, ordering: .relaxed).newValue <= limit else {
                admitted.subtract(1, ordering: .relaxed)
                close(accepted)
                if let count = limitRefusals.note() {
                    log("connection limit (\(limit)) reached: closed \(count) new connection(s)")
                }
                continue
            }
            let client = perAddressLimit > 0
                ? withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ClientAddress($0) } }
                : nil
            guard admit(client) else {
                admitted.subtract(1, ordering: .relaxed)
                close(accepted)
                if let count = addressRefusals.note() {
                    log("per-address connection limit (\(perAddressLimit)) reached: closed \(count) new connection(s)")
                }
                continue
            }
            switch destination {
            case .daemon(let daemon):
                // libmicrohttpd owns the socket from here, and closes it itself
                // when it refuses it — then it never opened.
                let added = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MHD_add_connection(daemon, accepted, $0, length) }
                }
                if added != .YES { connectionRefused(client) }
            case .loops(let loops):
                loops[Int(accepted) % loops.count].add(
                    PollingLoop.Arrival(socket: accepted, address: peer, length: length, client: client))
            }
        }
    }

    private static func lastError(_ call: String) -> String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
