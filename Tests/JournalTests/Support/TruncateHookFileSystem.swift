import Journal
import Synchronization
import SystemPackage

/// Forwards every call; once armed, runs `hook` just before the first
/// `truncate` of a segment file (the writer's cut-back after ENOSPC).
final class TruncateHookFileSystem: ForwardingFileSystem, Sendable {
    let base: any FileSystem
    private let hook = Mutex<(@Sendable () -> Void)?>(nil)

    init(_ base: any FileSystem) { self.base = base }

    func arm(_ body: @escaping @Sendable () -> Void) { hook.withLock { $0 = body } }

    private func takeHook() -> (@Sendable () -> Void)? {
        hook.withLock { current in
            let body = current
            current = nil
            return body
        }
    }

    func truncate(_ file: FileHandle, to length: Int64) throws(Errno) {
        if let body = takeHook() { body() }
        try base.truncate(file, to: length)
    }
}
