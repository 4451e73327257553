import HTTPServer

/// The request body formats the service reads.
enum MediaType: Sendable {
    case json, ndjson, octetStream

    /// The body format `request` declares in `Content-Type`, or nil for anything else.
    init?(of request: HTTPRequest) {
        guard let header = request.header("content-type") else { return nil }
        let essence = header.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        switch essence {
        case "application/json": self = .json
        case "application/x-ndjson", "application/ndjson": self = .ndjson
        case "application/octet-stream": self = .octetStream
        default: return nil
        }
    }
}
