import ArgumentParser
import Journal
import SystemPackage

/// `stele repair DIR --truncate-at OFFSET`: the operator cuts the log.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Cut the log at an offset, keeping everything cut in quarantine/.",
        discussion: """
            Copies the bytes from OFFSET to the end of its segment, and every later segment, \
            into quarantine/, cuts the log at OFFSET and moves cursors past it back to it. \
            OFFSET must be a record boundary with every record before it valid (stele verify \
            names the offset of the first bad record): otherwise it refuses, changing nothing, \
            and exits 2. The journal must not be running.
            """)

    @Argument(help: "The data directory.")
    var directory: String

    @Option(name: .customLong("truncate-at"), help: "The offset to cut at.")
    var offset: UInt64

    func run() throws {
        do {
            let outcome = try JournalRepair.truncate(FilePath(directory), at: offset)
            print("cut at \(outcome.end)")
            for name in outcome.quarantined { print("quarantined \(name)") }
            for name in outcome.cursorsMoved { print("cursor \(name) moved back to \(outcome.end)") }
        } catch {
            printError("stele repair: \(error)")
            throw ExitCodes.failure
        }
    }
}
