/// One fsync that made a batch durable, as told to ``JournalOptions/commitObserver``.
package struct CommitEvent: Sendable {
    /// Append requests (HTTP requests) the fsync acknowledged.
    package let requests: Int
    package let records: Int
    /// Bytes written, record headers included.
    package let bytes: Int
    /// How long the fdatasync took.
    package let fsyncDuration: Duration
}
