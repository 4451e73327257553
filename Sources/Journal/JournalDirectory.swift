import Glibc
package import SystemPackage

/// The paths inside a data directory (see DESIGN.md, "On disk").
package struct JournalDirectory: Sendable {
    package let root: FilePath

    package init(_ root: FilePath) {
        self.root = root
    }

    package var lockFile: FilePath { root.appending("LOCK") }
    package var segments: FilePath { root.appending("segments") }
    package var cursors: FilePath { root.appending("cursors") }
    package var quarantine: FilePath { root.appending("quarantine") }

    /// Takes the writer's lock on this directory; `.locked` if another process holds it.
    package func lock(with fileSystem: any FileSystem) throws(JournalError) -> FileHandle {
        do {
            return try fileSystem.lockExclusively(lockFile)
        } catch .wouldBlock {
            throw .locked(path: lockFile.string)
        } catch {
            throw .io(operation: "lock", path: lockFile.string, errno: error)
        }
    }

    /// Whether another process holds the writer's lock now: a quick check
    /// before a server listens, so that a second one on the same directory
    /// fails before it looks started. It creates nothing; ``lock(with:)``
    /// still decides (another process may take the lock in between). When the
    /// lock is free the check holds it for a moment, and a process taking it
    /// in that moment is refused as if it were held: only a process starting
    /// on the same directory at the same instant, which one of the two had to
    /// lose anyway.
    package var isLockedByAnotherProcess: Bool {
        let descriptor = lockFile.withPlatformString { open($0, O_RDWR | O_CLOEXEC) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    package func segment(base: UInt64) -> FilePath {
        segments.appending(SegmentName.fileName(base: base))
    }
}
