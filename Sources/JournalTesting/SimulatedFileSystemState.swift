import Journal
import SystemPackage

/// Everything a ``SimulatedFileSystem`` holds, with the POSIX rules applied to
/// it; the file system wraps it in a lock.
///
/// Promises: paths are compared after `lexicallyNormalized()`; the roots "/"
/// and "" (the current directory of relative paths) always exist; an inode
/// lives while a current name, a durable name or an open handle refers to it,
/// and only inodes with a current name or an open handle count against the
/// capacity; handle numbers are never reused.
struct SimulatedFileSystemState: Sendable {
    /// An open handle: which inode, and what it may do.
    struct OpenFile: Sendable {
        var inode: Int
        var writable: Bool
        /// The path whose exclusive lock this handle holds, if any.
        var lockedPath: FilePath?
    }

    /// The largest size a simulated file may reach (EFBIG beyond): it lives in memory.
    static let maximumFileSize = 1 << 30

    var directories: [FilePath: SimulatedDirectory] = [FilePath("/"): SimulatedDirectory(), FilePath(""): SimulatedDirectory()]
    var inodes: [Int: SimulatedInode] = [:]
    var nextInode = 1
    var handles: [Int32: OpenFile] = [:]
    var nextHandle: Int32 = 3
    var locks: [FilePath: Int32] = [:]
    var capacity: Int64?

    // MARK: Names

    /// The normalised directory and last component of `path`; throws EISDIR for a root.
    func split(_ path: FilePath) throws(Errno) -> (directory: FilePath, name: String) {
        let normal = path.lexicallyNormalized()
        guard let name = normal.lastComponent?.string else { throw .isDirectory }
        let directory = normal.removingLastComponent()
        guard directories[directory] != nil else {
            throw (try? entry(at: directory)) == nil ? .noSuchFileOrDirectory : .notDirectory
        }
        return (directory, name)
    }

    /// What `path` currently names, or nil when its directory exists but the name does not.
    func entry(at path: FilePath) throws(Errno) -> SimulatedDirectory.Entry? {
        let normal = path.lexicallyNormalized()
        if normal.lastComponent == nil { return .directory }
        let (directory, name) = try split(normal)
        return directories[directory]?.current[name]
    }

    /// The normalised path of an existing directory; ENOENT or ENOTDIR otherwise.
    func existingDirectory(_ path: FilePath) throws(Errno) -> FilePath {
        let normal = path.lexicallyNormalized()
        if directories[normal] != nil { return normal }
        throw try entry(at: normal) == nil ? .noSuchFileOrDirectory : .notDirectory
    }

    /// Points `name` in `directory` at `entry` (or removes it when nil) in the current view.
    mutating func setCurrent(_ entry: SimulatedDirectory.Entry?, named name: String, in directory: FilePath) {
        let previous = directories[directory]?.current[name]
        directories[directory]?.current[name] = entry
        if case .file(let new) = entry { inodes[new]?.currentLinks += 1 }
        if case .file(let old) = previous {
            inodes[old]?.currentLinks -= 1
            collect(old)
        }
    }

    /// Points `name` in `directory` at `entry` (or removes it when nil) in the durable view.
    mutating func setDurable(_ entry: SimulatedDirectory.Entry?, named name: String, in directory: FilePath) {
        let previous = directories[directory]?.durable[name]
        directories[directory]?.durable[name] = entry
        if case .file(let new) = entry { inodes[new]?.durableLinks += 1 }
        if case .file(let old) = previous {
            inodes[old]?.durableLinks -= 1
            collect(old)
        }
    }

    /// Forgets the inode when nothing can reach it any more.
    mutating func collect(_ inode: Int) {
        if let node = inodes[inode], !node.isReferenced { inodes[inode] = nil }
    }

    /// Makes a new, empty inode.
    mutating func makeInode() -> Int {
        defer { nextInode += 1 }
        inodes[nextInode] = SimulatedInode()
        return nextInode
    }

    // MARK: Handles

    mutating func makeHandle(for inode: Int, writable: Bool, lockedPath: FilePath? = nil) -> FileHandle {
        defer { nextHandle += 1 }
        handles[nextHandle] = OpenFile(inode: inode, writable: writable, lockedPath: lockedPath)
        inodes[inode]?.openHandles += 1
        return FileHandle(rawValue: nextHandle)
    }

    func openFile(_ handle: FileHandle) throws(Errno) -> OpenFile {
        guard let file = handles[handle.rawValue] else { throw .badFileDescriptor }
        return file
    }

    func writableInode(_ handle: FileHandle, otherwise error: Errno) throws(Errno) -> Int {
        let file = try openFile(handle)
        guard file.writable else { throw error }
        return file.inode
    }

    // MARK: Space

    /// Bytes held by files that have a name or are open.
    var usedBytes: Int {
        inodes.values.reduce(0) { $1.isLive ? $0 + $1.current.count : $0 }
    }

    /// How many more bytes fit, or nil without a capacity.
    var freeBytes: Int? {
        capacity.map { max(0, Int($0) - usedBytes) }
    }

    /// Throws unless `inode` may grow to `length` bytes.
    func checkGrowth(of inode: Int, to length: Int) throws(Errno) {
        guard length <= Self.maximumFileSize else { throw .fileTooLarge }
        let growth = length - (inodes[inode]?.current.count ?? 0)
        if growth > 0, let free = freeBytes, growth > free { throw .noSpace }
    }

    // MARK: Power cut

    /// Whether a directory is still there after a power cut: a root always
    /// is; any other only while its entry in its parent is durable (made so
    /// by an fsync of the parent) and its parent is still there too.
    func survivesPowerCut(_ path: FilePath) -> Bool {
        guard let name = path.lastComponent?.string else { return true }
        let parent = path.removingLastComponent()
        guard case .directory? = directories[parent]?.durable[name] else { return false }
        return survivesPowerCut(parent)
    }

    /// What a machine finds after losing power in this state: durable names,
    /// each surviving file rebuilt according to `mode`; no handles, no locks.
    func afterPowerCut(seed: UInt64, mode: PowerCutMode) -> SimulatedFileSystemState {
        var generator = SplitMix64(seed: seed)
        var result = SimulatedFileSystemState()
        result.capacity = capacity
        result.nextInode = nextInode
        result.nextHandle = nextHandle
        var surviving: Set<Int> = []
        for (path, directory) in directories where survivesPowerCut(path) {
            result.directories[path] = SimulatedDirectory(current: directory.durable, durable: directory.durable)
            for case .file(let inode) in directory.durable.values { surviving.insert(inode) }
        }
        for inode in surviving.sorted() {
            guard let old = inodes[inode] else { continue }
            var node = SimulatedInode()
            node.current = old.contentAfterPowerCut(mode, using: &generator)
            node.durable = node.current
            result.inodes[inode] = node
        }
        for directory in result.directories.values {
            for case .file(let inode) in directory.durable.values {
                result.inodes[inode]?.currentLinks += 1
                result.inodes[inode]?.durableLinks += 1
            }
        }
        return result
    }
}
