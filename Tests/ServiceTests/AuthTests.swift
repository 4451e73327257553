import Testing

/// Bearer tokens from `--token-file`: 401 with a challenge without a known
/// token, 403 without the scope, health always open, admin for cleanup,
/// cursor deletion and forced cursor moves.
@Suite struct AuthTests {
    static let read = "read-token-0123456789"
    static let write = "write-token-0123456789"
    static let admin = "admin-token-0123456789"

    static func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Runs `body` with a server that requires the tokens above.
    func withTokens(_ extra: [String] = [], _ body: (ServerProcess) async throws -> Void) async throws {
        let scratch = try ScratchDirectory("auth")
        defer { scratch.remove() }
        let file = try scratch.write(
            "# test tokens\n\(Self.read) read\n\(Self.write) write\n\n\(Self.admin) admin\n", to: "tokens")
        let server = try await ServerProcess.start(in: scratch, flags: ["--token-file", file.path] + extra)
        defer { server.kill() }
        try await body(server)
    }

    @Test func withoutAToken_isUnauthorizedWithABearerChallenge() async throws {
        try await withTokens { server async throws in
            let client = server.client()
            for (method, target, body) in [
                ("GET", "/v1/records", nil), ("POST", "/v1/records", Array("1".utf8)), ("GET", "/v1/journal", nil),
                ("GET", "/v1/cursors", nil), ("GET", "/v1/segments", nil), ("POST", "/v1/segments/cleanup", nil),
            ] as [(String, String, [UInt8]?)] {
                let response = try await client.request(
                    method, target, headers: body == nil ? [] : [("Content-Type", "application/json")], body: body)
                #expect(response.status == 401, "\(method) \(target)")
                #expect(response.problemCode == "unauthorized")
                #expect(response.header("www-authenticate")?.hasPrefix(#"Bearer realm="stele""#) == true)
            }
            #expect(try await client.request("GET", "/v1/journal", headers: Self.bearer(Self.read)).status == 200)
        }
    }

    @Test(arguments: ["Bearer not-a-known-token-at-all", "Bearer ", "Basic cmVhZDpyZWFk", "bearer", "Bearer \(AuthTests.read)x"])
    func unknownOrMalformedCredentials_areUnauthorized(authorization: String) async throws {
        try await withTokens { server async throws in
            let response = try await server.client().request("GET", "/v1/journal", headers: [("Authorization", authorization)])
            #expect(response.status == 401)
            #expect(response.header("www-authenticate")?.hasPrefix(#"Bearer realm="stele""#) == true)
        }
    }

    @Test func healthReadinessAndMetrics_areOpen() async throws {
        try await withTokens { server async throws in
            let client = server.client()
            #expect(try await client.request("GET", "/healthz").status == 200)
            #expect(try await client.request("GET", "/readyz").status == 200)
            #expect(try await client.request("GET", "/metrics").status == 200)
        }
    }

    @Test func metricsAuth_requiresAToken() async throws {
        try await withTokens(["--metrics-auth", "true"]) { server async throws in
            let client = server.client()
            #expect(try await client.request("GET", "/healthz").status == 200)
            let open = try await client.request("GET", "/metrics")
            #expect(open.status == 401)
            #expect(open.header("www-authenticate")?.hasPrefix(#"Bearer realm="stele""#) == true)
            #expect(try await client.request("GET", "/metrics", headers: Self.bearer(Self.read)).status == 200)
            // openapi.yaml: a protected /metrics needs the read scope.
            let write = try await client.request("GET", "/metrics", headers: Self.bearer(Self.write))
            #expect(write.status == 403, "\(write)")
        }
    }

    @Test func eachScope_allowsItsOperations_andIsForbiddenTheOthers() async throws {
        try await withTokens { server async throws in
            let client = server.client()
            let json = [("Content-Type", "application/json")]
            let readAppend = try await client.request("POST", "/v1/records", headers: json + Self.bearer(Self.read), body: Array("1".utf8))
            #expect(readAppend.status == 403)
            #expect(readAppend.problemCode == "forbidden")
            let appended = try AppendAcknowledgement(
                try await client.request("POST", "/v1/records", headers: json + Self.bearer(Self.write), body: Array("1".utf8)))
            #expect(try await client.request("GET", "/v1/records", headers: Self.bearer(Self.read)).status == 200)
            let writeRead = try await client.request("GET", "/v1/records", headers: Self.bearer(Self.write))
            #expect(writeRead.status == 403, "write does not imply read")
            #expect(try await client.request("GET", "/v1/records", headers: Self.bearer(Self.admin)).status == 200)
            #expect(try await client.putCursor("c", offset: appended.next, headers: Self.bearer(Self.write)).status == 200)
            #expect(try await client.putCursor("c", offset: appended.next, headers: Self.bearer(Self.read)).status == 403)
        }
    }

    @Test func cleanupAndCursorDeletion_needAdmin() async throws {
        try await withTokens { server async throws in
            let client = server.client()
            #expect(try await client.putCursor("c", offset: 0, headers: Self.bearer(Self.write)).status == 200)
            for token in [Self.read, Self.write] {
                let cleanup = try await client.request("POST", "/v1/segments/cleanup", headers: Self.bearer(token))
                #expect(cleanup.status == 403)
                #expect(cleanup.problemCode == "forbidden")
                let delete = try await client.request("DELETE", "/v1/cursors/c", headers: Self.bearer(token))
                #expect(delete.status == 403)
            }
            #expect(try await client.request("POST", "/v1/segments/cleanup", headers: Self.bearer(Self.admin)).status == 200)
            #expect(try await client.request("DELETE", "/v1/cursors/c", headers: Self.bearer(Self.admin)).status == 204)
        }
    }

    @Test func forcingACursorBackwards_needsAdmin() async throws {
        try await withTokens { server async throws in
            let client = server.client()
            let json = [("Content-Type", "application/json")]
            let appended = try AppendAcknowledgement(
                try await client.request("POST", "/v1/records", headers: json + Self.bearer(Self.write), body: Array("1".utf8)))
            #expect(try await client.putCursor("c", offset: appended.next, headers: Self.bearer(Self.write)).status == 200)
            let forced = try await client.putCursor("c", offset: 0, query: "?force=true", headers: Self.bearer(Self.write))
            #expect(forced.status == 403)
            #expect(forced.problemCode == "forbidden")
            // Spellings of force the handler does not take are refused, never
            // read as "not forcing" by authorization and "forcing" by the handler
            // (`?force` alone once moved the cursor back with a write token).
            for query in ["?force", "?force=1", "?force=TRUE", "?force=true&force=true", "?force=false&force=true"] {
                let odd = try await client.putCursor("c", offset: 0, query: query, headers: Self.bearer(Self.write))
                #expect(odd.status == 400, "\(query)")
                #expect(odd.problemCode == "invalid-parameter", "\(query)")
            }
            let current = try await client.jsonObject("/v1/cursors/c", headers: Self.bearer(Self.read))
            #expect(current["offset"] as? UInt64 == appended.next)
            #expect(try await client.putCursor("c", offset: 0, query: "?force=true", headers: Self.bearer(Self.admin)).status == 200)
        }
    }
}
