import HTTPServer
import JSON
import Journal

extension JournalAPI {
    /// `GET /v1/journal`: bounds, durability, state and the recovery report.
    func describe(_ journal: Journal, _ answer: Answer) {
        Task {
            let cursors = await journal.allCursors().count
            let bounds = journal.bounds
            let report = journal.recoveryReport
            let state: String
            switch journal.state {
            case .writable: state = "writable"
            case .failed: state = "failed"
            case .closed: state = "closed"
            }
            var body = Array(
                #"{"start":\#(bounds.start),"end":\#(bounds.end),"durability":"\#(journal.options.durability.rawValue)","state":"\#(state)","segments":\#(journal.segments.count),"cursors":\#(cursors),"recovery":{"segments":\#(report.segments),"records":\#(report.records),"bytes":\#(report.bytes),"cursors":\#(report.cursors),"seconds":\#(report.seconds),"actions":["#
                    .utf8)
            for (index, action) in report.actions.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                JSONString.appendQuoted(action.description, to: &body)
            }
            body.append(contentsOf: "]}}".utf8)
            answer.json(200, body)
        }
    }

    /// `GET /readyz`: 200 once recovered and writable; 503 during recovery,
    /// after a fatal I/O error and while shutting down.
    func readiness(_ answer: Answer) {
        let phase = currentPhase
        if case .serving(let journal) = phase, journal.state == .writable {
            answer.json(200, #"{"status":"ready"}"#)
        } else {
            answer.problem(Problem(.notReady, Self.unavailable(in: phase).detail))
        }
    }
}
