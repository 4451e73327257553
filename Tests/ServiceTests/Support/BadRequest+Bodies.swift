/// Bad bodies: malformed JSON and NDJSON, cursor updates that are no
/// offset, and content types the endpoint does not take.
extension BadRequest {
    static let deepArrays = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    static let deepObjects = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)

    static let json: [BadRequest] = [
        appendJSON("truncated JSON", #"{"a":[1,2"#),
        appendJSON("malformed JSON (unquoted key)", "{a:1}"),
        appendJSON("malformed JSON (trailing comma)", "[1,2,]"),
        appendJSON("two JSON values", "1 2"),
        appendJSON("10,000-deep arrays", deepArrays),
        appendJSON("10,000-deep objects", deepObjects),
        appendJSON("invalid UTF-8 byte", [0x22, 0xFF, 0x22]),
        appendJSON("overlong UTF-8", [0x22, 0xC0, 0xAF, 0x22]),
        appendJSON("UTF-8 encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22]),
        appendJSON("truncated UTF-8 sequence", [0x22, 0xE2, 0x82, 0x22]),
        appendJSON("lone high surrogate escape", #""\ud800""#),
        appendJSON("lone low surrogate escape", #"{"k":"\udc00x"}"#),
        appendJSON("high surrogate then no low", #""\ud83dA""#),
        appendJSON("duplicate keys", #"{"a":1,"a":2}"#),
        appendJSON("number overflowing a double", "1e400"),
        appendJSON("integer beyond 64 bits", "123456789012345678901234567890"),
        appendJSON("NaN", "NaN"),
        appendJSON("raw control character in a string", [0x22, 0x01, 0x22]),
        appendJSON("NUL byte in a string", [0x22, 0x61, 0x00, 0x22]),
        appendJSON("empty body", "", codes: ["empty-payload"]),
        appendJSON("whitespace only", "  \n ", codes: ["malformed-json", "empty-payload"]),
        BadRequest(
            "NDJSON with a truncated line", "POST", "/v1/records", headers: [("Content-Type", "application/x-ndjson")],
            body: Array("{\"a\":1}\n{\"b\":".utf8), statuses: [400], codes: ["malformed-json"]),
        BadRequest(
            "NDJSON with invalid UTF-8 on line 2", "POST", "/v1/records", headers: [("Content-Type", "application/x-ndjson")],
            body: Array("1\n\"".utf8) + [0xFF, 0x22, 0x0A], statuses: [400], codes: ["malformed-json"]),
        BadRequest(
            "NDJSON 10,000 deep", "POST", "/v1/records", headers: [("Content-Type", "application/x-ndjson")],
            body: Array("1\n\(deepArrays)\n".utf8), statuses: [400], codes: ["malformed-json"]),
    ]

    static let cursorBodies: [BadRequest] = [
        cursorBody("cursor offset overflowing 64 bits", #"{"offset":18446744073709551616}"#),
        cursorBody("cursor offset 2^64 - 1", #"{"offset":18446744073709551615}"#),
        cursorBody("cursor offset 2^63", #"{"offset":9223372036854775808}"#),
        cursorBody("cursor offset 1e30", #"{"offset":1e30}"#),
        cursorBody("negative cursor offset", #"{"offset":-40}"#),
        cursorBody("fractional cursor offset", #"{"offset":0.5}"#),
        cursorBody("cursor offset as a string", #"{"offset":"0"}"#),
        cursorBody("cursor offset null", #"{"offset":null}"#),
        cursorBody("cursor body without offset", "{}"),
        cursorBody("cursor body with an extra member", #"{"offset":0,"force":true}"#),
        cursorBody("cursor body that is an array", "[0]"),
        cursorBody("cursor body that is a number", "0"),
        cursorBody("truncated cursor body", #"{"offset":"#, code: "malformed-json"),
        cursorBody("empty cursor body", "", code: "malformed-json"),
        cursorBody("cursor body 10,000 deep", deepObjects, code: "malformed-json"),
    ]

    static let contentTypes: [BadRequest] = [
        BadRequest(
            "append as text/plain", "POST", "/v1/records", headers: [("Content-Type", "text/plain")], body: Array("{}".utf8),
            statuses: [415], codes: ["unsupported-media-type"]),
        BadRequest(
            "append without Content-Type", "POST", "/v1/records", body: Array("{}".utf8),
            statuses: [415], codes: ["unsupported-media-type"]),
        BadRequest(
            "append as application/jsonx", "POST", "/v1/records", headers: [("Content-Type", "application/jsonx")],
            body: Array("{}".utf8), statuses: [415], codes: ["unsupported-media-type"]),
        BadRequest(
            "cursor update as text/plain", "PUT", "/v1/cursors/existing", headers: [("Content-Type", "text/plain")],
            body: Array(#"{"offset":0}"#.utf8), statuses: [415], codes: ["unsupported-media-type"]),
        BadRequest(
            "cursor update without Content-Type", "PUT", "/v1/cursors/existing", body: Array(#"{"offset":0}"#.utf8),
            statuses: [415], codes: ["unsupported-media-type"]),
        BadRequest(
            "cursor update as NDJSON", "PUT", "/v1/cursors/existing", headers: [("Content-Type", "application/x-ndjson")],
            body: Array(#"{"offset":0}"#.utf8), statuses: [415], codes: ["unsupported-media-type"]),
    ]
}
