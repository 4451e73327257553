import Glibc

/// Tells a service manager how `stele serve` is doing, by systemd's
/// notification protocol (sd_notify(3)): one datagram of `KEY=VALUE` lines to
/// the unix socket named by `$NOTIFY_SOCKET`, so a `Type=notify` unit is
/// started only once the journal is recovered and writable.
///
/// Without the variable it does nothing, and a failure to send is ignored:
/// notification never stops or slows the server. A name starting with `@`
/// is in the abstract namespace (its first byte sent as NUL).
struct SystemdNotifier: Sendable {
    /// The socket's name as the variable gave it, or nil when there is none.
    let socketName: String?

    init(socketName: String? = getenv("NOTIFY_SOCKET").map { String(cString: $0) }) {
        self.socketName = socketName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends `state` (e.g. `READY=1`); true when the datagram was sent.
    @discardableResult
    func notify(_ state: String) -> Bool {
        guard let socketName, socketName.hasPrefix("/") || socketName.hasPrefix("@") else { return false }
        var path = Array(socketName.utf8)
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs room for its terminating NUL; an abstract name has none.
        guard path.count < capacity || (path[0] == 0 && path.count <= capacity) else { return false }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (path[0] == 0 ? 0 : 1))

        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == message.count
    }
}
