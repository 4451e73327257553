import Journal
import Synchronization
import SystemPackage

/// Forwards every call; once armed, runs `hook` once, just before the first
/// listing of a `cursors` directory.
final class CursorListingHookFileSystem: ForwardingFileSystem, Sendable {
    let base: any FileSystem
    private let hook = Mutex<(@Sendable () -> Void)?>(nil)

    init(_ base: any FileSystem) { self.base = base }

    func arm(_ body: @escaping @Sendable () -> Void) { hook.withLock { $0 = body } }

    func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String] {
        if path.lastComponent?.string == "cursors" {
            let body: (@Sendable () -> Void)? = hook.withLock { current in
                defer { current = nil }
                return current
            }
            body?()
        }
        return try base.contentsOfDirectory(path)
    }
}
