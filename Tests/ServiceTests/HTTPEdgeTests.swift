import Foundation
import Testing

/// The HTTP layer's edges: metrics labels clients cannot multiply, chunked
/// bodies over the limit, deadlines, framing headers a proxy could read
/// otherwise, TLS versions, and requests their clients abandon.
@Suite("HTTP edges: metrics labels, limits, deadlines, framing, TLS, abandoned requests")
struct HTTPEdgeTests {
    /// libmicrohttpd takes any token as a method, and an unknown one is
    /// answered 405 before authorization: in metrics every method the API
    /// does not serve is "other", so no client can make series without bound.
    @Test func madeUpMethods_doNotEachGetTheirOwnMetricsSeries() async throws {
        try await withServer { server in
            let client = server.client()
            let count = 300
            for index in 0..<count {
                let response = try await client.request("M\(index)X", "/healthz")
                #expect(response.status == 405)
            }
            let text = try await client.request("GET", "/metrics").text
            let methods = Set(
                text.split(separator: "\n")
                    .filter { $0.hasPrefix("stele_http_requests_total{") }
                    .compactMap { line -> Substring? in
                        guard let start = line.range(of: #"method=""#) else { return nil }
                        let rest = line[start.upperBound...]
                        return rest.prefix { $0 != "\"" }
                    })
            #expect(methods.count <= 10, "\(methods.count) method label values after \(count) made-up methods")
        }
    }

    /// A chunked body that passes the limit is read and dropped, then answered
    /// 413, unless it goes on for as many bytes again as the limit (or 1 MiB):
    /// a body 64 KiB over a 2 MiB limit gets its 413.
    @Test func chunkedBodySlightlyOverALargeLimit_is413_notAClosedConnection() async throws {
        let limit = 2 << 20
        try await withServer(["--max-body-bytes", "\(limit)"]) { server in
            // 33 chunks of 64 KiB: 2 MiB + 64 KiB.
            let answer = try await server.client(timeout: .seconds(20)).appendChunked(chunks: 33, chunkSize: 1 << 16)
            switch answer {
            case .success(let response):
                #expect(response.status == 413, "\(response)")
                #expect(response.problemCode == "payload-too-large")
            case .failure(let error):
                Issue.record("no 413 for a chunked body 64 KiB over a 2 MiB limit: \(error)")
            }
        }
    }

    /// `--connection-timeout 0` turns every timeout off, the body's deadline too.
    @Test func connectionTimeoutZero_doesNotCutABodyThatArrivesAfterASecond() async throws {
        try await withServer(["--connection-timeout", "0"]) { server in
            let raw = server.client(timeout: .seconds(10))
            let body = Array(#"{"late":true}"#.utf8)
            let head = RawHTTPClient.requestBytes(
                "POST", "/v1/records", port: server.port,
                headers: [("Content-Type", "application/json"), ("Content-Length", "\(body.count)")], body: nil)
            let answer = try await raw.perform { client in
                Result {
                    try client.connectNow()
                    try client.sendNow(head)
                    usleep(1_500_000)
                    try client.sendNow(body)
                    return try client.readResponseNow(method: "POST", target: "/v1/records")
                }
            }
            switch answer {
            case .success(let response): #expect(response.status == 201, "\(response)")
            case .failure(let error): Issue.record("the append was cut off: \(error)")
            }
        }
    }

    /// Query names are percent-decoded like values: `%6Cimit=0` is `limit=0`
    /// (out of range, 400), not an unknown parameter.
    @Test func percentEncodedQueryNames_areDecoded() async throws {
        try await withServer { server in
            let response = try await server.client().request("GET", "/v1/records?%6Cimit=0")
            #expect(response.status == 400, "\(response)")
            #expect(response.problemCode == "invalid-parameter")
        }
    }

    /// RFC 9112 section 5.1: a header field with whitespace between its name
    /// and the colon is answered 400. libmicrohttpd keeps it as a field of
    /// another name and frames the body without it; a proxy in front may not
    /// (request smuggling's raw material). Nothing is stored.
    @Test func whitespaceBeforeTheColonOfAFramingHeader_is400() async throws {
        try await withServer { server in
            let raw = "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"
            let response = try await server.client().exchange(raw: Array(raw.utf8), method: "POST", target: "/v1/records")
            #expect(response.status == 400, "\(response)")
            #expect(try await server.client().jsonObject("/v1/journal")["end"] as? Int == 0, "a record was stored")
        }
    }

    /// The same with `Content-Length :`: one 400, and the bytes a proxy would
    /// have sent as the body are never answered as a request of their own.
    @Test func whitespaceBeforeTheColonOfContentLength_smugglesNoSecondRequest() async throws {
        try await withServer { server in
            let inner = "GET /v1/journal HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n"
            let raw = "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                + "Content-Length : \(inner.utf8.count)\r\n\r\n" + inner
            let responses = try await server.client(timeout: .seconds(3)).perform { client -> [Int] in
                try client.connectNow()
                try client.sendNow(Array(raw.utf8))
                var statuses: [Int] = []
                while statuses.count < 2, let response = try? client.readResponseNow(method: "POST", target: "/v1/records") {
                    statuses.append(response.status)
                }
                return statuses
            }
            #expect(responses.count == 1, "statuses \(responses): the body was answered as a request of its own")
            #expect(responses.first == 400)
        }
    }

    /// A declared length over the limit is refused before the body is read,
    /// also with `Expect: 100-continue`, even one beyond `Int.max`
    /// (libmicrohttpd takes lengths up to 2^64 - 2): 413, never 100 Continue.
    @Test func declaredLengthBeyondIntMax_is413WithoutA100() async throws {
        try await withServer { server in
            let head = RawHTTPClient.requestBytes(
                "POST", "/v1/records", port: server.port,
                headers: [("Content-Type", "application/json"), ("Content-Length", "18446744073709551614"), ("Expect", "100-continue")],
                body: nil)
            let response = try await server.client(timeout: .seconds(10)).perform { client in
                try client.connectNow()
                try client.sendNow(head)
                return try client.readResponseNow(method: "POST", target: "/v1/records", stopAtInterim: true)
            }
            #expect(response.status == 413, "the server asked for a body it must refuse: \(response)")
        }
    }

    /// HTTPS refuses TLS 1.0 and 1.1 (deprecated by RFC 8996) and RSA key
    /// exchange (no forward secrecy); TLS 1.2 with ECDHE and TLS 1.3 work.
    @Test(.enabled(if: Tool.find("openssl") != nil, "needs openssl"))
    func https_refusesTLS10And11AndRSAKeyExchange() async throws {
        let scratch = try ScratchDirectory("tls-versions")
        defer { scratch.remove() }
        let tls = try await SelfSignedCertificate(in: scratch)
        let server = try await ServerProcess.start(in: scratch, flags: tls.flags, waitForReady: false)
        defer { server.kill() }
        /// The cipher suite a handshake with these `s_client` flags agreed on, or nil when it failed.
        func negotiated(_ flags: [String]) async throws -> String? {
            let outcome = try await Tool.run(
                "openssl", ["s_client", "-connect", "127.0.0.1:\(server.port)"] + flags, timeout: .seconds(15))
            guard let line = outcome.output.split(separator: "\n").first(where: { $0.hasPrefix("New, ") }),
                  let cipher = line.components(separatedBy: "Cipher is ").last, cipher != "(NONE)" else { return nil }
            return cipher
        }
        for version in ["-tls1", "-tls1_1"] {
            let cipher = try await negotiated([version, "-cipher", "DEFAULT:@SECLEVEL=0"])
            #expect(cipher == nil, "\(version) negotiated \(cipher ?? "")")
        }
        let rsa = try await negotiated(["-tls1_2", "-cipher", "AES128-SHA256:AES256-GCM-SHA384:@SECLEVEL=0"])
        #expect(rsa == nil, "RSA key exchange negotiated \(rsa ?? "")")
        #expect(try await negotiated(["-tls1_2"]) != nil, "TLS 1.2 refused")
        #expect(try await negotiated(["-tls1_3"]) != nil, "TLS 1.3 refused")
    }

    /// RFC 9112 section 6.1: a transfer coding other than one `chunked`
    /// leaves the body's end unknown; it is refused 400 at once instead of
    /// read until the connection closes. Nothing is stored.
    @Test(arguments: ["gzip", "chunked, chunked", "gzip, chunked", "identity"])
    func transferCodingOtherThanChunked_is400(coding: String) async throws {
        try await withServer { server in
            let raw = "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: \(coding)\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
            let response = try await server.client(timeout: .seconds(10))
                .exchange(raw: Array(raw.utf8), method: "POST", target: "/v1/records")
            #expect(response.status == 400, "\(response)")
            #expect(response.problemCode == "invalid-body")
            #expect(try await server.client().jsonObject("/v1/journal")["end"] as? Int == 0, "a record was stored")
        }
    }
}
