import Synchronization

/// How many appends a load has had acknowledged so far, counted by its
/// clients as the answers come and read by the test that waits for them: a
/// test then stops or kills the server once the load is really under way,
/// however slowly a busy machine starts serving, instead of after a fixed time.
final class AcknowledgementCount: Sendable {
    private let count = Atomic<Int>(0)

    func add() {
        count.add(1, ordering: .relaxed)
    }

    private var value: Int { count.load(ordering: .relaxed) }

    /// Waits until at least `target` acknowledgements were counted or
    /// `timeout` has passed; tells whether they were.
    func wait(for target: Int, timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while value < target {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
