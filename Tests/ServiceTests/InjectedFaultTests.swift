import Foundation
import Testing

/// F10 and F11 of RELIABILITY.md against the real binary: strace injects the
/// fault into the server's own system calls on its first segment file.
/// ENOSPC on a write is answered 507, leaves nothing partial, and appends
/// resume at once. EIO on an fdatasync fails the journal: that batch is never
/// acknowledged, appends get 503, readiness 503, reads of what was durable go
/// on; a restart recovers with every acknowledged record.
@Suite struct InjectedFaultTests {
    /// strace running the server, injecting `fault` into `call` on the first segment.
    static func strace(_ scratch: ScratchDirectory, call: String, fault: String) -> [String] {
        [
            "/usr/bin/strace", "-f", "-qq", "-o", "/dev/null",
            "-P", scratch.path("data/segments/0000000000000000.wal").path,
            "-e", "trace=\(call)", "-e", "inject=\(call):\(fault)",
        ]
    }

    @Test func noSpaceOnAWrite_is507_leavesNothingPartial_andAppendsResume() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // pwritev #1 writes the segment's header, #2 the first record, #3 the second.
        let server = try await ServerProcess.start(
            in: scratch, launcher: Self.strace(scratch, call: "pwritev", fault: "error=ENOSPC:when=3"))
        defer { server.kill() }
        let client = server.client()
        let first = try await client.appended(json: #"{"n":1}"#)
        let refused = try await client.appendJSON(#"{"n":2}"#)
        #expect(refused.status == 507)
        #expect(refused.problemCode == "no-space")
        let third = try await client.appended(json: #"{"n":3}"#)
        #expect(third.offset == first.next, "nothing of the refused append stays between them")
        #expect(try await client.readAll().map(\.offset) == [first.offset, third.offset])
        #expect(try await client.request("GET", "/readyz").status == 200)

        let restarted = try await server.restart()
        defer { restarted.kill() }
        #expect(try await restarted.client().readAll().map(\.offset) == [first.offset, third.offset])
    }

    @Test func ioErrorOnAnFdatasync_failsTheJournal_withoutAcknowledgingThatBatch() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // fdatasync #1 and #2 acknowledge the first two appends; #3 fails.
        let server = try await ServerProcess.start(
            in: scratch, launcher: Self.strace(scratch, call: "fdatasync", fault: "error=EIO:when=3"))
        defer { server.kill() }
        let client = server.client()
        let first = try await client.appended(json: #"{"n":1}"#)
        let second = try await client.appended(json: #"{"n":2}"#)
        for attempt in 3...4 {
            let refused = try await client.appendJSON(#"{"n":\#(attempt)}"#)
            #expect(refused.status == 503)
            #expect(refused.problemCode == "journal-failed")
        }
        #expect(try await client.request("GET", "/readyz").status == 503)
        #expect(try await client.request("GET", "/healthz").status == 200)
        #expect(try await client.readAll().map(\.offset) == [first.offset, second.offset], "readers see only what was synced")

        let restarted = try await server.restart()
        defer { restarted.kill() }
        let client2 = restarted.client()
        let recovered = try await client2.readAll()
        #expect(Array(recovered.prefix(2).map(\.offset)) == [first.offset, second.offset])
        #expect(recovered.count <= 3, "the unacknowledged record is whole or absent")
        let end = try await client2.jsonObject("/v1/journal")["end"] as? UInt64
        let next = try await client2.appended(json: #"{"n":5}"#)
        #expect(next.offset == end, "appends go on at the recovered end")
    }
}
