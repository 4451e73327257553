import Dispatch
import SystemPackage
import Synchronization

/// Examines a data directory without changing it and decides what it holds.
///
/// Every header and record is verified (length bound, CRC32C at its offset,
/// BLAKE3). The only damage it plans to repair is a provable torn tail — the
/// first bad record is in the newest segment and every non-zero byte after it
/// lies within the unsynced window — and a newest segment that never held a
/// record. Anything else is corruption of acknowledged data, thrown as
/// ``JournalError/corruption(_:)`` naming the file, offset and reason.
package struct RecoveryPlanner {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    let unsyncedWindow: UInt64
    /// Whether cursors are read and checked (a read-only follower skips them:
    /// a live writer may move them while the segments are scanned).
    let readsCursors: Bool

    package init(fileSystem: any FileSystem, directory: JournalDirectory, unsyncedWindow: Int, readsCursors: Bool = true) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.unsyncedWindow = UInt64(unsyncedWindow)
        self.readsCursors = readsCursors
    }

    package func plan() throws(JournalError) -> RecoveryPlan {
        var plan = RecoveryPlan()
        let names = try listing(directory.segments)
        var bases: [UInt64] = []
        for name in names {
            if let base = SegmentName.base(fromFileName: name) {
                bases.append(base)
            } else if name.hasSuffix(".tmp") {
                plan.repairs.append(.removeTemporaryFile(directory.segments.appending(name)))
            }
        }
        bases.sort()
        let cursorPlanner = CursorPlanner(fileSystem: fileSystem, directory: directory)
        let cursors = readsCursors ? try cursorPlanner.read(into: &plan) : []
        try planSegments(bases, into: &plan)
        plan.report.segments = max(1, bases.count)
        plan.report.records = plan.segments.reduce(0) { $0 + $1.scan.records }
        plan.report.start = bases.first ?? 0
        plan.report.end = plan.segments.last?.scan.end ?? plan.report.start
        plan.report.bytes = plan.report.end - plan.report.start
        // The cursors (read before the scan) are checked against the start and
        // end just found: a cursor below the start is the only trace of a lost
        // oldest segment.
        try cursorPlanner.check(cursors, into: &plan)
        plan.report.cursors = plan.cursors.count
        return plan
    }

    /// The directory's names; a missing directory is an empty one.
    func listing(_ path: FilePath) throws(JournalError) -> [String] {
        do {
            return try fileSystem.contentsOfDirectory(path)
        } catch .noSuchFileOrDirectory {
            return []
        } catch {
            throw .io(operation: "list", path: path.string, errno: error)
        }
    }

    private func planSegments(_ bases: [UInt64], into plan: inout RecoveryPlan) throws(JournalError) {
        if bases.isEmpty {
            plan.repairs.append(.createFirstSegment)
            return
        }
        // Open and check headers in order, then verify every segment's records in parallel.
        var opened: [(file: SegmentFile, size: Int64)] = []
        var recreated: (file: SegmentFile, reason: String)?
        for (position, base) in bases.enumerated() {
            let path = directory.segment(base: base)
            let file = try open(path, base: base)
            let size: Int64
            do { size = try fileSystem.size(of: file.handle) } catch {
                throw .io(operation: "stat", path: path.string, errno: error)
            }
            guard let defect = try file.headerDefect(size: size) else {
                opened.append((file, size))
                continue
            }
            // Nothing is acknowledged before a new segment's header and directory entry
            // are synced, so a damaged header over an empty newest segment held no record.
            var recordSpaceIsEmpty = true
            if size > Int64(SegmentHeader.size) {
                recordSpaceIsEmpty = try SegmentScanner(segment: file, fileSize: size).endOfNonZeroBytes(from: base) == nil
            }
            guard position == bases.count - 1, recordSpaceIsEmpty else {
                throw .corruption(Corruption(file: file.name, offset: nil, reason: "bad segment header (\(defect))"))
            }
            recreated = (file, "\(defect), no records")
        }
        let scans = try scanInParallel(opened)
        for (position, item) in opened.enumerated() {
            var scan = scans[position]
            if position > 0 { try checkContiguity(previousEnd: plan.segments[position - 1].scan.end, next: item.file) }
            if let defect = scan.defect {
                let isNewest = position == opened.count - 1 && recreated == nil
                let scanner = SegmentScanner(segment: item.file, fileSize: item.size)
                if let nonZeroEnd = try scanner.endOfNonZeroBytes(from: scan.end) {
                    guard isNewest, nonZeroEnd - scan.end <= unsyncedWindow else {
                        let context = isNewest ? "data continues \(nonZeroEnd - scan.end) bytes past it" : "sealed segment"
                        throw .corruption(Corruption(
                            file: item.file.name, offset: scan.end, reason: "\(defect) (\(context))"))
                    }
                    plan.repairs.append(.cutTornTail(
                        segment: item.file, offset: scan.end, through: nonZeroEnd, reason: "\(defect)"))
                    plan.report.actions.append(.truncatedTornTail(
                        segment: item.file.name, offset: scan.end, bytes: Int(nonZeroEnd - scan.end),
                        reason: "\(defect)"))
                }
                // All-zero space after the last record is the end of the log — for a
                // sealed segment only if the next segment starts exactly there.
                let nextBase = position + 1 < opened.count ? opened[position + 1].file.base : recreated?.file.base
                if let nextBase, nextBase > scan.end {  // (one starting earlier is an overlap, reported below)
                    throw .corruption(Corruption(
                        file: item.file.name, offset: scan.end,
                        reason: "\(defect) (sealed segment; the next segment starts at \(nextBase))"))
                }
                scan.defect = nil
            }
            plan.segments.append(RecoveryPlan.Segment(file: item.file, fileSize: item.size, scan: scan))
        }
        if let recreated {
            if let previous = plan.segments.last { try checkContiguity(previousEnd: previous.scan.end, next: recreated.file) }
            plan.repairs.append(.recreateSegment(path: recreated.file.path, base: recreated.file.base, reason: recreated.reason))
            plan.report.actions.append(.recreatedSegment(segment: recreated.file.name, reason: recreated.reason))
        }
    }

    private func checkContiguity(previousEnd: UInt64, next: SegmentFile) throws(JournalError) {
        guard previousEnd != next.base else { return }
        let kind = previousEnd < next.base ? "gap" : "overlap"
        throw .corruption(Corruption(
            file: next.name, offset: next.base, reason: "\(kind): the previous segment ends at \(previousEnd)"))
    }

    private func open(_ path: FilePath, base: UInt64) throws(JournalError) -> SegmentFile {
        do {
            let handle = try fileSystem.open(path, mode: .readOnly)
            return SegmentFile(fileSystem: fileSystem, handle: handle, path: path, base: base)
        } catch {
            throw .io(operation: "open", path: path.string, errno: error)
        }
    }

    /// Verifies each segment's records; segments are independent, so the two cores share them.
    private func scanInParallel(_ segments: [(file: SegmentFile, size: Int64)]) throws(JournalError) -> [SegmentScan] {
        let results = Mutex([Result<SegmentScan, JournalError>?](repeating: nil, count: segments.count))
        DispatchQueue.concurrentPerform(iterations: segments.count) { position in
            let (file, size) = segments[position]
            let result: Result<SegmentScan, JournalError>
            do throws(JournalError) {
                result = .success(try SegmentScanner(segment: file, fileSize: size).scan(from: file.base))
            } catch {
                result = .failure(error)
            }
            results.withLock { $0[position] = result }
        }
        return try results.withLock { $0 }.map { result throws(JournalError) in try result!.get() }
    }
}
