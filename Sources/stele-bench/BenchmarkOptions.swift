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

    @Option(help: "Comma-separated sections to run: disk, checksums, append, recovery (default: all).",
            transform: { try commaSeparated($0, as: "section") { ["disk", "checksums", "append", "recovery"].contains($0) ? $0 : nil } })
    var sections = ["disk", "checksums", "append", "recovery"]

    @Option(name: .customLong("appenders"), help: "Comma-separated positive counts of concurrent appenders (default: 1,16,64).",
            transform: { try commaSeparated($0, as: "appender count") { Int($0).flatMap { $0 > 0 ? $0 : nil } } })
    var appenderCounts = [1, 16, 64]

    @Option(name: .customLong("durability"), help: "Comma-separated durability levels: immediate, group (default: both).",
            transform: { try commaSeparated($0, as: "durability") { ["immediate", "group"].contains($0) ? $0 : nil } })
    var durabilities = ["immediate", "group"]

    @Flag(name: .customLong("no-spare"), help: "Write no segment ahead of use, to see what that costs.")
    var noSpare = false

    @Flag(name: .customLong("no-preallocate"), help: "Allocate no segment space ahead: every write grows the file.")
    var noPreallocate = false

    @Flag(help: "Time a new journal from its first append, in its first segment, which is not a prepared one.")
    var cold = false

    @Option(name: .customLong("idle-spin-us"), help: "The journal thread's idle spin, as `stele serve --idle-spin-us`.")
    var idleSpinMicroseconds: Int?

    func validate() throws {
        guard effectiveRepetitions > 0, effectiveSeconds > 0, effectiveRecoveryBytes > 0 else {
            throw ValidationError("--repetitions, --seconds and --recovery-bytes must be positive")
        }
    }

    var effectiveRepetitions: Int { repetitions ?? (quick ? 1 : 5) }
    var effectiveSeconds: Double { seconds ?? (quick ? 0.5 : 3.0) }
    var effectiveRecoveryBytes: Int { recoveryBytes ?? (quick ? 64 << 20 : 1 << 30) }
    /// Whether the journal writes the next segment ahead of use (its default).
    var prepareSpareSegments: Bool { !noSpare }
}

/// The items of a comma-separated list, each made by `item` (nil: refused).
private func commaSeparated<Item>(_ text: String, as kind: String, _ item: (String) -> Item?) throws -> [Item] {
    try text.split(separator: ",").map { piece in
        guard let made = item(String(piece)) else { throw ValidationError("unknown \(kind): \(piece)") }
        return made
    }
}
