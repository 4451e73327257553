import SystemPackage

/// Makes a new segment file durable before any record lands in it: create,
/// write the header, allocate the segment's space, fsync the file, fsync the
/// directory. Nothing is acknowledged in a segment before all of that.
package struct SegmentCreator: Sendable {
    let fileSystem: any FileSystem
    let directory: JournalDirectory
    /// Bytes of record space to allocate up front; 0 allocates nothing.
    let preallocatedBytes: Int

    package init(fileSystem: any FileSystem, directory: JournalDirectory, preallocatedBytes: Int) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.preallocatedBytes = preallocatedBytes
    }

    /// Creates the segment starting at `base` and returns a read-write handle to it.
    /// On failure the partly made file is removed (best effort) and the error thrown.
    package func create(base: UInt64) throws(JournalError) -> FileHandle {
        let path = directory.segment(base: base)
        var step = "create"
        var handle: FileHandle?
        do throws(Errno) {
            let file = try fileSystem.open(path, mode: .createExclusive)
            handle = file
            step = "write header"
            let header = SegmentHeader(baseOffset: base).encoded
            try fileSystem.write(file, header, at: 0)
            if preallocatedBytes > 0 {
                step = "allocate"
                try fileSystem.allocate(file, upTo: Int64(SegmentHeader.size + preallocatedBytes))
            }
            step = JournalError.fsyncStep
            try fileSystem.synchronize(file)
            step = JournalError.fsyncDirectoryStep
            try fileSystem.synchronizeDirectory(directory.segments)
            return file
        } catch {
            if let handle {
                fileSystem.close(handle)
                try? fileSystem.removeFile(path)
                try? fileSystem.synchronizeDirectory(directory.segments)
            }
            let failure = JournalError.io(operation: step, path: path.string, errno: error)
            throw failure.isCleanNoSpace ? .noSpace : failure
        }
    }

    /// Makes a prepared spare (see ``SegmentPreparer``) the segment starting
    /// at `base`: header written and synced, file renamed to the segment's
    /// name, directory synced. Returns the same handle. On failure the spare
    /// is closed and removed and the error thrown.
    func install(spare: FileHandle, from sparePath: FilePath, base: UInt64) throws(JournalError) -> FileHandle {
        let path = directory.segment(base: base)
        var step = "write header"
        var renamed = false
        do throws(Errno) {
            try fileSystem.write(spare, SegmentHeader(baseOffset: base).encoded, at: 0)
            step = JournalError.fsyncStep
            try fileSystem.synchronizeData(spare)
            step = "rename"
            try fileSystem.rename(sparePath, to: path)
            renamed = true
            step = JournalError.fsyncDirectoryStep
            try fileSystem.synchronizeDirectory(directory.segments)
            return spare
        } catch {
            fileSystem.close(spare)
            try? fileSystem.removeFile(renamed ? path : sparePath)
            try? fileSystem.synchronizeDirectory(renamed ? directory.segments : sparePath.removingLastComponent())
            let failure = JournalError.io(operation: step, path: path.string, errno: error)
            throw failure.isCleanNoSpace ? .noSpace : failure
        }
    }
}
