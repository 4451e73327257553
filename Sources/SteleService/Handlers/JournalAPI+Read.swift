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
        // Without `from` the read starts wherever the journal starts when it
        // runs: a cleanup between `bounds` above and the read is followed, not a 410.
        let followsStart = !request.query.contains { $0.name == "from" }
        guard waitMilliseconds > 0, from == bounds.end else {
            let read = RecordsRead(from: from, limit: Int(limit), maxBytes: Int(maxBytes), followsStart: followsStart)
            if let made = Self.recordsFromMemory(journal, read, instance: answer.instance) { return answer.send(made.response) }
            return diskReads.run { answer.send(Self.records(journal, read, instance: answer.instance).response) }
        }
        let timeout = min(Duration.milliseconds(Int64(clamping: waitMilliseconds)), limits.maximumWait)
        let metrics = self.metrics
        let cache = wakeReads
        let diskReads = self.diskReads
        metrics.longPollStarted()
        let wait = journal.waitForRecords(from: from, timeout: timeout) { _ in
            metrics.longPollEnded()
            // On the writer's or a timer's thread: the read runs on a polling
            // thread, or on a disk-read thread when it would wait for the disk.
            answer.exchange.respond(producingOrDeferring: {
                let now = journal.bounds
                let read = RecordsRead(from: from, limit: Int(limit), maxBytes: Int(maxBytes), followsStart: followsStart)
                let key = WakeReadCache.Key(
                    from: from, limit: read.limit, maxBytes: read.maxBytes, start: now.start, end: now.end,
                    followsStart: followsStart)
                if let response = cache.response(for: key, render: { Self.recordsFromMemory(journal, read, instance: answer.instance) }) {
                    return response
                }
                // Readers woken together share this read too, once it is made.
                diskReads.run {
                    answer.send(cache.response(for: key, render: { Self.records(journal, read, instance: answer.instance) }))
                }
                return nil
            })
        }
        // A reader that leaves ends its wait: its connection is freed now, not at the timeout.
        if let wait { answer.exchange.onClientDeparture { journal.cancelWait(wait) } }
    }

    /// What a read of records asks for.
    struct RecordsRead: Sendable {
        let from: UInt64
        let limit: Int
        let maxBytes: Int
        /// The request named no `from`: it asks for the journal's start, wherever that is.
        var followsStart = false

        /// `read` from `from`; when the request asked for the start and a
        /// cleanup has moved it past `from` meanwhile, from the new start.
        func perform<Outcome>(_ read: (UInt64) throws(JournalError) -> Outcome) throws(JournalError) -> Outcome {
            var offset = from
            for _ in 0..<Self.startFollowingAttempts {
                do {
                    return try read(offset)
                } catch {
                    guard followsStart, case .offsetBelowStart(_, let start) = error, start > offset else { throw error }
                    offset = start
                }
            }
            return try read(offset)
        }

        /// How often a read follows a start that keeps moving before it answers 410.
        static let startFollowingAttempts = 4
    }

    /// The read-shaped answer for `read` (with the journal end it reports),
    /// or the problem; it may wait for the disk.
    static func records(_ journal: Journal, _ read: RecordsRead, instance: String) -> (response: HTTPResponse, end: UInt64?) {
        do {
            return rendered(try read.perform { offset throws(JournalError) in
                try journal.read(from: offset, limit: read.limit, maxBytes: read.maxBytes)
            })
        } catch {
            return (Problem(error, context: .read).response(instance: instance), nil)
        }
    }

    /// The same answer from memory only: nil when the read would wait for the disk.
    static func recordsFromMemory(_ journal: Journal, _ read: RecordsRead, instance: String) -> (response: HTTPResponse, end: UInt64?)? {
        do {
            return try read.perform { offset throws(JournalError) in
                try journal.readFromMemory(from: offset, limit: read.limit, maxBytes: read.maxBytes)
            }.map(rendered)
        } catch {
            return (Problem(error, context: .read).response(instance: instance), nil)
        }
    }

    /// The read-shaped answer for `batch`, and the journal end it reports.
    private static func rendered(_ batch: ReadBatch) -> (response: HTTPResponse, end: UInt64?) {
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
        let ifNoneMatch = request.header("if-none-match")
        let respond: @Sendable (Result<ReadBatch, JournalError>) -> Void = { read in
            answer.send(Self.recordResponse(read, offset: offset, representation, ifNoneMatch: ifNoneMatch, instance: answer.instance))
        }
        do {
            if let batch = try journal.readFromMemory(from: offset, limit: 1, maxBytes: 1) { return respond(.success(batch)) }
        } catch {
            return respond(.failure(error))
        }
        diskReads.run {
            respond(Result { () throws(JournalError) in try journal.read(from: offset, limit: 1, maxBytes: 1) })
        }
    }

    /// The answer to a single-record read of `offset` that gave `read`.
    private static func recordResponse(
        _ read: Result<ReadBatch, JournalError>, offset: UInt64, _ representation: Representation,
        ifNoneMatch: String?, instance: String
    ) -> HTTPResponse {
        let batch: ReadBatch
        switch read {
        case .success(let read): batch = read
        case .failure(let error): return Problem(error, context: .read).response(instance: instance)
        }
        guard let record = batch.records.first else {
            return Problem(.noRecord, "no record at \(offset) yet: it is the journal's end", members: [("offset", .integer(offset))])
                .response(instance: instance)
        }
        let tag = "\"\(record.digest.hex)\""
        // The form depends on Accept: a cache must not hand one client the other's.
        let vary = ("Vary", "Accept")
        // If-None-Match compares weakly (RFC 9110, 13.1.2): W/"x" matches "x".
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { entry in
            let candidate = entry.trimmingSpaces
            let strong = candidate.hasPrefix("W/") ? candidate.dropFirst(2) : candidate
            return candidate == "*" || strong == tag
        }) {
            return HTTPResponse(status: 304, headers: [("ETag", tag), vary])
        }
        switch representation {
        case .raw:
            return HTTPResponse(
                status: 200, headers: [("Content-Type", "application/octet-stream"), ("ETag", tag), vary],
                body: Array(record.payload))
        case .json:
            var body: [UInt8] = []
            RecordRendering.append(record, to: &body)
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json"), ("ETag", tag), vary], body: body)
        }
    }

    private enum Representation {
        case json, raw
    }

    /// Which form of a record an `Accept` header asks for; nil when neither is
    /// acceptable. Raw bytes when `application/octet-stream` is named with a
    /// weight (q) at least that of the best range JSON matches; a range with
    /// q=0 is not acceptable; no header, or an empty one, asks for JSON.
    private static func representation(accepting header: String?) -> Representation? {
        guard let header, !header.trimmingSpaces.isEmpty else { return .json }
        var rawWeight = 0.0, jsonWeight = 0.0
        for range in header.split(separator: ",") {
            let parts = range.split(separator: ";")
            guard let type = parts.first.map({ $0.trimmingSpaces.lowercased() }) else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces.lowercased() }
                if pair.count == 2, pair[0] == "q" { weight = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0 }
            }
            switch type {
            case "application/octet-stream": rawWeight = max(rawWeight, weight)
            case "application/json", "*/*", "application/*": jsonWeight = max(jsonWeight, weight)
            default: break
            }
        }
        if rawWeight > 0, rawWeight >= jsonWeight { return .raw }
        return jsonWeight > 0 ? .json : nil
    }
}
