// `make bench`: the engine's micro-benchmarks, each figure a median of several
// runs, printed beside the machine's own write+fdatasync rate.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Journal

let options = BenchmarkOptions(CommandLine.arguments)
mkdir(options.directory, 0o755)
print("stele-bench: \(options.repetitions) repetitions, medians; scratch in \(options.directory)")

var rawRate = 0.0
if options.sections.contains("disk") {
    for preallocated in [false, true] {
        let runs = (0..<options.repetitions).map { _ in
            DiskBenchmark.run(directory: options.directory, preallocated: preallocated, seconds: options.seconds)
        }
        let rate = Statistics.median(runs.map(\.rate))
        if !preallocated { rawRate = rate }
        print(String(format: "disk   write+fdatasync 256 B, %@  %8.0f ops/s  p50 %6.0f us  p99 %6.0f us",
                     preallocated ? "preallocated file" : "file grows       ", rate,
                     Statistics.median(runs.map(\.p50)), Statistics.median(runs.map(\.p99))))
    }
}

if options.sections.contains("checksums") {
    for figure in ChecksumBenchmark.run(repetitions: options.repetitions) {
        print(String(format: "sum    %-22@ %8d B  %7.2f GB/s", figure.name, figure.size, figure.gigabytesPerSecond))
    }
}

if options.sections.contains("append") {
    for durability in Durability.allCases {
        for appenders in [1, 16, 64] {
            var figures: [AppendBenchmark.Figure] = []
            for _ in 0..<options.repetitions {
                figures.append(try await AppendBenchmark.run(
                    directory: options.directory, durability: durability, appenders: appenders, seconds: options.seconds))
            }
            let rate = Statistics.median(figures.map(\.rate))
            print(String(format: "append %-9@ %3d appenders  %8.0f appends/s  %6.2fx raw  p50 %6.0f us  p99 %6.0f us  %5.1f req/fsync",
                         durability.rawValue, appenders, rate, rawRate > 0 ? rate / rawRate : 0,
                         Statistics.median(figures.map(\.p50)), Statistics.median(figures.map(\.p99)),
                         Statistics.median(figures.map(\.requestsPerFsync))))
        }
    }
}

if options.sections.contains("recovery") {
    let result = try await RecoveryBenchmark.run(
        directory: options.directory, bytes: options.recoveryBytes, repetitions: options.repetitions)
    print(String(format: "open   %d MiB journal, warm cache  %6.2f GB/s  (%.3f s)  RSS %.1f MiB",
                 options.recoveryBytes >> 20, result.gigabytesPerSecond, result.seconds, result.residentMiB))
    print(String(format: "open   empty journal  %6.2f ms", result.emptyOpenMilliseconds))
}
