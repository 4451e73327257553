// A child process for crash tests: it opens a journal, appends from many
// concurrent tasks, and writes one line to standard output per acknowledged
// append — `ack OFFSET NEXT BLAKE3` — and per durable cursor move —
// `cursor NAME OFFSET` — so the test that kills it with SIGKILL knows exactly
// what was acknowledged. It never stops by itself before `--seconds` pass.
#if canImport(Glibc)
import Glibc
#endif
import Journal
import JournalTesting
import Synchronization
import SystemPackage

struct Arguments {
    var directory = ""
    var durability = Durability.immediate
    var appenders = 8
    var seconds = 10.0
    var segmentMaxBytes = 1 << 20
    var cursors = false
    var seed: UInt64 = 1

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--dir": directory = value
            case "--durability": durability = Durability(rawValue: value) ?? .immediate
            case "--appenders": appenders = Int(value) ?? 8
            case "--seconds": seconds = Double(value) ?? 10
            case "--segment-max-bytes": segmentMaxBytes = Int(value) ?? 1 << 20
            case "--cursors": cursors = value == "yes"
            case "--seed": seed = UInt64(value) ?? 1
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

/// Acknowledgement lines, written with one write(2) each so a kill never splits one.
let output = Mutex(())
func emit(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    output.withLock { _ in
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }
}

func payload(appender: Int, sequence: Int, random: inout SplitMix64) -> AppendRecord {
    if random.next() % 2 == 0 {
        let text = #"{"appender":\#(appender),"sequence":\#(sequence),"pad":"\#(String(repeating: "x", count: Int(random.next() % 300)))"}"#
        return AppendRecord(payload: Array(text.utf8), isJSON: true)
    }
    let count = 1 + Int(random.next() % 2000)
    return AppendRecord(payload: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }, isJSON: false)
}

let arguments = Arguments(CommandLine.arguments)
var options = JournalOptions(durability: arguments.durability)
options.segmentMaxBytes = arguments.segmentMaxBytes
let journal: Journal
do {
    journal = try await Journal.open(at: FilePath(arguments.directory), options: options)
} catch {
    emit("error \(error)")
    exit(3)
}
emit("ready \(journal.bounds.end)")
let deadline = ContinuousClock.now + .seconds(arguments.seconds)
await withTaskGroup(of: Void.self) { group in
    for appender in 0..<arguments.appenders {
        group.addTask {
            var random = SplitMix64(seed: arguments.seed &* 1000 &+ UInt64(appender))
            var sequence = 0
            while ContinuousClock.now < deadline {
                let count = random.next() % 8 == 0 ? 1 + Int(random.next() % 5) : 1
                let records = (0..<count).map { _ in
                    defer { sequence += 1 }
                    return payload(appender: appender, sequence: sequence, random: &random)
                }
                // A batch's records, before it is sent: after a kill the test
                // finds all of them in the journal or none (all or nothing).
                if count > 1 { emit("batch \(records.map(\.digest.hex).joined(separator: ","))") }
                do {
                    for appended in try await journal.append(records) {
                        emit("ack \(appended.offset) \(appended.next) \(appended.digest)")
                    }
                } catch {
                    emit("refused \(error)")
                }
            }
        }
    }
    if arguments.cursors {
        group.addTask {
            var round = 0
            while ContinuousClock.now < deadline {
                round += 1
                let end = journal.bounds.end
                do {
                    try await journal.setCursor(named: "reader", to: end)
                    emit("cursor reader \(end)")
                    if round % 5 == 0 {
                        let report = try await journal.cleanup()
                        emit("cleanup \(report.deleted.count) \(report.start)")
                    }
                } catch {
                    emit("refused \(error)")
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
    }
}
await journal.close()
emit("done")
