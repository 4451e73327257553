import ArgumentParser

/// `stele-bench`'s command line; `stele-bench --help` lists it.
struct BenchmarkOptions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stele-bench",
        abstract: "The engine's micro-benchmarks: medians of several runs, beside the disk's own write+fdatasync rate.")

    @Flag(help: "A short smoke run: 1 repetition, 0.5 s per append run, a 64 MiB recovery journal.")
    var quick = false

    @Option(help: "Runs per figure; each figure is their median.")
    var repetitions: Int?

    @Option(help: "Seconds per append run.")
    var seconds: Double?

    @Option(name: .customLong("dir"), help: "Scratch directory, on the disk being measured.")
    var directory = "/tmp/stele-bench"

    @Option(help: "Size of the journal whose recovery is timed, in bytes.")
    var recoveryBytes: Int?

    @Option(help: "Comma-separated sections to run: disk, checksums, append, recovery.")
    var sections = "disk,checksums,append,recovery"

    @Option(name: .customLong("appenders"), help: "Comma-separated counts of concurrent appenders.")
    var appenderList = "1,16,64"

    @Option(name: .customLong("durability"), help: "Comma-separated durability levels: immediate, group.")
    var durabilityList = "immediate,group"

    @Flag(name: .customLong("no-spare"), help: "Write no segment ahead of use, to see what that costs.")
    var noSpare = false

    @Flag(help: "Time a new journal from its first append, in its first segment, which is not a prepared one.")
    var cold = false

    @Option(name: .customLong("idle-spin-us"), help: "The journal thread's idle spin, as `stele serve --idle-spin-us`.")
    var idleSpinMicroseconds: Int?

    func validate() throws {
        let unknown = sectionSet.subtracting(["disk", "checksums", "append", "recovery"])
        guard unknown.isEmpty else { throw ValidationError("unknown section(s): \(unknown.sorted().joined(separator: ", "))") }
        guard appenderCounts.count == appenderList.split(separator: ",").count, appenderCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--appenders takes positive whole numbers, comma-separated")
        }
        guard durabilities.allSatisfy({ ["immediate", "group"].contains($0) }) else {
            throw ValidationError("--durability takes immediate and/or group")
        }
        guard effectiveRepetitions > 0, effectiveSeconds > 0, effectiveRecoveryBytes > 0 else {
            throw ValidationError("--repetitions, --seconds and --recovery-bytes must be positive")
        }
    }

    var effectiveRepetitions: Int { repetitions ?? (quick ? 1 : 5) }
    var effectiveSeconds: Double { seconds ?? (quick ? 0.5 : 3.0) }
    var effectiveRecoveryBytes: Int { recoveryBytes ?? (quick ? 64 << 20 : 1 << 30) }
    var sectionSet: Set<String> { Set(sections.split(separator: ",").map(String.init)) }
    var appenderCounts: [Int] { appenderList.split(separator: ",").compactMap { Int($0) } }
    var durabilities: [String] { durabilityList.split(separator: ",").map(String.init) }
    /// Whether the journal writes the next segment ahead of use (its default).
    var prepareSpareSegments: Bool { !noSpare }
}
