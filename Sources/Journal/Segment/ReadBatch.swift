/// The answer to one read: records in offset order and where to continue.
package struct ReadBatch: Sendable {
    package var records: [StoredRecord]
    /// The offset to read from next (just past the last record returned, or
    /// the requested offset when none was).
    package var next: UInt64
    /// The journal's start and durable end when the read was served.
    package var start: UInt64
    package var end: UInt64
}
