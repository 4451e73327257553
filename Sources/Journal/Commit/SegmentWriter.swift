import Checksums
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Writes records to the active segment, rotates segments, and publishes
/// what became durable to the catalog. Confined to the journal's thread.
///
/// Errors come out as two kinds: `.noSpace`, after which the tail has been cut
/// back to the durable end and writing may resume, and everything else, which
/// is fatal (the caller fails the journal; no fsync is ever retried).
final class SegmentWriter {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    let options: JournalOptions
    let catalog: SegmentCatalog
    let creator: SegmentCreator
    /// Writes the next segment's zeros ahead of rotation, when enabled.
    let preparer: SegmentPreparer?
    /// Whether the active segment was a prepared spare (all its space written
    /// with zeros). A segment that was not — the first of a new journal, the
    /// newest after a restart, one made when no spare was ready — is left for
    /// a spare as soon as one is ready, so that little is written into
    /// unprepared space.
    private var activeIsPrepared = false

    private var active: SegmentFile
    /// The durable end: every byte before it has been fdatasynced.
    private(set) var end: UInt64
    /// Bytes the active file holds (allocated or written), header included.
    private var fileSize: Int64
    private var buffer: [UInt8] = []
    /// File position up to which zeros (or records) have really been written.
    /// Allocated but unwritten space costs every fdatasync that first writes
    /// into it an extent conversion (a journal commit: measured 185 µs instead
    /// of 100 µs for a 10 KB batch on ext4), so the writer zero-fills ahead of
    /// itself in small steps, each step riding along with a batch's write.
    private var zeroedEnd: Int64
    private let zeros = [UInt8](repeating: 0, count: SegmentWriter.zeroFillStep)
    static let zeroFillStep = 64 << 10
    private(set) var statistics = CommitStatistics()
    /// How long the last fdatasync of a batch took.
    private(set) var lastFsyncDuration: Duration = .zero

    /// `active` must be a read-write handle on the newest segment, whose durable end is `end`.
    init(
        active: SegmentFile, end: UInt64, fileSize: Int64, fileSystem: any FileSystem,
        directory: JournalDirectory, options: JournalOptions, catalog: SegmentCatalog
    ) {
        self.active = active
        self.end = end
        self.fileSize = fileSize
        self.zeroedEnd = active.filePosition(of: end)
        self.fileSystem = fileSystem
        self.directory = directory
        self.options = options
        self.catalog = catalog
        self.creator = SegmentCreator(
            fileSystem: fileSystem, directory: directory,
            preallocatedBytes: options.preallocateSegments ? options.segmentMaxBytes : 0)
        buffer.reserveCapacity(min(options.maximumBatchBytes, 1 << 20))
        preparer = options.preallocateSegments && options.prepareSpareSegments
            ? SegmentPreparer(fileSystem: fileSystem, directory: directory, segmentMaxBytes: options.segmentMaxBytes)
            : nil
        prepareSpareWhenDue()
    }

    /// Starts the next segment's spare once the active one is half full, or
    /// holds 4 MiB when it is not itself prepared (see ``activeIsPrepared``).
    private func prepareSpareWhenDue() {
        guard let preparer else { return }
        let due = activeIsPrepared ? options.segmentMaxBytes / 2 : min(options.segmentMaxBytes / 2, 4 << 20)
        if activeBytes >= UInt64(due) { preparer.prepare() }
    }

    /// Bytes of records in the active segment.
    private var activeBytes: UInt64 { end - active.base }

    /// Whether `bytes` more must go into a new segment: records never span
    /// segments and one request never spans two. Also true when the active
    /// segment is not a prepared one and a spare is ready.
    func needsRotation(before bytes: Int) -> Bool {
        guard activeBytes > 0 else { return false }
        if activeBytes + UInt64(bytes) > UInt64(options.segmentMaxBytes) { return true }
        return !activeIsPrepared && preparer?.isReady == true
    }

    /// Whether `bytes` more fit in the active segment below its maximum size.
    func fits(_ bytes: Int) -> Bool {
        activeBytes + UInt64(bytes) <= UInt64(options.segmentMaxBytes)
    }

