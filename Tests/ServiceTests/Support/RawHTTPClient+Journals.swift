/// Journals in a given shape, built over HTTP.
extension RawHTTPClient {
    /// Appends `count` JSON records of about `size` bytes each; their acknowledgements in order.
    func appendRecords(_ count: Int, size: Int = 64, tag: String = "r") async throws -> [AppendAcknowledgement] {
        var acknowledgements: [AppendAcknowledgement] = []
        for index in 0..<count {
            let padding = String(repeating: "x", count: max(0, size - 30))
            acknowledgements.append(try await appended(json: #"{"\#(tag)":\#(index),"pad":"\#(padding)"}"#))
        }
        return acknowledgements
    }

    /// Fills several segments of a server run with a small
    /// `--segment-max-bytes`, sets the cursor `reader` at the end and cleans up:
    /// afterwards the journal's start is above 0. Returns the acknowledgements.
    func journalWithCleanedStart(records: Int = 80, size: Int = 200) async throws -> [AppendAcknowledgement] {
        let acknowledgements = try await appendRecords(records, size: size)
        let end = acknowledgements.last!.next
        let cursor = try await request(
            "PUT", "/v1/cursors/reader", headers: [("Content-Type", "application/json")], body: Array(#"{"offset":\#(end)}"#.utf8))
        guard cursor.status == 200 else { throw RawHTTPError.malformed("cursor refused: \(cursor)") }
        let cleanup = try await request("POST", "/v1/segments/cleanup")
        guard cleanup.status == 200 else { throw RawHTTPError.malformed("cleanup refused: \(cleanup)") }
        return acknowledgements
    }
}
