/// Counters of the commit pipeline, for metrics and benchmarks.
package struct CommitStatistics: Sendable, Equatable {
    /// fdatasync calls that covered records.
    package var fsyncs = 0
    /// Total time spent in those calls, in seconds.
    package var fsyncSeconds = 0.0
    /// Append requests and records acknowledged.
    package var requests = 0
    package var records = 0
    package var bytes = 0
    /// Segments created by rotation.
    package var rotations = 0
    /// Requests refused for lack of space.
    package var noSpaceRefusals = 0

    package init() {}

    /// Requests per fsync: the group-commit batch size.
    package var requestsPerFsync: Double { fsyncs == 0 ? 0 : Double(requests) / Double(fsyncs) }
}
