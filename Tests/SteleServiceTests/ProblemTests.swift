import JSON
import Journal
import Testing

@testable import SteleService

@Suite("Problems are RFC 9457 documents with a stable code, mapped from the engine in one place")
struct ProblemTests {
    @Test func aProblem_rendersTheStandardMembers_andItsExtensions() throws {
        let response = Problem(.offsetBelowStart, "offset 3 is \"below\"\nthe start", members: [("offset", .integer(3))])
            .response(instance: "/v1/records")
        #expect(response.status == 410)
        #expect(response.headers.contains { $0 == ("Content-Type", "application/problem+json") })
        let document = try JSONValue.parse(response.body)
        #expect(document["type"] == "https://stele.dev/problems/offset-below-start")
        #expect(document["title"] == "Offset below the start")
        #expect(document["status"] == 410)
        #expect(document["code"] == "offset-below-start")
        #expect(document["detail"] == "offset 3 is \"below\"\nthe start")
        #expect(document["instance"] == "/v1/records")
        #expect(document["offset"] == 3)
    }

    @Test(arguments: [
        (JournalError.emptyPayload, ProblemContext.append, 400, "empty-payload"),
        (.payloadTooLarge(size: 9, limit: 8), .append, 413, "record-too-large"),
        (.requestTooLarge(bytes: 9, limit: 8), .append, 413, "payload-too-large"),
        (.overloaded(queuedBytes: 1), .append, 503, "overloaded"),
        (.noSpace, .append, 507, "no-space"),
        (.failed(reason: "EIO"), .append, 503, "journal-failed"),
        (.closed, .append, 503, "shutting-down"),
        (.offsetBeyondEnd(offset: 9, end: 8), .read, 416, "offset-beyond-end"),
        (.offsetBeyondEnd(offset: 9, end: 8), .cursor, 400, "offset-beyond-end"),
        (.offsetBelowStart(offset: 1, start: 8), .read, 410, "offset-below-start"),
        (.notRecordBoundary(offset: 3), .read, 400, "not-record-boundary"),
        (.cursorBackwards(name: "c", current: 9, requested: 1), .cursor, 409, "cursor-backwards"),
        (.cursorNotFound("c"), .cursor, 404, "cursor-not-found"),
        (.invalidCursorName(".."), .cursor, 400, "invalid-cursor-name"),
    ])
    func journalErrors_mapToTheirStatusAndCode(error: JournalError, context: ProblemContext, status: Int, code: String) {
        let problem = Problem(error, context: context)
        #expect(problem.status == status)
        #expect(problem.code.rawValue == code)
    }

    @Test func refusalsThatCanBeRetried_sayWhen() {
        for error in [JournalError.overloaded(queuedBytes: 1), .noSpace] {
            #expect(Problem(error, context: .append).headers.contains { $0.name == "Retry-After" })
        }
    }

    @Test func everyCode_hasAFixedTitleAndAnErrorStatus() {
        for code in ProblemCode.allCases {
            #expect(!code.title.isEmpty)
            #expect((400...599).contains(code.status))
        }
    }
}
