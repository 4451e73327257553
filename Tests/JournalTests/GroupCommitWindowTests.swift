import Journal
import Testing

/// Group commit waits for the clients its last fsync answered, so that
/// clients appending in a loop share one fsync instead of taking turns —
/// but never longer than an fsync, and less and less when they do not come.
@Suite struct GroupCommitWindowTests {
    let start = ContinuousClock.now

    @Test func withNothingAnsweredYet_theFirstRequestIsWrittenAtOnce() {
        var window = GroupCommitWindow()
        #expect(window.decide(queued: 1, batchLimit: 4096, now: start) == .flush)
    }

    @Test func afterAnsweringSixtyFour_itGathersUntilTheyAreBack() {
        var window = GroupCommitWindow()
        window.flushed(answered: 64, stillQueued: 0, fsyncDuration: .microseconds(200))
        #expect(window.decide(queued: 10, batchLimit: 4096, now: start)
            == .gather(wait: .microseconds(200), more: 54))
        #expect(window.decide(queued: 50, batchLimit: 4096, now: start + .microseconds(40))
            == .gather(wait: .microseconds(160), more: 14))
        #expect(window.decide(queued: 64, batchLimit: 4096, now: start + .microseconds(60)) == .flush)
    }

    @Test func requestsLeftQueued_countAsInFlightToo() {
        var window = GroupCommitWindow()
        window.flushed(answered: 32, stillQueued: 32, fsyncDuration: .microseconds(200))
        #expect(window.expected == 64)
        #expect(window.decide(queued: 32, batchLimit: 4096, now: start) == .gather(wait: .microseconds(200), more: 32))
    }

    @Test func itNeverWaitsForMoreThanOneBatchHolds() {
        var window = GroupCommitWindow()
        window.flushed(answered: 64, stillQueued: 0, fsyncDuration: .microseconds(200))
        #expect(window.decide(queued: 16, batchLimit: 16, now: start) == .flush)
    }

    @Test func theWaitIsCappedByTheAverageFsync() {
        var window = GroupCommitWindow()
        for _ in 0..<64 { window.flushed(answered: 8, stillQueued: 0, fsyncDuration: .microseconds(40)) }
        #expect(window.fsyncAverage < .microseconds(41))
        guard case .gather(let wait, _) = window.decide(queued: 1, batchLimit: 4096, now: start) else {
            Issue.record("expected a gathering")
            return
        }
        #expect(wait <= .microseconds(41))
    }

    /// Twenty rounds of: a flush answers `answered`, `arrived` are queued when
    /// the gathering starts and `atDeadline` when its wait is over (a flush then).
    static func timedOutGatherings(answered: Int, arrived: Int, atDeadline: Int, from start: ContinuousClock.Instant) -> GroupCommitWindow {
        var window = GroupCommitWindow()
        var now = start
        for _ in 0..<20 {
            window.flushed(answered: answered, stillQueued: 0, fsyncDuration: .microseconds(200))
            guard case .gather(let wait, _) = window.decide(queued: arrived, batchLimit: 4096, now: now) else {
                Issue.record("expected a gathering")
                return window
            }
            now += wait
            #expect(window.decide(queued: atDeadline, batchLimit: 4096, now: now) == .flush)
        }
        return window
    }

    @Test func whenTheClientsDoNotComeBack_theWaitShrinksToAFewMicroseconds() {
        let window = Self.timedOutGatherings(answered: 8, arrived: 1, atDeadline: 1, from: start)
        #expect(window.allowance == GroupCommitWindow.shortest)
    }

    @Test func whenAllButAStragglerCame_theWaitDoesNotShrink() {
        let window = Self.timedOutGatherings(answered: 64, arrived: 60, atDeadline: 63, from: start)
        #expect(window.allowance == .microseconds(200))
    }

    @Test func inASmallGroup_oneMissingStillShrinksTheWait() {
        let window = Self.timedOutGatherings(answered: 4, arrived: 3, atDeadline: 3, from: start)
        #expect(window.allowance == GroupCommitWindow.shortest)
    }

    @Test func whenTheyComeBackAgain_theWaitGrowsBackToTheFsync() {
        var window = GroupCommitWindow()
        var now = start
        for _ in 0..<20 {
            window.flushed(answered: 8, stillQueued: 0, fsyncDuration: .microseconds(200))
            _ = window.decide(queued: 1, batchLimit: 4096, now: now)
            now += .milliseconds(1)
            _ = window.decide(queued: 1, batchLimit: 4096, now: now)
        }
        for _ in 0..<20 {
            window.flushed(answered: 8, stillQueued: 0, fsyncDuration: .microseconds(200))
            _ = window.decide(queued: 1, batchLimit: 4096, now: now)
            #expect(window.decide(queued: 8, batchLimit: 4096, now: now + .microseconds(1)) == .flush)
        }
        #expect(window.allowance == .microseconds(200))
    }
}
