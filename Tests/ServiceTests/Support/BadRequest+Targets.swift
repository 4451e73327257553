/// Bad targets: query numbers, cursor names, wrong methods, unknown paths.
extension BadRequest {
    static let queryNumbers: [BadRequest] = [
        "from=-1", "from=abc", "from=1.5", "from=18446744073709551616", "from=1e3", "from=", "from=%2B40", "from=0x10",
        "limit=0", "limit=1001", "limit=-1", "limit=2.5", "max_bytes=0", "max_bytes=16777217", "wait_ms=-1", "wait_ms=abc",
        "wait_ms=99999999999999999999",
    ].map { query in
        BadRequest(
            "read with \(query)", "GET", "/v1/records?\(query)", statuses: [400], codes: ["invalid-parameter"])
    }

    static let cursorNames: [BadRequest] = {
        let names = [
            "..", ".", "...", "a/b", "../../etc/passwd", "%2F", "a%2Fb", "..%2F..%2Fsecret", "%00", "a%00b", "%2e%2e",
            String(repeating: "c", count: 129), String(repeating: "n", count: 300), "na%20me", "caf%C3%A9", "%FF", "%zz",
        ]
        var cases: [BadRequest] = []
        for name in names {
            let shown = name.count > 40 ? "\(name.count) chars" : name
            cases.append(BadRequest(
                "PUT cursor named \(shown)", "PUT", "/v1/cursors/\(name)", headers: [("Content-Type", "application/json")],
                body: Array(#"{"offset":0}"#.utf8), statuses: [400], codes: ["invalid-cursor-name"]))
        }
        for name in ["..", "a%2Fb", "%00", String(repeating: "n", count: 300)] {
            let shown = name.count > 40 ? "\(name.count) chars" : name
            cases.append(BadRequest(
                "GET cursor named \(shown)", "GET", "/v1/cursors/\(name)", statuses: [400], codes: ["invalid-cursor-name"]))
            cases.append(BadRequest(
                "DELETE cursor named \(shown)", "DELETE", "/v1/cursors/\(name)", statuses: [400], codes: ["invalid-cursor-name"]))
        }
        return cases
    }()

    static let wrongMethods: [BadRequest] = [
        ("DELETE", "/v1/records", "GET, HEAD, POST"),
        ("PUT", "/v1/records", "GET, HEAD, POST"),
        ("POST", "/v1/records/0", "GET, HEAD"),
        ("DELETE", "/v1/records/0", "GET, HEAD"),
        ("POST", "/v1/cursors", "GET, HEAD"),
        ("PATCH", "/v1/cursors/existing", "GET, HEAD, PUT, DELETE"),
        ("POST", "/v1/cursors/existing", "GET, HEAD, PUT, DELETE"),
        ("GET", "/v1/segments/cleanup", "POST"),
        ("DELETE", "/v1/segments", "GET, HEAD"),
        ("POST", "/v1/journal", "GET, HEAD"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/readyz", "GET, HEAD"),
        ("DELETE", "/metrics", "GET, HEAD"),
        ("OPTIONS", "/v1/records", "GET, HEAD, POST"),
    ].map { method, path, allow in
        BadRequest(
            "\(method) \(path)", method, path, body: method == "GET" || method == "DELETE" ? nil : [],
            statuses: [405], codes: ["method-not-allowed"], allow: allow)
    }

    static let unknownPaths: [BadRequest] = [
        "/", "/v2/records", "/v1", "/v1/", "/v1/records/0/extra", "/v1/recordsx", "/favicon.ico", "/V1/records",
        "/v1/segments/0", "/%2e%2e/etc/passwd", "/healthz/",
    ].map { path in
        BadRequest("GET \(path)", "GET", path, statuses: [404], codes: ["not-found"])
    }
}
