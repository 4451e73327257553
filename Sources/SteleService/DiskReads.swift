import DequeModule
import Dispatch
import Synchronization

/// Runs the reads that must wait for the disk, off the polling threads.
///
/// The handlers read records from memory first
/// (``Journal/readFromMemory(from:limit:maxBytes:)``): records are nearly
/// always read soon after they were written, while the page cache holds them,
/// and then the answer costs no hand-off at all. When a byte is missing (an
/// old offset, a cache emptied by a restart or by memory pressure), the read
/// comes here, and its connection stays suspended until the answer resumes
/// it: a polling thread never waits for the device, so its other connections
/// go on being served meanwhile.
///
/// The reads wait in one queue, in order of arrival, for one of a few
/// threads: that bounds how many wait for the device at once (and so the
/// threads they hold), and a read stuck on the device holds up no read behind
/// it while another thread is free.
final class DiskReads: Sendable {
    /// How many reads may wait for the device at the same time.
    static let parallelReads = 4

    private struct State {
        var waiting = Deque<@Sendable () -> Void>()
        /// Threads taking reads from `waiting` now, at most `parallelReads`.
        var workers = 0
    }

    private let state = Mutex(State())
    private let threads = DispatchQueue(label: "stele.disk-reads", attributes: .concurrent)
    private let metrics: ServiceMetrics

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    /// Runs `read` on a thread that may wait for the disk; it answers its
    /// request itself.
    func run(_ read: @escaping @Sendable () -> Void) {
        metrics.recordDiskRead()
        let startsWorker = state.withLock { state in
            state.waiting.append(read)
            guard state.workers < Self.parallelReads else { return false }
            state.workers += 1
            return true
        }
        if startsWorker { threads.async { self.work() } }
    }

    /// Runs waiting reads, oldest first, until none is left.
    private func work() {
        while let read = nextRead() { read() }
    }

    /// The oldest waiting read; nil, and one worker fewer, when none waits.
    private func nextRead() -> (@Sendable () -> Void)? {
        state.withLock { state in
            if let read = state.waiting.popFirst() { return read }
            state.workers -= 1
            return nil
        }
    }
}
