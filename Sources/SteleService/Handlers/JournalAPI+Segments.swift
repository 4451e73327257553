import HTTPServer
import JSON
import Journal

extension JournalAPI {
    /// `GET /v1/segments`: the segment files, oldest first.
    func listSegments(_ journal: Journal, _ answer: Answer) {
        // One copy of the list: start and end come from it, so they agree with it.
        let segments = journal.segments
        let bounds = (start: segments.first?.base ?? journal.bounds.start, end: segments.last?.end ?? journal.bounds.end)
        var body = Array(#"{"segments":["#.utf8)
        for (index, segment) in segments.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: #"{"base":\#(segment.base),"end":\#(segment.end),"records":\#(segment.records),"bytes":\#(segment.bytes),"name":"#.utf8)
            JSONString.appendQuoted(segment.name, to: &body)
            body.append(contentsOf: #","sealed":\#(segment.sealed)}"#.utf8)
        }
        body.append(contentsOf: #"],"start":\#(bounds.start),"end":\#(bounds.end)}"#.utf8)
        answer.json(200, body)
    }

    /// `POST /v1/segments/cleanup?dry_run=`: deletes the sealed segments
    /// every cursor has passed (or says which it would).
    func cleanup(_ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        let dryRun: Bool
        switch QueryParameters(request: request).flag("dry_run") {
        case .success(let flag): dryRun = flag
        case .failure(let problem): return answer.problem(problem)
        }
        let metrics = self.metrics
        Task {
            do throws(JournalError) {
                let report = try await journal.cleanup(dryRun: dryRun)
                if !dryRun { metrics.recordCleanup(deletedSegments: report.deleted.count) }
                var body = Array(#"{"deleted":["#.utf8)
                for (index, segment) in report.deleted.enumerated() {
                    if index > 0 { body.append(UInt8(ascii: ",")) }
                    body.append(contentsOf: #"{"base":\#(segment.base),"end":\#(segment.end),"bytes":\#(segment.bytes)}"#.utf8)
                }
                body.append(contentsOf: #"],"start":\#(report.start),"held_by":"#.utf8)
                if let holder = report.heldBy { JSONString.appendQuoted(holder, to: &body) } else { body.append(contentsOf: "null".utf8) }
                body.append(contentsOf: #","dry_run":\#(dryRun)}"#.utf8)
                answer.json(200, body)
            } catch {
                answer.problem(error, context: .cleanup)
            }
        }
    }
}
