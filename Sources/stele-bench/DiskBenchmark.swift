#if canImport(Glibc)
import Glibc
#endif

/// The machine's own write+fdatasync loop: 256-byte records appended to a
/// file that grows, and written into a preallocated file — the ceiling for
/// `immediate` durability.
enum DiskBenchmark {
    /// Operations per second and p50/p99 latency in microseconds.
    static func run(directory: String, preallocated: Bool, seconds: Double) -> (rate: Double, p50: Double, p99: Double) {
        let path = directory + "/fsync-probe.dat"
        unlink(path)
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        defer {
            close(fd)
            unlink(path)
        }
        let record = [UInt8](repeating: 0x61, count: 256)
        let region = 256 << 20
        if preallocated {
            _ = posix_fallocate(fd, 0, off_t(region))
            fsync(fd)
        }
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        var offset = 0
        let started = clock.now
        while clock.now < deadline, offset + 256 <= region {
            let before = clock.now
            _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, 256, off_t(offset)) }
            fdatasync(fd)
            latencies.append(Statistics.seconds(clock.now - before) * 1e6)
            offset += 256
        }
        let elapsed = Statistics.seconds(clock.now - started)
        return (Double(latencies.count) / elapsed, Statistics.percentile(latencies, 0.5), Statistics.percentile(latencies, 0.99))
    }
}
