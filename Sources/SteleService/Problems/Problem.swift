package import HTTPServer
import JSON

/// An RFC 9457 problem: what went wrong, as `application/problem+json` with
/// a stable ``ProblemCode``.
package struct Problem: Error, Sendable {
    /// A member beyond the standard ones (`offset`, `line`, `cursor`, …).
    package enum Member: Sendable {
        case integer(UInt64)
        case text(String)
    }

    package let code: ProblemCode
    package let status: Int
    package let detail: String
    package var members: [(name: String, value: Member)]
    package var headers: [(name: String, value: String)]

    package init(
        _ code: ProblemCode, status: Int? = nil, _ detail: String,
        members: [(name: String, value: Member)] = [], headers: [(name: String, value: String)] = []
    ) {
        self.code = code
        self.status = status ?? code.status
        self.detail = detail
        self.members = members
        self.headers = headers
    }

    /// The problem as a response to a request for `instance` (the path).
    package func response(instance: String?) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(256 + detail.utf8.count)
        body.append(contentsOf: #"{"type":"https://stele.dev/problems/"#.utf8)
        body.append(contentsOf: code.rawValue.utf8)
        body.append(contentsOf: #"","title":"#.utf8)
        JSONString.appendQuoted(code.title, to: &body)
        body.append(contentsOf: #","status":"#.utf8)
        body.append(contentsOf: String(status).utf8)
        body.append(contentsOf: #","detail":"#.utf8)
        JSONString.appendQuoted(detail, to: &body)
        body.append(contentsOf: #","code":""#.utf8)
        body.append(contentsOf: code.rawValue.utf8)
        body.append(UInt8(ascii: "\""))
        if let instance {
            body.append(contentsOf: #","instance":"#.utf8)
            JSONString.appendQuoted(instance, to: &body)
        }
        for member in members {
            body.append(UInt8(ascii: ","))
            JSONString.appendQuoted(member.name, to: &body)
            body.append(UInt8(ascii: ":"))
            switch member.value {
            case .integer(let value): body.append(contentsOf: String(value).utf8)
            case .text(let text): JSONString.appendQuoted(text, to: &body)
            }
        }
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/problem+json")] + headers, body: body)
    }
}
