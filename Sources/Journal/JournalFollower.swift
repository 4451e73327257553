package import SystemPackage
import Synchronization

/// Reads a journal directory without taking its lock, following a live
/// writer in another process: when a read finds nothing new it rescans the
/// newest segment and re-lists the segment folder.
///
/// A follower sees every whole, verified record the writer has *written*,
/// which may run ahead of what the writer has fsynced (a process crash keeps
/// those records; a power cut may not).
package final class JournalFollower: Sendable {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    let catalog: SegmentCatalog
    let reader: RecordReader
    private let refreshing = Mutex(())

    /// Opens `path` read-only. Throws `.corruption` like recovery would; a
    /// torn tail is simply where the log currently ends.
    package init(at path: FilePath, fileSystem: any FileSystem = PosixFileSystem()) throws(JournalError) {
        self.fileSystem = fileSystem
        directory = JournalDirectory(path)
        catalog = SegmentCatalog(segments: try Self.scanLiveDirectory(directory, fileSystem: fileSystem))
        reader = RecordReader(catalog: catalog)
    }

    /// Scans the segments of a directory a writer may be changing: a segment
    /// that cleanup deletes between the listing and its opening makes the
    /// scan start again.
    private static func scanLiveDirectory(
        _ directory: JournalDirectory, fileSystem: any FileSystem
    ) throws(JournalError) -> [CatalogSegment] {
        var attempts = 0
        while true {
            attempts += 1
            do throws(JournalError) {
                let plan = try RecoveryPlanner(
                    fileSystem: fileSystem, directory: directory, unsyncedWindow: Int(UInt32.max), readsCursors: false
                ).plan()
                guard !plan.segments.isEmpty else {
                    throw JournalError.io(operation: "open", path: directory.segments.string, errno: Errno.noSuchFileOrDirectory)
                }
                return plan.segments.map {
                    CatalogSegment(file: $0.file, end: $0.scan.end, index: $0.scan.index, records: $0.scan.records)
                }
            } catch .io(let operation, let path, .noSuchFileOrDirectory) where attempts < 10 && path != directory.segments.string {
                _ = operation  // a segment vanished under us: list again
            } catch .corruption(let corruption) where attempts < 10 && corruption.reason.hasPrefix("gap") {
                _ = corruption  // an oldest segment was deleted between listing and scanning
            }
        }
    }

    package var bounds: (start: UInt64, end: UInt64) { catalog.bounds }

    /// Like ``Journal/read(from:limit:maxBytes:)``, refreshing from disk when
    /// `offset` is at or past the end known so far.
    package func read(from offset: UInt64, limit: Int = 100, maxBytes: Int = 1 << 20) throws(JournalError) -> ReadBatch {
        do {
            let batch = try reader.read(from: offset, limit: limit, maxBytes: maxBytes)
            if !batch.records.isEmpty { return batch }
        } catch .offsetBeyondEnd {
        } catch .offsetBelowStart {
        }
        try refresh()
        return try reader.read(from: offset, limit: limit, maxBytes: maxBytes)
    }

    /// Picks up records and segments the writer added, and drops segments it deleted.
    package func refresh() throws(JournalError) {
        try refreshing.withLock { _ throws(JournalError) in
            let bases = try listBases()
            if !bases.contains(catalog.segments.last!.base) {
                // Cleanup removed every segment this follower knew: start over from the directory.
                let fresh = try Self.scanLiveDirectory(directory, fileSystem: fileSystem)
                catalog.update { $0 = fresh }
                return
            }
            reopenNewestWhileEmpty()
            try extendNewest()
            catalog.update { segments in
                while segments.count > 1, !bases.contains(segments[0].base) { segments.removeFirst() }
            }
            // The writer rotated: open each segment that starts where the newest ends.
            while true {
                let end = catalog.bounds.end
                guard bases.contains(end), catalog.segments.last!.base != end else { break }
                let path = directory.segment(base: end)
                let handle: FileHandle
                do { handle = try fileSystem.open(path, mode: .readOnly) } catch { break }
                let file = SegmentFile(fileSystem: fileSystem, handle: handle, path: path, base: end)
                catalog.update { $0.append(CatalogSegment(file: file, end: end, index: SparseIndex(), records: 0)) }
                try extendNewest()
            }
        }
    }

    /// A newest segment that holds no record yet may be one the writer
    /// removed and made again under the same name (its creation failed with
    /// ENOSPC after the header; recovery recreates a damaged empty one): the
    /// handle opened before would read the deleted file for ever. So while it
    /// is empty, it is read through a handle opened afresh by its path.
    private func reopenNewestWhileEmpty() {
        let newest = catalog.segments.last!
        guard newest.end == newest.base, let handle = try? fileSystem.open(newest.file.path, mode: .readOnly) else { return }
        let file = SegmentFile(fileSystem: fileSystem, handle: handle, path: newest.file.path, base: newest.base)
        catalog.update { segments in
            guard segments[segments.count - 1].base == newest.base, segments[segments.count - 1].end == newest.base else { return }
            segments[segments.count - 1] = CatalogSegment(file: file, end: newest.base, index: SparseIndex(), records: 0)
        }
    }

    private func extendNewest() throws(JournalError) {
        let newest = catalog.segments.last!
        let size: Int64
        do { size = try fileSystem.size(of: newest.file.handle) } catch {
            throw .io(operation: "stat", path: newest.file.path.string, errno: error)
        }
        guard size >= Int64(SegmentHeader.size) else { return }
        let scan = try SegmentScanner(segment: newest.file, fileSize: size).scan(from: newest.end, index: newest.index)
        catalog.update { segments in
            let last = segments.count - 1
            segments[last].end = scan.end
            segments[last].index = scan.index
            segments[last].records += scan.records
        }
    }

    private func listBases() throws(JournalError) -> Set<UInt64> {
        do {
            return Set(try fileSystem.contentsOfDirectory(directory.segments).compactMap(SegmentName.base(fromFileName:)))
        } catch {
            throw .io(operation: "list", path: directory.segments.string, errno: error)
        }
    }
}
