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
}
