import Foundation
import Testing

/// `stele serve` listens before it recovers its journal: while recovery
/// runs, liveness answers 200, readiness 503 `not-ready`, and requests that
/// need the journal are refused 503 `not-ready` (retryable) instead of
/// waiting or failing; once recovered, it is ready and appends go on at the
/// recovered end. strace delays the first read of the segment file, which
/// is recovery's, so that recovery lasts long enough to be watched.
@Suite struct RecoveryReadinessTests {
    @Test func whileRecoveryRuns_livenessIs200_readinessAndAppendsAre503NotReady_thenBothGoOn() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await ServerProcess.start(in: scratch)
        let durable = try await first.client().appended(json: #"{"n":1}"#)
        #expect(await first.stop() == 0)

        // The first read of the segment, recovery's, waits 3 s.
        let slow = try await ServerProcess.start(
            in: scratch, waitForReady: false,
            launcher: InjectedFaultTests.strace(scratch, call: "pread64", fault: "delay_enter=3000000:when=1"))
        defer { slow.kill() }
        let client = slow.client()
        #expect(try await client.request("GET", "/healthz").status == 200)
        let readiness = try await client.request("GET", "/readyz")
        #expect(readiness.status == 503)
        #expect(readiness.problemCode == "not-ready")
        let refused = try await client.appendJSON(#"{"n":2}"#)
        #expect(refused.status == 503)
        #expect(refused.problemCode == "not-ready")
        let journal = try await client.request("GET", "/v1/journal")
        #expect(journal.status == 503)
        #expect(journal.problemCode == "not-ready")

        try await slow.waitUntilReady()
        let next = try await client.appended(json: #"{"n":3}"#)
        #expect(next.offset == durable.next, "the refused append left nothing behind")
    }
}
