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
/// A few serial queues, taken in turn, bound how many such reads wait for the
/// device at once (and so the threads they hold).
final class DiskReads: Sendable {
    /// How many reads may wait for the device at the same time.
    static let parallelReads = 4

    private let queues: [DispatchQueue]
    private let turn = Atomic<UInt>(0)
    private let metrics: ServiceMetrics

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
        queues = (0..<Self.parallelReads).map { DispatchQueue(label: "stele.disk-reads.\($0)") }
    }

    /// Runs `read` on a thread that may wait for the disk; it answers its
    /// request itself.
    func run(_ read: @escaping @Sendable () -> Void) {
        metrics.recordDiskRead()
        let index = Int(turn.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(queues.count))
        queues[index].async(execute: read)
    }
}
