import SystemPackage

/// Reads the cursors during recovery: each must decode, and point at a record
/// boundary between the journal's start and end; temporary files left by an
/// interrupted cursor write are planned for removal.
struct CursorPlanner {
    let fileSystem: any FileSystem
    let directory: JournalDirectory

    func plan(into plan: inout RecoveryPlan) throws(JournalError) {
        let names: [String]
        do {
            names = try fileSystem.contentsOfDirectory(directory.cursors)
        } catch .noSuchFileOrDirectory {
            return
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
            let bytes = try FileContents.read(path, fileSystem: fileSystem, limit: CursorRecord.size + 1)
            guard let record = CursorRecord(decoding: bytes) else { throw unreadable("unreadable cursor file") }
            try check(record.offset, of: name, in: plan, fileName: fileName)
            plan.cursors[name.rawValue] = record.offset
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
