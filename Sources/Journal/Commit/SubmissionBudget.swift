import Synchronization

/// Bytes of append requests handed to the journal's thread and not yet taken
/// into its commit queue.
///
/// The commit queue has a bound of its own (`maximumQueuedBytes`), but it is
/// checked on the journal's thread, which may be in a write or an fsync for a
/// long time (a slow or hung disk). Requests submitted meanwhile wait in front
/// of that thread; this budget bounds them too, so that memory never grows
/// without limit: a request that does not fit is refused at once, on the
/// caller's thread. One request always fits into an empty budget.
final class SubmissionBudget: Sendable {
    private let limit: Int
    private let submitted = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `bytes` from the budget and returns nil, or returns the bytes
    /// already waiting when `bytes` more would exceed it.
    func take(_ bytes: Int) -> Int? {
        var current = submitted.load(ordering: .relaxed)
        while true {
            if current > 0, current + bytes > limit { return current }
            let (exchanged, original) = submitted.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return nil }
            current = original
        }
    }

    /// Gives back what ``take(_:)`` took, once the journal's thread has the request.
    func giveBack(_ bytes: Int) {
        submitted.subtract(bytes, ordering: .relaxed)
    }
}
