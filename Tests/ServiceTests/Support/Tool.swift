import Foundation
import Glibc

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

    /// Runs `name arguments`; standard output and error together, killed
    /// after `timeout` (status -1 then).
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Outcome {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stele-tool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try SpawnedProcess(
            path: find(name) ?? "/usr/bin/\(name)", arguments: arguments, environment: ProcessInfo.processInfo.environment,
            standardOutput: output.path, standardError: output.path)
        var status: Int32 = -1
        switch await process.exit(within: timeout) {
        case .exited(let code): status = code
        case .signalled(let number): status = 128 + number
        case nil:
            process.signal(SIGKILL)
            _ = await process.exit(within: .seconds(5))
        }
        return Outcome(status: status, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
