/// Cursor requests.
extension RawHTTPClient {
    /// `PUT /v1/cursors/{name}` with `{"offset": offset}` (or `body` verbatim).
    func putCursor(_ name: String, offset: UInt64, query: String = "", headers: [(String, String)] = []) async throws -> Response {
        try await putCursor(name, body: #"{"offset":\#(offset)}"#, query: query, headers: headers)
    }

    func putCursor(_ name: String, body: String, query: String = "", headers: [(String, String)] = []) async throws -> Response {
        try await request(
            "PUT", "/v1/cursors/\(name)\(query)", headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }
}
