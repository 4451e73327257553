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
    /// come further apart. Off by default because a virtual machine's host may
    /// take the time back: on the 2-vCPU VM of 2026-12-05 a spin of 200 µs
    /// brought steal time (9–33 ticks in 5 s against 0) and put one HTTP
    /// client's p99 at 8.0 ms instead of 0.87 ms for 3 % more appends, and
    /// in-process group@64 did 5–10 % fewer appends. On a host without that
    /// (the VM of 2026-11-25) it gave one client about 20 % more appends.
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
