import Journal
import JournalTesting
import SystemPackage
import Testing

/// F14: long-poll timeouts run on the monotonic clock.
///
/// `DurableEndNotifier` times a wait with `DispatchQueue.asyncAfter(deadline:)`,
/// a `DispatchTime`: libdispatch's uptime clock, CLOCK_MONOTONIC on Linux,
/// so a wall-clock jump can neither fire nor stall it. The jump itself cannot
/// be injected in-process; `ClockJumpTests` (ServiceTests) runs the `stele`
/// binary under libfaketime and moves its wall clock. What these tests prove
/// is that a timeout is measured in monotonic time and that an append ends a
/// wait early.
@Suite("Long-poll waits time out on the monotonic clock and wake on appends")
struct ClockTests {
    static func openJournal() async throws -> Journal {
        try await Journal.open(at: FaultSupport.path, options: FaultSupport.options(), fileSystem: SimulatedFileSystem())
    }

    @Test func aWaitWithNothingToRead_returnsFalse_afterAtLeastItsTimeoutOfMonotonicTime() async throws {
        let journal = try await Self.openJournal()
        _ = try await journal.append(FaultSupport.record("one", size: 10))
        let clock = ContinuousClock()
        let started = clock.now
        let found = await journal.waitForRecords(from: journal.bounds.end, timeout: .milliseconds(200))
        let elapsed = clock.now - started
        #expect(found == false)
        #expect(elapsed >= .milliseconds(200), "returned after \(elapsed)")
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func aWait_isEndedEarlyByAnAppend() async throws {
        let journal = try await Self.openJournal()
        let end = journal.bounds.end
        async let woke = journal.waitForRecords(from: end, timeout: .seconds(20))
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while journal.waitingReaders == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(journal.waitingReaders == 1)
        let appended = try await journal.append(FaultSupport.record("wakes the reader", size: 10))
        #expect(await woke == true)
        #expect(appended.offset == end)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func manyWaitersWithShortTimeouts_allTimeOut_andNoneIsLeftRegistered() async throws {
        let journal = try await Self.openJournal()
        let clock = ContinuousClock()
        let started = clock.now
        let answers = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask { await journal.waitForRecords(from: 0, timeout: .milliseconds(20 + index % 5)) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: false, count: 50))
        #expect(clock.now - started >= .milliseconds(20))
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func aWaitForRecordsThatAlreadyExist_returnsTrueWithoutWaiting() async throws {
        let journal = try await Self.openJournal()
        let appended = try await journal.append(FaultSupport.record("there", size: 10))
        // A timeout long enough that waiting at all would be unmistakable; the answer comes at once.
        let answer = await journal.waitForRecords(from: appended.offset, timeout: .seconds(30))
        #expect(answer == true)
        await journal.close()
    }

    @Test func aZeroTimeout_returnsFalseWhenNothingIsThere() async throws {
        let journal = try await Self.openJournal()
        #expect(await journal.waitForRecords(from: 0, timeout: .zero) == false)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }
}
