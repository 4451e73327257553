import Glibc
import Testing

/// `wait_ms` long-polls: answered soon after an append, empty after the
/// wait, and every waiting poll answered when the server is told to stop.
@Suite struct LongPollTests {
    @Test func waitingReadAtTheEnd_isAnsweredSoonAfterAnAppend() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.appended(json: #"{"n":1}"#)
            let reader = server.client(timeout: .seconds(30))
            let started = ContinuousClock.now
            async let answer = reader.request("GET", "/v1/records?from=\(first.next)&wait_ms=10000")
            try await Task.sleep(for: .milliseconds(300))
            let second = try await client.appended(json: #"{"n":2}"#)
            let response = try await answer
            let waited = ContinuousClock.now - started
            #expect(response.status == 200)
            let records = try #require(try response.json()["records"] as? [[String: Any]])
            #expect(records.first?["offset"] as? UInt64 == second.offset)
            #expect(records.first?["blake3"] as? String == second.blake3)
            #expect(waited < .seconds(5), "the long-poll took \(waited): it was not woken by the append")
        }
    }

    @Test func waitingReadWithNoAppend_is200EmptyAfterTheWait() async throws {
        try await withServer { server in
            let client = server.client()
            let last = try await client.appended(json: "1")
            let started = ContinuousClock.now
            let response = try await client.request("GET", "/v1/records?from=\(last.next)&wait_ms=300")
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            #expect(response.status == 200)
            let page = try response.json()
            #expect((page["records"] as? [Any])?.isEmpty == true)
            #expect(page["next"] as? UInt64 == last.next)
        }
    }

    @Test func waitingReadBelowTheEnd_answersAtOnce() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.appended(json: "1")
            let started = ContinuousClock.now
            let response = try await client.request("GET", "/v1/records?from=\(first.offset)&wait_ms=10000")
            #expect(response.status == 200)
            #expect((try response.json()["records"] as? [Any])?.count == 1)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func sigtermWhileTwentyLongPollsWait_answersEveryOneAndExitsZero() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let server = try await ServerProcess.start(in: scratch)
        defer { server.kill() }
        let end = try await server.client().appended(json: "1").next
        let pollers = (0..<20).map { _ in server.client(timeout: .seconds(40)) }
        try await withThrowingTaskGroup(of: RawHTTPClient.Response.self) { group in
            for poller in pollers {
                group.addTask { try await poller.request("GET", "/v1/records?from=\(end)&wait_ms=25000") }
            }
            try await Task.sleep(for: .seconds(1))
            let started = ContinuousClock.now
            server.signal(SIGTERM)
            var answered = 0
            for try await response in group {
                #expect(response.status == 200, "\(response)")
                #expect((try? response.json()["records"] as? [Any])??.isEmpty == true)
                answered += 1
            }
            #expect(answered == 20)
            #expect(ContinuousClock.now - started < .seconds(20), "the polls were answered only when their wait ran out")
        }
        let status = await server.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "stele serve exited with \(status.map(String.init) ?? "nothing (still running)"): \(server.standardError.suffix(2000))")
    }

    /// A client that closes its connection during a long-poll ends the wait
    /// at once: the waiter goes, and the connection's slot is free for another
    /// client (before, both stayed until the wait ran out).
    @Test func aReaderThatLeavesWhileWaiting_endsItsWait_andFreesItsConnection() async throws {
        try await withServer(["--max-connections", "2", "--max-wait-ms", "120000"]) { server in
            // Each connection is made once the one before it is served: a
            // connection closed just before (the readiness probe's) may still
            // hold its slot on the server's side for a moment.
            let observer = try #require(try await ConnectionLimitTests.servedClient(server))
            let end = try await observer.appended(json: "1").next
            let reader = try #require(try await ConnectionLimitTests.servedClient(server))
            try await reader.perform { client in
                try client.sendNow(RawHTTPClient.requestBytes(
                    "GET", "/v1/records?from=\(end)&wait_ms=120000", port: server.port, headers: [], body: nil))
            }
            try await ColdReadTests.waitForWaiters(1, observer)
            await reader.close()
            try await ColdReadTests.waitForWaiters(0, observer)
            // Both slots free: one kept-alive connection and another client are served together.
            #expect(try await observer.request("GET", "/v1/journal").status == 200)
            #expect(try await ConnectionLimitTests.servesANewClient(server))
            #expect(try await observer.appended(json: "2").offset == end)
        }
    }
}
