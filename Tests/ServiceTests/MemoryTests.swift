import Testing

/// RELIABILITY: no memory leak. Every append and long-poll suspends its
/// connection and is answered through its exchange; a leak there costs a few
/// hundred bytes per request, which thousands of requests make plain.
@Suite("Requests leave no memory behind", .serialized)
struct MemoryTests {
    @Test func thousandsOfAppendsAndLongPolls_doNotGrowTheServer() async throws {
        try await withServer(["--durability", "group"]) { server in
            let clients = (0..<8).map { _ in server.client() }
            func load(_ rounds: Int) async throws {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, client) in clients.enumerated() {
                        client.logsExchanges = false
                        group.addTask {
                            _ = try await client.appendRecords(rounds, size: 200, tag: "m\(index)")
                            let end = try await client.jsonObject("/v1/journal")["end"] as? Int ?? 0
                            _ = try await client.request("GET", "/v1/records?from=\(end)&wait_ms=1")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await load(250)  // warm-up: pools, arenas, metric series
            let before = try #require(server.residentKilobytes)
            try await load(2500)  // 20,000 appends
            let after = try #require(server.residentKilobytes)
            // A leak of 330 bytes per request (found and fixed) grew this by 6.4 MiB.
            #expect(after - before < 3 * 1024, "RSS grew from \(before) KiB to \(after) KiB over 20,000 appends")
        }
    }
}
