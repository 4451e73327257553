import Foundation

/// A command-line tool (openssl, curl) run to completion with a bound.
enum Tool {
    struct Outcome: Sendable {
        let status: Int32
        let output: String
    }

    /// The absolute path of `name` on PATH, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `name arguments`; standard output and error together, killed after `timeout`.
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: find(name) ?? "/usr/bin/\(name)")
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stele-tool-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try handle.close()
        return Outcome(status: process.terminationStatus, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
