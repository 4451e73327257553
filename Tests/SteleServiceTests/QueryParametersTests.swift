import HTTPServer
import Testing

@testable import SteleService

@Suite("Query parameters are strict: digits only for numbers, true/false for flags")
struct QueryParametersTests {
    private func parameters(_ query: [(String, String?)]) -> QueryParameters {
        QueryParameters(request: HTTPRequest(method: "GET", path: "/v1/records", query: query.map { (name: $0.0, value: $0.1) }))
    }

    @Test(arguments: ["-1", "1.5", "1e3", "0x10", "+5", " 5", "five", "", "18446744073709551616", "99999999999999999999999"])
    func malformedNumbers_areRefused(text: String) {
        let result = parameters([("limit", text)]).integer("limit", in: 0...UInt64.max, default: 7)
        guard case .failure(let problem) = result else {
            Issue.record("\(text) accepted")
            return
        }
        #expect(problem.code == .invalidParameter)
    }

    @Test func numbers_outsideTheirRange_areRefused() {
        let result = parameters([("limit", "1001")]).integer("limit", in: 1...1000, default: 100)
        #expect((try? result.get()) == nil)
    }

    @Test func absentNumbers_takeTheDefault_andValidOnesAreRead() throws {
        #expect(try parameters([]).integer("limit", in: 1...1000, default: 100).get() == 100)
        #expect(try parameters([("limit", "1000")]).integer("limit", in: 1...1000, default: 100).get() == 1000)
        #expect(try parameters([("from", "18446744073709551615")]).integer("from", in: 0...UInt64.max, default: 0).get() == .max)
    }

    @Test(arguments: [("true", true), ("false", false)])
    func flags_acceptTrueAndFalse(text: String, expected: Bool) throws {
        #expect(try parameters([("force", text)]).flag("force").get() == expected)
    }

    @Test func absentFlags_areFalse() throws {
        #expect(try parameters([("limit", "5")]).flag("force").get() == false)
    }

    /// The spec types flags as booleans: `?force` alone, `1` and `0` were once
    /// read as true, true and false, and authorization read `?force` as false —
    /// a write token could move a cursor backwards with it.
    @Test(arguments: ["yes", "", "1", "0", "TRUE", "True", "true ", "on"] as [String?] + [nil])
    func flags_refuseAnythingElse(text: String?) {
        let result = parameters([("force", text)]).flag("force")
        guard case .failure(let problem) = result else {
            Issue.record("force=\(text ?? "(no =)") accepted as \(result)")
            return
        }
        #expect(problem.code == .invalidParameter)
    }

    @Test func aRepeatedParameter_isRefused_evenWithEqualValues() {
        let queries: [[(String, String?)]] = [[("limit", "1000"), ("limit", "1")], [("limit", "5"), ("limit", "5")], [("limit", "5"), ("limit", nil)]]
        for query in queries {
            let result = parameters(query).integer("limit", in: 1...1000, default: 100)
            #expect((try? result.get()) == nil, "\(query)")
        }
        let flag = parameters([("force", "true"), ("force", "false")]).flag("force")
        #expect((try? flag.get()) == nil)
    }

    @Test func otherParameters_repeatedOrNot_doNotMatter() throws {
        let query = parameters([("x", "1"), ("x", "2"), ("limit", "7")])
        #expect(try query.integer("limit", in: 1...1000, default: 100).get() == 7)
    }
}
