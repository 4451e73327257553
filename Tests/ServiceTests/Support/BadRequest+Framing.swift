import Testing

/// Bad framing and sizes: huge headers and targets, conflicting or broken
/// Content-Length / Transfer-Encoding, and requests that are not HTTP.
extension BadRequest {
    static let sizes: [BadRequest] = [
        BadRequest(
            "a 2.5 KB target", "GET", "/v1/records?from=0&pad=" + String(repeating: "u", count: 2_500),
            statuses: [414], codes: ["uri-too-long"]),
        BadRequest(
            "a 3.2 KB header", "GET", "/v1/journal", headers: [("X-Big", String(repeating: "h", count: 3_200))],
            statuses: [431], codes: ["headers-too-large"]),
        BadRequest(
            "a 20 KB header", "GET", "/v1/journal", headers: [("X-Big", String(repeating: "h", count: 20_000))],
            statuses: [431], codes: ["headers-too-large"]),
        BadRequest(
            "a 100 KB header", "GET", "/v1/journal", headers: [("X-Big", String(repeating: "h", count: 100_000))],
            statuses: [431], codes: ["headers-too-large"]),
        BadRequest(
            "2,000 header fields", "GET", "/v1/journal",
            headers: (0..<2_000).map { ("X-Field-\($0)", "value-\($0)") }, statuses: [431], codes: ["headers-too-large"]),
        BadRequest(
            "a 9 KB target", "GET", "/v1/records?from=0&pad=" + String(repeating: "u", count: 9_000),
            statuses: [414], codes: ["uri-too-long"]),
        BadRequest(
            "a 100 KB target", "GET", "/v1/cursors/" + String(repeating: "u", count: 100_000),
            statuses: [414], codes: ["uri-too-long"]),
        BadRequest(
            "a 9 KB append target", "POST", "/v1/records?x=" + String(repeating: "u", count: 9_000),
            headers: [("Content-Type", "application/json")], body: Array("1".utf8),
            statuses: [414], codes: ["uri-too-long"]),
    ]

    /// The codes `POST /v1/records` documents for 400.
    static let appendCodes: Set<String> = ["malformed-json", "empty-payload", "empty-batch", "invalid-body"]
    static let doubledHead: Comment =
        "libmicrohttpd 0.9.75: its own 400 for a malformed Content-Length sends the response head twice: the second head is the first one's body"

    static let framing: [BadRequest] = [
        BadRequest(
            "Content-Length and Transfer-Encoding both", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n123\r\n0\r\n\r\n"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500), codes: appendCodes),
        BadRequest(
            "Transfer-Encoding before Content-Length", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\nContent-Length: 8\r\n\r\n1\r\n7\r\n0\r\n\r\n"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500), codes: appendCodes),
        BadRequest(
            "cleanup with Content-Length and Transfer-Encoding both", raw: { port in
                "POST /v1/segments/cleanup HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            }, method: "POST", target: "/v1/segments/cleanup", statuses: [400], codes: ["invalid-body"]),
        BadRequest(
            "two different Content-Lengths", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n12"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500)),
        BadRequest(
            "negative Content-Length", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: -1\r\n\r\n1"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500)
        ).known(doubledHead),
        BadRequest(
            "Content-Length that is no number", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: abc\r\n\r\n1"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500)
        ).known(doubledHead),
        BadRequest(
            "chunk size that is no number", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n1\r\n0\r\n\r\n"
            }, method: "POST", target: "/v1/records", statuses: Set(400..<500)),
        BadRequest(
            "HTTP/1.1 without Host", raw: { _ in "GET /v1/journal HTTP/1.1\r\n\r\n" },
            method: "GET", target: "/v1/journal", statuses: [400], codes: ["missing-host"]),
        BadRequest(
            "an append in HTTP/1.1 without Host", raw: { _ in
                "POST /v1/records HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            }, method: "POST", target: "/v1/records", statuses: [400], codes: ["missing-host"]),
        BadRequest(
            "a GET with two different Content-Lengths", raw: { port in
                "GET /v1/journal HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n12"
            }, method: "GET", target: "/v1/journal", statuses: [400], codes: ["invalid-body"]),
        BadRequest(
            "a DELETE with Content-Length and Transfer-Encoding both", raw: { port in
                "DELETE /v1/cursors/framing HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            }, method: "DELETE", target: "/v1/cursors/framing", statuses: [400], codes: ["invalid-body"]),
        BadRequest(
            "an unknown path with two different Content-Lengths", raw: { port in
                "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n12"
            }, method: "GET", target: "/nowhere", statuses: [400], codes: ["invalid-body"]),
        BadRequest(
            "two Host headers", raw: { port in
                "GET /v1/journal HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nHost: example.com\r\n\r\n"
            }, method: "GET", target: "/v1/journal", statuses: [400], codes: ["missing-host"]),
        BadRequest(
            "an append with two Host headers", raw: { port in
                "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nHost: 127.0.0.1:\(port)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            }, method: "POST", target: "/v1/records", statuses: [400], codes: ["missing-host"]),
        BadRequest(
            "a request line that is not HTTP", raw: { _ in "HELLO THERE\r\n\r\n" },
            method: "HELLO", target: "THERE", statuses: Set(400..<500)),
    ]
}
