import ArgumentParser
import Journal
import SystemPackage

/// `stele verify DIR`: every header and record checked, nothing changed.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data directory without changing it.",
        discussion: """
            Exit status: 0 clean; 1 opening would repair it (cut a torn tail, recreate an \
            empty newest segment); 3 corruption of acknowledged data (opening refuses); \
            2 other errors.
            """)

    @Argument(help: "The data directory.")
    var directory: String

    func run() throws {
        let verdict: JournalVerifier.Verdict
        do {
            verdict = try JournalVerifier.verify(FilePath(directory))
        } catch {
            printError("stele verify: \(error)")
            throw ExitCodes.failure
        }
        switch verdict {
        case .clean(let report), .repairable(let report):
            print("segments \(report.segments), records \(report.records), bytes \(report.bytes), "
                + "start \(report.start), end \(report.end), cursors \(report.cursors)")
            for action in report.actions { print("would repair: \(action)") }
            print(verdict.exitCode == 0 ? "clean" : "repairable: opening would make the repairs above")
        case .corrupt(let corruption):
            print("corruption: \(corruption)")
        }
        if verdict.exitCode != 0 { throw ExitCode(verdict.exitCode) }
    }
}
