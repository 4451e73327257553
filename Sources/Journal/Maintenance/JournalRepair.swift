package import SystemPackage

/// `stele repair DIR --truncate-at OFFSET`: the operator's decision to give up
/// everything from OFFSET on. Those bytes (and later segments, whole) go to
/// `quarantine/`, never deleted; cursors past the cut are moved back to it.
package enum JournalRepair {
    package struct Outcome: Sendable, Equatable {
        /// Files now in quarantine/.
        package var quarantined: [String] = []
        /// Cursors moved back to the cut.
        package var cursorsMoved: [String] = []
        /// The journal's new end.
        package var end: UInt64 = 0
    }

    package static func truncate(
        _ path: FilePath, at offset: UInt64, fileSystem: any FileSystem = PosixFileSystem()
    ) throws(JournalError) -> Outcome {
        let directory = JournalDirectory(path)
        let lock = try directory.lock(with: fileSystem)
        defer { fileSystem.close(lock) }
        return try RepairPlan(fileSystem: fileSystem, directory: directory, offset: offset).carryOut()
    }
}
