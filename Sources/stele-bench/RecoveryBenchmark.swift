import Journal
import SystemPackage

/// Opening (recovering and verifying) a large journal with a warm page cache,
/// and opening an empty one.
enum RecoveryBenchmark {
    /// Writes `bytes` of 256-byte records, then times `repetitions` opens.
    static func run(directory: String, bytes: Int, repetitions: Int) async throws
        -> (gigabytesPerSecond: Double, seconds: Double, residentMiB: Double, emptyOpenMilliseconds: Double)
    {
        let path = FilePath(directory).appending("recovery")
        removeTree(path.string)
        let writer = try await Journal.open(at: path, options: JournalOptions(durability: .group), logger: quietLogger)
        let record = AppendRecord(payload: AppendBenchmark.payload, isJSON: true)
        let batch = [AppendRecord](repeating: record, count: 1000)
        while writer.bounds.end < UInt64(bytes) {
            _ = try await writer.append(batch)
        }
        await writer.close()
        var timings: [Double] = []
        var resident = 0.0  // growth of RSS across an open, MiB
        var total: UInt64 = 0
        for _ in 0..<repetitions {
            let before = residentMebibytes()
            let clock = ContinuousClock()
            let started = clock.now
            let journal = try await Journal.open(at: path, logger: quietLogger)
            timings.append(Statistics.seconds(clock.now - started))
            total = journal.bounds.end - journal.bounds.start
            resident = residentMebibytes() - before
            await journal.close()
        }
        removeTree(path.string)

        let emptyPath = FilePath(directory).appending("empty")
        var emptyTimings: [Double] = []
        for _ in 0..<max(3, repetitions) {
            removeTree(emptyPath.string)
            let created = try await Journal.open(at: emptyPath, logger: quietLogger)
            await created.close()
            let clock = ContinuousClock()
            let started = clock.now
            let journal = try await Journal.open(at: emptyPath, logger: quietLogger)
            emptyTimings.append(Statistics.seconds(clock.now - started) * 1000)
            await journal.close()
        }
        removeTree(emptyPath.string)
        let seconds = Statistics.median(timings)
        return (Double(total) / seconds / 1e9, seconds, resident, Statistics.median(emptyTimings))
    }
}
