import Glibc

/// A child process started with `posix_spawn` and reaped with `waitpid` on
/// its own pid. Foundation's `Process` is not used for servers: it learns of
/// an exit through a socket the child inherits, and when many children are
/// started at once another child can inherit that socket too, so the exit
/// is never seen and `waitUntilExit()` hangs (seen here with ~150 servers).
/// The child gets only stdin (/dev/null), stdout and stderr (files); every
/// other descriptor is closed, and its signal mask and dispositions are reset.
final class SpawnedProcess: @unchecked Sendable {
    /// Why a process could not be started.
    struct SpawnFailure: Error, CustomStringConvertible {
        let path: String
        let code: Int32
        var description: String { "posix_spawn \(path): \(String(cString: strerror(code)))" }
    }

    /// How a process ended.
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    let pid: pid_t

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the
    /// Glibc module does not import: looked up by name.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
    private var ended: Termination?

    init(path: String, arguments: [String], environment: [String: String], standardOutput: String, standardError: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard let closeFrom = Self.addCloseFrom else { throw SpawnFailure(path: path, code: ENOSYS) }
        _ = closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnFailure(path: path, code: result) }
        pid = child
    }

    deinit {
        if termination == nil {
            Glibc.kill(pid, SIGKILL)
            _ = waitForExit(timeout: .seconds(10))
        }
    }

    /// How it ended, or nil while it runs (reaps it once it has ended).
    var termination: Termination? {
        if let ended { return ended }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            ended = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        } else if result < 0, errno == ECHILD {
            ended = .signalled(0)  // reaped elsewhere: gone, status unknown
        }
        return ended
    }

    var isRunning: Bool { termination == nil }

    func signal(_ number: Int32) {
        if isRunning { Glibc.kill(pid, number) }
    }

    /// Blocks (sleeping) until the process ends or `timeout` passes.
    func waitForExit(timeout: Duration) -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while termination == nil, ContinuousClock.now < deadline { usleep(5_000) }
        return termination
    }

    /// Waits, without blocking a thread, until the process ends or `timeout` passes.
    func exit(within timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while termination == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return termination
    }
}
