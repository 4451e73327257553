import HTTPServer
import Testing

@testable import SteleService

@Suite("Routing maps a method and a path to one operation, or to 404 / 405 with Allow")
struct RouterTests {
    @Test(arguments: [
        ("POST", "/v1/records", Operation.appendRecords),
        ("GET", "/v1/records", .readRecords),
        ("HEAD", "/v1/records", .readRecords),
        ("GET", "/v1/records/40", .readRecord(offset: "40")),
        ("GET", "/v1/cursors", .listCursors),
        ("GET", "/v1/cursors/c1", .readCursor(name: "c1")),
        ("PUT", "/v1/cursors/c1", .setCursor(name: "c1")),
        ("DELETE", "/v1/cursors/c1", .deleteCursor(name: "c1")),
        ("PUT", "/v1/cursors/a%2Fb", .setCursor(name: "a%2Fb")),
        ("GET", "/v1/segments", .listSegments),
        ("POST", "/v1/segments/cleanup", .cleanup),
        ("GET", "/v1/journal", .describeJournal),
        ("GET", "/healthz", .health),
        ("GET", "/readyz", .readiness),
        ("GET", "/metrics", .metrics),
    ])
    func knownRoutes_resolveToTheirOperation(method: String, path: String, expected: Operation) throws {
        #expect(try Router.resolve(method: method, path: path).get() == expected)
        #expect(Router.route(of: path) == expected.route, "metrics label the path with its operation's route")
    }

    @Test(arguments: ["/", "/v1", "/v1/record", "/v1/records/1/2", "/v2/records", "/healthz/", "/V1/records"])
    func unknownPaths_are404(path: String) {
        guard case .failure(let problem) = Router.resolve(method: "GET", path: path) else {
            Issue.record("\(path) resolved")
            return
        }
        #expect(problem.code == .notFound)
        #expect(problem.status == 404)
        #expect(Router.route(of: path) == nil)
    }

    @Test(arguments: [
        ("DELETE", "/v1/records", "GET, HEAD, POST"),
        ("POST", "/v1/records/0", "GET, HEAD"),
        ("PATCH", "/v1/cursors/c", "GET, HEAD, PUT, DELETE"),
        ("GET", "/v1/segments/cleanup", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ])
    func wrongMethods_are405_withTheAllowedOnes(method: String, path: String, allowed: String) {
        guard case .failure(let problem) = Router.resolve(method: method, path: path) else {
            Issue.record("\(method) \(path) resolved")
            return
        }
        #expect(problem.status == 405)
        #expect(problem.headers.first { $0.name == "Allow" }?.value == allowed)
        // Counted under the resource it reached, not with the 404s.
        let routes = [
            "/v1/records": "/v1/records", "/v1/records/0": "/v1/records/{offset}", "/v1/cursors/c": "/v1/cursors/{name}",
            "/v1/segments/cleanup": "/v1/segments/cleanup", "/healthz": "/healthz",
        ]
        #expect(Router.route(of: path) == routes[path])
    }
}
