/// Why the HTTP server could not start.
package enum HTTPServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAddress(String)
    case tlsIncomplete
    case listenFailed(reason: String)
    case startFailed(host: String, port: UInt16)

    package var description: String {
        switch self {
        case .invalidAddress(let host): "cannot listen on \"\(host)\": not an IPv4 or IPv6 address"
        case .tlsIncomplete: "HTTPS needs both a certificate and a key"
        case .listenFailed(let reason): "cannot listen: \(reason)"
        case .startFailed(let host, let port):
            "could not serve on \(host):\(port) (libmicrohttpd refused to start; is the TLS material valid?)"
        }
    }
}
