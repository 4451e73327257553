/// Counts refused connections between log lines, so that a flood of them is
/// reported at most once a second.
struct RefusalLog {
    private var count = 0
    private var last: ContinuousClock.Instant?

    /// Counts one refusal; returns how many to report when a line is due.
    mutating func note() -> Int? {
        count += 1
        let now = ContinuousClock.now
        if let last, now - last < .seconds(1) { return nil }
        defer {
            count = 0
            last = now
        }
        return count
    }
}
