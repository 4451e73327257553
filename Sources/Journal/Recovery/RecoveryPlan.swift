package import SystemPackage

/// What a read-only look at a data directory found: the segments that hold
/// the log, the repairs opening would make, and the cursors.
package struct RecoveryPlan: Sendable {
    /// A segment file that will remain part of the log.
    package struct Segment: Sendable {
        package let file: SegmentFile
        package let fileSize: Int64
        /// The scan, with `end` where the log ends once the plan's repairs are made.
        package var scan: SegmentScan
    }

    /// A repair opening makes. Verification only reports them.
    package enum Repair: Sendable {
        /// Copy `[offset, through)` of the segment to quarantine, then cut the file at `offset`.
        case cutTornTail(segment: SegmentFile, offset: UInt64, through: UInt64, reason: String)
        /// Replace the newest segment, which held no acknowledged record, with a fresh one.
        case recreateSegment(path: FilePath, base: UInt64, reason: String)
        case removeTemporaryFile(FilePath)
        case createFirstSegment
    }

    package var segments: [Segment] = []
    package var repairs: [Repair] = []
    package var cursors: [String: UInt64] = [:]
    package var report = RecoveryReport()

    package init() {}
}
