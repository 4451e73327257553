/// What a scan of one segment's records found.
package struct SegmentScan: Sendable {
    /// The global offset just past the last valid record.
    package var end: UInt64
    package var records: Int
    package var index: SparseIndex
    /// Nil when the records ran exactly to the end of the file; otherwise the
    /// first invalid position (== `end`) and why it is invalid.
    package var defect: RecordDefect?
}
