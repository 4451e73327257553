package import Journal
import Synchronization
package import SystemPackage

/// An in-memory ``FileSystem`` that knows what would survive a power cut.
///
/// Promises:
/// - POSIX semantics for everything the engine uses: a file's directory must
///   exist (ENOENT, or ENOTDIR when a path component is a file); opening a
///   missing file fails with ENOENT, creating an existing one with EEXIST;
///   `rename` atomically replaces its destination; files are inodes, so a
///   handle keeps working after its name is removed or renamed; operations on
///   a closed or unknown handle fail with EBADF (handle numbers are never
///   reused); writing through a read-only handle fails with EBADF.
/// - The worst durability POSIX allows: file data is durable only once the
///   file is synced (`synchronize` and `synchronizeData` are equivalent here);
///   a created, renamed or removed name is durable only once its directory is
///   synced — a file sync does not persist its name; a new directory's name
///   too, and a directory whose name is lost loses everything in it.
///   ``powerCut(seed:mode:)`` returns the file system a
///   machine could find after losing power now.
/// - An optional ``capacity`` on the total size of all files that have a
///   name or are open: a write that would exceed it writes the prefix that
///   fits, then throws ENOSPC; growing truncations and allocations that do not
///   fit throw ENOSPC and change nothing. Freeing space makes writes succeed again.
/// - ``readFromMemory(_:into:at:)`` reads what ``read(_:into:at:)`` reads,
///   unless the cache is dropped (``pageCacheDropped``, or once
///   ``readsFromMemoryBeforeDrop`` have been served): then it throws EAGAIN for
///   any range short of the end of the file, as the kernel does after
///   dropping its cache.
/// - `lockExclusively` admits one holder per path; a second call throws
///   EWOULDBLOCK until the holder's handle is closed.
/// - Simplifications: opening a directory fails with EISDIR, directories cannot
///   be renamed (ENOTSUP) or removed, and no file may exceed 1 GiB (EFBIG).
/// - Every call is thread-safe and atomic with respect to the others.
package final class SimulatedFileSystem: FileSystem, Sendable {
    private let state: Mutex<SimulatedFileSystemState>
    /// Reads from memory still served before the cache counts as dropped; nil: all.
    private let memoryReadsLeft = Mutex<Int?>(nil)
    private let waitingReads = Atomic(0)

    /// An empty file system (only the roots "/" and "" exist), optionally limited to `capacity` bytes.
    package init(capacity: Int64? = nil) {
        var initial = SimulatedFileSystemState()
        initial.capacity = capacity
        state = Mutex(initial)
    }

    private init(state: sending SimulatedFileSystemState) {
        self.state = Mutex(state)
    }

    /// The most bytes all named or open files may hold together; nil for no limit.
    /// May be changed at any time; lowering it below the bytes in use only makes growth fail.
    package var capacity: Int64? {
        get { state.withLock { $0.capacity } }
        set { state.withLock { $0.capacity = newValue } }
    }

    /// Whether no file data is in memory: reads that must not wait for the
    /// device fail with EAGAIN (see ``readFromMemory(_:into:at:)``).
    package var pageCacheDropped: Bool {
        get { memoryReadsLeft.withLock { $0 == 0 } }
        set { memoryReadsLeft.withLock { $0 = newValue ? 0 : nil } }
    }

    /// How many more reads from memory succeed before the cache counts as
    /// dropped (nil: no limit). A test steps it through 0, 1, 2, … to make each
    /// read from memory of an operation the first to miss in turn.
    package var readsFromMemoryBeforeDrop: Int? {
        get { memoryReadsLeft.withLock { $0 } }
        set { memoryReadsLeft.withLock { $0 = newValue } }
    }

    /// Calls of ``read(_:into:at:)`` so far: the reads that may wait for the device.
    package var readsThatMayWait: Int { waitingReads.load(ordering: .relaxed) }

    // MARK: Files

    package func open(_ path: FilePath, mode: FileOpenMode) throws(Errno) -> FileHandle {
        try state.withLock { s throws(Errno) -> FileHandle in
            let existing = try s.entry(at: path)
            switch (mode, existing) {
            case (_, .directory?):
                throw mode == .createExclusive ? .fileExists : .isDirectory
            case (.createExclusive, .file?):
                throw .fileExists
            case (.createExclusive, nil):
                let (directory, name) = try s.split(path)
                let inode = s.makeInode()
                s.setCurrent(.file(inode), named: name, in: directory)
                return s.makeHandle(for: inode, writable: true)
            case (_, nil):
                throw .noSuchFileOrDirectory
            case (.readOnly, .file(let inode)?):
                return s.makeHandle(for: inode, writable: false)
            case (.readWrite, .file(let inode)?):
                return s.makeHandle(for: inode, writable: true)
            }
        }
    }

    package func close(_ file: FileHandle) {
        state.withLock { s in
            guard let open = s.handles.removeValue(forKey: file.rawValue) else { return }
            if let locked = open.lockedPath, s.locks[locked] == file.rawValue { s.locks[locked] = nil }
            s.inodes[open.inode]?.openHandles -= 1
            s.collect(open.inode)
        }
    }

    package func read(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        waitingReads.add(1, ordering: .relaxed)
        return try readBytes(file, into: buffer, at: offset)
    }

    private func readBytes(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try state.withLock { s throws(Errno) -> Int in
            let inode = try s.openFile(file).inode
            guard offset >= 0 else { throw .invalidArgument }
            guard offset < Int64(SimulatedFileSystemState.maximumFileSize) else { return 0 }
            return s.inodes[inode]?.current.read(into: buffer, at: Int(offset)) ?? 0
        }
    }

    package func readFromMemory(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        let cached = memoryReadsLeft.withLock { left -> Bool in
            guard let remaining = left else { return true }
            guard remaining > 0 else { return false }
            left = remaining - 1
            return true
        }
        guard !cached else { return try readBytes(file, into: buffer, at: offset) }
        let size = try self.size(of: file)
        guard offset >= size || buffer.count == 0 else { throw .resourceTemporarilyUnavailable }
        return 0
    }

    package func write(_ file: FileHandle, _ buffers: [UnsafeRawBufferPointer], at offset: Int64) throws(Errno) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(buffers.reduce(0) { $0 + $1.count })
        for buffer in buffers { bytes.append(contentsOf: buffer) }
        try state.withLock { s throws(Errno) in
            let inode = try s.writableInode(file, otherwise: .badFileDescriptor)
            guard offset >= 0 else { throw .invalidArgument }
            guard !bytes.isEmpty else { return }
            guard offset <= Int64(SimulatedFileSystemState.maximumFileSize) - Int64(bytes.count) else { throw .fileTooLarge }
            let start = Int(offset)
            var fitting = bytes.count
            if let free = s.freeBytes {
                let size = s.inodes[inode]?.current.count ?? 0
                fitting = min(bytes.count, max(0, size + free - start))
            }
            if fitting > 0 {
                s.inodes[inode]?.write(fitting == bytes.count ? bytes : Array(bytes[0..<fitting]), at: start)
            }
            if fitting < bytes.count { throw .noSpace }
        }
    }

    package func synchronizeData(_ file: FileHandle) throws(Errno) {
        try synchronize(file)
    }

    /// Makes nothing durable (as on a real disk, whose cache it leaves alone);
    /// it only checks the handle.
    package func writeBack(_ file: FileHandle, offset: Int64, length: Int64) throws(Errno) {
        guard offset >= 0, length >= 0 else { throw .invalidArgument }
        try state.withLock { s throws(Errno) in _ = try s.openFile(file) }
    }

    package func synchronize(_ file: FileHandle) throws(Errno) {
        try state.withLock { s throws(Errno) in
            let inode = try s.openFile(file).inode
            s.inodes[inode]?.synchronize()
        }
    }

    package func truncate(_ file: FileHandle, to length: Int64) throws(Errno) {
        try state.withLock { s throws(Errno) in
            let inode = try s.writableInode(file, otherwise: .invalidArgument)
            guard length >= 0 else { throw .invalidArgument }
            guard length <= Int64(SimulatedFileSystemState.maximumFileSize) else { throw .fileTooLarge }
            try s.checkGrowth(of: inode, to: Int(length))
            s.inodes[inode]?.resize(to: Int(length))
        }
    }

    package func dataRanges(_ file: FileHandle, in range: Range<Int64>) throws(Errno) -> [Range<Int64>] {
        try state.withLock { s throws(Errno) -> [Range<Int64>] in
            let inode = try s.openFile(file).inode
            guard range.lowerBound >= 0 else { throw .invalidArgument }
            let largest = Int64(SimulatedFileSystemState.maximumFileSize)
            let clipped = Int(min(range.lowerBound, largest))..<Int(min(range.upperBound, largest))
            let ranges = s.inodes[inode]?.current.dataRanges(in: clipped) ?? []
            return ranges.map { Int64($0.lowerBound)..<Int64($0.upperBound) }
        }
    }

    package func size(of file: FileHandle) throws(Errno) -> Int64 {
        try state.withLock { s throws(Errno) -> Int64 in
            let inode = try s.openFile(file).inode
            return Int64(s.inodes[inode]?.current.count ?? 0)
        }
    }

    package func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno) {
        try state.withLock { s throws(Errno) in
            let inode = try s.writableInode(file, otherwise: .badFileDescriptor)
            guard length >= 0 else { throw .invalidArgument }
            guard length <= Int64(SimulatedFileSystemState.maximumFileSize) else { throw .fileTooLarge }
            guard Int(length) > s.inodes[inode]?.current.count ?? 0 else { return }
            try s.checkGrowth(of: inode, to: Int(length))
            s.inodes[inode]?.resize(to: Int(length))
        }
    }

    // MARK: Directories and names

    package func createDirectory(_ path: FilePath) throws(Errno) {
        try state.withLock { s throws(Errno) in
            switch try s.entry(at: path) {
            case .directory?: return
            case .file?: throw .fileExists
            case nil:
                let (directory, name) = try s.split(path)
                s.directories[path.lexicallyNormalized()] = SimulatedDirectory()
                // Durable once its parent is fsynced, like any other name.
                s.setCurrent(.directory, named: name, in: directory)
            }
        }
    }

    package func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String] {
        try state.withLock { s throws(Errno) -> [String] in
            let directory = try s.existingDirectory(path)
            return s.directories[directory].map { Array($0.current.keys) } ?? []
        }
    }

    package func synchronizeDirectory(_ path: FilePath) throws(Errno) {
        try state.withLock { s throws(Errno) in
            let directory = try s.existingDirectory(path)
            guard let entries = s.directories[directory] else { return }
            for name in Set(entries.current.keys).union(entries.durable.keys)
            where entries.current[name] != entries.durable[name] {
                s.setDurable(entries.current[name], named: name, in: directory)
            }
        }
    }

    package func rename(_ source: FilePath, to destination: FilePath) throws(Errno) {
        try state.withLock { s throws(Errno) in
            guard let moving = try s.entry(at: source) else { throw .noSuchFileOrDirectory }
            guard case .file(let inode) = moving else { throw .notSupported }
            let replaced = try s.entry(at: destination)
            if replaced == .directory { throw .isDirectory }
            if replaced == moving { return }  // two names of one file: POSIX does nothing
            let (fromDirectory, fromName) = try s.split(source)
            let (toDirectory, toName) = try s.split(destination)
            // Link the new name first, so the file always has a name and is never collected.
            s.setCurrent(.file(inode), named: toName, in: toDirectory)
            s.setCurrent(nil, named: fromName, in: fromDirectory)
        }
    }

    package func removeFile(_ path: FilePath) throws(Errno) {
        try state.withLock { s throws(Errno) in
            switch try s.entry(at: path) {
            case nil: throw .noSuchFileOrDirectory
            case .directory?: throw .isDirectory
            case .file?:
                let (directory, name) = try s.split(path)
                s.setCurrent(nil, named: name, in: directory)
            }
        }
    }

    package func fileExists(_ path: FilePath) -> Bool {
        state.withLock { s in ((try? s.entry(at: path)) ?? nil) != nil }
    }

    package func lockExclusively(_ path: FilePath) throws(Errno) -> FileHandle {
        try state.withLock { s throws(Errno) -> FileHandle in
            let normal = path.lexicallyNormalized()
            let inode: Int
            switch try s.entry(at: normal) {
            case .directory?: throw .isDirectory
            case .file(let existing)?: inode = existing
            case nil:
                let (directory, name) = try s.split(normal)
                inode = s.makeInode()
                s.setCurrent(.file(inode), named: name, in: directory)
            }
            guard s.locks[normal] == nil else { throw .wouldBlock }
            let handle = s.makeHandle(for: inode, writable: true, lockedPath: normal)
            s.locks[normal] = handle.rawValue
            return handle
        }
    }

    // MARK: Power cut

    /// A new file system holding what a machine could find after losing power
    /// now: each directory's entries as of its last sync, each file they name
    /// rebuilt from its durable content according to `mode` (the choices of
    /// `.random` are fixed by `seed`). No handle is open and no lock held in
    /// the result; the capacity is kept. This file system is left unchanged.
    package func powerCut(seed: UInt64, mode: PowerCutMode) -> SimulatedFileSystem {
        SimulatedFileSystem(state: state.withLock { $0.afterPowerCut(seed: seed, mode: mode) })
    }

    // MARK: Inspection for tests

    /// The current content of the file at `path`, or nil when no file has that name now.
    package func contents(of path: FilePath) -> [UInt8]? {
        state.withLock { s in
            guard case .file(let inode)? = (try? s.entry(at: path)) ?? nil else { return nil }
            return s.inodes[inode]?.current.bytes
        }
    }

    /// What a `.dropUnsynced` power cut would leave at `path`: the durable
    /// content of the file the directory's durable entries name there, or nil.
    package func durableContents(of path: FilePath) -> [UInt8]? {
        state.withLock { s in
            guard let (directory, name) = try? s.split(path),
                case .file(let inode)? = s.directories[directory]?.durable[name]
            else { return nil }
            return s.inodes[inode]?.durable.bytes
        }
    }

    /// Replaces (or creates) the file at `path` with `bytes`, durable at once,
    /// name included, ignoring the capacity: for corrupting files in tests.
    /// The directory must exist.
    package func setContents(_ bytes: [UInt8], of path: FilePath) {
        state.withLock { s in
            guard let (directory, name) = try? s.split(path) else {
                preconditionFailure("setContents: the directory of \(path) does not exist")
            }
            let inode: Int
            switch s.directories[directory]?.current[name] {
            case .directory?: preconditionFailure("setContents: \(path) is a directory")
            case .file(let existing)?: inode = existing
            case nil:
                inode = s.makeInode()
                s.setCurrent(.file(inode), named: name, in: directory)
            }
            if s.directories[directory]?.durable[name] != .file(inode) {
                s.setDurable(.file(inode), named: name, in: directory)
            }
            s.inodes[inode]?.current = SimulatedFileContent(bytes)
            s.inodes[inode]?.synchronize()
        }
    }

    /// How many handles are open now (for descriptor-leak checks).
    package var openHandleCount: Int {
        state.withLock { $0.handles.count }
    }

    /// The names in directory `path` now, files and subdirectories, sorted; empty when it does not exist.
    package func listing(_ path: FilePath) -> [String] {
        state.withLock { s in
            guard let directory = try? s.existingDirectory(path) else { return [] }
            return (s.directories[directory]?.current.keys).map { $0.sorted() } ?? []
        }
    }

    /// The bytes the capacity counts now: all files that have a name or are open.
    package var usedBytes: Int64 {
        state.withLock { Int64($0.usedBytes) }
    }
}
