import HTTPServer
import JSON
import Journal

extension JournalAPI {
    /// `POST /v1/records`: one JSON record, an NDJSON batch (all or nothing)
    /// or one binary record. Answered once the fsync covering it returns.
    func append(_ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        let mediaType = MediaType(of: request)
        let records: [AppendRecord]
        switch recordsToAppend(request.body, as: mediaType, maximumPayload: journal.options.maximumPayload) {
        case .success(let parsed): records = parsed
        case .failure(let problem): return answer.problem(problem)
        }
        let batch = mediaType == .ndjson
        let metrics = self.metrics
        let payloadBytes = records.reduce(0) { $0 + $1.payload.count }
        journal.append(records) { result in
            // On the journal's thread: hand the rendering to a polling thread.
            answer.exchange.respond(producing: {
                switch result {
                case .success(let appended):
                    metrics.recordAppend(records: appended.count, bytes: payloadBytes)
                    return Self.created(appended, batch: batch)
                case .failure(let error):
                    return Problem(error, context: .append).response(instance: answer.instance)
                }
            })
        }
    }

    /// The records a request body holds, checked as its content type says.
    /// Sizes are checked before any JSON is parsed: jansson builds a whole tree
    /// (an 8 MiB body of `[{},{},…]` took 600 MiB) only to have it refused.
    private func recordsToAppend(
        _ body: [UInt8], as mediaType: MediaType?, maximumPayload: Int
    ) -> Result<[AppendRecord], Problem> {
        switch mediaType {
        case .json:
            guard !body.isEmpty else { return .failure(Problem(.emptyPayload, "the request body is empty")) }
            guard body.count <= maximumPayload else {
                return .failure(Problem(.payloadTooLarge(size: body.count, limit: maximumPayload), context: .append))
            }
            if let failure = JSONValidation.validate(body, maximumDepth: limits.maximumJSONDepth) {
                return .failure(Self.malformed(failure, line: nil))
            }
            return .success([AppendRecord(payload: body, isJSON: true)])
        case .ndjson:
            let lines: [NDJSONLines.Line]
            switch NDJSONLines.split(body, maximumLines: limits.maximumBatchRecords, maximumLineBytes: maximumPayload) {
            case .failure(.tooManyLines):
                return .failure(Problem(
                    .tooManyRecords, "the batch holds more than \(limits.maximumBatchRecords) records",
                    members: [("limit", .integer(UInt64(limits.maximumBatchRecords)))]))
            case .failure(.lineTooLong(let line, let bytes)):
                let size = JournalError.payloadTooLarge(size: bytes, limit: maximumPayload)
                return .failure(Problem(
                    .recordTooLarge, "line \(line): \(size)",
                    members: [("limit", .integer(UInt64(maximumPayload))), ("line", .integer(UInt64(line)))]))
            case .success(let split):
                lines = split
            }
            if let failure = NDJSONLines.firstInvalid(lines, in: body, maximumDepth: limits.maximumJSONDepth) {
                return .failure(Self.malformed(failure.failure, line: failure.line))
            }
            guard !lines.isEmpty else { return .failure(Problem(.emptyBatch, "the batch holds no records")) }
            return .success(lines.map { AppendRecord(payload: Array(body[$0.range]), isJSON: true) })
        case .octetStream:
            guard !body.isEmpty else { return .failure(Problem(.emptyPayload, "the request body is empty")) }
            return .success([AppendRecord(payload: body, isJSON: false)])
        case nil:
            return .failure(Problem(.unsupportedMediaType, "unsupported Content-Type"))
        }
    }

    private static func malformed(_ failure: JSONValidation.Failure, line: Int?) -> Problem {
        var members: [(name: String, value: Problem.Member)] = [("reason", .text(failure.reason.rawValue))]
        if let line { members.append(("line", .integer(UInt64(line)))) }
        let place = line.map { "line \($0): " } ?? ""
        return Problem(.malformedJSON, place + failure.description, members: members)
    }

    /// `201 Created` with where the records landed.
    static func created(_ appended: [AppendedRecord], batch: Bool) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(batch ? 32 + appended.count * 100 : 120)
        let next = appended[appended.count - 1].next
        if batch {
            body.append(contentsOf: #"{"records":["#.utf8)
            for (index, record) in appended.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: #"{"offset":"#.utf8)
                DecimalText.append(record.offset, to: &body)
                body.append(contentsOf: #","blake3":""#.utf8)
                record.digest.appendHex(to: &body)
                body.append(contentsOf: #""}"#.utf8)
            }
            body.append(contentsOf: #"],"next":"#.utf8)
            DecimalText.append(next, to: &body)
            body.append(UInt8(ascii: "}"))
        } else {
            body.append(contentsOf: #"{"offset":"#.utf8)
            DecimalText.append(appended[0].offset, to: &body)
            body.append(contentsOf: #","next":"#.utf8)
            DecimalText.append(next, to: &body)
            body.append(contentsOf: #","blake3":""#.utf8)
            appended[0].digest.appendHex(to: &body)
            body.append(contentsOf: #""}"#.utf8)
        }
        return HTTPResponse(
            status: 201,
            headers: [("Content-Type", "application/json"), ("Location", "/v1/records/\(appended[0].offset)")],
            body: body)
    }
}
