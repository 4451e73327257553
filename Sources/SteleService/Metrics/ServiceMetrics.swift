import CoreMetrics
package import Journal
import Prometheus
import Synchronization

/// Stele's metrics, kept with swift-metrics on a Prometheus registry of
/// their own and exposed in the Prometheus text format on `/metrics`.
/// Counters and histograms are recorded as things happen; gauges that
/// describe the journal (offsets, segments, cursors) are set at each scrape.
package final class ServiceMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let factory: DescribedMetricsFactory
    private let appendedRecords: CoreMetrics.Counter
    private let appendedBytes: CoreMetrics.Counter
    private let fsyncs: CoreMetrics.Counter
    private let fsyncDuration: CoreMetrics.Timer
    private let batchRequests: Recorder
    private let deletedSegments: CoreMetrics.Counter
    private let diskReads: CoreMetrics.Counter
    private let waiters = Atomic<Int>(0)
    /// The cursors the last scrape exported: a cursor deleted since loses its series.
    private let exportedCursors = Mutex(Set<String>())
    /// Per-request series, made once per route, method and status.
    private let requestSeries = Mutex([RequestSeriesKey: (count: CoreMetrics.Counter, duration: CoreMetrics.Timer)]())

    private struct RequestSeriesKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    package init() {
        registry = PrometheusCollectorRegistry()
        factory = DescribedMetricsFactory(
            registry: registry,
            durationBuckets: [
                "stele_fsync_duration_seconds": [25, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10_000, 50_000]
                    .map { Duration.microseconds($0) },
                "stele_http_request_duration_seconds": [
                    50, 100, 200, 500, 1000, 2000, 5000, 10_000, 50_000, 100_000, 1_000_000, 10_000_000,
                ].map { Duration.microseconds($0) },
            ],
            valueBuckets: ["stele_group_commit_batch_requests": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]],
            help: Self.help)
        appendedRecords = CoreMetrics.Counter(label: "stele_appended_records_total", factory: factory)
        appendedBytes = CoreMetrics.Counter(label: "stele_appended_bytes_total", factory: factory)
        fsyncs = CoreMetrics.Counter(label: "stele_fsyncs_total", factory: factory)
        fsyncDuration = CoreMetrics.Timer(label: "stele_fsync_duration_seconds", factory: factory)
        batchRequests = Recorder(label: "stele_group_commit_batch_requests", dimensions: [], aggregate: true, factory: factory)
        deletedSegments = CoreMetrics.Counter(label: "stele_cleanup_deleted_segments_total", factory: factory)
        diskReads = CoreMetrics.Counter(label: "stele_disk_reads_total", factory: factory)
    }

    /// One answered HTTP request.
    package func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestSeriesKey(route: route, method: method, status: status)
        let series = requestSeries.withLock { series in
            if let existing = series[key] { return existing }
            let made = (
                count: CoreMetrics.Counter(
                    label: "stele_http_requests_total",
                    dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
                duration: CoreMetrics.Timer(
                    label: "stele_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            )
            series[key] = made
            return made
        }
        series.count.increment()
        series.duration.recordNanoseconds(duration.nanoseconds)
    }

    /// Records acknowledged by one append request, and their payload bytes.
    package func recordAppend(records: Int, bytes: Int) {
        appendedRecords.increment(by: records)
        appendedBytes.increment(by: bytes)
    }

    /// One fsync that acknowledged appends (the journal's commit observer).
    package func recordCommit(_ event: CommitEvent) {
        fsyncs.increment()
        fsyncDuration.recordNanoseconds(event.fsyncDuration.nanoseconds)
        batchRequests.record(event.requests)
    }

    package func recordCleanup(deletedSegments count: Int) {
        deletedSegments.increment(by: count)
    }

    /// One read the page cache could not serve, handed to a disk-read thread.
    package func recordDiskRead() {
        diskReads.increment()
    }

    package func longPollStarted() { waiters.add(1, ordering: .relaxed) }
    package func longPollEnded() { waiters.subtract(1, ordering: .relaxed) }

    /// The text format, after setting the gauges that describe `snapshot`.
    package func exposition(_ snapshot: JournalSnapshot?) -> [UInt8] {
        gauge("stele_long_poll_waiters").record(waiters.load(ordering: .relaxed))
        gauge("stele_ready").record(snapshot?.ready == true ? 1 : 0)
        if let snapshot {
            gauge("stele_journal_failed").record(snapshot.failed ? 1 : 0)
            gauge("stele_journal_start_offset").record(Int64(clamping: snapshot.start))
            gauge("stele_journal_end_offset").record(Int64(clamping: snapshot.end))
            gauge("stele_segments").record(snapshot.segments)
            gauge("stele_recovery_seconds").record(snapshot.recovery.seconds)
            gauge("stele_recovery_records").record(snapshot.recovery.records)
            gauge("stele_recovery_bytes").record(Int64(clamping: snapshot.recovery.bytes))
            gauge("stele_recovery_truncated_tails").record(snapshot.recovery.cutTornTail ? 1 : 0)
            for cursor in snapshot.cursors {
                gauge("stele_cursor_offset", [("cursor", cursor.name)]).record(Int64(clamping: cursor.offset))
                gauge("stele_cursor_lag_bytes", [("cursor", cursor.name)])
                    .record(Int64(clamping: snapshot.end &- min(cursor.offset, snapshot.end)))
            }
            let names = Set(snapshot.cursors.map(\.name))
            let deleted = exportedCursors.withLock { exported in
                defer { exported = names }
                return exported.subtracting(names)
            }
            for name in deleted {
                gauge("stele_cursor_offset", [("cursor", name)]).destroy()
                gauge("stele_cursor_lag_bytes", [("cursor", name)]).destroy()
            }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Each family's `# HELP` line (docs/operations.md has the same table).
    static let help: [String: String] = [
        "stele_ready": "1 once the journal is recovered and writable (what /readyz answers), else 0.",
        "stele_journal_failed": "1 after a write or fsync error: appends are refused until a restart.",
        "stele_appended_records_total": "Records acknowledged to appends.",
        "stele_appended_bytes_total": "Payload bytes of the records acknowledged to appends.",
        "stele_fsyncs_total": "fsyncs that acknowledged appends.",
        "stele_fsync_duration_seconds": "Duration of each fsync that acknowledged appends.",
        "stele_group_commit_batch_requests": "Append requests acknowledged by one fsync.",
        "stele_http_requests_total": "HTTP requests answered, by route template, method and status.",
        "stele_http_request_duration_seconds": "From a request's first header to its answer being queued, long-polls included.",
        "stele_long_poll_waiters": "Long-polls waiting for records now.",
        "stele_disk_reads_total": "Reads the page cache could not serve, done on a disk-read thread.",
        "stele_journal_start_offset": "The journal's first offset (records below it were cleaned up).",
        "stele_journal_end_offset": "The journal's durable end: the offset the next record gets.",
        "stele_segments": "Segment files in the journal.",
        "stele_cleanup_deleted_segments_total": "Segments deleted by cleanup.",
        "stele_cursor_offset": "Each named cursor's offset.",
        "stele_cursor_lag_bytes": "Bytes between each named cursor and the journal's end.",
        "stele_recovery_seconds": "How long the last start's recovery took.",
        "stele_recovery_records": "Records the last start's recovery verified.",
        "stele_recovery_bytes": "Bytes of records the last start's recovery verified.",
        "stele_recovery_truncated_tails": "1 when the last start's recovery cut a torn tail (kept in quarantine/), else 0.",
    ]

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Recorder {
        Recorder(label: label, dimensions: dimensions, aggregate: false, factory: factory)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
