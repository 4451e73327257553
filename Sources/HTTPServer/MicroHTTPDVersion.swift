import CMicroHTTPD

/// The libmicrohttpd the binary runs with, for logs and `stele --version`.
package enum MicroHTTPDVersion {
    package static var current: String {
        guard let version = MHD_get_version() else { return "unknown" }
        return String(cString: version)
    }

    /// Whether this libmicrohttpd is one whose epoll loop was seen to stall:
    /// 0.9.75 (Debian 12's), and older ones are assumed alike. With a polling
    /// thread that has exactly a multiple of 128 sockets ready, it waits
    /// again before serving them, until the connection timeout
    /// (ManyConnectionsTests shows it).
    package static var epollMayStall: Bool {
        let parts = current.split(separator: ".").map { Int($0) ?? 0 }
        guard parts.count >= 3 else { return true }
        return (parts[0], parts[1], parts[2]) <= (0, 9, 75)
    }
}
