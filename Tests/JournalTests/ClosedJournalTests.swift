import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

@Suite("A closed journal answers every call")
struct ClosedJournalTests {
    /// An actor call after `close()` (or an append that passed the status
    /// check just before `close()`) is answered `.closed`, never left waiting
    /// in a stopped thread's queue.
    @Test func anActorCallAfterClose_isAnsweredClosed() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options())
        _ = try await journal.append(Fixtures.json("1"))
        await journal.close()
        let answer = Shared<JournalError??>(nil)
        Task {
            do throws(JournalError) {
                try await journal.setCursor(named: "late", to: 0)
                answer.update { $0 = .some(nil) }
            } catch {
                answer.update { $0 = .some(error) }
            }
        }
        // Bounded: a call left in a stopped queue would never be answered.
        let deadline = ContinuousClock.now + .seconds(30)
        while answer.value == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(answer.value == .some(.closed), "setCursor after close(): \(String(describing: answer.value))")
        // And again: the thread that answered the first ends, the next call starts another.
        await #expect(throws: JournalError.closed) { try await journal.setCursor(named: "later", to: 0) }
        await #expect(throws: JournalError.closed) { _ = try await journal.append(Fixtures.json("2")) }
    }
}
