import Foundation
import Glibc
import Synchronization

/// `stele serve --port 0 --data-dir DIR [flags]` as a child process: started,
/// its port read from the first stdout line, ready once `/readyz` says 200;
/// stopped with SIGTERM (SIGKILL after a bound) or killed outright. A server
/// still running when the object goes away is killed.
final class ServerProcess: @unchecked Sendable {
    /// Why a server did not come up.
    struct StartFailure: Error, CustomStringConvertible {
        let reason: String
        let standardError: String
        var description: String { "stele serve \(reason); stderr:\n\(standardError.suffix(3000))" }
    }

    let scratch: ScratchDirectory
    let dataDirectory: URL
    let flags: [String]
    private let process: SpawnedProcess
    private(set) var port: UInt16 = 0

    /// The server's resident memory now, in KiB (VmRSS).
    var residentKilobytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// Runs `body` while sampling the server's resident memory every 5 ms;
    /// returns its result and the highest sample (KiB).
    func peakResidentKilobytes<T: Sendable>(during body: () async throws -> T) async throws -> (T, Int) {
        let peak = Atomic<Int>(residentKilobytes ?? 0)
        let done = Atomic<Bool>(false)
        let sampler = Task.detached { [self] in
            while !done.load(ordering: .relaxed) {
                if let now = residentKilobytes, now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        defer { done.store(true, ordering: .relaxed) }
        let result = try await body()
        done.store(true, ordering: .relaxed)
        await sampler.value
        return (result, peak.load(ordering: .relaxed))
    }
    private let outputURL: URL
    private let errorURL: URL
    private let holdsSlot = Atomic<Bool>(true)

    /// Starts a server on `scratch/data` (or `dataDirectory`) and waits until it
    /// listens and, with `waitForReady`, until `/readyz` answers 200 over plain HTTP.
    /// `launcher` is a command the server runs under (its arguments end with
    /// the program to run, which follows them), such as strace injecting faults.
    /// With `launcherExecs` the launcher replaces itself with the server (as
    /// `env` does) instead of running it as its child. `environment` adds
    /// variables to the server's (LD_PRELOAD, say).
    static func start(
        in scratch: ScratchDirectory, dataDirectory: String = "data", flags: [String] = [], waitForReady: Bool = true,
        launcher: [String] = [], launcherExecs: Bool = false, environment: [String: String] = [:]
    ) async throws -> ServerProcess {
        await ServerSlots.shared.acquire()
        let server: ServerProcess
        do {
            server = try ServerProcess(
                scratch: scratch, dataDirectory: scratch.path(dataDirectory), flags: flags, launcher: launcher,
                launcherExecs: launcherExecs, environment: environment)
        } catch {
            ServerSlots.shared.release()
            throw error
        }
        do {
            try await server.waitUntilListening()
            if waitForReady { try await server.waitUntilReady() }
        } catch {
            server.kill()
            throw error
        }
        return server
    }

    private init(
        scratch: ScratchDirectory, dataDirectory: URL, flags: [String], launcher: [String], launcherExecs: Bool,
        environment added: [String: String]
    ) throws {
        self.scratch = scratch
        self.dataDirectory = dataDirectory
        self.flags = flags
        let name = "server-\(UUID().uuidString.prefix(8))"
        outputURL = scratch.path("\(name).out")
        errorURL = scratch.path("\(name).err")
        // The tests' own STELE_* variables must not configure the server.
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STELE_") }
            .merging(added) { _, new in new }
        let command = launcher + [SteleBinary.url.path, "serve", "--port", "0", "--data-dir", dataDirectory.path] + flags
        process = try SpawnedProcess(
            path: command[0], arguments: Array(command.dropFirst()),
            environment: environment, standardOutput: outputURL.path, standardError: errorURL.path)
        launched = !launcher.isEmpty && !launcherExecs
    }

    /// Whether the server runs under a launcher (then signals go to the launcher's child).
    private let launched: Bool

    /// The server's own process: the launcher's child when there is a launcher.
    private var serverPID: pid_t? {
        guard launched else { return process.pid }
        let children = try? String(contentsOfFile: "/proc/\(process.pid)/task/\(process.pid)/children", encoding: .utf8)
        return children?.split(separator: " ").first.flatMap { pid_t($0) }
    }

    deinit { kill() }

    var standardOutput: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// A new client for this server.
    func client(timeout: Duration = .seconds(20)) -> RawHTTPClient {
        RawHTTPClient(port: port, timeout: timeout)
    }

    private func waitUntilListening(timeout: Duration = .seconds(60)) async throws {
        let prefix = "stele listening on "
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = standardOutput.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                let colon = line.lastIndex(of: ":"), let port = UInt16(line[line.index(after: colon)...])
            {
                self.port = port
                return
            }
            if let ended = process.termination {
                throw StartFailure(reason: "ended (\(ended)) before listening", standardError: standardError)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw StartFailure(reason: "printed no listening line within \(timeout)", standardError: standardError)
    }

    /// Polls `/readyz` until it answers 200.
    func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let probe = client(timeout: .seconds(5))
            let response = try? await probe.request("GET", "/readyz")
            await probe.close()
            if response?.status == 200 { return }
            if let ended = process.termination {
                throw StartFailure(reason: "ended (\(ended)) before ready", standardError: standardError)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StartFailure(reason: "not ready within \(timeout)", standardError: standardError)
    }

    func signal(_ number: Int32) {
        if launched {
            if let pid = serverPID { Glibc.kill(pid, number) }
        } else {
            process.signal(number)
        }
    }

    /// Waits for the process to exit: its exit status (128 + the signal when
    /// a signal ended it), or nil at the deadline.
    func waitForExit(timeout: Duration) async -> Int32? {
        let ended = await process.exit(within: timeout)
        if ended != nil { releaseSlot() }
        return ended.map(Self.status)
    }

    /// SIGTERM, then SIGKILL when it has not exited within `grace`. The exit
    /// status, or nil when it had to be killed.
    @discardableResult
    func stop(grace: Duration = .seconds(20)) async -> Int32? {
        signal(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        kill()
        return nil
    }

    /// SIGKILL, and wait (briefly) for the exit. Safe to call more than once.
    func kill() {
        // A tracer that is killed leaves its tracee running: kill the server first.
        if launched, let pid = serverPID { Glibc.kill(pid, SIGKILL) }
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: .seconds(10))
        releaseSlot()
    }

    private func releaseSlot() {
        if holdsSlot.exchange(false, ordering: .acquiringAndReleasing) { ServerSlots.shared.release() }
    }

    private static func status(_ termination: SpawnedProcess.Termination) -> Int32 {
        switch termination {
        case .exited(let code): code
        case .signalled(let number): 128 + number
        }
    }

    /// A new server on the same data directory with the same flags.
    func restart(flags newFlags: [String]? = nil) async throws -> ServerProcess {
        kill()
        return try await Self.start(
            in: scratch, dataDirectory: dataDirectory.lastPathComponent, flags: newFlags ?? flags)
    }
}

/// Runs `body` with a fresh server in its own scratch directory; the server
/// is killed and the directory removed however `body` ends.
func withServer<T>(_ flags: [String] = [], _ body: (ServerProcess) async throws -> T) async throws -> T {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let server = try await ServerProcess.start(in: scratch, flags: flags)
    defer { server.kill() }
    return try await body(server)
}
