import HTTPServer

/// The request body formats the service reads.
enum MediaType: Sendable {
    case json, ndjson, octetStream

    /// The body format `request` declares in `Content-Type`, or nil for anything else.
    init?(of request: HTTPRequest) {
        guard let header = request.header("content-type") else { return nil }
        let essence = ASCIIText.field(header[...], before: UInt8(ascii: ";"))
        if ASCIIText.equalIgnoringCase(essence, "application/json") {
            self = .json
        } else if ASCIIText.equalIgnoringCase(essence, "application/x-ndjson")
            || ASCIIText.equalIgnoringCase(essence, "application/ndjson") {
            self = .ndjson
        } else if ASCIIText.equalIgnoringCase(essence, "application/octet-stream") {
            self = .octetStream
        } else {
            return nil
        }
    }
}
