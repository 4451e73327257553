import Synchronization

/// Wakes readers waiting for records past an offset as soon as the writer
/// publishes a durable end beyond it (the long-poll). Timeouts use the
/// monotonic clock, so wall-clock jumps neither stall nor fire them.
package final class DurableEndNotifier: Sendable {
    private struct Waiter {
        let threshold: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var end: UInt64
        var closed = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        /// Waits whose timeout fired before they were registered.
        var expired: Set<UInt64> = []
    }

    private let state: Mutex<State>

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
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }

    /// Answers every waiter (with false) and every later wait at once: shutdown.
    package func close() {
        let all: [Waiter] = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in all { waiter.continuation.resume(returning: false) }
    }

    /// Waits until the durable end is past `offset`, for at most `timeout`.
    /// Returns whether records exist past `offset`.
    package func wait(beyond offset: UInt64, timeout: Duration) async -> Bool {
        let id: UInt64? = state.withLock { state in
            if state.end > offset || state.closed { return nil }
            defer { state.nextID += 1 }
            return state.nextID
        }
        guard let id else { return state.withLock { $0.end > offset } }
        let answer = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.suspend(id, beyond: offset) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(id)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        // Both child tasks are done: forget a timeout that fired after the wake-up.
        state.withLock { _ = $0.expired.remove(id) }
        return answer
    }

    private func suspend(_ id: UInt64, beyond offset: UInt64) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer: Bool? = state.withLock { state in
                if state.expired.remove(id) != nil || state.closed { return false }
                if state.end > offset { return true }
                state.waiters[id] = Waiter(threshold: offset, continuation: continuation)
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter: Waiter? = state.withLock { state in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.expired.insert(id)
            return nil
        }
        waiter?.continuation.resume(returning: false)
    }
}
