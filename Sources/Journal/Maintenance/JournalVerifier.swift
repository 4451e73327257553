package import SystemPackage

/// `stele verify`: the recovery checks, read-only.
package enum JournalVerifier {
    /// The verdict, with the exit code `stele verify` reports it as.
    package enum Verdict: Sendable, Equatable {
        /// Everything verifies; opening changes nothing that holds data.
        case clean(RecoveryReport)
        /// Opening would repair: cut a torn tail or recreate an empty newest segment.
        case repairable(RecoveryReport)
        /// Acknowledged data is damaged; opening would refuse.
        case corrupt(Corruption)

        package var exitCode: Int32 {
            switch self {
            case .clean: 0
            case .repairable: 1
            case .corrupt: 3
            }
        }
    }

    /// Examines the data directory at `path` without writing anything or taking its lock.
    package static func verify(
        _ path: FilePath, unsyncedWindow: Int = JournalOptions().unsyncedWindow,
        fileSystem: any FileSystem = PosixFileSystem()
    ) throws(JournalError) -> Verdict {
        let directory = JournalDirectory(path)
        guard fileSystem.fileExists(directory.segments) else {
            throw .io(operation: "open", path: directory.segments.string, errno: .noSuchFileOrDirectory)
        }
        let plan: RecoveryPlan
        do {
            plan = try RecoveryPlanner(fileSystem: fileSystem, directory: directory, unsyncedWindow: unsyncedWindow).plan()
        } catch .corruption(let corruption) {
            return .corrupt(corruption)
        }
        let repairs = plan.repairs.contains { repair in
            switch repair {
            case .cutTornTail, .recreateSegment, .createFirstSegment: true
            case .removeTemporaryFile: false
            }
        }
        return repairs ? .repairable(plan.report) : .clean(plan.report)
    }
}
