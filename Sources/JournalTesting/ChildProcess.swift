package import Foundation

/// A product of this package run as a child process, its standard output
/// going to a file so the child never blocks on a full pipe.
package final class ChildProcess {
    package let process = Process()
    package let outputURL: URL

    /// The directory holding the package's built executables (beside the test bundle).
    package static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "")
        var directory = executable.deletingLastPathComponent()
        // The test binary may sit inside a `.xctest` bundle directory.
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }

    /// Starts `product` with `arguments`; `environment` adds to (or replaces
    /// entries of) the environment the child inherits.
    package init(product: String, arguments: [String], outputURL: URL, environment: [String: String] = [:]) throws {
        self.outputURL = outputURL
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputURL.path])
        }
        process.executableURL = Self.productsDirectory.appendingPathComponent(product)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = FileHandle.standardError
        try process.run()
    }

    package var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    package var lines: [Substring] { output.split(separator: "\n") }

    /// Waits until a line starting with `prefix` appears, or the deadline passes.
    package func waitForLine(startingWith prefix: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lines.contains(where: { $0.hasPrefix(prefix) }) { return true }
            if !process.isRunning { return lines.contains(where: { $0.hasPrefix(prefix) }) }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    package func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    package func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
