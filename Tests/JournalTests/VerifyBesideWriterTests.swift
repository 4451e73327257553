import Dispatch
import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

@Suite("stele verify beside a running server")
struct VerifyBesideWriterTests {
    /// `stele verify` reads without the lock, beside a running server. It reads
    /// the cursors before it scans the segments (for a large journal, minutes):
    /// a consumer that commits its cursor at the new end meanwhile is not
    /// corruption (exit 3 says "do not restore").
    @Test func verify_whileAConsumerCommitsItsCursorAtTheEnd_doesNotReportCorruption() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        try await Fixtures.fill(journal, count: 20, size: 100)
        try await journal.setCursor(named: "consumer", to: journal.bounds.end)

        let hooked = CursorListingHookFileSystem(PosixFileSystem())
        // When verify lists the cursors: one more append, and the consumer keeps up.
        hooked.arm {
            let done = DispatchSemaphore(value: 0)
            Task {
                _ = try? await journal.append(Fixtures.json(#"{"late":true}"#))
                _ = try? await journal.setCursor(named: "consumer", to: journal.bounds.end)
                done.signal()
            }
            done.wait()
        }
        let path = directory.path
        let verdict: JournalVerifier.Verdict = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try JournalVerifier.verify(path, fileSystem: hooked) })
            }
        }
        #expect(verdict.exitCode != 3, "verify beside a live writer reported corruption: \(verdict)")
        await journal.close()
    }
}
