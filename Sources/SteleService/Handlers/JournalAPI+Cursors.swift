import HTTPServer
import JSON
import Journal

extension JournalAPI {
    /// `GET /v1/cursors`: every cursor, sorted by name.
    func listCursors(_ journal: Journal, _ answer: Answer) {
        Task {
            let cursors = await journal.allCursors()
            var body = Array(#"{"cursors":["#.utf8)
            for (index, cursor) in cursors.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                Self.appendCursor(name: cursor.name, offset: cursor.offset, to: &body)
            }
            body.append(contentsOf: "]}".utf8)
            answer.json(200, body)
        }
    }

    /// `GET /v1/cursors/{name}`.
    func readCursor(_ encodedName: String, _ journal: Journal, _ answer: Answer) {
        guard let name = Self.cursorName(encodedName, answer) else { return }
        Task {
            do throws(JournalError) {
                let offset = try await journal.cursor(named: name)
                answer.json(200, Self.cursorBody(name: name, offset: offset))
            } catch {
                answer.problem(error, context: .cursor)
            }
        }
    }

    /// `PUT /v1/cursors/{name}` with `{"offset": n}`: creates or advances the
    /// cursor, durably; backwards only with `force=true`.
    func setCursor(_ encodedName: String, _ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        guard let name = Self.cursorName(encodedName, answer) else { return }
        let force: Bool
        switch QueryParameters(request: request).flag("force") {
        case .success(let flag): force = flag
        case .failure(let problem): return answer.problem(problem)
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(request.body, maximumDepth: limits.maximumJSONDepth)
        } catch {
            // Valid JSON whose number is too large for an offset is the wrong body, not a malformed one.
            if error.reason == .numberOutOfRange { return answer.problem(Self.invalidCursorUpdate) }
            return answer.problem(Problem(.malformedJSON, error.description, members: [("reason", .text(error.reason.rawValue))]))
        }
        guard case .object(let members) = document, members.count == 1,
            let value = document["offset"]?.integerValue, value >= 0
        else {
            return answer.problem(Self.invalidCursorUpdate)
        }
        let offset = UInt64(value)
        Task {
            do throws(JournalError) {
                let stored = try await journal.setCursor(named: name, to: offset, force: force)
                answer.json(200, Self.cursorBody(name: name, offset: stored))
            } catch {
                answer.problem(error, context: .cursor)
            }
        }
    }

    /// `DELETE /v1/cursors/{name}`: 204 once the removal is durable.
    func deleteCursor(_ encodedName: String, _ journal: Journal, _ answer: Answer) {
        guard let name = Self.cursorName(encodedName, answer) else { return }
        Task {
            do throws(JournalError) {
                try await journal.deleteCursor(named: name)
                answer.send(HTTPResponse(status: 204))
            } catch {
                answer.problem(error, context: .cursor)
            }
        }
    }

    /// The decoded cursor name, or nil after answering 400: the engine
    /// checks the name's characters; here only its encoding.
    private static func cursorName(_ encoded: String, _ answer: Answer) -> String? {
        guard let bytes = PercentDecoding.decode(encoded), let name = String(validating: bytes, as: UTF8.self) else {
            answer.problem(Problem(.invalidCursorName, "the cursor name is not valid percent-encoded UTF-8"))
            return nil
        }
        return name
    }

    /// A cursor update that is JSON but not `{"offset": n}`.
    private static let invalidCursorUpdate = Problem(
        .invalidBody, #"a cursor update is {"offset": n} with n an integer from 0 to \#(Int64.max)"#)

    private static func cursorBody(name: String, offset: UInt64) -> [UInt8] {
        var body: [UInt8] = []
        appendCursor(name: name, offset: offset, to: &body)
        return body
    }

    private static func appendCursor(name: String, offset: UInt64, to body: inout [UInt8]) {
        body.append(contentsOf: #"{"name":"#.utf8)
        JSONString.appendQuoted(name, to: &body)
        body.append(contentsOf: #","offset":"#.utf8)
        body.append(contentsOf: String(offset).utf8)
        body.append(UInt8(ascii: "}"))
    }
}
