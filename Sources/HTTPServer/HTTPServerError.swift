/// Why the HTTP server could not start.
package enum HTTPServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAddress(String)
    case tlsIncomplete
    case startFailed(host: String, port: UInt16)

    package var description: String {
        switch self {
        case .invalidAddress(let host): "cannot listen on \"\(host)\": not an IPv4 or IPv6 address"
        case .tlsIncomplete: "HTTPS needs both a certificate and a key"
        case .startFailed(let host, let port):
            "could not listen on \(host):\(port) (address in use, no permission, or TLS material libmicrohttpd refused)"
        }
    }
}
