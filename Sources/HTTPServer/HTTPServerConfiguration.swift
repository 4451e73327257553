/// How the HTTP server listens and what it tolerates from clients.
package struct HTTPServerConfiguration: Sendable {
    /// How the polling threads wait for sockets.
    package enum EventLoop: String, Sendable, CaseIterable {
        /// Level-triggered `poll()` in libmicrohttpd's own thread pool. Every
        /// turn of a thread's loop hands the kernel all its connections, so
        /// its cost grows with the connections open, idle ones included.
        case poll
        /// Edge-triggered `epoll`, the default: one daemon per polling thread,
        /// each run by a ``PollingLoop`` (which keeps libmicrohttpd 0.9.75's
        /// own epoll loop from stalling at 128 ready sockets).
        case epoll
    }

    /// An address to bind: IPv4 or IPv6 text form.
    package var host = "127.0.0.1"
    /// 0 picks a free port (see ``HTTPServer/port``).
    package var port: UInt16 = 8080
    package var eventLoop = EventLoop.epoll
    /// Polling threads; each serves its share of the connections.
    package var threads = 2
    /// Connections open at once, over all threads.
    package var connectionLimit = 16_384
    /// Connections open at once from one client address (0: no limit).
    package var connectionsPerAddress = 0
    /// Seconds an idle or slow connection may stay open (slowloris guard).
    package var connectionTimeoutSeconds = 30
    /// Bytes each connection may use to buffer its request line, headers and
    /// response header: it bounds the URI and header size (414 and 431 beyond).
    /// libmicrohttpd 0.9.75 zeroes the whole pool after every request, so this
    /// is also what an idle keep-alive connection keeps resident: measured
    /// here, about 5 KiB per connection at 4 KiB, 10 KiB at 8 KiB and 66 KiB
    /// at 64 KiB.
    package var connectionMemoryLimit = 4 << 10
    /// PEM certificate chain and private key for HTTPS; nil serves plain HTTP.
    package var tlsCertificate: String?
    package var tlsKey: String?

    package init() {}
}
