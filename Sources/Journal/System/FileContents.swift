package import SystemPackage

/// Whole-file reads and atomic whole-file writes for small files (cursors, quarantine copies).
package enum FileContents {
    /// Reads at most `limit` bytes of the file at `path`.
    package static func read(_ path: FilePath, fileSystem: any FileSystem, limit: Int) throws(JournalError) -> [UInt8] {
        do throws(Errno) {
            let handle = try fileSystem.open(path, mode: .readOnly)
            defer { fileSystem.close(handle) }
            var bytes = [UInt8](repeating: 0, count: limit)
            let got = try fileSystem.read(handle, count: limit, at: 0, into: &bytes)
            return Array(bytes.prefix(got))
        } catch {
            throw .io(operation: "read", path: path.string, errno: error)
        }
    }

    /// Replaces `path` with `bytes` so that a crash leaves the old or the new
    /// contents, never a mix: temporary file → fsync → rename → fsync directory.
    package static func writeAtomically(
        _ bytes: [UInt8], to path: FilePath, temporary: FilePath, fileSystem: any FileSystem
    ) throws(JournalError) {
        var step = "create"
        var stepPath = temporary
        do throws(Errno) {
            if fileSystem.fileExists(temporary) { try fileSystem.removeFile(temporary) }
            let handle = try fileSystem.open(temporary, mode: .createExclusive)
            do throws(Errno) {
                step = "write"
                try fileSystem.write(handle, bytes, at: 0)
                step = JournalError.fsyncStep
                try fileSystem.synchronize(handle)
            } catch {
                fileSystem.close(handle)
                throw error
            }
            fileSystem.close(handle)
            step = "rename"
            try fileSystem.rename(temporary, to: path)
            step = JournalError.fsyncDirectoryStep
            stepPath = path.removingLastComponent()
            try fileSystem.synchronizeDirectory(stepPath)
        } catch {
            throw .io(operation: step, path: stepPath.string, errno: error)
        }
    }
}
