import SystemPackage

/// Named cursors: durable before acknowledged, advanced monotonically unless
/// forced, always on a record boundary within the durable log.
extension Journal {
    /// Every cursor, sorted by name.
    package func allCursors() -> [(name: String, offset: UInt64)] {
        cursors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    package func cursor(named name: String) throws(JournalError) -> UInt64 {
        let name = try CursorName(name)
        guard let offset = cursors[name.rawValue] else { throw .cursorNotFound(name.rawValue) }
        return offset
    }

    /// Moves (or creates) a cursor. Moving it backwards needs `force`.
    /// Returns the cursor's offset once it is durable.
    @discardableResult
    package func setCursor(named name: String, to offset: UInt64, force: Bool = false) throws(JournalError) -> UInt64 {
        let name = try CursorName(name)
        try checkBoundary(offset)
        if let current = cursors[name.rawValue], offset < current, !force {
            throw .cursorBackwards(name: name.rawValue, current: current, requested: offset)
        }
        if cursors[name.rawValue] == offset { return offset }
        try durably { () throws(JournalError) in
            try FileContents.writeAtomically(
                CursorRecord(offset: offset).encoded, to: directory.cursors.appending(name.fileName),
                temporary: directory.cursors.appending(name.temporaryFileName), fileSystem: fileSystem)
        }
        cursors[name.rawValue] = offset
        return offset
    }

    package func deleteCursor(named name: String) throws(JournalError) {
        let name = try CursorName(name)
        guard cursors[name.rawValue] != nil else { throw .cursorNotFound(name.rawValue) }
        try durably { () throws(JournalError) in
            let path = directory.cursors.appending(name.fileName)
            do throws(Errno) {
                try fileSystem.removeFile(path)
            } catch {
                throw .io(operation: "remove cursor", path: path.string, errno: error)
            }
            do throws(Errno) {
                try fileSystem.synchronizeDirectory(directory.cursors)
            } catch {
                throw .io(operation: JournalError.fsyncDirectoryStep, path: directory.cursors.string, errno: error)
            }
        }
        cursors[name.rawValue] = nil
    }

    /// A cursor may point at any record boundary from the start to the durable end.
    func checkBoundary(_ offset: UInt64) throws(JournalError) {
        guard let location = try catalog.locate(offset) else { return }  // exactly the end
        try RecordReader.proveBoundary(offset, from: location.boundaryAtOrBefore, in: location.file)
    }

    /// Runs a metadata write; an I/O failure in it is fatal like any other
    /// (an fsync that failed is never retried and trusted), except ENOSPC
    /// before any fsync, which changed nothing durable.
    func durably(_ body: () throws(JournalError) -> Void) throws(JournalError) {
        if let refusal = status.refusal { throw refusal }
        do {
            try body()
        } catch {
            guard case .io(let operation, let path, let errno) = error else { throw error }
            if error.isCleanNoSpace { throw .noSpace }
            let reason = "\(operation) failed on \(path): \(errno)"
            committer.fail(with: .failed(reason: reason))
            logger.error("journal failed", metadata: ["journal.reason": "\(reason)"])
            throw .failed(reason: reason)
        }
    }
}