    /// Seals the active segment and starts the next at the durable end. The
    /// new segment is durable (file and directory entry) before the old one is
    /// cut to its end, so a crash in between leaves two valid segments.
    func rotate() throws(JournalError) {
        let base = end
        let handle: FileHandle
        var zeroed = false
        if let preparer, let spare = preparer.take() {
            handle = try creator.install(spare: spare, from: preparer.path, base: base)
            zeroed = true
        } else {
            handle = try creator.create(base: base)
        }
        let next = SegmentFile(fileSystem: fileSystem, handle: handle, path: directory.segment(base: base), base: base)
        try fatalOnError("seal", active.path) { () throws(Errno) in
            try fileSystem.truncate(active.handle, to: active.filePosition(of: end))
            try fileSystem.synchronize(active.handle)
        }
        catalog.update { $0.append(CatalogSegment(file: next, end: base, index: SparseIndex(), records: 0)) }
        active = next
        fileSize = Int64(SegmentHeader.size + (zeroed ? options.segmentMaxBytes : creator.preallocatedBytes))
        zeroedEnd = zeroed ? fileSize : Int64(SegmentHeader.size)
        activeIsPrepared = zeroed
        statistics.rotations += 1
    }

    /// Writes the requests as one run in the active segment, fdatasyncs once,
    /// and publishes the new durable end. Returns the records of all the
    /// requests, in order: each request's are the next `records.count`.
    func append(_ requests: ArraySlice<PendingAppend>) throws(JournalError) -> [AppendedRecord] {
        var results: [AppendedRecord] = []
        results.reserveCapacity(requests.count)
        var newIndexEntries: [UInt64] = []
        newIndexEntries.reserveCapacity(requests.count)
        var offset = end
        buffer.removeAll(keepingCapacity: true)
        func add(_ record: AppendRecord) {
            encode(record, at: offset)
            let next = offset + UInt64(record.recordSize)
            results.append(AppendedRecord(offset: offset, digest: record.digest, next: next))
            newIndexEntries.append(offset - active.base)
            offset = next
        }
        for request in requests {
            switch request.records {
            case .one(let record): add(record)
            case .many(let records): for record in records { add(record) }
            }
        }
        let recordCount = results.count
        let position = active.filePosition(of: end)
        try ensureSpace(upTo: position + Int64(buffer.count))
        let writeEnd = position + Int64(buffer.count)
        // Zero-fill the next step of allocated space in the same write when the batch nears it.
        var zeroCount = 0
        if options.preallocateSegments, writeEnd + Int64(Self.zeroFillStep) / 2 > zeroedEnd {
            zeroCount = Int(max(0, min(Int64(Self.zeroFillStep), fileSize - writeEnd)))
        }
        do {
            try writeBatch(at: position, zeroCount: zeroCount, firstWordLast: recordCount > 1)
        } catch .noSpace {
            try cutBack()
            statistics.noSpaceRefusals += requests.count
            throw .noSpace
        } catch {
            throw .failed(reason: "write to \(active.name) at offset \(end) failed: \(error)")
        }
        fileSize = max(fileSize, writeEnd)
        zeroedEnd = max(zeroedEnd, writeEnd + Int64(zeroCount))
        let started = ContinuousClock.now
        do {
            try fileSystem.synchronizeData(active.handle)
        } catch {
            throw .failed(reason: "fdatasync of \(active.name) failed: \(error)")
        }
        let elapsed = ContinuousClock.now - started
        lastFsyncDuration = elapsed
        end = offset
        statistics.fsyncs += 1
        statistics.fsyncSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        statistics.requests += requests.count
        statistics.records += recordCount
        statistics.bytes += buffer.count
        options.commitObserver?(
            CommitEvent(requests: requests.count, records: recordCount, bytes: buffer.count, fsyncDuration: elapsed))
        publish(end: offset, indexEntries: newIndexEntries, records: recordCount)
        prepareSpareWhenDue()
        return results
    }

