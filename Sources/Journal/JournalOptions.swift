/// When an append is acknowledged.
package enum Durability: String, Sendable, CaseIterable {
    /// Each append request is written and fdatasynced on its own.
    case immediate
    /// Appends that arrive while an fsync is in flight share the next one.
    case group
}

/// How a journal is run. Defaults are DESIGN.md's.
package struct JournalOptions: Sendable {
    package var durability: Durability = .immediate
    /// A segment is sealed when the next request would take it past this size.
    package var segmentMaxBytes: Int = 64 << 20
    /// The largest payload accepted (at most ``RecordFormat/largestPayload``).
    package var maximumPayload: Int = RecordFormat.defaultMaximumPayload
    /// The most bytes the writer ever has written past its last completed
    /// fsync. Recovery treats a bad record whose following non-zero bytes all
    /// lie within this window of it as a torn tail. One request must fit in it.
    package var unsyncedWindow: Int = 32 << 20
    /// Group commit: the most bytes and requests one fsync covers.
    package var maximumBatchBytes: Int = 4 << 20
    package var maximumBatchRequests: Int = 4096
    /// Appends queued beyond this many bytes are refused as overloaded.
    package var maximumQueuedBytes: Int = 64 << 20
    /// Allocate each segment's space when it is created, so that an fdatasync
    /// after an append need not journal a file-size change.
    package var preallocateSegments: Bool = true
    /// With preallocation: write the next segment's zeros on a background
    /// thread once the active segment is half full (see ``SegmentPreparer``),
    /// so rotation finds a spare whose space costs fdatasync nothing more.
    package var prepareSpareSegments: Bool = true
    /// The longest the journal's thread spins for the next request before it
    /// sleeps, once it has nothing to do (see ``IdleSpinWindow``); zero, the
    /// default, turns spinning off. Spinning stops by itself when requests
    /// come further apart. Off by default: a virtual machine's host may take a
    /// spinning CPU's time back and stall the thread for milliseconds
    /// (measured in `bench/README.md`).
    package var maximumIdleSpin: Duration = .zero

    /// Told of every fsync that acknowledged appends, on the journal's
    /// thread: it must only record (metrics), never wait.
    package var commitObserver: (@Sendable (CommitEvent) -> Void)?

    package init() {}

    package init(durability: Durability) {
        self.durability = durability
    }

    /// The largest single request (records plus their headers) the journal accepts.
    package var maximumRequestBytes: Int { unsyncedWindow }
}
