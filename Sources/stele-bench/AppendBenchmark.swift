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

    static func run(directory: String, durability: Durability, appenders: Int, seconds: Double, prepareSpareSegments: Bool = true) async throws -> Figure {
        let path = FilePath(directory).appending("append-\(durability.rawValue)-\(appenders)")
        removeTree(path.string)
        var options = JournalOptions(durability: durability)
        options.prepareSpareSegments = prepareSpareSegments
        let fsyncTimes = Mutex<[Double]>([])
        options.commitObserver = { event in
            fsyncTimes.withLock { $0.append(Statistics.seconds(event.fsyncDuration) * 1e6) }
        }
        let journal = try await Journal.open(at: path, options: options, logger: quietLogger)
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
}
