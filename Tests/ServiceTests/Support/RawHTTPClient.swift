import Dispatch
import Glibc

/// A deliberately small HTTP/1.1 client over a POSIX socket to 127.0.0.1:
/// it sends exactly the bytes a test gives it (conflicting framing headers,
/// bodies one byte at a time, huge headers) and reads one response at a time,
/// honouring Content-Length, chunked and close framing. The connection is
/// kept alive between requests and reopened when the server closed it.
///
/// The blocking socket work runs on the client's own serial dispatch queue,
/// never on Swift's cooperative pool: `perform` and the async wrappers hop
/// there. One client serves one test task at a time.
final class RawHTTPClient: @unchecked Sendable {
    let port: UInt16
    /// How long one send or one response may take.
    let timeout: Duration
    private var descriptor: Int32 = -1
    /// Bytes received and not yet consumed by a response.
    var pending: [UInt8] = []
    private let queue = DispatchQueue(label: "RawHTTPClient")
    /// Whether responses go to the exchange log: off for requests known to
    /// hit a server bug that a test already reports as a known issue.
    var logsExchanges = true

    init(port: UInt16, timeout: Duration = .seconds(20)) {
        self.port = port
        self.timeout = timeout
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    var isConnected: Bool { descriptor >= 0 }

    /// Runs `work` with this client on its own thread.
    func perform<T: Sendable>(_ work: @escaping @Sendable (RawHTTPClient) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work(self) }) }
        }
    }

    // MARK: Blocking operations (call inside `perform`)

    /// Opens a new connection, closing any previous one.
    func connectNow() throws {
        closeNow()
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { throw RawHTTPError.connectFailed(errno: errno) }
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        // SO_SNDTIMEO bounds connect(2) too on Linux.
        setsockopt(socketDescriptor, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(socketDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(socketDescriptor)
            throw RawHTTPError.connectFailed(errno: code)
        }
        descriptor = socketDescriptor
        pending = []
    }

    func closeNow() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        pending = []
    }

    /// Connects unless a live connection is open: one the server has closed
    /// since the last response is replaced.
    func ensureConnectedNow() throws {
        if descriptor >= 0, pending.isEmpty {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                var byte: UInt8 = 0
                if recv(descriptor, &byte, 1, Int32(MSG_PEEK)) <= 0 { closeNow() }
            }
        }
        if descriptor < 0 { try connectNow() }
    }

    /// Sends all of `bytes` on the open connection.
    func sendNow(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw RawHTTPError.sendFailed(errno: ENOTCONN) }
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw RawHTTPError.sendFailed(errno: errno)
            }
            sent += result
        }
    }

    /// Receives more bytes into `pending`; false when the peer closed the
    /// connection (or reset it). Throws when `deadline` passes first.
    func receiveMore(before deadline: ContinuousClock.Instant) throws -> Bool {
        guard descriptor >= 0 else { return false }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw RawHTTPError.timedOut(received: pending.count) }
            let milliseconds = Int32(min(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                pending.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 || errno == ECONNRESET { return false }
            if errno == EINTR || errno == EAGAIN { continue }
            throw RawHTTPError.receiveFailed(errno: errno)
        }
    }

    /// Waits until the server closes the connection, reading (and returning)
    /// whatever it sends meanwhile; nil when it is still open at the deadline.
    func waitForCloseNow(timeout: Duration) throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        do {
            while try receiveMore(before: deadline) {}
        } catch RawHTTPError.timedOut {
            return nil
        }
        let received = pending
        closeNow()
        return received
    }

    /// Sends one request and reads its response, reconnecting first when the
    /// kept-alive connection was closed. Logged to the exchange log.
    func requestNow(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> Response {
        try ensureConnectedNow()
        try sendNow(Self.requestBytes(method, target, port: port, headers: headers, body: body))
        return try readResponseNow(method: method, target: target)
    }

    /// The bytes of a request: the request line, `Host` unless given,
    /// the headers, `Content-Length` for a body unless framing is given.
    static func requestBytes(
        _ method: String, _ target: String, port: UInt16, headers: [(String, String)], body: [UInt8]?
    ) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        let names = Set(headers.map { $0.0.lowercased() })
        if !names.contains("host") { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body, !names.contains("content-length"), !names.contains("transfer-encoding") {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    // MARK: Async conveniences

    /// One request and its response (see ``requestNow(_:_:headers:body:)``).
    func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> Response {
        try await perform { try $0.requestNow(method, target, headers: headers, body: body) }
    }

    /// Sends `bytes` exactly as given on a new connection and reads one
    /// response, logged as `method` on `target`.
    func exchange(raw bytes: [UInt8], method: String, target: String) async throws -> Response {
        try await perform { client in
            try client.connectNow()
            try client.sendNow(bytes)
            return try client.readResponseNow(method: method, target: target)
        }
    }

    func close() async {
        _ = try? await perform { $0.closeNow() }
    }
}

extension RawHTTPClient {
    /// Whether bytes (or a close) arrive within `timeout`, without reading them.
    func waitForDataNow(timeout: Duration) throws -> Bool {
        guard isConnected, pending.isEmpty else { return !pending.isEmpty }
        let deadline = ContinuousClock.now + timeout
        do {
            return try receiveMore(before: deadline) || true
        } catch RawHTTPError.timedOut {
            return false
        }
    }
}
