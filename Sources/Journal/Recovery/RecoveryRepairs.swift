import SystemPackage

/// Carries out a ``RecoveryPlan``'s repairs, each one idempotent, so that a
/// crash part-way and a second run reach the same state: bytes to be cut are
/// first copied (atomically) into `quarantine/`, then cut and synced.
struct RecoveryRepairs {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    let creator: SegmentCreator

    /// Applies the repairs and returns the log's segments as the catalog should hold them.
    func apply(_ plan: RecoveryPlan) throws(JournalError) -> [CatalogSegment] {
        var segments = plan.segments.map {
            CatalogSegment(file: $0.file, end: $0.scan.end, index: $0.scan.index, records: $0.scan.records)
        }
        for repair in plan.repairs {
            switch repair {
            case .removeTemporaryFile(let path):
                try io("remove", path) { () throws(Errno) in
                    try fileSystem.removeFile(path)
                    try fileSystem.synchronizeDirectory(path.removingLastComponent())
                }
            case .cutTornTail(let segment, let offset, let through, _):
                try quarantine(segment, from: offset, through: through)
                try io("truncate", segment.path) { () throws(Errno) in
                    let handle = try fileSystem.open(segment.path, mode: .readWrite)
                    defer { fileSystem.close(handle) }
                    try fileSystem.truncate(handle, to: segment.filePosition(of: offset))
                    try fileSystem.synchronize(handle)
                }
            case .recreateSegment(let path, let base, _):
                try quarantineHeader(of: path, base: base)
                try io("remove", path) { () throws(Errno) in
                    try fileSystem.removeFile(path)
                    try fileSystem.synchronizeDirectory(directory.segments)
                }
                segments.append(try createSegment(base: base))
            case .createFirstSegment:
                segments.append(try createSegment(base: 0))
            }
        }
        return segments
    }

    private func createSegment(base: UInt64) throws(JournalError) -> CatalogSegment {
        let handle = try creator.create(base: base)
        let file = SegmentFile(fileSystem: fileSystem, handle: handle, path: directory.segment(base: base), base: base)
        return CatalogSegment(file: file, end: base, index: SparseIndex(), records: 0)
    }

    /// Copies `[offset, through)` of a segment to `quarantine/{base}-{offset}.torn`.
    private func quarantine(_ segment: SegmentFile, from offset: UInt64, through: UInt64) throws(JournalError) {
        var bytes = [UInt8](repeating: 0, count: Int(through - offset))
        let got = try segment.read(bytes.count, at: offset, into: &bytes)
        let name = "\(SegmentName.fileName(base: segment.base).dropLast(4))-\(SegmentName.fileName(base: offset).dropLast(4)).torn"
        try keep(Array(bytes.prefix(got)), as: name)
    }

    /// Keeps the damaged header of a segment being recreated.
    private func quarantineHeader(of path: FilePath, base: UInt64) throws(JournalError) {
        let bytes = try FileContents.read(path, fileSystem: fileSystem, limit: SegmentHeader.size)
        try keep(bytes, as: "\(SegmentName.fileName(base: base)).header")
    }

    private func keep(_ bytes: [UInt8], as name: String) throws(JournalError) {
        try io("create directory", directory.quarantine) { () throws(Errno) in
            try fileSystem.createDirectory(directory.quarantine)
        }
        let kept = try QuarantineNames(fileSystem: fileSystem, directory: directory.quarantine).forCopy(of: bytes, as: name)
        try FileContents.writeAtomically(
            bytes, to: directory.quarantine.appending(kept),
            temporary: directory.quarantine.appending(kept + ".tmp"), fileSystem: fileSystem)
    }

    private func io(_ operation: String, _ path: FilePath, _ body: () throws(Errno) -> Void) throws(JournalError) {
        do { try body() } catch { throw .io(operation: operation, path: path.string, errno: error) }
    }
}
