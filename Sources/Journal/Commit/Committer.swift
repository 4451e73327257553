/// The append queue and its flushes. Confined to the journal's thread: the
/// actor enqueues from its jobs, the executor's idle handler flushes.
///
/// `immediate` flushes one request per fsync; `group` flushes everything that
/// queued while the previous fsync was in flight, bounded by batch bytes and
/// requests. Every waiter of a flush is answered from that flush's fsync.
final class Committer: @unchecked Sendable {
    // @unchecked: used only on the journal executor's thread (see JournalExecutor).
    private let writer: SegmentWriter
    private let notifier: DurableEndNotifier
    private let options: JournalOptions
    private let status: JournalStatus
    private var pending: [PendingAppend] = []
    private var pendingHead = 0
    private(set) var queuedBytes = 0
    /// Set once by a fatal write or fsync error; writes stay refused until a restart.
    private(set) var failure: JournalError?

    init(writer: SegmentWriter, notifier: DurableEndNotifier, options: JournalOptions, status: JournalStatus) {
        self.writer = writer
        self.notifier = notifier
        self.options = options
        self.status = status
    }

    var statistics: CommitStatistics { writer.statistics }
    var durableEnd: UInt64 { writer.end }
    var queuedRequests: Int { pending.count - pendingHead }

    /// Queues a request, or refuses it at once when the journal has failed or the queue is full.
    func enqueue(_ append: PendingAppend) {
        if let failure { return append.fail(failure) }
        if queuedBytes > 0, queuedBytes + append.bytes > options.maximumQueuedBytes {
            return append.fail(.overloaded(queuedBytes: queuedBytes))
        }
        pending.append(append)
        queuedBytes += append.bytes
    }

    /// Writes and syncs the next batch. Returns false when there was nothing to do.
    func flush() -> Bool {
        guard pendingHead < pending.count else { return false }
        let batch = takeBatch()
        var first = batch.startIndex
        while first < batch.endIndex {
            do {
                if writer.needsRotation(before: batch[first].bytes) { try writer.rotate() }
                let run = batch[first..<runEnd(in: batch, from: first)]
                let results = try writer.append(run)
                for (request, appended) in zip(run, results) { request.succeed(appended) }
                first = run.endIndex
                notifier.publish(writer.end)
            } catch .noSpace {
                for request in batch[first...] { request.fail(.noSpace) }
                return true
            } catch {
                fail(with: error, unanswered: batch[first...])
                return true
            }
        }
        return true
    }

    /// Puts the journal in the failed state and answers every waiting request.
    func fail(with error: JournalError, unanswered: ArraySlice<PendingAppend> = []) {
        let failure: JournalError = switch error {
        case .failed, .closed: error
        default: .failed(reason: "\(error)")
        }
        self.failure = failure
        // Visible at once to every other writer (cursors, cleanup) and to readiness.
        if case .failed(let reason) = failure { status.set(.failed(reason: reason)) }
        for request in unanswered { request.fail(failure) }
        for request in pending[pendingHead...] { request.fail(failure) }
        pending.removeAll()
        pendingHead = 0
        queuedBytes = 0
    }

    /// The requests the next fsync covers.
    private func takeBatch() -> [PendingAppend] {
        let limitRequests = options.durability == .immediate ? 1 : options.maximumBatchRequests
        var bytes = 0
        var last = pendingHead
        while last < pending.count, last - pendingHead < limitRequests {
            // The first request always goes, whatever its size (it fits the unsynced window).
            if last > pendingHead, bytes + pending[last].bytes > options.maximumBatchBytes { break }
            bytes += pending[last].bytes
            last += 1
        }
        let batch = Array(pending[pendingHead..<last])
        queuedBytes -= bytes
        pendingHead = last
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        } else if pendingHead > 1024, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        return batch
    }

    /// The end of the run starting at `first` that fits in the active segment.
    private func runEnd(in batch: [PendingAppend], from first: Int) -> Int {
        var bytes = batch[first].bytes
        var last = first + 1
        while last < batch.count {
            bytes += batch[last].bytes
            if !writer.fits(bytes) { break }
            last += 1
        }
        return last
    }
}
