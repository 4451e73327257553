import Journal
import Synchronization
import SystemPackage

/// Forwards every call; once armed, the next `allocate` runs `hook` and then
/// fails with ENOSPC: the moment between a new segment's creation (file made,
/// header written) and its removal after the allocation failed.
final class AllocateFailingFileSystem: ForwardingFileSystem, Sendable {
    let base: any FileSystem
    private let hook = Mutex<(@Sendable () -> Void)?>(nil)

    init(_ base: any FileSystem) { self.base = base }

    func arm(_ body: @escaping @Sendable () -> Void) { hook.withLock { $0 = body } }

    func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno) {
        let body: (@Sendable () -> Void)? = hook.withLock { current in
            defer { current = nil }
            return current
        }
        if let body {
            body()
            throw .noSpace
        }
        try base.allocate(file, upTo: length)
    }
}
