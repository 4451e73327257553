import Synchronization

/// Whether the journal takes writes, readable from any thread without a hop.
package enum JournalState: Sendable, Equatable {
    case writable
    /// A fatal write or fsync error: writes refused until a restart re-verifies the disk.
    case failed(reason: String)
    case closed
}

/// The journal's state behind a lock, shared by the actor, the committer and readers.
final class JournalStatus: Sendable {
    private let state = Mutex(JournalState.writable)
    /// Whether `state` is `.writable`: appends read it without the lock.
    private let writable = Atomic(true)

    var current: JournalState { state.withLock { $0 } }

    /// The error an append gets now, or nil if appends are accepted.
    var refusal: JournalError? {
        if writable.load(ordering: .acquiring) { return nil }
        return switch current {
        case .writable: nil
        case .failed(let reason): .failed(reason: reason)
        case .closed: .closed
        }
    }

    func set(_ new: JournalState) {
        state.withLock { current in
            // A failure is final; closing a failed journal keeps the failure visible.
            if case .failed = current { return }
            current = new
            writable.store(new == .writable, ordering: .releasing)
        }
    }
}
