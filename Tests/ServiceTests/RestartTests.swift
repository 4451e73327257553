import Glibc
import Testing

/// What was acknowledged survives a restart on the same data directory,
/// whether the server was stopped with SIGTERM (exit 0) or SIGKILL.
@Suite struct RestartTests {
    enum Stop: String, CaseIterable, Sendable {
        case sigterm, sigkill
    }

    @Test(arguments: Stop.allCases)
    func restart_afterStop_servesEveryAcknowledgedRecordAndCursor(stop: Stop) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await ServerProcess.start(in: scratch, flags: ["--segment-max-bytes", "4096"])
        defer { first.kill() }
        let client = first.client()
        var acknowledged = try await client.appendRecords(40, size: 150)
        acknowledged.append(try await client.appended(bytes: [0, 1, 2, 3]))
        #expect(try await client.putCursor("durable", offset: acknowledged[20].offset).status == 200)
        let before = try await client.fingerprint()

        switch stop {
        case .sigterm:
            let status = await first.stop()
            #expect(status == 0, "\(first.standardError.suffix(2000))")
        case .sigkill:
            first.kill()
        }

        let second = try await first.restart()
        defer { second.kill() }
        let reader = second.client()
        #expect(try await reader.fingerprint() == before)
        let stored = try await reader.readAll()
        #expect(stored.map(\.offset) == acknowledged.map(\.offset))
        #expect(stored.map(\.blake3) == acknowledged.map(\.blake3))
        #expect(stored.last?.bytes == [0, 1, 2, 3])
        #expect(try await reader.jsonObject("/v1/cursors/durable")["offset"] as? UInt64 == acknowledged[20].offset)
        // And it takes appends where the old one left off.
        let next = try await reader.appended(json: #""after restart""#)
        #expect(next.offset == acknowledged.last!.next)
    }

    /// SIGTERM while appends are in flight on many connections: the server
    /// finishes what it took (each append 201, or refused as shutting down,
    /// or its connection closed unanswered), exits 0, and a restart holds
    /// every acknowledged record, whole, at its offset.
    @Test(arguments: ["immediate", "group"])
    func sigterm_duringAppendsFromManyConnections_exitsZero_andKeepsEveryAcknowledgedRecord(durability: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let server = try await ServerProcess.start(in: scratch, flags: ["--durability", durability])
        defer { server.kill() }
        let clients = (0..<16).map { _ in server.client(timeout: .seconds(20)) }
        for client in clients { client.logsExchanges = false }
        let counted = AcknowledgementCount()
        async let ledgers = withThrowingTaskGroup(of: [AppendAcknowledgement].self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    var acknowledged: [AppendAcknowledgement] = []
                    for round in 0..<100_000 {
                        // Any answer but 201 (503 while draining, or no answer) ends this client.
                        guard let response = try? await client.appendJSON(#"{"client":\#(index),"round":\#(round)}"#),
                            response.status == 201, let ack = try? AppendAcknowledgement(response)
                        else { break }
                        acknowledged.append(ack)
                        counted.add()
                    }
                    return acknowledged
                }
            }
            return try await group.reduce(into: [[AppendAcknowledgement]]()) { $0.append($1) }
        }
        // Stop once every client is likely under way (a busy machine may take
        // a while to answer the first appends), then a little later.
        #expect(await counted.wait(for: clients.count), "the load was not under way within a minute")
        try await Task.sleep(for: .milliseconds(200))
        let status = await server.stop()
        let acknowledged = try await ledgers.flatMap { $0 }
        #expect(status == 0, "\(server.standardError.suffix(2000))")
        #expect(!acknowledged.isEmpty, "no append was acknowledged before the stop")

        let restarted = try await server.restart()
        defer { restarted.kill() }
        let stored = try await restarted.client().readAll()
        let byOffset = Dictionary(uniqueKeysWithValues: stored.map { ($0.offset, $0.blake3) })
        for ack in acknowledged {
            #expect(byOffset[ack.offset] == ack.blake3, "acknowledged record at \(ack.offset) is missing or changed")
        }
        #expect(Set(acknowledged.map(\.offset)).count == acknowledged.count, "two acknowledgements for one offset")
    }

    /// One writer per directory: a second server on a directory in use exits 2
    /// before it listens (it printed its address first, and looked started).
    @Test func aSecondServerOnTheSameDirectory_exits2BeforeListening_andTheFirstServesOn() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await ServerProcess.start(in: scratch)
        defer { first.kill() }
        do {
            let second = try await ServerProcess.start(in: scratch)
            second.kill()
            Issue.record("a second stele serve started on the same directory")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.reason.contains("exited(2)") && failure.reason.contains("before listening"), "\(failure)")
            #expect(failure.standardError.contains("is locked by another process"), "\(failure.standardError)")
        }
        #expect(try await first.client().appendJSON(#"{"still":"serving"}"#).status == 201)
    }

    /// The address is printed once SIGTERM and SIGINT are trapped: a stop asked
    /// for the moment it appears drains and exits 0 (before, it could arrive
    /// first and kill the process with the signal's default action).
    @Test func aSigtermAsSoonAsTheAddressIsPrinted_stopsCleanly() async throws {
        for round in 0..<8 {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let server = try await ServerProcess.start(in: scratch, waitForReady: false)
            server.signal(round % 2 == 0 ? SIGTERM : SIGINT)
            let status = await server.waitForExit(timeout: .seconds(30))
            server.kill()
            #expect(status == 0, "round \(round): \(status.map(String.init) ?? "still running"): \(server.standardError.suffix(1000))")
        }
    }
}
