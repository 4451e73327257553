import Glibc

/// Why a raw HTTP exchange did not produce a response.
enum RawHTTPError: Error, CustomStringConvertible {
    case connectFailed(errno: Int32)
    case sendFailed(errno: Int32)
    case receiveFailed(errno: Int32)
    /// The deadline passed before the response was complete.
    case timedOut(received: Int)
    /// The server closed the connection before a whole response arrived.
    case closed(received: Int)
    case malformed(String)

    var description: String {
        switch self {
        case .connectFailed(let code): "connect failed: \(String(cString: strerror(code)))"
        case .sendFailed(let code): "send failed: \(String(cString: strerror(code)))"
        case .receiveFailed(let code): "receive failed: \(String(cString: strerror(code)))"
        case .timedOut(let received): "timed out after receiving \(received) bytes"
        case .closed(let received): "connection closed after \(received) bytes, before a whole response"
        case .malformed(let why): "malformed response: \(why)"
        }
    }

    /// The server hung up (closed or reset) rather than answering.
    var isHangUp: Bool {
        switch self {
        case .closed: true
        case .sendFailed(let code), .receiveFailed(let code), .connectFailed(let code):
            code == ECONNRESET || code == EPIPE || code == ECONNREFUSED
        default: false
        }
    }
}
