import Testing

/// Many long-polls woken by one append: they share one rendered answer (and
/// one libmicrohttpd response object), and each still gets exactly the
/// answer to its own question, round after round.
@Suite struct LongPollFanOutTests {
    @Test func thirtyReadersWokenTogether_eachGetTheNewRecord_roundAfterRound() async throws {
        try await withServer { server in
            let writer = server.client()
            var end = try await writer.appended(json: #"{"n":0}"#).next
            let readers = (0..<30).map { _ in server.client(timeout: .seconds(30)) }
            for round in 1...3 {
                let from = end
                let (appended, responses) = try await withThrowingTaskGroup(
                    of: RawHTTPClient.Response.self
                ) { group -> (AppendAcknowledgement, [RawHTTPClient.Response]) in
                    for reader in readers {
                        group.addTask { try await reader.request("GET", "/v1/records?from=\(from)&wait_ms=20000") }
                    }
                    try await ColdReadTests.waitForWaiters(Double(readers.count), writer)
                    let appended = try await writer.appended(json: #"{"round":\#(round)}"#)
                    var responses: [RawHTTPClient.Response] = []
                    for try await response in group { responses.append(response) }
                    return (appended, responses)
                }
                #expect(responses.count == readers.count)
                for response in responses {
                    #expect(response.status == 200, "\(response)")
                    let records = try #require(try response.json()["records"] as? [[String: Any]])
                    #expect(records.count == 1)
                    #expect(records.first?["offset"] as? UInt64 == appended.offset, "round \(round): \(response)")
                    #expect(records.first?["blake3"] as? String == appended.blake3)
                    #expect(response.header("Content-Length") == String(response.body.count))
                }
                #expect(Set(responses.map(\.body)).count == 1, "readers woken together got different answers")
                end = appended.next
            }
        }
    }

    /// Readers at the same offset that ask different questions (a smaller
    /// `limit`, a byte cap) are woken by the same appends but answered each
    /// by its own question, not by whichever answer was rendered first.
    @Test func readersWithDifferentLimits_wokenTogether_getTheirOwnAnswers() async throws {
        try await withServer { server in
            let writer = server.client()
            let end = try await writer.appended(json: "0").next
            let narrow = (0..<5).map { _ in server.client(timeout: .seconds(30)) }
            let wide = (0..<5).map { _ in server.client(timeout: .seconds(30)) }
            let batch = (1...4).map { #"{"n":\#($0)}"# }.joined(separator: "\n") + "\n"
            let responses = try await withThrowingTaskGroup(of: (Bool, RawHTTPClient.Response).self) { group in
                for reader in narrow {
                    group.addTask { (true, try await reader.request("GET", "/v1/records?from=\(end)&limit=1&wait_ms=20000")) }
                }
                for reader in wide {
                    group.addTask { (false, try await reader.request("GET", "/v1/records?from=\(end)&wait_ms=20000")) }
                }
                try await ColdReadTests.waitForWaiters(Double(narrow.count + wide.count), writer)
                let appended = try await writer.request(
                    "POST", "/v1/records", headers: [("Content-Type", "application/x-ndjson")], body: Array(batch.utf8))
                #expect(appended.status == 201, "\(appended)")
                var responses: [(Bool, RawHTTPClient.Response)] = []
                for try await response in group { responses.append(response) }
                return responses
            }
            for (isNarrow, response) in responses {
                #expect(response.status == 200, "\(response)")
                let records = try #require(try response.json()["records"] as? [[String: Any]])
                #expect(records.count == (isNarrow ? 1 : 4), "\(response)")
                #expect(records.first?["offset"] as? UInt64 == end)
            }
        }
    }
}
