import HTTPServer
import Journal

extension JournalAPI {
    static let maximumReadLimit: UInt64 = 1000
    static let maximumReadBytes: UInt64 = 16 << 20

    /// `GET /v1/records?from=&limit=&max_bytes=&wait_ms=`: records from an
    /// offset; at the end, optionally waits for the next append.
    func readRecords(_ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        let parameters = QueryParameters(request: request)
        let bounds = journal.bounds
        let from: UInt64, limit: UInt64, maxBytes: UInt64, waitMilliseconds: UInt64
        do throws(Problem) {
            from = try parameters.integer("from", in: 0...UInt64.max, default: bounds.start).get()
            limit = try parameters.integer("limit", in: 1...Self.maximumReadLimit, default: 100).get()
            maxBytes = try parameters.integer("max_bytes", in: 1...Self.maximumReadBytes, default: 1 << 20).get()
            waitMilliseconds = try parameters.integer("wait_ms", in: 0...UInt64.max, default: 0).get()
        } catch {
            return answer.problem(error)
        }
        guard waitMilliseconds > 0, from == bounds.end else {
            return answer.send(Self.records(journal, from: from, limit: Int(limit), maxBytes: Int(maxBytes), instance: answer.instance).response)
        }
        let timeout = min(Duration.milliseconds(Int64(clamping: waitMilliseconds)), limits.maximumWait)
        let metrics = self.metrics
        let cache = wakeReads
        metrics.longPollStarted()
        journal.waitForRecords(from: from, timeout: timeout) { _ in
            metrics.longPollEnded()
            // On the writer's or a timer's thread: the read runs on a polling thread.
            answer.exchange.respond {
                let now = journal.bounds
                let key = WakeReadCache.Key(from: from, limit: Int(limit), maxBytes: Int(maxBytes), start: now.start, end: now.end)
                return cache.response(for: key) {
                    Self.records(journal, from: from, limit: Int(limit), maxBytes: Int(maxBytes), instance: answer.instance)
                }
            }
        }
    }

    /// The read-shaped answer for records from `from` (with the journal end
    /// it reports), or the problem.
    static func records(
        _ journal: Journal, from: UInt64, limit: Int, maxBytes: Int, instance: String
    ) -> (response: HTTPResponse, end: UInt64?) {
        let batch: ReadBatch
        do {
            batch = try journal.read(from: from, limit: limit, maxBytes: maxBytes)
        } catch {
            return (Problem(error, context: .read).response(instance: instance), nil)
        }
        var body: [UInt8] = []
        body.reserveCapacity(64 + batch.records.reduce(0) { $0 + $1.payload.count * 4 / 3 + 110 })
        body.append(contentsOf: #"{"records":["#.utf8)
        for (index, record) in batch.records.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            RecordRendering.append(record, to: &body)
        }
        body.append(contentsOf: #"],"next":"#.utf8)
        DecimalText.append(batch.next, to: &body)
        body.append(contentsOf: #","start":"#.utf8)
        DecimalText.append(batch.start, to: &body)
        body.append(contentsOf: #","end":"#.utf8)
        DecimalText.append(batch.end, to: &body)
        body.append(UInt8(ascii: "}"))
        return (HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body), batch.end)
    }

    /// `GET /v1/records/{offset}`: one record, read-shaped or (with
    /// `Accept: application/octet-stream`) its raw payload; `ETag` is its BLAKE3.
    func readRecord(_ offsetText: String, _ request: HTTPRequest, _ journal: Journal, _ answer: Answer) {
        guard let decoded = PercentDecoding.decode(offsetText), let offset = QueryParameters.decimal(String(decoding: decoded, as: UTF8.self)) else {
            return answer.problem(Problem(.invalidOffset, "\"\(offsetText)\" is not an offset (a non-negative integer)"))
        }
        guard let representation = Self.representation(accepting: request.header("accept")) else {
            return answer.problem(Problem(.notAcceptable, "records are served as application/json or application/octet-stream"))
        }
        let batch: ReadBatch
        do {
            batch = try journal.read(from: offset, limit: 1, maxBytes: 1)
        } catch {
            return answer.problem(error, context: .read)
        }
        guard let record = batch.records.first else {
            return answer.problem(Problem(.noRecord, "no record at \(offset) yet: it is the journal's end", members: [("offset", .integer(offset))]))
        }
        let tag = "\"\(record.digest.hex)\""
        if let wanted = request.header("if-none-match"), wanted.split(separator: ",").contains(where: { $0.trimmingSpaces == tag || $0.trimmingSpaces == "*" }) {
            return answer.send(HTTPResponse(status: 304, headers: [("ETag", tag)]))
        }
        switch representation {
        case .raw:
            answer.send(HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream"), ("ETag", tag)], body: Array(record.payload)))
        case .json:
            var body: [UInt8] = []
            RecordRendering.append(record, to: &body)
            answer.json(200, body, headers: [("ETag", tag)])
        }
    }

    private enum Representation {
        case json, raw
    }

    /// Which form of a record an `Accept` header asks for; nil when neither is acceptable.
    private static func representation(accepting header: String?) -> Representation? {
        guard let header else { return .json }
        let types = header.split(separator: ",").map { $0.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? "" }
        if types.contains("application/octet-stream") { return .raw }
        if types.contains(where: { $0 == "application/json" || $0 == "*/*" || $0 == "application/*" || $0.isEmpty }) { return .json }
        return nil
    }
}
