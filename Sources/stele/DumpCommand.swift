import ArgumentParser
import Journal
import SteleService
import SystemPackage

/// `stele dump DIR`: print records, optionally following a live writer.
struct DumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print a journal's records (read-only; works beside a running server).")

    @Argument(help: "The data directory.")
    var directory: String

    @Option(help: "Start at this offset (a record boundary); default: the journal's start.")
    var from: UInt64?

    @Flag(help: "Keep waiting for new records, re-reading the directory. Beside a running server this shows every record it has written, which may be a moment ahead of what it has fsynced and acknowledged (a crash of the server keeps them; a power cut may not).")
    var follow = false

    @Flag(help: "One read-shaped JSON object per record and line (NDJSON).")
    var json = false

    @Option(help: "Stop after this many records.")
    var limit: Int?

    func run() async throws {
        let follower: JournalFollower
        do {
            follower = try JournalFollower(at: FilePath(directory))
        } catch {
            printError("stele dump: \(error)")
            throw error.isCorruption ? ExitCodes.corruption : ExitCodes.failure
        }
        var offset = from ?? follower.bounds.start
        var printed = 0
        var output = StandardOutput()
        while limit.map({ printed < $0 }) ?? true {
            let batch: ReadBatch
            do {
                batch = try follower.read(from: offset, limit: min(1000, (limit ?? .max) - printed))
            } catch {
                printError("stele dump: \(error)")
                throw error.isCorruption ? ExitCodes.corruption : ExitCodes.failure
            }
            do throws(Errno) {
                for record in batch.records { try output.write(record, json: json) }
                try output.flush()
            } catch .brokenPipe {
                return  // the reader has gone (`| head`): nothing more to say
            } catch {
                printError("stele dump: cannot write the records: \(error)")
                throw ExitCodes.failure
            }
            printed += batch.records.count
            offset = batch.next
            if batch.records.isEmpty {
                guard follow else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

extension JournalError {
    var isCorruption: Bool {
        switch self {
        case .corruption, .corruptRecord: true
        default: false
        }
    }
}
