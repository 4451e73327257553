import Foundation

/// Stele's API spoken through a raw client: the calls many tests share.
extension RawHTTPClient {
    /// `POST /v1/records` with `body` as `contentType`.
    func append(_ body: [UInt8], contentType: String, headers: [(String, String)] = []) async throws -> Response {
        try await request("POST", "/v1/records", headers: [("Content-Type", contentType)] + headers, body: body)
    }

    func appendJSON(_ text: String, headers: [(String, String)] = []) async throws -> Response {
        try await append(Array(text.utf8), contentType: "application/json", headers: headers)
    }

    /// Appends `text` as one JSON record and returns where it landed; fails unless 201.
    func appended(json text: String) async throws -> AppendAcknowledgement {
        try AppendAcknowledgement(try await appendJSON(text))
    }

    /// Appends `bytes` as one binary record and returns where it landed; fails unless 201.
    func appended(bytes: [UInt8]) async throws -> AppendAcknowledgement {
        try AppendAcknowledgement(try await append(bytes, contentType: "application/octet-stream"))
    }

    /// `POST /v1/records` as an octet-stream body of `chunks` chunks of
    /// `chunkSize` bytes (then the last chunk): the response, or the error
    /// that ended the exchange (a connection the server closed).
    func appendChunked(chunks: Int, chunkSize: Int) async throws -> Result<Response, any Error> {
        let head = RawHTTPClient.requestBytes(
            "POST", "/v1/records", port: port,
            headers: [("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")], body: nil)
        return try await perform { client in
            Result {
                try client.connectNow()
                try client.sendNow(head)
                let chunk = Array((String(chunkSize, radix: 16) + "\r\n").utf8)
                    + [UInt8](repeating: 0x41, count: chunkSize) + Array("\r\n".utf8)
                for _ in 0..<chunks { try client.sendNow(chunk) }
                try client.sendNow(Array("0\r\n\r\n".utf8))
                return try client.readResponseNow(method: "POST", target: "/v1/records")
            }
        }
    }

    /// `GET target`, its body as a JSON object; fails unless `expecting`.
    func jsonObject(_ target: String, expecting status: Int = 200, headers: [(String, String)] = []) async throws -> [String: Any] {
        let response = try await request("GET", target, headers: headers)
        guard response.status == status else {
            throw RawHTTPError.malformed("GET \(target): expected \(status), got \(response)")
        }
        return try response.json()
    }

    /// `start`, `end` and the segment list now: equal fingerprints mean nothing was written.
    func fingerprint() async throws -> JournalFingerprint {
        let journal = try await request("GET", "/v1/journal")
        let segments = try await request("GET", "/v1/segments")
        guard journal.status == 200, segments.status == 200 else {
            throw RawHTTPError.malformed("journal \(journal), segments \(segments)")
        }
        let info = try journal.json()
        return JournalFingerprint(
            start: info["start"] as? UInt64 ?? .max, end: info["end"] as? UInt64 ?? .max,
            cursors: info["cursors"] as? Int ?? -1, segments: segments.text)
    }

    /// Every record from `from` (default the journal's start) to its end, paged.
    func readAll(from: UInt64? = nil, limit: Int = 1000) async throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        var target = from.map { "/v1/records?from=\($0)&limit=\(limit)" } ?? "/v1/records?limit=\(limit)"
        while true {
            let page = try await jsonObject(target)
            let batch = (page["records"] as? [[String: Any]] ?? []).map(StoredRecord.init)
            records += batch
            let next = page["next"] as? UInt64 ?? 0
            guard !batch.isEmpty, next < page["end"] as? UInt64 ?? 0 else { return records }
            target = "/v1/records?from=\(next)&limit=\(limit)"
        }
    }
}
