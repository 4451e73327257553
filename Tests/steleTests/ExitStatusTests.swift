import Foundation
import JournalTesting
import Journal
import SystemPackage
import Testing

/// Exit statuses the operator's guide documents (docs/operations.md, "When it
/// refuses to start": 2 for "bad configuration"), and dump's output errors.
@Suite struct ExitStatusTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stele-exit-\(UUID().uuidString)")

    /// Runs the built `stele` with its standard output at `stdoutPath` (not removed
    /// afterwards) and returns its termination status and reason.
    func run(_ arguments: [String], stdout stdoutPath: String, environment: [String: String] = [:],
             within limit: Duration = .seconds(30)) async throws -> (status: Int32, reason: Process.TerminationReason)? {
        let process = Process()
        process.executableURL = ChildProcess.productsDirectory.appendingPathComponent("stele")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, process.terminationReason)
    }

    /// A bad setting, from a flag or a STELE_* variable, is "bad configuration": exit 2
    /// (docs/operations.md's exit table; `stele serve --help`: "2 on other failures").
    @Test(arguments: [
        (["--durability", "fast"], [String: String]()),
        ([], ["STELE_PORT": "tcp://10.0.0.1:8080"]),
        ([], ["STELE_LOG_LEVEL": "verbose"]),
        (["--token-file", "/nonexistent/stele-tokens"], [:]),
    ])
    func serve_withABadSetting_exitsWithTheDocumentedStatus2(flags: [String], environment: [String: String]) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["serve", "--host", "127.0.0.1", "--data-dir", directory.path] + (flags.contains("--port") || environment["STELE_PORT"] != nil ? [] : ["--port", "0"]) + flags
        guard let (status, reason) = try await run(arguments, stdout: "/dev/null", environment: environment) else {
            Issue.record("stele serve started with \(flags) \(environment)")
            return
        }
        #expect(reason == .exit)
        #expect(status == 2, "stele serve \(flags) \(environment) exited \(status)")
    }

    /// An absurd but parseable limit is refused like any other, not a crash (SIGILL from an overflow trap).
    @Test func serve_withAHugeConnectionLimit_isRefusedNotCrashed() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", directory.path,
                         "--threads", "2", "--max-connections", "4611686018427387904"]
        guard let (status, reason) = try await run(arguments, stdout: "/dev/null") else {
            Issue.record("stele serve started with a connection limit of 2^62")
            return
        }
        #expect(reason == .exit, "stele serve was killed by signal \(status)")
        #expect(status == 2)
    }

    /// `stele dump DIR > file` on a full disk must not report success with the output lost.
    @Test func dump_whenStandardOutputCannotBeWritten_failsInsteadOfExiting0() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try await Journal.open(at: FilePath(directory.path))
        for index in 0..<10 { _ = try await journal.append(AppendRecord(payload: Array("{\"i\":\(index)}".utf8), isJSON: true)) }
        await journal.close()
        guard let (status, reason) = try await run(["dump", directory.path, "--json"], stdout: "/dev/full") else {
            Issue.record("stele dump did not finish")
            return
        }
        #expect(reason == .exit)
        #expect(status != 0, "stele dump > /dev/full exited 0: every record was lost and nothing said so")
    }
}
