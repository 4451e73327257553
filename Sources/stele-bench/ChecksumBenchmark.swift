internal import CChecksums
internal import Checksums

/// Throughput of the checksums on the append hot path: CRC32C (the SSE4.2
/// path when the CPU has it, and the portable table path) and BLAKE3 (the
/// best implementation for this CPU), each over one buffer of 64 B, 256 B,
/// 4 KiB and 1 MiB; and BLAKE3 of many independent messages at once
/// (`BLAKE3Hasher.hashMessages`, as recovery verifies records): batches of
/// 256 distinct messages of 64 B, 256 B or 1 KiB each, laid end to end,
/// the figure's size being the message size.
///
/// Each figure is the median of `repetitions` timed runs; a run repeats the
/// checksum over the same buffer for about 0.2 s, measured with
/// `ContinuousClock`. Throughput is in decimal gigabytes (10^9 bytes) per
/// second.
enum ChecksumBenchmark {
    static let sizes = [64, 256, 4096, 1 << 20]
    static let messageSizes = [64, 256, 1024]
    static let messagesPerBatch = 256
    static let targetRunSeconds = 0.2

    static func run(repetitions: Int) -> [(name: String, size: Int, gigabytesPerSecond: Double)] {
        precondition(repetitions > 0, "at least one repetition")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: sizes.max()!, alignment: 64)
        defer { buffer.deallocate() }
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = UInt8.random(in: 0...255, using: &generator) }

        let blake3Name = "blake3 " + implementationName(stele_blake3_current_implementation())
        var figures: [(name: String, size: Int, gigabytesPerSecond: Double)] = []
        for size in sizes {
            let input = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
            if stele_crc32c_has_hardware() {
                let speed = medianThroughput(of: input, repetitions: repetitions) {
                    UInt64(stele_crc32c_hardware(0, $0.baseAddress, $0.count))
                }
                let kernel = stele_crc32c_hardware_prefers_folding() ? "folding" : "lanes"
                figures.append((name: "crc32c hardware (\(kernel))", size: size, gigabytesPerSecond: speed))
                let lanes = medianThroughput(of: input, repetitions: repetitions) {
                    UInt64(stele_crc32c_hardware_lanes(0, $0.baseAddress, $0.count))
                }
                figures.append((name: "crc32c hw lanes", size: size, gigabytesPerSecond: lanes))
                let folding = medianThroughput(of: input, repetitions: repetitions) {
                    UInt64(stele_crc32c_hardware_folding(0, $0.baseAddress, $0.count))
                }
                figures.append((name: "crc32c hw folding", size: size, gigabytesPerSecond: folding))
            }
            let portable = medianThroughput(of: input, repetitions: repetitions) {
                UInt64(stele_crc32c_portable(0, $0.baseAddress, $0.count))
            }
            figures.append((name: "crc32c portable", size: size, gigabytesPerSecond: portable))
            let blake3 = medianThroughput(of: input, repetitions: repetitions) {
                BLAKE3Hasher.hash($0).withUnsafeBytes { $0.load(as: UInt64.self) }
            }
            figures.append((name: blake3Name, size: size, gigabytesPerSecond: blake3))
        }

        let manyName = "blake3 many messages " + implementationName(stele_blake3_current_implementation())
        let messages = UnsafeMutableBufferPointer<UnsafeRawBufferPointer>.allocate(capacity: messagesPerBatch)
        let digests = UnsafeMutableBufferPointer<BLAKE3Digest>.allocate(capacity: messagesPerBatch)
        defer {
            messages.deallocate()
            digests.deallocate()
        }
        for size in messageSizes {
            for index in 0..<messagesPerBatch {
                messages[index] = UnsafeRawBufferPointer(rebasing: buffer[index * size..<(index + 1) * size])
            }
            let batch = UnsafeRawBufferPointer(rebasing: buffer[0..<messagesPerBatch * size])
            let speed = medianThroughput(of: batch, repetitions: repetitions) { _ in
                BLAKE3Hasher.hashMessages(UnsafeBufferPointer(messages), into: digests)
                return digests[messagesPerBatch - 1].withUnsafeBytes { $0.load(as: UInt64.self) }
            }
            figures.append((name: manyName, size: size, gigabytesPerSecond: speed))
        }
        return figures
    }

    private static func implementationName(_ implementation: stele_blake3_implementation) -> String {
        switch implementation {
        case STELE_BLAKE3_AVX512: "avx512"
        case STELE_BLAKE3_AVX2: "avx2"
        case STELE_BLAKE3_SSE41: "sse4.1"
        default: "portable"
        }
    }

    /// The median over `repetitions` runs of bytes per nanosecond (= GB/s).
    private static func medianThroughput(
        of input: UnsafeRawBufferPointer, repetitions: Int,
        _ checksum: (UnsafeRawBufferPointer) -> UInt64
    ) -> Double {
        // Calibrate: double the iteration count until a run takes at least
        // 20 ms, then scale it to the target run length.
        var iterations = 1
        var seconds = timeRun(of: input, iterations: iterations, checksum)
        while seconds < 0.02 {
            iterations *= 2
            seconds = timeRun(of: input, iterations: iterations, checksum)
        }
        iterations = max(1, Int((Double(iterations) * targetRunSeconds / seconds).rounded(.up)))

        var speeds: [Double] = []
        for _ in 0..<repetitions {
            let elapsed = timeRun(of: input, iterations: iterations, checksum)
            speeds.append(Double(input.count) * Double(iterations) / elapsed / 1e9)
        }
        speeds.sort()
        let middle = speeds.count / 2
        return speeds.count % 2 == 1 ? speeds[middle] : (speeds[middle - 1] + speeds[middle]) / 2
    }

    /// Seconds taken by `iterations` checksums of `input`.
    private static func timeRun(
        of input: UnsafeRawBufferPointer, iterations: Int,
        _ checksum: (UnsafeRawBufferPointer) -> UInt64
    ) -> Double {
        let clock = ContinuousClock()
        var sink: UInt64 = 0
        let start = clock.now
        for _ in 0..<iterations { sink ^= checksum(input) }
        let elapsed = clock.now - start
        keep(sink)
        let (wholeSeconds, attoseconds) = elapsed.components
        return Double(wholeSeconds) + Double(attoseconds) * 1e-18
    }

    /// Uses a result so the optimizer cannot drop the work that produced it.
    @inline(never)
    private static func keep(_ value: UInt64) {
        if value == 0x5EED_5EED_5EED_5EED { print("", terminator: "") }
    }
}