    /// One `pwritev`: the batch's records, then `zeroCount` zeros after them.
    ///
    /// With `firstWordLast` (the run holds several records) the run's first
    /// length word goes out as zeros, and only a second write puts it in
    /// place, so no record of the run is visible before all of them are:
    /// - a process killed in the middle of the first write (Linux stops a
    ///   write between pages for SIGKILL) leaves a run that starts with a zero
    ///   length word, which recovery cuts whole as a torn tail. In one write
    ///   it could leave the first records of a batch whole and valid, and
    ///   after a restart a client that never had its answer would find part
    ///   of its all-or-nothing request;
    /// - a write cut short by ENOSPC is cut back by the writer, and a
    ///   follower (``JournalFollower``) reading the file in between would
    ///   otherwise have taken its first records into its log: records the
    ///   writer refused, with the next ones written over them.
    /// (A power cut may still keep any subset of the pages: what it spares is
    /// only ever whole records, none of them acknowledged.)
    private func writeBatch(at position: Int64, zeroCount: Int, firstWordLast: Bool) throws(Errno) {
        var failure: Errno?
        buffer.withUnsafeBytes { records in
            zeros.withUnsafeBytes { zeros in
                let fill = UnsafeRawBufferPointer(rebasing: zeros[0..<zeroCount])
                do throws(Errno) {
                    guard firstWordLast, records.count > RecordFormat.lengthWordSize else {
                        return try fileSystem.write(active.handle, [records, fill], at: position)
                    }
                    let word = RecordFormat.lengthWordSize
                    try fileSystem.write(
                        active.handle,
                        [UnsafeRawBufferPointer(rebasing: zeros[0..<word]), UnsafeRawBufferPointer(rebasing: records[word...]), fill],
                        at: position)
                    try fileSystem.write(active.handle, [UnsafeRawBufferPointer(rebasing: records[0..<word])], at: position)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }

    private func publish(end: UInt64, indexEntries: [UInt64], records: Int) {
        catalog.update { segments in
            let last = segments.count - 1
            segments[last].end = end
            segments[last].records += records
            for position in indexEntries { segments[last].index.noteRecord(at: position) }
        }
    }

    /// Appends one record's header and payload to the batch buffer.
    @inline(__always)
    private func encode(_ record: AppendRecord, at offset: UInt64) {
        let lengthWord = UInt32(record.payload.count) | (record.isJSON ? RecordFormat.jsonFlag : 0)
        let checksum = record.payload.withUnsafeBytes {
            RecordHeader.checksum(offset: offset, lengthWord: lengthWord, digest: record.digest, payload: $0)
        }
        let header = RecordHeader(
            payloadLength: record.payload.count, isJSON: record.isJSON, checksum: checksum, digest: record.digest)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: RecordFormat.headerSize))
        buffer.withUnsafeMutableBytes { raw in
            header.encode(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + RecordFormat.headerSize]))
        }
        buffer.append(contentsOf: record.payload)
    }

    /// Allocates the rest of the segment again when a cut-back released it;
    /// ENOSPC here refuses the append before anything is written.
    private func ensureSpace(upTo needed: Int64) throws(JournalError) {
        guard options.preallocateSegments, needed > fileSize else { return }
        let target = max(needed, Int64(SegmentHeader.size + options.segmentMaxBytes))
        do {
            try fileSystem.allocate(active.handle, upTo: target)
            fileSize = target
        } catch .noSpace {
            statistics.noSpaceRefusals += 1
            throw .noSpace
        } catch {
            throw .failed(reason: "allocate in \(active.name) failed: \(error)")
        }
    }

    /// After a failed write: cut the file back to the durable end so no partial record remains.
    private func cutBack() throws(JournalError) {
        let durableSize = active.filePosition(of: end)
        try fatalOnError("cut back", active.path) { () throws(Errno) in
            try fileSystem.truncate(active.handle, to: durableSize)
            try fileSystem.synchronizeData(active.handle)
        }
        fileSize = durableSize
        zeroedEnd = durableSize
    }

    private func fatalOnError(_ step: String, _ path: FilePath, _ body: () throws(Errno) -> Void) throws(JournalError) {
        do { try body() } catch { throw .failed(reason: "\(step) of \(path) failed: \(error)") }
    }

    /// Stops the spare's preparation and removes the spare. Every acknowledged
    /// byte is already synced, and segments close themselves.
    func close() {
        preparer?.close()
    }
}
