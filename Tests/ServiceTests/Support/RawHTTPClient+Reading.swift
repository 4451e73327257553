import Foundation

extension RawHTTPClient {
    /// Reads one response to a `method` request. Interim 1xx responses are
    /// noted in the final one's ``Response/interimStatuses``, or returned
    /// themselves with `stopAtInterim`. Final responses are logged for `target`.
    func readResponseNow(method: String, target: String?, stopAtInterim: Bool = false) throws -> Response {
        let deadline = ContinuousClock.now + timeout
        var interim: [Int] = []
        while true {
            let (version, status, reason, headers) = try readHead(before: deadline)
            if (100..<200).contains(status) {
                if stopAtInterim {
                    return Response(status: status, reason: reason, headers: headers, body: [], interimStatuses: interim)
                }
                interim.append(status)
                continue
            }
            let lookup = Response(status: status, reason: reason, headers: headers, body: [])
            var body: [UInt8] = []
            var closes = lookup.closesConnection || version == "HTTP/1.0"
            if method == "HEAD" || status == 204 || status == 304 {
                body = []
            } else if lookup.header("transfer-encoding")?.lowercased().contains("chunked") == true {
                body = try readChunkedBody(before: deadline)
            } else if let length = lookup.header("content-length") {
                guard let count = Int(length.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) ?? ""), count >= 0 else {
                    throw RawHTTPError.malformed("Content-Length \(length)")
                }
                try need(count, before: deadline)
                body = Array(pending[0..<count])
                pending.removeFirst(count)
            } else {
                while try receiveMore(before: deadline) {}
                body = pending
                pending = []
                closes = true
            }
            let response = Response(status: status, reason: reason, headers: headers, body: body, interimStatuses: interim)
            if closes { closeNow() }
            if let target, logsExchanges { ExchangeLog.record(method: method, target: target, response: response) }
            return response
        }
    }

    /// Waits until `pending` holds at least `count` bytes.
    private func need(_ count: Int, before deadline: ContinuousClock.Instant) throws {
        while pending.count < count {
            guard try receiveMore(before: deadline) else { throw RawHTTPError.closed(received: pending.count) }
        }
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    private func readLine(before deadline: ContinuousClock.Instant) throws -> String {
        var searched = 0
        while true {
            if let index = Self.find([13, 10], in: pending, from: searched) {
                let line = String(decoding: pending[0..<index], as: UTF8.self)
                pending.removeFirst(index + 2)
                return line
            }
            searched = max(0, pending.count - 1)
            guard try receiveMore(before: deadline) else { throw RawHTTPError.closed(received: pending.count) }
        }
    }

    private func readHead(before deadline: ContinuousClock.Instant) throws
        -> (version: String, status: Int, reason: String, headers: [(name: String, value: String)])
    {
        let statusLine = try readLine(before: deadline)
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw RawHTTPError.malformed("status line \(statusLine.prefix(100))")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine(before: deadline)
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError.malformed("header line \(line.prefix(100))") }
            headers.append((
                name: line[..<colon].lowercased(),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (String(parts[0]), status, parts.count > 2 ? String(parts[2]) : "", headers)
    }

    private func readChunkedBody(before deadline: ContinuousClock.Instant) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine(before: deadline)
            let sizeText = sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw RawHTTPError.malformed("chunk size \(sizeLine)") }
            if size == 0 {
                while try !readLine(before: deadline).isEmpty {}  // trailer fields
                return body
            }
            try need(size + 2, before: deadline)
            body.append(contentsOf: pending[0..<size])
            pending.removeFirst(size + 2)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
