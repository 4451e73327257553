import SystemPackage

/// The steps of a repair, in an order that leaves the segments contiguous
/// after a crash at any point: later segments leave newest first, then the
/// containing segment is copied and cut, then cursors are moved.
struct RepairPlan {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    let offset: UInt64

    func carryOut() throws(JournalError) -> JournalRepair.Outcome {
        var outcome = JournalRepair.Outcome(end: offset)
        let bases = try listBases()
        guard let containing = bases.last(where: { $0 <= offset }) else {
            throw .offsetBelowStart(offset: offset, start: bases.first ?? 0)
        }
        // A cut after a bad record would leave the journal refusing to open, with good records cut away.
        for (position, base) in bases.enumerated() where base < containing {
            try verifySealed(base: base, nextBase: bases[position + 1])
        }
        let file = try open(directory.segment(base: containing), base: containing)
        let size = try io("stat", file.path) { () throws(Errno) in try fileSystem.size(of: file.handle) }
        // Every record before the cut must verify, and the cut must fall on a boundary.
        let scan = try SegmentScanner(segment: file, fileSize: size).scan(from: containing)
        guard offset <= scan.end else { throw .offsetBeyondEnd(offset: offset, end: scan.end) }
        try RecordReader.proveBoundary(offset, from: containing + scan.index.entry(atOrBefore: offset - containing), in: file)
        // Cursors first: a crash before the cut then leaves them at a boundary
        // of the uncut log, which opens; after it, they would be past its end.
        outcome.cursorsMoved = try moveCursors(beyond: offset)

        try io("create directory", directory.quarantine) { () throws(Errno) in
            try fileSystem.createDirectory(directory.quarantine)
        }
        let names = QuarantineNames(fileSystem: fileSystem, directory: directory.quarantine)
        for base in bases.reversed() where base > containing {
            let name = names.free(SegmentName.fileName(base: base))
            try io("move to quarantine", directory.segment(base: base)) { () throws(Errno) in
                try fileSystem.rename(directory.segment(base: base), to: directory.quarantine.appending(name))
                try fileSystem.synchronizeDirectory(directory.quarantine)
                try fileSystem.synchronizeDirectory(directory.segments)
            }
            outcome.quarantined.append(name)
        }
        if let nonZeroEnd = try SegmentScanner(segment: file, fileSize: size).endOfNonZeroBytes(from: offset) {
            var bytes = [UInt8](repeating: 0, count: Int(nonZeroEnd - offset))
            let got = try file.read(bytes.count, at: offset, into: &bytes)
            let cut = Array(bytes.prefix(got))
            let name = try names.forCopy(
                of: cut, as: "\(SegmentName.fileName(base: containing).dropLast(4))-\(SegmentName.fileName(base: offset).dropLast(4)).cut")
            try FileContents.writeAtomically(
                cut, to: directory.quarantine.appending(name),
                temporary: directory.quarantine.appending(name + ".tmp"), fileSystem: fileSystem)
            outcome.quarantined.append(name)
        }
        try io("truncate", file.path) { () throws(Errno) in
            let handle = try fileSystem.open(file.path, mode: .readWrite)
            defer { fileSystem.close(handle) }
            try fileSystem.truncate(handle, to: file.filePosition(of: offset))
            try fileSystem.synchronize(handle)
        }
        return outcome
    }

    /// Checks a segment before the one holding the cut: a valid header, and
    /// valid records up to where the next segment starts (zeros after them
    /// allowed, as recovery allows them); throws the corruption otherwise.
    private func verifySealed(base: UInt64, nextBase: UInt64) throws(JournalError) {
        let file = try open(directory.segment(base: base), base: base)
        let size = try io("stat", file.path) { () throws(Errno) in try fileSystem.size(of: file.handle) }
        if let defect = try file.headerDefect(size: size) {
            throw .corruption(Corruption(
                file: file.name, offset: nil,
                reason: "bad segment header (\(defect)) before the cut at \(offset); cut at or before \(base)"))
        }
        let scanner = SegmentScanner(segment: file, fileSize: size)
        let scan = try scanner.scan(from: base)
        guard let defect = scan.defect else {
            if scan.end == nextBase { return }
            throw .corruption(Corruption(file: file.name, offset: scan.end, reason: "the next segment starts at \(nextBase)"))
        }
        if scan.end == nextBase, try scanner.endOfNonZeroBytes(from: scan.end) == nil { return }
        // Records that end at the next segment's base with bytes after them: a cut
        // at that base would leave those bytes in this sealed segment, so before it.
        let advice = scan.end == nextBase ? "cut before \(scan.end)" : "cut at or before \(scan.end)"
        throw .corruption(Corruption(
            file: file.name, offset: scan.end,
            reason: "\(defect) before the cut at \(offset): every record before it must be valid; \(advice)"))
    }

    private func moveCursors(beyond offset: UInt64) throws(JournalError) -> [String] {
        let names = (try? fileSystem.contentsOfDirectory(directory.cursors)) ?? []
        var moved: [String] = []
        for fileName in names.sorted() where fileName.hasSuffix(CursorName.fileSuffix) {
            let path = directory.cursors.appending(fileName)
            let bytes = try FileContents.read(path, fileSystem: fileSystem, limit: CursorRecord.size + 1)
            guard let record = CursorRecord(decoding: bytes), record.offset > offset else { continue }
            try FileContents.writeAtomically(
                CursorRecord(offset: offset).encoded, to: path,
                temporary: directory.cursors.appending(fileName + CursorName.temporarySuffix), fileSystem: fileSystem)
            moved.append(String(fileName.dropLast(CursorName.fileSuffix.count)))
        }
        return moved
    }

    private func listBases() throws(JournalError) -> [UInt64] {
        let names = try io("list", directory.segments) { () throws(Errno) in
            try fileSystem.contentsOfDirectory(directory.segments)
        }
        return names.compactMap(SegmentName.base(fromFileName:)).sorted()
    }

    private func open(_ path: FilePath, base: UInt64) throws(JournalError) -> SegmentFile {
        let handle = try io("open", path) { () throws(Errno) in try fileSystem.open(path, mode: .readOnly) }
        return SegmentFile(fileSystem: fileSystem, handle: handle, path: path, base: base)
    }

    private func io<Value>(_ operation: String, _ path: FilePath, _ body: () throws(Errno) -> Value) throws(JournalError) -> Value {
        do { return try body() } catch { throw .io(operation: operation, path: path.string, errno: error) }
    }
}
