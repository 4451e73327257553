/// `stele-bench` arguments: `--quick` for a short smoke run, `--repetitions N`,
/// `--seconds S` per append run, `--dir PATH` for scratch files (same disk as data),
/// `--sections disk,checksums,append,recovery`, `--appenders 1,16,64`, `--durability immediate,group`,
/// `--no-spare` (no segment written ahead of use, to see what that costs),
/// `--cold` (time a new journal from its first append, in its first segment, which is not a prepared one),
/// `--idle-spin-us N` (the journal thread's idle spin, as `stele serve --idle-spin-us`; the engine's default otherwise).
struct BenchmarkOptions {
    var repetitions = 5
    var seconds = 3.0
    var directory = "/tmp/stele-bench"
    var recoveryBytes = 1 << 30
    var sections: Set<String> = ["disk", "checksums", "append", "recovery"]
    var appenderCounts = [1, 16, 64]
    var durabilities = ["immediate", "group"]
    /// Whether the journal writes the next segment ahead of use (its default).
    var prepareSpareSegments = true
    /// Whether append runs start on a new journal instead of one already writing into a prepared segment.
    var cold = false
    /// The journal thread's longest idle spin, when given.
    var idleSpinMicroseconds: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--quick":
                repetitions = 1
                seconds = 0.5
                recoveryBytes = 64 << 20
            case "--repetitions": repetitions = Int(iterator.next() ?? "") ?? repetitions
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--dir": directory = iterator.next() ?? directory
            case "--recovery-bytes": recoveryBytes = Int(iterator.next() ?? "") ?? recoveryBytes
            case "--appenders":
                appenderCounts = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--durability":
                durabilities = (iterator.next() ?? "").split(separator: ",").map(String.init)
            case "--no-spare": prepareSpareSegments = false
            case "--cold": cold = true
            case "--idle-spin-us": idleSpinMicroseconds = Int(iterator.next() ?? "")
            case "--sections": sections = Set((iterator.next() ?? "").split(separator: ",").map(String.init))
            default: print("unknown argument \(argument)")
            }
        }
    }
}
