/// When group commit writes its next batch: at once, or after a short wait
/// for the senders the last fsync just answered.
///
/// Clients that append in a loop come straight back once acknowledged. If the
/// committer wrote the next batch the moment an fsync returned, it would take
/// only the requests that arrived during that fsync, and the clients it just
/// answered would land in the batch after: the clients split into two groups
/// that take turns, each waiting for the other's fsync as well as its own —
/// half the batch, twice the latency. So when fewer requests are queued than
/// were in flight at the last flush, the committer gathers: it waits for the
/// rest, but never longer than an fsync takes (then batching would cost more
/// than it saves), and less and less while most of them do not come (clients
/// that send once and leave pay at most a few microseconds).
///
/// A value type used only on the journal's thread; time comes in from the caller.
package struct GroupCommitWindow {
    /// The shortest wait: what a gathering that keeps failing costs.
    package static let shortest: Duration = .microseconds(5)
    /// The fsync time assumed before one has been measured.
    package static let initialFsync: Duration = .microseconds(200)

    /// Requests in flight at the last flush (those it answered and those it left queued).
    package private(set) var expected = 0
    /// How long the next gathering may last, before the fsync cap.
    package private(set) var allowance: Duration = GroupCommitWindow.initialFsync
    /// A moving average of fdatasync's duration: the cap on every wait.
    package private(set) var fsyncAverage: Duration = GroupCommitWindow.initialFsync
    /// When the current gathering started, if one is under way.
    private var gatheringSince: ContinuousClock.Instant?

    package init() {}

    /// What to do with `queued` requests at `now`.
    package enum Decision: Equatable {
        /// Write the batch now.
        case flush
        /// Wait at most `wait` for `more` requests, then decide again.
        case gather(wait: Duration, more: Int)
    }

    /// Flush once `queued` reaches the requests in flight at the last flush
    /// (at most `batchLimit`) or the wait is over; gather otherwise.
    package mutating func decide(queued: Int, batchLimit: Int, now: ContinuousClock.Instant) -> Decision {
        let target = min(expected, batchLimit)
        if queued >= target {
            if gatheringSince != nil { allowance = min(allowance * 2, fsyncAverage) }
            gatheringSince = nil
            return .flush
        }
        let started = gatheringSince ?? now
        gatheringSince = started
        let deadline = started + min(allowance, fsyncAverage)
        guard now < deadline else {
            // They did not come: wait less next time — unless most of a large
            // group did (a straggler held up by the scheduler is no reason to
            // stop gathering the rest; in a small group a missing one is).
            let mostOfALargeGroup = target >= 16 && queued * 4 >= target * 3
            if !mostOfALargeGroup { allowance = max(allowance / 2, Self.shortest) }
            gatheringSince = nil
            return .flush
        }
        return .gather(wait: deadline - now, more: target - queued)
    }

    /// Notes a flush: it answered `answered` requests and left `stillQueued` for later.
    package mutating func flushed(answered: Int, stillQueued: Int, fsyncDuration: Duration) {
        expected = answered + stillQueued
        // An exponential moving average with weight 1/8 on the new sample.
        fsyncAverage = (fsyncAverage * 7 + fsyncDuration) / 8
    }
}
