import SystemPackage

/// Cleanup: sealed segments wholly below every cursor are deleted, oldest first.
extension Journal {
    /// Deletes (or, with `dryRun`, lists) the sealed segments whose records
    /// all lie below the lowest cursor. With no cursors nothing is deleted.
    package func cleanup(dryRun: Bool = false) throws(JournalError) -> CleanupReport {
        guard let lowest = cursors.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else {
            return CleanupReport(deleted: [], start: bounds.start, heldBy: nil)
        }
        let all = segments
        let removable = all.dropLast().prefix { $0.end <= lowest.value }
        if dryRun || removable.isEmpty {
            return CleanupReport(
                deleted: Array(removable), start: removable.last?.end ?? all[0].base, heldBy: lowest.key)
        }
        // A failed or closed journal deletes nothing, and its readers keep every segment.
        if let refusal = status.refusal { throw refusal }
        var deleted: [SegmentInfo] = []
        for segment in removable {
            // Out of the catalog first, so no new read finds it; reads under way keep their descriptor.
            let entry = catalog.update { $0.removeFirst() }
            let path = directory.segment(base: segment.base)
            do {
                try durably { () throws(JournalError) in
                    do throws(Errno) {
                        try fileSystem.removeFile(path)
                    } catch {
                        throw .io(operation: "remove segment", path: path.string, errno: error)
                    }
                }
            } catch {
                // Still on disk: readers find it again.
                catalog.update { $0.insert(entry, at: 0) }
                throw error
            }
            try durably { () throws(JournalError) in
                do throws(Errno) {
                    try fileSystem.synchronizeDirectory(directory.segments)
                } catch {
                    throw .io(operation: JournalError.fsyncDirectoryStep, path: directory.segments.string, errno: error)
                }
            }
            deleted.append(segment)
            logger.info("segment deleted", metadata: [
                "journal.segment": "\(segment.name)", "journal.held_by": "\(lowest.key)",
            ])
        }
        return CleanupReport(deleted: deleted, start: bounds.start, heldBy: lowest.key)
    }
}
