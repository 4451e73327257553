import Logging
import SystemPackage

/// Everything an open journal is made of, built on the journal's thread.
struct OpenedJournal: @unchecked Sendable {
    // @unchecked: built on the journal's thread and handed to the actor once;
    // the committer and writer stay confined to that thread afterwards.
    let directory: JournalDirectory
    let options: JournalOptions
    let fileSystem: any FileSystem
    let lock: FileHandle
    let catalog: SegmentCatalog
    let notifier: DurableEndNotifier
    let status: JournalStatus
    let committer: Committer
    let cursors: [String: UInt64]
    let report: RecoveryReport
}

/// Opens a data directory for writing: creates its folders, takes the lock,
/// recovers (see ``RecoveryPlanner``) and sets up the writer.
struct JournalOpener: Sendable {
    let directory: JournalDirectory
    let options: JournalOptions
    let fileSystem: any FileSystem

    func open() throws(JournalError) -> OpenedJournal {
        let started = ContinuousClock.now
        try validate(options)
        try createDirectories()
        let lock = try directory.lock(with: fileSystem)
        do {
            return try recover(lock: lock, started: started)
        } catch {
            fileSystem.close(lock)
            throw error
        }
    }

    private func recover(lock: FileHandle, started: ContinuousClock.Instant) throws(JournalError) -> OpenedJournal {
        let plan = try RecoveryPlanner(
            fileSystem: fileSystem, directory: directory, unsyncedWindow: options.unsyncedWindow
        ).plan()
        let creator = SegmentCreator(
            fileSystem: fileSystem, directory: directory,
            preallocatedBytes: options.preallocateSegments ? options.segmentMaxBytes : 0)
        let segments = try RecoveryRepairs(fileSystem: fileSystem, directory: directory, creator: creator).apply(plan)
        let newest = segments[segments.count - 1]
        let active: SegmentFile
        let fileSize: Int64
        do {
            let handle = try fileSystem.open(newest.file.path, mode: .readWrite)
            active = SegmentFile(fileSystem: fileSystem, handle: handle, path: newest.file.path, base: newest.base)
            fileSize = try fileSystem.size(of: handle)
        } catch {
            throw .io(operation: "open", path: newest.file.path.string, errno: error)
        }
        let catalog = SegmentCatalog(segments: segments)
        let notifier = DurableEndNotifier(end: newest.end)
        let status = JournalStatus()
        let writer = SegmentWriter(
            active: active, end: newest.end, fileSize: fileSize, fileSystem: fileSystem,
            directory: directory, options: options, catalog: catalog)
        var report = plan.report
        if plan.repairs.contains(where: { if case .createFirstSegment = $0 { true } else { false } }) {
            report.actions.append(.createdFirstSegment(segment: newest.file.name))
        }
        report.start = segments[0].base
        report.end = newest.end
        let elapsed = ContinuousClock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return OpenedJournal(
            directory: directory, options: options, fileSystem: fileSystem, lock: lock, catalog: catalog,
            notifier: notifier, status: status,
            committer: Committer(writer: writer, notifier: notifier, options: options, status: status),
            cursors: plan.cursors, report: report)
    }

    private func createDirectories() throws(JournalError) {
        for path in [directory.root, directory.segments, directory.cursors, directory.quarantine] {
            do {
                try fileSystem.createDirectory(path)
            } catch {
                throw .io(operation: "create directory", path: path.string, errno: error)
            }
        }
        // The folders' own entries must be durable before anything in them
        // counts: the data directory's in its parent, the others' in it.
        var parent = directory.root.removingLastComponent()
        if parent.isEmpty { parent = "." }
        for path in [parent, directory.root] {
            do {
                try fileSystem.synchronizeDirectory(path)
            } catch {
                throw .io(operation: JournalError.fsyncDirectoryStep, path: path.string, errno: error)
            }
        }
    }

    private func validate(_ options: JournalOptions) throws(JournalError) {
        if let reason = options.invalidReason { throw .invalidOptions(reason) }
    }
}
