import Glibc
import Testing

/// DESIGN (Concurrency): libmicrohttpd 0.9.75 with epoll and one polling
/// thread was seen to stall once 128 or more sockets were ready at the same
/// time, so the event loop Stele uses must be proved at 256 connections and
/// more. Here the server is stopped (SIGSTOP) while 256 or 300 connections
/// each send an append, then continued, so its one polling thread finds all
/// of them ready at once, round after round; every one is answered and every
/// record is stored, in both event loops.
@Suite("256 and 300 connections ready at once are all served", .serialized)
struct ManyConnectionsTests {
    static let rounds = 3

    /// 256 is two full `epoll_wait` batches of 128, the count at which the
    /// stall was seen; 300 is not a multiple of 128.
    @Test(arguments: ["poll", "epoll"], [256, 300])
    func readyConnections_areAllAnswered_byOnePollingThread(eventLoop: String, connections: Int) async throws {
        try await withServer(["--durability", "group", "--threads", "1", "--event-loop", eventLoop]) { server in
            let clients = (0..<connections).map { _ in server.client(timeout: .seconds(30)) }
            for client in clients {
                client.logsExchanges = false
                try await client.perform { try $0.connectNow() }
            }
            var acknowledged = Set<Int>()
            for round in 0..<Self.rounds {
                server.signal(SIGSTOP)
                for (index, client) in clients.enumerated() {
                    let body = Array(#"{"round":\#(round),"connection":\#(index)}"#.utf8)
                    let request = RawHTTPClient.requestBytes(
                        "POST", "/v1/records", port: server.port,
                        headers: [("Content-Type", "application/json")], body: body)
                    try await client.perform { try $0.sendNow(request) }
                }
                server.signal(SIGCONT)
                var answered = 0
                for client in clients {
                    let response = try await client.perform {
                        try $0.readResponseNow(method: "POST", target: "/v1/records")
                    }
                    #expect(response.status == 201, "round \(round): \(response.status) \(response.text)")
                    if let offset = (try? response.json())?["offset"] as? Int { acknowledged.insert(offset) }
                    answered += 1
                }
                #expect(answered == connections, "round \(round): \(answered) of \(connections) answered")
            }
            #expect(acknowledged.count == connections * Self.rounds, "two appends acknowledged at one offset")
            let stored = try await server.client().readAll()
            #expect(Set(stored.map { Int($0.offset) }) == acknowledged, "the journal holds other records than were acknowledged")
            for client in clients { await client.close() }
        }
    }
}
