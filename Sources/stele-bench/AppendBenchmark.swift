import Journal
import Synchronization
import SystemPackage

/// In-process appends of 256-byte JSON records from N concurrent appenders,
/// each waiting for its acknowledgement before sending the next.
enum AppendBenchmark {
    struct Figure {
        var rate: Double
        var p50: Double
        var p99: Double
        var requestsPerFsync: Double
        /// Mean time inside fdatasync, microseconds.
        var fsyncMicroseconds: Double
        /// The 99th percentile of the fdatasync times, microseconds.
        var fsyncP99: Double
    }

    static let payload: [UInt8] = {
        let prefix = #"{"sensor":"s-0001","reading":42.5,"pad":""#
        let suffix = #""}"#
        return Array((prefix + String(repeating: "x", count: 256 - prefix.count - suffix.count) + suffix).utf8)
    }()

    /// With `warm`, the timed appends start once the journal writes into a
    /// prepared segment, as a journal that has been running does: a new
    /// journal's first segment is not one (its spare is made once 4 MiB are in
    /// it), and an fdatasync into space that was never written costs more.
    static func run(
        directory: String, durability: Durability, appenders: Int, seconds: Double, prepareSpareSegments: Bool = true,
        preallocateSegments: Bool = true,
        warm: Bool = true, maximumIdleSpin: Duration? = nil
    ) async throws -> Figure {
        let path = FilePath(directory).appending("append-\(durability.rawValue)-\(appenders)")
        removeTree(path.string)
        var options = JournalOptions(durability: durability)
        options.prepareSpareSegments = prepareSpareSegments
        options.preallocateSegments = preallocateSegments
        if let maximumIdleSpin { options.maximumIdleSpin = maximumIdleSpin }
        let fsyncTimes = Mutex<[Double]>([])
        options.commitObserver = { event in
            fsyncTimes.withLock { $0.append(Statistics.seconds(event.fsyncDuration) * 1e6) }
        }
        let journal = try await Journal.open(at: path, options: options, logger: quietLogger)
        if warm, prepareSpareSegments, preallocateSegments { try await warmUp(journal) }
        fsyncTimes.withLock { $0.removeAll() }
        let before = await journal.statistics()
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<appenders {
                group.addTask {
                    var mine: [Double] = []
                    mine.reserveCapacity(100_000)
                    let record = AppendRecord(payload: payload, isJSON: true)
                    // One clock reading per append: it ends one append's
                    // latency and starts the next's.
                    var now = clock.now
                    while now < deadline {
                        let sent = now
                        _ = try await journal.append(record)
                        now = clock.now
                        mine.append(Statistics.seconds(now - sent) * 1e6)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        let elapsed = Statistics.seconds(clock.now - started)
        let after = await journal.statistics()
        await journal.close()
        removeTree(path.string)
        let requests = Double(after.requests - before.requests)
        let fsyncs = Double(max(1, after.fsyncs - before.fsyncs))
        return Figure(
            rate: Double(latencies.count) / elapsed, p50: Statistics.percentile(latencies, 0.5),
            p99: Statistics.percentile(latencies, 0.99), requestsPerFsync: requests / fsyncs,
            fsyncMicroseconds: (after.fsyncSeconds - before.fsyncSeconds) / fsyncs * 1e6,
            fsyncP99: Statistics.percentile(fsyncTimes.withLock { $0 }, 0.99))
    }

    /// Fills the first segment past the point where its spare is made, waits
    /// for the spare, and moves into it with one more append.
    static func warmUp(_ journal: Journal) async throws {
        let batch = [AppendRecord](repeating: AppendRecord(payload: payload, isJSON: true), count: 1000)
        while journal.bounds.end < 4 << 20 { _ = try await journal.append(batch) }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while !journal.isSpareSegmentReady, clock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        _ = try await journal.append(AppendRecord(payload: payload, isJSON: true))
    }
}
