import Checksums
import Foundation
import Testing

/// RELIABILITY F1 over HTTP: `stele serve` is killed with SIGKILL while
/// several clients append; after a restart on the same directory every
/// acknowledged record is at its offset with its BLAKE3, every record served
/// matches its BLAKE3, and offsets are contiguous. `STELE_HTTP_KILL_CYCLES`
/// sets the cycles per durability level (default 3).
@Suite(.serialized) struct HTTPKillNineTests {
    static let cycles = Int(ProcessInfo.processInfo.environment["STELE_HTTP_KILL_CYCLES"] ?? "") ?? 3
    static let appenders = 4

    @Test(arguments: ["immediate", "group"])
    func killNine_underHTTPLoad_losesNoAcknowledgedRecord(durability: String) async throws {
        let scratch = try ScratchDirectory("http-kill")
        defer { scratch.remove() }
        let flags = ["--durability", durability, "--segment-max-bytes", "65536"]
        var server = try await ServerProcess.start(in: scratch, flags: flags)
        defer { server.kill() }
        var acknowledged: [UInt64: AppendAcknowledgement] = [:]

        for cycle in 0..<Self.cycles {
            let port = server.port
            // One append first, so that the kill below lands on a server that
            // is taking appends (a busy test machine can take a few hundred
            // milliseconds to serve a fresh debug server's first one).
            let warmUp = try await server.client().appended(bytes: Array("warm-up \(cycle)".utf8))
            acknowledged[warmUp.offset] = warmUp
            let counted = AcknowledgementCount()
            let load = Task {
                try await withThrowingTaskGroup(of: [AppendAcknowledgement].self) { group in
                    for _ in 0..<Self.appenders {
                        let client = RawHTTPClient(port: port, timeout: .seconds(20))
                        group.addTask { try await client.perform { Self.appendUntilRefused($0, counting: counted) } }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            // The kill lands at a random moment once the load is under way
            // (a busy machine may take a while to answer its first appends).
            #expect(await counted.wait(for: 1), "cycle \(cycle): no append was acknowledged within a minute")
            let delay = Int.random(in: 0...500)
            try await Task.sleep(for: .milliseconds(delay))
            server.kill()
            let acks = try await load.value
            #expect(!acks.isEmpty, "cycle \(cycle): nothing was acknowledged")
            for ack in acks {
                #expect(acknowledged[ack.offset] == nil, "offset \(ack.offset) acknowledged twice")
                acknowledged[ack.offset] = ack
            }

            server = try await server.restart()
            let stored = try await server.client().readAll()
            let end = try #require(try await server.client().jsonObject("/v1/journal")["end"] as? UInt64)
            try Self.checkContiguous(stored, end: end, cycle: cycle)
            let byOffset = Dictionary(uniqueKeysWithValues: stored.map { ($0.offset, $0.blake3) })
            var lost = 0
            for (offset, ack) in acknowledged where byOffset[offset] != ack.blake3 {
                lost += 1
                Issue.record("cycle \(cycle) (\(durability), killed \(delay) ms after its first acknowledgement): acknowledged record at \(offset) lost or changed")
            }
            #expect(lost == 0)
        }
    }

    /// Appends random binary records until the server stops answering; the acknowledgements.
    @Sendable static func appendUntilRefused(_ client: RawHTTPClient, counting counted: AcknowledgementCount) -> [AppendAcknowledgement] {
        var acks: [AppendAcknowledgement] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100_000 {
            let payload = (0..<Int.random(in: 1...2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            guard let response = try? client.requestNow(
                "POST", "/v1/records", headers: [("Content-Type", "application/octet-stream")], body: payload),
                let ack = try? AppendAcknowledgement(response)
            else { break }
            // An acknowledgement names the payload that was sent.
            guard ack.blake3 == BLAKE3Hasher.hash(payload).hex, ack.next == ack.offset + 40 + UInt64(payload.count) else {
                Issue.record("acknowledgement \(ack) does not describe the payload sent")
                break
            }
            acks.append(ack)
            counted.add()
        }
        return acks
    }

    /// Records start at 0 and each begins where the one before ends; every payload matches its BLAKE3.
    static func checkContiguous(_ stored: [StoredRecord], end: UInt64, cycle: Int) throws {
        var expected: UInt64 = 0
        for record in stored {
            let bytes = try #require(record.bytes, "record at \(record.offset) is not binary")
            #expect(record.offset == expected, "cycle \(cycle): gap or overlap at \(expected)")
            #expect(record.blake3 == BLAKE3Hasher.hash(bytes).hex, "cycle \(cycle): wrong data served at \(record.offset)")
            expected = record.offset + 40 + UInt64(bytes.count)
        }
        #expect(expected == end, "cycle \(cycle): the records end at \(expected), the journal at \(end)")
    }
}
