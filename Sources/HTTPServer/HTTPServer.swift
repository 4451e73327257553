import CMicroHTTPD
import Glibc
import Synchronization

/// An HTTP server on libmicrohttpd, handing each complete request to an
/// ``HTTPHandler``. With `epoll` it runs one daemon per polling thread, each
/// driven by a ``PollingLoop``; with `poll`, one daemon with libmicrohttpd's
/// own pool of polling threads. It owns the daemons and stops them in
/// ``stop()`` (or `deinit`).
package final class HTTPServer: Sendable {
    let handler: any HTTPHandler
    /// Requests that have been accepted and not yet answered and sent.
    let inFlight = Atomic<Int>(0)
    /// How long a request may take to arrive once its headers are in (slow
    /// bodies); nil without a timeout.
    let requestDeadline: Duration?
    /// Closes connections that trickle their headers (nil without a timeout).
    let deadlines: RequestDeadlines?
    /// Lets answers resume their connections until the daemon stops.
    let resumeGate = ResumeGate()
    /// Ends the waits of clients that leave while suspended (nil if epoll is
    /// refused). Made once nothing in `init` can throw before the daemon starts:
    /// a thread started earlier would outlive a failed init (no deinit runs).
    let departures: ClientDepartures?
    /// One per polling loop (epoll), or the one with its own threads (poll).
    /// Both are set once, in init, before another thread can reach the server.
    private nonisolated(unsafe) var daemons: [OpaquePointer] = []
    /// Empty with poll.
    private nonisolated(unsafe) var loops: [PollingLoop] = []
    private let lifecycle = Mutex(Lifecycle.running)
    // Kept alive for as long as the daemon may call back into them.
    private nonisolated(unsafe) let logTarget: UnsafeMutablePointer<stele_mhd_log_target>
    private nonisolated(unsafe) let tlsMaterial: [UnsafeMutablePointer<CChar>]
    private let logSink: LogSink
    /// The listening socket and the thread that hands its connections to the daemon.
    let acceptor: ConnectionAcceptor

    private enum Lifecycle {
        case running, quiesced, stopped
    }

    /// Where libmicrohttpd's own messages go.
    package typealias LogSink = @Sendable (String) -> Void

    private let boundPort = Atomic<UInt16>(0)
    /// Set once ``release()`` has freed the C memory.
    private let released = Atomic(false)

    /// The port the server listens on (the one chosen when the configuration asked for 0).
    package var port: UInt16 { boundPort.load(ordering: .relaxed) }

    /// GnuTLS's cipher choice for HTTPS: its defaults without TLS 1.0 and
    /// 1.1, without RSA key exchange (no forward secrecy) and without SHA-1
    /// MACs, so TLS 1.2 with ECDHE and AEAD ciphers, or TLS 1.3.
    static let tlsPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-SHA1"

    /// Starts listening and serving at once.
    package init(
        configuration: HTTPServerConfiguration, handler: any HTTPHandler,
        log: @escaping LogSink = { _ in }
    ) throws(HTTPServerError) {
        self.handler = handler
        self.logSink = log
        self.requestDeadline = configuration.connectionTimeoutSeconds > 0
            ? .seconds(configuration.connectionTimeoutSeconds) : nil
        self.deadlines = configuration.connectionTimeoutSeconds > 0
            ? RequestDeadlines(deadline: .seconds(configuration.connectionTimeoutSeconds)) : nil
        // No daemon listens: ConnectionAcceptor accepts and spreads the
        // connections over the polling threads.
        var flags = UInt32(MHD_ALLOW_SUSPEND_RESUME.rawValue)
            | UInt32(MHD_USE_ERROR_LOG.rawValue) | UInt32(MHD_USE_NO_LISTEN_SOCKET.rawValue)
        switch configuration.eventLoop {
        case .poll: flags |= UInt32(MHD_USE_POLL.rawValue) | UInt32(MHD_USE_INTERNAL_POLLING_THREAD.rawValue)
        case .epoll: flags |= UInt32(MHD_USE_EPOLL.rawValue)
        }
        let address = try SocketAddress(host: configuration.host, port: configuration.port)
        if address.isIPv6 { flags |= UInt32(MHD_USE_IPv6.rawValue) }

        var material: [UnsafeMutablePointer<CChar>] = []
        switch (configuration.tlsCertificate, configuration.tlsKey) {
        case (nil, nil): break
        case (let certificate?, let key?):
            flags |= UInt32(MHD_USE_TLS.rawValue)
            material = [strdup(certificate), strdup(key), strdup(Self.tlsPriorities)]
        default: throw .tlsIncomplete
        }
        do {
            acceptor = try ConnectionAcceptor(
                address: address, limit: configuration.connectionLimit,
                perAddressLimit: configuration.connectionsPerAddress, log: log)
        } catch {
            for pointer in material { free(pointer) }
            throw error
        }
        tlsMaterial = material
        logTarget = .allocate(capacity: 1)
        departures = ClientDepartures()

        var options: [MHD_OptionItem] = [
            // Never reached: the acceptor keeps the limit (see ConnectionAcceptor).
            Self.option(.CONNECTION_LIMIT, configuration.connectionLimit * max(1, configuration.threads) + 64),
            Self.option(.CONNECTION_TIMEOUT, configuration.connectionTimeoutSeconds),
            Self.option(.CONNECTION_MEMORY_LIMIT, configuration.connectionMemoryLimit),
            // libmicrohttpd's default strictness. Its strict level would refuse
            // an HTTP/1.1 request without Host itself, but 0.9.75 then sends
            // that 400's head twice; the service refuses it (missing-host).
            Self.option(.STRICT_FOR_CLIENT, 0),
        ]
        if configuration.eventLoop == .poll, configuration.threads > 1 {
            options.append(Self.option(.THREAD_POOL_SIZE, configuration.threads))
        }
        if material.count == 3 {
            options.append(MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: material[0]))
            options.append(MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: material[1]))
            options.append(MHD_OptionItem(option: .HTTPS_PRIORITIES, value: 0, ptr_value: material[2]))
        }
        options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))

        // The daemon reaches this object through an unretained pointer: the
        // object outlives the daemon, which `stop()` (at the latest `deinit`) ends.
        let context = Unmanaged.passUnretained(self).toOpaque()
        logTarget.initialize(to: stele_mhd_log_target(sink: microHTTPDLog, context: context))
        let target = logTarget
        let startDaemon = {
            options.withUnsafeBufferPointer { items in
                stele_mhd_start(
                    flags, 0, accessHandler, context, requestCompleted, context,
                    connectionNotified, context, target, items.baseAddress)
            }
        }
        var started: [OpaquePointer] = []
        var loops: [PollingLoop] = []
        var failure: HTTPServerError?
        for _ in 0..<(configuration.eventLoop == .epoll ? configuration.threads : 1) {
            guard let daemon = startDaemon() else {
                failure = .startFailed(host: configuration.host, port: configuration.port)
                break
            }
            started.append(daemon)
            guard configuration.eventLoop == .epoll else { break }
            do {
                let acceptor = self.acceptor
                loops.append(try PollingLoop(daemon: daemon, refused: { acceptor.connectionRefused($0) }, log: log))
            } catch {
                failure = error
                break
            }
        }
        daemons = started
        self.loops = loops
        if let failure {
            stop()
            release()
            throw failure
        }
        boundPort.store(acceptor.port, ordering: .relaxed)
        resumeGate.route(loops)
        for (index, loop) in loops.enumerated() { loop.start(named: "stele-http-\(index)") }
        acceptor.start(into: loops.isEmpty ? .daemon(started[0]) : .loops(loops))
    }

    deinit {
        stop()
        release()
    }

    /// Frees the C memory the daemon used, once: a failed init calls it, and
    /// so does `deinit`, which Swift runs for a class whose init threw after
    /// every property was set (calling it twice was a double free: a TLS key
    /// that libmicrohttpd refused crashed the server instead of stopping it).
    private func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for pointer in tlsMaterial { free(pointer) }
        logTarget.deallocate()
    }

    /// Connections open now.
    package var connections: Int {
        lifecycle.withLock { state in
            guard state != .stopped else { return 0 }
            return daemons.reduce(0) { $0 + Int(stele_mhd_connection_count($1)) }
        }
    }

    /// Requests accepted and not yet answered.
    package var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Stops accepting new connections; open ones are still served.
    package func quiesce() {
        lifecycle.withLock { state in
            guard state == .running else { return }
            state = .quiesced
            acceptor.stop()
        }
    }

    /// Closes every connection and stops the polling threads. Requests still
    /// suspended should have been answered first (see ``requestsInFlight``):
    /// those that were not are left unanswered, and their answers, when they
    /// come, do nothing.
    package func stop() {
        let stopping: Bool = lifecycle.withLock { state in
            guard state != .stopped else { return false }
            // The acceptor adds to the daemons: it stops first.
            if state == .running { acceptor.stop() }
            state = .stopped
            return true
        }
        if stopping {
            // Answers still to come (past the shutdown's grace period) must not
            // touch a daemon once it is gone.
            resumeGate.close()
            // A loop's daemon is stopped once nothing runs it any more.
            for loop in loops { loop.stop() }
            for daemon in daemons { MHD_stop_daemon(daemon) }
            deadlines?.stop()
            departures?.stop()
        }
    }

    func log(_ message: String) { logSink(message) }

    private static func option(_ option: MHD_OPTION, _ value: Int) -> MHD_OptionItem {
        MHD_OptionItem(option: option, value: value, ptr_value: nil)
    }
}

/// libmicrohttpd's log lines, formatted by the shim.
extension HTTPServer {
    /// Whether one of libmicrohttpd's messages tells what a client did (left
    /// mid-request, sent something malformed, stopped reading) rather than
    /// what went wrong in the server: any client can make those at will, so
    /// they are not worth an operator's warning.
    package static func isAboutAClient(_ message: String) -> Bool {
        [
            "closed by remote side", "has been disconnected", "Connection socket is closed",
            "Failed to send", "Error processing request", "without `Host' header",
        ].contains { message.contains($0) }
    }
}

private func microHTTPDLog(_ context: UnsafeMutableRawPointer?, _ message: UnsafePointer<CChar>?) {
    guard let context, let message else { return }
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().log(String(cString: message))
}
