/// A segment as listed to operators.
package struct SegmentInfo: Sendable, Equatable {
    package let base: UInt64
    package let end: UInt64
    package let records: Int
    package let name: String
    /// Sealed segments are complete; only the newest takes appends.
    package let sealed: Bool

    package var bytes: UInt64 { end - base }
}
