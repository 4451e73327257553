/// A 201 answer to a single-record append: where the record landed.
struct AppendAcknowledgement: Sendable, Hashable {
    let offset: UInt64
    let next: UInt64
    let blake3: String

    init(offset: UInt64, next: UInt64, blake3: String) {
        self.offset = offset
        self.next = next
        self.blake3 = blake3
    }

    /// Reads the acknowledgement from `response`; throws unless it is a 201 of the documented shape.
    init(_ response: RawHTTPClient.Response) throws {
        guard response.status == 201 else { throw RawHTTPError.malformed("append refused: \(response)") }
        let object = try response.json()
        guard let offset = object["offset"] as? UInt64, let next = object["next"] as? UInt64,
            let blake3 = object["blake3"] as? String
        else { throw RawHTTPError.malformed("append answer \(response)") }
        self.init(offset: offset, next: next, blake3: blake3)
    }
}
