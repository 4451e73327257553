import SystemPackage

/// Reads the cursors during recovery: each must decode, and point at a record
/// boundary between the journal's start and end; temporary files left by an
/// interrupted cursor write are planned for removal.
struct CursorPlanner {
    let fileSystem: any FileSystem
    let directory: JournalDirectory

    /// A cursor as read from its file, before it is checked against the log.
    struct ReadCursor {
        let name: CursorName
        let offset: UInt64
        let fileName: String
    }

    /// Reads every cursor (refusing unreadable ones) and plans the removal of
    /// temporary files. Done before the segments are scanned: a verify beside
    /// a running server then never sees a cursor that moved past the end it
    /// scanned (cursors are only ever set within the durable log).
    func read(into plan: inout RecoveryPlan) throws(JournalError) -> [ReadCursor] {
        var cursors: [ReadCursor] = []
        let names: [String]
        do {
            names = try fileSystem.contentsOfDirectory(directory.cursors)
        } catch .noSuchFileOrDirectory {
            return []
        } catch {
            throw .io(operation: "list", path: directory.cursors.string, errno: error)
        }
        for fileName in names.sorted() {
            let path = directory.cursors.appending(fileName)
            if fileName.hasSuffix(CursorName.temporarySuffix) {
                plan.repairs.append(.removeTemporaryFile(path))
                plan.report.actions.append(.removedTemporaryFile(path: path.string))
                continue
            }
            guard fileName.hasSuffix(CursorName.fileSuffix) else { continue }
            let unreadable = { (reason: String) in
                JournalError.corruption(Corruption(file: "cursors/\(fileName)", offset: nil, reason: reason))
            }
            let name: CursorName
            do {
                name = try CursorName(String(fileName.dropLast(CursorName.fileSuffix.count)))
            } catch {
                throw unreadable("invalid cursor name")
            }
            let bytes: [UInt8]
            do {
                bytes = try FileContents.read(path, fileSystem: fileSystem, limit: CursorRecord.size + 1)
            } catch .io(_, _, .noSuchFileOrDirectory) {
                continue  // deleted since the listing (a verify beside a running server)
            }
            guard let record = CursorRecord(decoding: bytes) else { throw unreadable("unreadable cursor file") }
            cursors.append(ReadCursor(name: name, offset: record.offset, fileName: fileName))
        }
        return cursors
    }

    /// Checks each cursor against the log's start and end (in `plan`'s report) and keeps it.
    func check(_ cursors: [ReadCursor], into plan: inout RecoveryPlan) throws(JournalError) {
        for cursor in cursors {
            try check(cursor.offset, of: cursor.name, in: plan, fileName: cursor.fileName)
            plan.cursors[cursor.name.rawValue] = cursor.offset
        }
    }

    /// A durable cursor points into the durable log, on a boundary.
    private func check(_ offset: UInt64, of name: CursorName, in plan: RecoveryPlan, fileName: String) throws(JournalError) {
        let start = plan.report.start
        let end = plan.segments.last?.scan.end ?? start
        let corrupt = { (reason: String) in
            JournalError.corruption(Corruption(file: "cursors/\(fileName)", offset: offset, reason: reason))
        }
        guard offset >= start else { throw corrupt("cursor \(name) points below the journal's start \(start)") }
        guard offset <= end else { throw corrupt("cursor \(name) points past the journal's end \(end)") }
        guard offset < end, let segment = plan.segments.last(where: { $0.file.base <= offset }) else { return }
        let boundary = segment.file.base + segment.scan.index.entry(atOrBefore: offset - segment.file.base)
        do {
            try RecordReader.proveBoundary(offset, from: boundary, in: segment.file)
        } catch .notRecordBoundary {
            throw corrupt("cursor \(name) is not on a record boundary")
        }
    }
}
