import HTTPServer
import Testing

/// The path of a request target: origin form as it is, absolute form (which
/// RFC 9112 section 3.2.2 says a server must accept) without its scheme and
/// authority. Until this, `GET http://host/v1/journal` got 404.
@Suite struct RequestTargetTests {
    @Test(arguments: [
        ("/v1/journal", "/v1/journal"),
        ("http://127.0.0.1/v1/journal", "/v1/journal"),
        ("HTTP://127.0.0.1:8080/v1/records/40", "/v1/records/40"),
        ("https://stele.example/v1/cursors/a%2Fb", "/v1/cursors/a%2Fb"),
        ("http://127.0.0.1", "/"),
        ("http://", "/"),
        ("*", "*"),
        ("v1/journal", "v1/journal"),
        ("ftp://host/v1/journal", "ftp://host/v1/journal"),
        ("/http://host/x", "/http://host/x"),
    ])
    func theTargetsPath(target: String, path: String) {
        #expect(HTTPRequest.path(ofTarget: target) == path)
    }
}
