package import Journal

/// What `/metrics` reports about the journal, gathered at one scrape.
package struct JournalSnapshot: Sendable {
    package var ready: Bool
    package var failed: Bool
    package var start: UInt64
    package var end: UInt64
    package var segments: Int
    package var cursors: [(name: String, offset: UInt64)]
    package var recovery: RecoveryReport

    /// Reads the journal's figures (the cursors on its own thread).
    package static func of(_ journal: Journal) async -> JournalSnapshot {
        let cursors = await journal.allCursors()
        let bounds = journal.bounds
        let state = journal.state
        let failed = if case .failed = state { true } else { false }
        return JournalSnapshot(
            ready: state == .writable, failed: failed, start: bounds.start, end: bounds.end,
            segments: journal.segments.count, cursors: cursors, recovery: journal.recoveryReport)
    }
}
