import Testing

/// Bodies over `--max-body-bytes` get 413 `payload-too-large`: before the
/// body is read when its length is declared (no 100 Continue to an
/// `Expect: 100-continue`), and once a chunked body that passed the limit
/// ends (its rest is read and dropped; one that goes on for more than 1 MiB
/// past the limit has its connection closed). Nothing is stored.
@Suite struct BodyLimitTests {
    static let limit = 1024
    static let flags = ["--max-body-bytes", "\(limit)"]

    static func head(_ port: UInt16, length: Int, expect: Bool = false, contentType: String = "application/octet-stream") -> [UInt8] {
        var headers = [("Content-Type", contentType), ("Content-Length", "\(length)")]
        if expect { headers.append(("Expect", "100-continue")) }
        return RawHTTPClient.requestBytes("POST", "/v1/records", port: port, headers: headers, body: nil)
    }

    /// A 413 `payload-too-large` that changed nothing, from a server still healthy.
    static func expectRefused(
        _ response: RawHTTPClient.Response, leaving client: RawHTTPClient, as before: JournalFingerprint,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(response.status == 413, "\(response)", sourceLocation: sourceLocation)
        #expect(response.problemCode == "payload-too-large", sourceLocation: sourceLocation)
        #expect(try await client.fingerprint() == before, sourceLocation: sourceLocation)
        #expect(try await client.request("GET", "/healthz").status == 200, sourceLocation: sourceLocation)
    }

    @Test func bodyOfExactlyTheLimit_isAppended_andOneByteMore_is413() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let fits = try await client.append([UInt8](repeating: 1, count: Self.limit), contentType: "application/octet-stream")
            #expect(fits.status == 201)
            let before = try await client.fingerprint()
            let over = try await client.append([UInt8](repeating: 2, count: Self.limit + 1), contentType: "application/octet-stream")
            #expect(over.status == 413)
            #expect(over.problemCode == "payload-too-large")
            #expect(try over.json()["limit"] as? Int == Self.limit)
            #expect(try await server.client().fingerprint() == before)
        }
    }

    @Test func declaredLengthOverTheLimit_is413BeforeTheBodyIsSent() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let before = try await client.fingerprint()
            // Only the head goes out: the answer must come without the body.
            let response = try await server.client(timeout: .seconds(10)).exchange(
                raw: Self.head(server.port, length: 10 * Self.limit), method: "POST", target: "/v1/records")
            try await Self.expectRefused(response, leaving: client, as: before)
        }
    }

    @Test func expectContinueOverTheLimit_is413WithoutA100() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let before = try await client.fingerprint()
            let raw = server.client(timeout: .seconds(10))
            let head = Self.head(server.port, length: 1 << 20, expect: true)
            let response = try await raw.perform { client in
                try client.connectNow()
                try client.sendNow(head)
                return try client.readResponseNow(method: "POST", target: "/v1/records", stopAtInterim: true)
            }
            #expect(response.status == 413, "the server asked for a body it must refuse: \(response)")
            #expect(response.problemCode == "payload-too-large")
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func expectContinueWithinTheLimit_gets100ThenTheAppend() async throws {
        try await withServer(Self.flags) { server in
            let raw = server.client(timeout: .seconds(10))
            let head = Self.head(server.port, length: 5, expect: true, contentType: "application/json")
            let (interim, final) = try await raw.perform { client in
                try client.connectNow()
                try client.sendNow(head)
                let interim = try client.readResponseNow(method: "POST", target: nil, stopAtInterim: true)
                try client.sendNow(Array("[1,2]".utf8))
                return (interim.status, try client.readResponseNow(method: "POST", target: "/v1/records"))
            }
            #expect(interim == 100)
            #expect(final.status == 201)
        }
    }

    @Test func chunkedBodyOverTheLimit_is413AndStoresNothing() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let before = try await client.fingerprint()
            // Ten 400-byte chunks: 4,000 bytes against a limit of 1,024.
            let answer = try await server.client(timeout: .seconds(10)).appendChunked(chunks: 10, chunkSize: 400)
            let response = try answer.get()
            try await Self.expectRefused(response, leaving: client, as: before)
        }
    }

    @Test func chunkedBodyThatNeverEnds_hasItsConnectionClosed_andStoresNothing() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let before = try await client.fingerprint()
            let raw = server.client(timeout: .seconds(10))
            let head = RawHTTPClient.requestBytes(
                "POST", "/v1/records", port: server.port,
                headers: [("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")], body: nil)
            let closed = try await raw.perform { client in
                try client.connectNow()
                try client.sendNow(head)
                // 64 KiB chunks: the server stops reading a little after 1 MiB past the limit.
                let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x41, count: 1 << 16) + Array("\r\n".utf8)
                for _ in 0..<64 {
                    guard (try? client.sendNow(chunk)) != nil else { return true }
                }
                return (try? client.waitForCloseNow(timeout: .seconds(5))) != nil
            }
            #expect(closed, "4 MiB of a body that never ends: the connection must be closed")
            #expect(try await client.fingerprint() == before)
            #expect(try await client.request("GET", "/healthz").status == 200)
        }
    }

    @Test func chunkedBodyWithinTheLimit_isAppended() async throws {
        try await withServer(Self.flags) { server in
            let raw = "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"
            let response = try await server.client().exchange(raw: Array(raw.utf8), method: "POST", target: "/v1/records")
            #expect(response.status == 201)
            let stored = try await server.client().readAll()
            #expect((stored.first?.json as? [String: Any])?["a"] as? Int == 1)
        }
    }

    @Test func cursorUpdateOverTheSmallBodyLimit_is413() async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            let body = #"{"offset":0,"pad":""# + String(repeating: " ", count: 70_000) + "\"}"
            let before = try await client.fingerprint()
            let response = try await server.client().exchange(
                raw: RawHTTPClient.requestBytes(
                    "PUT", "/v1/cursors/big", port: server.port, headers: [("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)")],
                    body: nil),
                method: "PUT", target: "/v1/cursors/big")
            try await Self.expectRefused(response, leaving: client, as: before)
        }
    }

    @Test(arguments: [("GET", "/v1/journal"), ("DELETE", "/v1/cursors/reader"), ("POST", "/v1/segments/cleanup?dry_run=true")])
    func bodyOnARequestThatTakesNone_over64KiB_is413(method: String, target: String) async throws {
        try await withServer(Self.flags) { server in
            let client = server.client()
            #expect(try await client.putCursor("reader", offset: 0).status == 200)
            let before = try await client.fingerprint()
            let response = try await server.client(timeout: .seconds(10)).exchange(
                raw: RawHTTPClient.requestBytes(
                    method, target, port: server.port, headers: [("Content-Length", "\((64 << 10) + 1)")], body: nil),
                method: method, target: target)
            try await Self.expectRefused(response, leaving: client, as: before)
            #expect(try await client.request("GET", "/v1/cursors/reader").status == 200)
        }
    }
}
