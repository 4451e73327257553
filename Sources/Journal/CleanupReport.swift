/// What a cleanup deleted and who holds the rest.
package struct CleanupReport: Sendable, Equatable {
    package let deleted: [SegmentInfo]
    /// The journal's first offset after the cleanup.
    package let start: UInt64
    /// The cursor with the lowest offset, which keeps the remaining segments; nil without cursors.
    package let heldBy: String?
}
