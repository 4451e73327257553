import Dispatch
import Synchronization

/// Wakes readers waiting for records past an offset as soon as the writer
/// publishes a durable end beyond it (the long-poll). Timeouts run on
/// Dispatch's uptime clock, which is monotonic, so wall-clock jumps neither
/// stall nor fire them.
package final class DurableEndNotifier: Sendable {
    private struct Waiter {
        let threshold: UInt64
        let answer: @Sendable (Bool) -> Void
    }

    private struct State {
        var end: UInt64
        var closed = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state: Mutex<State>
    /// Where timeouts fire; answers run there and must only hand the answer on.
    private let timers = DispatchQueue(label: "stele.long-poll-timeouts")

    package init(end: UInt64) {
        state = Mutex(State(end: end))
    }

    /// How many readers are waiting now.
    package var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Publishes a new durable end and wakes every waiter it satisfies.
    package func publish(_ end: UInt64) {
        let woken: [Waiter] = state.withLock { state in
            state.end = end
            guard !state.waiters.isEmpty else { return [] }
            var woken: [Waiter] = []
            for (id, waiter) in state.waiters where waiter.threshold < end {
                woken.append(waiter)
                state.waiters[id] = nil
            }
            return woken
        }
        for waiter in woken { waiter.answer(true) }
    }

    /// Answers every waiter (with false) and every later wait at once: shutdown.
    package func close() {
        let all: [Waiter] = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in all { waiter.answer(false) }
    }

    /// Waits until the durable end is past `offset`, for at most `timeout`.
    /// Returns whether records exist past `offset`.
    package func wait(beyond offset: UInt64, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            wait(beyond: offset, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }

    /// Calls `answer` exactly once: with true as soon as the durable end is
    /// past `offset`, with false after `timeout` or on close. It runs on the
    /// caller's thread when the answer is already known, else on the
    /// publishing or the timer thread.
    /// Returns the wait, to end early with ``cancel(_:)``; nil when it was answered at once.
    @discardableResult
    package func wait(beyond offset: UInt64, timeout: Duration, answer: @escaping @Sendable (Bool) -> Void) -> RecordWait? {
        let id: UInt64? = state.withLock { state in
            if state.end > offset || state.closed || timeout <= .zero { return nil }
            defer { state.nextID += 1 }
            state.waiters[state.nextID] = Waiter(threshold: offset, answer: answer)
            return state.nextID
        }
        guard let id else {
            answer(state.withLock { $0.end > offset })
            return nil
        }
        timers.asyncAfter(deadline: .now() + Self.interval(timeout)) { [self] in expire(id) }
        return RecordWait(id: id)
    }

    /// Ends `wait` now, answered with whether records exist past its offset
    /// (as a timeout would be); nothing when it was answered already.
    package func cancel(_ wait: RecordWait) {
        let (waiter, end) = state.withLock { ($0.waiters.removeValue(forKey: wait.id), $0.end) }
        guard let waiter else { return }
        waiter.answer(end > waiter.threshold)
    }

    /// Answers waiter `id` with false, unless it was answered already (then
    /// the timeout finds nothing to do: cheaper than cancelling each timer).
    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.answer(false)
    }

    /// `duration` for Dispatch, at most a day (longer waits are a client's mistake).
    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let capped = min(seconds, 86_400)
        return .nanoseconds(Int(capped) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
