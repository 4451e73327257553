// `make bench`: the engine's micro-benchmarks, each figure a median of several
// runs, printed beside the machine's own write+fdatasync rate.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Journal

let options = BenchmarkOptions.parseOrExit()
mkdir(options.directory, 0o755)
print("stele-bench: \(options.effectiveRepetitions) repetitions, medians; scratch in \(options.directory)")

if options.sections.contains("disk") {
    for preallocated in [false, true] {
        let runs = (0..<options.effectiveRepetitions).map { _ in
            DiskBenchmark.run(directory: options.directory, preallocated: preallocated, seconds: options.effectiveSeconds)
        }
        let rate = Statistics.median(runs.map(\.rate))
        print("disk   write+fdatasync 256 B, \(Column.text(preallocated ? "preallocated file" : "file grows", 18))"
            + "\(Column.number(rate, 9)) ops/s  p50 \(Column.number(Statistics.median(runs.map(\.p50)), 6)) us"
            + "  p99 \(Column.number(Statistics.median(runs.map(\.p99)), 6)) us")
    }
}

if options.sections.contains("checksums") {
    for figure in ChecksumBenchmark.run(repetitions: options.effectiveRepetitions) {
        print("sum    \(Column.text(figure.name, 24))\(Column.number(Double(figure.size), 8)) B"
            + "  \(Column.number(figure.gigabytesPerSecond, 7, decimals: 2)) GB/s")
    }
}

if options.sections.contains("append") {
    // The disk's rate drifts by tens of percent within minutes on a shared
    // machine, so each run is set against the raw loop measured just before
    // it, on the same disk: the ratios are medians of those pairs.
    let loopSeconds = max(0.5, options.effectiveSeconds / 3)
    for durability in Durability.allCases where options.durabilities.contains(durability.rawValue) {
        for appenders in options.appenderCounts {
            var figures: [AppendBenchmark.Figure] = []
            var toGrowing: [Double] = []
            var toPreallocated: [Double] = []
            for _ in 0..<options.effectiveRepetitions {
                let growing = DiskBenchmark.run(directory: options.directory, preallocated: false, seconds: loopSeconds).rate
                let preallocated = DiskBenchmark.run(directory: options.directory, preallocated: true, seconds: loopSeconds).rate
                let figure = try await AppendBenchmark.run(
                    directory: options.directory, durability: durability, appenders: appenders, seconds: options.effectiveSeconds,
                    prepareSpareSegments: options.prepareSpareSegments,
                    preallocateSegments: !options.noPreallocate, warm: !options.cold,
                    maximumIdleSpin: options.idleSpinMicroseconds.map { .microseconds($0) })
                figures.append(figure)
                toGrowing.append(figure.rate / growing)
                toPreallocated.append(figure.rate / preallocated)
            }
            let rate = Statistics.median(figures.map(\.rate))
            print("append \(Column.text(durability.rawValue, 10))\(Column.number(Double(appenders), 3)) appenders"
                + "\(Column.number(rate, 9)) appends/s"
                + " \(Column.number(Statistics.median(toGrowing), 6, decimals: 2))x loop grows"
                + " \(Column.number(Statistics.median(toPreallocated), 6, decimals: 2))x prealloc"
                + "  p50 \(Column.number(Statistics.median(figures.map(\.p50)), 6)) us"
                + "  p99 \(Column.number(Statistics.median(figures.map(\.p99)), 6)) us"
                + "  \(Column.number(Statistics.median(figures.map(\.requestsPerFsync)), 6, decimals: 1)) req/fsync"
                + "  fsync \(Column.number(Statistics.median(figures.map(\.fsyncMicroseconds)), 5)) us"
                + " (p99 \(Column.number(Statistics.median(figures.map(\.fsyncP99)), 5)) us)"
                + "  p99 = \(Column.number(Statistics.median(figures.map { $0.p99 / $0.fsyncMicroseconds }), 0, decimals: 1)) fsyncs")
        }
    }
}

if options.sections.contains("recovery") {
    let result = try await RecoveryBenchmark.run(
        directory: options.directory, bytes: options.effectiveRecoveryBytes, repetitions: options.effectiveRepetitions)
    print("open   \(options.effectiveRecoveryBytes >> 20) MiB journal, warm cache \(Column.number(result.gigabytesPerSecond, 7, decimals: 2)) GB/s"
        + "  (\(Column.number(result.seconds, 0, decimals: 3)) s)  RSS growth \(Column.number(result.residentMiB, 0, decimals: 1)) MiB")
    print("open   empty journal \(Column.number(result.emptyOpenMilliseconds, 7, decimals: 2)) ms")
}
