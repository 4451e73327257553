import Glibc
import Testing

/// DESIGN (Concurrency): libmicrohttpd 0.9.75 with epoll and one polling
/// thread was seen to stall once 128 or more sockets were ready at the same
/// time, so the event loop Stele uses must be proved at 256 connections and
/// more. Here the server is stopped (SIGSTOP) while 256 or 300 connections
/// each send an append, then continued, so its one polling thread finds all
/// of them ready at once, round after round; every one must be answered and
/// the journal must hold exactly the acknowledged records.
///
/// `epoll`, the default, runs each daemon from Stele's own loop
/// (PollingLoop), whose `MHD_run` never waits: libmicrohttpd's own epoll
/// thread, with exactly 256 ready sockets (two full `epoll_wait` batches of
/// 128), waited again and stalled until the connection timeout closed the
/// connections unanswered. `poll` (libmicrohttpd's own threads) must pass too.
@Suite("256 and 300 connections ready at once are all served", .serialized)
struct ManyConnectionsTests {
    static let rounds = 3

    @Test(arguments: [256, 300])
    func poll_answersEveryReadyConnection_withOnePollingThread(connections: Int) async throws {
        // A generous idle timeout: in a busy `make test` one round of 256
        // connections has taken over 30 s (the default), and a connection
        // answered early then sat idle that long and was closed unanswered.
        let flags = ["--durability", "group", "--threads", "1", "--event-loop", "poll", "--connection-timeout", "600"]
        try await withServer(flags) { server in
            try await Self.appendFromReadyConnections(connections, to: server)
        }
    }

    @Test(arguments: [128, 256, 300])
    func epoll_answersEveryReadyConnection_withOnePollingThread(connections: Int) async throws {
        // A stall would cost the connection timeout and show as connections
        // closed unanswered; 600 s keeps a slow but working round from
        // looking like one.
        let flags = ["--durability", "group", "--threads", "1", "--event-loop", "epoll", "--connection-timeout", "600"]
        try await withServer(flags) { server in
            try await Self.appendFromReadyConnections(connections, to: server)
        }
    }

    /// Rounds of one append per connection, all sent while the server is stopped.
    static func appendFromReadyConnections(_ connections: Int, to server: ServerProcess) async throws {
        let clients = (0..<connections).map { _ in server.client(timeout: .seconds(30)) }
        for client in clients {
            client.logsExchanges = false
            try await client.perform { try $0.connectNow() }
        }
        var acknowledged = Set<Int>()
        for round in 0..<rounds {
            server.signal(SIGSTOP)
            for (index, client) in clients.enumerated() {
                let body = Array(#"{"round":\#(round),"connection":\#(index)}"#.utf8)
                let request = RawHTTPClient.requestBytes(
                    "POST", "/v1/records", port: server.port,
                    headers: [("Content-Type", "application/json")], body: body)
                try await client.perform { try $0.sendNow(request) }
            }
            server.signal(SIGCONT)
            for client in clients {
                let response = try await client.perform {
                    try $0.readResponseNow(method: "POST", target: "/v1/records")
                }
                #expect(response.status == 201, "round \(round): \(response.status) \(response.text)")
                if let offset = (try? response.json())?["offset"] as? Int { acknowledged.insert(offset) }
            }
        }
        #expect(acknowledged.count == connections * rounds, "two appends acknowledged at one offset")
        let stored = try await server.client().readAll()
        #expect(Set(stored.map { Int($0.offset) }) == acknowledged, "the journal holds other records than were acknowledged")
    }
}
