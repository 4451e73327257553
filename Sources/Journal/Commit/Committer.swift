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
    /// Requests the last flush answered: clients that may send again at once.
    private(set) var answeredByLastFlush = 0
    /// Set once by a fatal write or fsync error; writes stay refused until a restart.
    private(set) var failure: JournalError?
    /// Group commit: whether to wait for the clients the last fsync answered.
    private var window = GroupCommitWindow()

    /// What a call to ``flush(gathering:)`` did.
    enum FlushResult: Equatable {
        /// Nothing was queued.
        case idle
        /// A batch was written and synced (or refused).
        case flushed
        /// Group commit is waiting at most `wait` for `more` requests before it writes.
        case gathering(wait: Duration, more: Int)
    }

    init(writer: SegmentWriter, notifier: DurableEndNotifier, options: JournalOptions, status: JournalStatus) {
        self.writer = writer
        self.notifier = notifier
        self.options = options
        self.status = status
    }

    var statistics: CommitStatistics { writer.statistics }
    /// Whether the next segment's spare is written and waiting (any thread).
    var isSpareSegmentReady: Bool { writer.preparer?.isReady ?? false }
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

    /// Writes and syncs the next batch. With `gathering`, group commit may
    /// instead ask to wait for more requests (see ``GroupCommitWindow``).
    func flush(gathering: Bool = false) -> FlushResult {
        guard pendingHead < pending.count else { return .idle }
        if gathering, options.durability == .group, failure == nil, queuedBytes < options.maximumBatchBytes {
            let decision = window.decide(
                queued: queuedRequests, batchLimit: options.maximumBatchRequests, now: .now)
            if case .gather(let wait, let more) = decision { return .gathering(wait: wait, more: more) }
        }
        let batch = takeBatch()
        defer {
            answeredByLastFlush = batch.count
            window.flushed(answered: batch.count, stillQueued: queuedRequests, fsyncDuration: writer.lastFsyncDuration)
        }
        var first = batch.startIndex
        while first < batch.endIndex {
            do {
                if writer.needsRotation(before: batch[first].bytes) { try writer.rotate() }
                let run = batch[first..<runEnd(in: batch, from: first)]
                let results = try writer.append(run)
                var next = results.startIndex
                for request in run {
                    let count = request.records.count
                    request.succeed(results[next..<next + count])
                    next += count
                }
                first = run.endIndex
                notifier.publish(writer.end)
            } catch .noSpace {
                for request in batch[first...] { request.fail(.noSpace) }
                return .flushed
            } catch {
                fail(with: error, unanswered: batch[first...])
                return .flushed
            }
        }
        return .flushed
    }

    /// Stops the writer's background work (the spare segment); the caller has flushed.
    func close() {
        writer.close()
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
