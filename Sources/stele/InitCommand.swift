import ArgumentParser
import Journal
import SystemPackage

/// `stele init DIR`: create an empty journal (or check that one opens).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty journal in a data directory, or recover and check an existing one.")

    @Argument(help: "The data directory.")
    var directory: String

    func run() async throws {
        do {
            let journal = try await Journal.open(at: FilePath(directory))
            let (start, end) = journal.bounds
            await journal.close()
            print("journal ready in \(directory): start \(start), end \(end)")
        } catch {
            printError("stele init: \(error)")
            if case .corruption = error { throw ExitCodes.corruption }
            throw ExitCodes.failure
        }
    }
}
