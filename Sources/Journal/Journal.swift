package import Logging
package import SystemPackage

/// A durable, append-only journal in one data directory.
///
/// Appends are acknowledged only after an fdatasync covered them; readers see
/// only durable records. The actor runs on a thread of its own
/// (``JournalExecutor``), so its blocking I/O never occupies Swift's
/// cooperative pool. Appends skip the actor's job queue: they hand their
/// request straight to the commit queue on that thread and are resumed by the
/// fsync that covers them. Reads never touch that thread at all.
package actor Journal {
    nonisolated let executor: JournalExecutor
    package nonisolated let directory: JournalDirectory
    package nonisolated let options: JournalOptions
    package nonisolated let recoveryReport: RecoveryReport
    nonisolated let fileSystem: any FileSystem
    nonisolated let logger: Logger
    nonisolated let catalog: SegmentCatalog
    nonisolated let reader: RecordReader
    nonisolated let notifier: DurableEndNotifier
    nonisolated let status: JournalStatus
    nonisolated let committer: Committer
    /// Bounds the requests waiting for the journal's thread (see ``SubmissionBudget``).
    nonisolated let submissions: SubmissionBudget
    nonisolated let lock: FileHandle
    var cursors: [String: UInt64]
    private var isClosed = false

    package nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(opened: OpenedJournal, executor: JournalExecutor, logger: Logger) {
        self.executor = executor
        self.directory = opened.directory
        self.options = opened.options
        self.recoveryReport = opened.report
        self.fileSystem = opened.fileSystem
        self.logger = logger
        self.catalog = opened.catalog
        self.reader = RecordReader(catalog: opened.catalog)
        self.notifier = opened.notifier
        self.status = opened.status
        self.committer = opened.committer
        self.lock = opened.lock
        self.cursors = opened.cursors
        let committer = opened.committer
        let submissions = SubmissionBudget(limit: opened.options.maximumQueuedBytes)
        self.submissions = submissions
        executor.setAppendHandler { append in
            submissions.giveBack(append.bytes)
            committer.enqueue(append)
        }
        executor.setIdleHandler {
            switch committer.flush(gathering: true) {
            case .idle: .idle(answered: committer.answeredByLastFlush)
            case .flushed: .worked
            case .gathering(let wait, let more): .wait(wait, jobs: more)
            }
        }
    }

    /// Opens (creating if needed) and recovers the journal in `path`, holding
    /// its lock until ``close()``. Throws `.corruption` — changing nothing —
    /// when the directory holds damage other than a torn tail.
    package static func open(
        at path: FilePath, options: JournalOptions = JournalOptions(),
        fileSystem: any FileSystem = PosixFileSystem(),
        logger: Logger = Logger(label: "stele.journal", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(JournalError) -> Journal {
        let executor = JournalExecutor(name: "stele-journal", maximumIdleSpin: options.maximumIdleSpin)
        let opener = JournalOpener(directory: JournalDirectory(path), options: options, fileSystem: fileSystem)
        let result = await executor.perform { Result { () throws(JournalError) in try opener.open() } }
        switch result {
        case .success(let opened):
            logger.info("journal opened", metadata: [
                "journal.directory": "\(path)", "journal.start": "\(opened.report.start)",
                "journal.end": "\(opened.report.end)", "journal.segments": "\(opened.report.segments)",
                "journal.records": "\(opened.report.records)", "journal.recovery_seconds": "\(opened.report.seconds)",
            ])
            for action in opened.report.actions {
                if case .createdFirstSegment = action {
                    logger.info("created a new journal", metadata: ["journal.directory": "\(path)"])
                } else {
                    logger.warning("recovery: \(action)", metadata: ["journal.directory": "\(path)"])
                }
            }
            return Journal(opened: opened, executor: executor, logger: logger)
        case .failure(let error):
            executor.shutdown()
            throw error
        }
    }

    // MARK: Appending

    /// Appends the records as one request, all or nothing, and returns where
    /// each landed once an fsync has made them durable.
    package nonisolated func append(_ records: [AppendRecord]) async throws(JournalError) -> [AppendedRecord] {
        // Unchecked: every request is answered exactly once (JournalAppendReadTests
        // and the fault tests hold the journal to that), and the check costs an
        // allocation per append on the hottest path.
        let result = await withUnsafeContinuation { continuation in
            submit(records, answer: .continuation(continuation))
        }
        return try result.get()
    }

    /// Appends the records as one request, all or nothing, and calls
    /// `completion` once an fsync has made them durable or they were refused.
    /// Refusals of the request itself (empty, too large, journal failed, too
    /// many bytes already waiting for the journal's thread) are
    /// answered at once on the caller's thread; everything else on the
    /// journal's thread, so `completion` must only hand the answer on.
    /// This is the entry point for callers that are not in a Swift task (the
    /// HTTP server's threads): it costs no task and no continuation.
    package nonisolated func append(_ records: [AppendRecord], completion: @escaping AppendCompletion) {
        submit(records, answer: .completion(completion))
    }

    /// Refuses the request at once, or hands it to the committer on the journal's thread.
    private nonisolated func submit(_ records: [AppendRecord], answer: PendingAppend.Answer) {
        let request = PendingAppend.Records.many(records)
        switch requestBytes(of: records) {
        case .success(let bytes): hand(PendingAppend(records: request, bytes: bytes, answer: answer))
        case .failure(let refusal): PendingAppend(records: request, bytes: 0, answer: answer).fail(refusal)
        }
    }

    /// Hands `append` to the journal's thread, or refuses it as overloaded
    /// when too many bytes already wait for that thread.
    private nonisolated func hand(_ append: PendingAppend) {
        if let waiting = submissions.take(append.bytes) { return append.fail(.overloaded(queuedBytes: waiting)) }
        executor.submit(append)
    }

    /// The size on disk of `records` as one request, or why they cannot be appended.
    private nonisolated func requestBytes(of records: [AppendRecord]) -> Result<Int, JournalError> {
        guard !records.isEmpty else { return .failure(.emptyBatch) }
        var bytes = 0
        for record in records {
            if let refusal = refusal(of: record) { return .failure(refusal) }
            bytes += record.recordSize
        }
        if bytes > options.maximumRequestBytes {
            return .failure(.requestTooLarge(bytes: bytes, limit: options.maximumRequestBytes))
        }
        if let refusal = status.refusal { return .failure(refusal) }
        return .success(bytes)
    }

    /// Why `record` cannot be in any request, if it cannot.
    private nonisolated func refusal(of record: AppendRecord) -> JournalError? {
        if record.payload.isEmpty { return .emptyPayload }
        if record.payload.count > options.maximumPayload {
            return .payloadTooLarge(size: record.payload.count, limit: options.maximumPayload)
        }
        return nil
    }

    /// Appends one record: the same request as a batch of one, without the arrays.
    package nonisolated func append(_ record: AppendRecord) async throws(JournalError) -> AppendedRecord {
        let result = await withUnsafeContinuation { continuation in
            let request = PendingAppend.Records.one(record)
            let answer = PendingAppend.Answer.single(continuation)
            // A record that passes `refusal(of:)` fits any request: the options
            // make the unsynced window hold the largest record.
            if let refusal = refusal(of: record) ?? status.refusal {
                PendingAppend(records: request, bytes: 0, answer: answer).fail(refusal)
            } else {
                hand(PendingAppend(records: request, bytes: record.recordSize, answer: answer))
            }
        }
        return try result.get()
    }

    // MARK: Reading

    /// Up to `limit` durable records from `offset` (a record boundary), at most
    /// about `maxBytes` of them but at least one when any exists.
    package nonisolated func read(from offset: UInt64, limit: Int = 100, maxBytes: Int = 1 << 20) throws(JournalError) -> ReadBatch {
        try reader.read(from: offset, limit: limit, maxBytes: maxBytes)
    }

    /// The same read, from memory only: nil when a byte it needs is not in the
    /// page cache. A thread that must never wait for the disk (an HTTP polling
    /// thread) reads this way and hands a nil over to one that may wait.
    package nonisolated func readFromMemory(
        from offset: UInt64, limit: Int = 100, maxBytes: Int = 1 << 20
    ) throws(JournalError) -> ReadBatch? {
        do {
            return try reader.read(from: offset, limit: limit, maxBytes: maxBytes, fromMemoryOnly: true)
        } catch {
            if error.isWouldWaitForDisk { return nil }
            throw error
        }
    }

    /// Waits until a durable record exists at or past `offset`, for at most
    /// `timeout`; returns whether one does.
    package nonisolated func waitForRecords(from offset: UInt64, timeout: Duration) async -> Bool {
        await notifier.wait(beyond: offset, timeout: timeout)
    }

    /// Calls `answer` once a durable record exists at or past `offset` (true),
    /// or after `timeout` or on close (false) — exactly once, on the writer's
    /// or a timer's thread, so it must only hand the answer on.
    /// Returns the wait to cancel, nil when `answer` ran at once.
    @discardableResult
    package nonisolated func waitForRecords(
        from offset: UInt64, timeout: Duration, answer: @escaping @Sendable (Bool) -> Void
    ) -> RecordWait? {
        notifier.wait(beyond: offset, timeout: timeout, answer: answer)
    }

    /// Answers `wait` now, as its timeout would (a reader that left).
    package nonisolated func cancelWait(_ wait: RecordWait) {
        notifier.cancel(wait)
    }

    /// Answers every long-poll now and every later one at once (shutdown),
    /// while appends keep working until ``close()``.
    package nonisolated func answerWaiters() {
        notifier.close()
    }

    /// Whether a prepared spare is waiting for the next rotation (see ``SegmentPreparer``).
    package nonisolated var isSpareSegmentReady: Bool { committer.isSpareSegmentReady }

    /// The first offset and the durable end.
    package nonisolated var bounds: (start: UInt64, end: UInt64) { catalog.bounds }

    /// The segments, oldest first.
    package nonisolated var segments: [SegmentInfo] {
        let all = catalog.segments
        return all.enumerated().map { position, segment in
            SegmentInfo(
                base: segment.base, end: segment.end, records: segment.records,
                name: segment.file.name, sealed: position < all.count - 1)
        }
    }

    package nonisolated var state: JournalState { status.current }

    package nonisolated var waitingReaders: Int { notifier.waiterCount }

    /// Requests and other work queued for the journal's thread, not yet taken.
    package nonisolated var queuedWork: Int { executor.queuedJobs }

    /// Commit counters (fsyncs, requests, batch sizes).
    package nonisolated func statistics() async -> CommitStatistics {
        let committer = self.committer
        return await executor.perform { committer.statistics }
    }

    // MARK: Closing

    /// Flushes every queued append, answers every waiting reader, stops and
    /// removes the spare segment, releases the lock and stops the journal's
    /// thread. Later appends get `.closed`.
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        status.set(.closed)
        while committer.flush() != .idle {}
        committer.fail(with: .closed)
        // Before the lock goes: no thread of this journal may write afterwards.
        committer.close()
        notifier.close()
        fileSystem.close(lock)
        executor.shutdown()
    }
}
