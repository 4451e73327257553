import Journal
import SystemPackage

/// A file system that hands every call to `base`, for test layers that
/// change one or two calls (hold an fsync, run a hook before a truncate) and
/// implement only those.
protocol ForwardingFileSystem: FileSystem {
    var base: any FileSystem { get }
}

extension ForwardingFileSystem {
    func open(_ path: FilePath, mode: FileOpenMode) throws(Errno) -> FileHandle { try base.open(path, mode: mode) }
    func close(_ file: FileHandle) { base.close(file) }
    func read(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try base.read(file, into: buffer, at: offset)
    }
    func readFromMemory(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try base.readFromMemory(file, into: buffer, at: offset)
    }
    func dataRanges(_ file: FileHandle, in range: Range<Int64>) throws(Errno) -> [Range<Int64>] {
        try base.dataRanges(file, in: range)
    }
    func write(_ file: FileHandle, _ buffers: [UnsafeRawBufferPointer], at offset: Int64) throws(Errno) {
        try base.write(file, buffers, at: offset)
    }
    func synchronizeData(_ file: FileHandle) throws(Errno) { try base.synchronizeData(file) }
    func writeBack(_ file: FileHandle, offset: Int64, length: Int64) throws(Errno) {
        try base.writeBack(file, offset: offset, length: length)
    }
    func synchronize(_ file: FileHandle) throws(Errno) { try base.synchronize(file) }
    func truncate(_ file: FileHandle, to length: Int64) throws(Errno) { try base.truncate(file, to: length) }
    func size(of file: FileHandle) throws(Errno) -> Int64 { try base.size(of: file) }
    func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno) { try base.allocate(file, upTo: length) }
    func createDirectory(_ path: FilePath) throws(Errno) { try base.createDirectory(path) }
    func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String] { try base.contentsOfDirectory(path) }
    func synchronizeDirectory(_ path: FilePath) throws(Errno) { try base.synchronizeDirectory(path) }
    func rename(_ source: FilePath, to destination: FilePath) throws(Errno) { try base.rename(source, to: destination) }
    func removeFile(_ path: FilePath) throws(Errno) { try base.removeFile(path) }
    func fileExists(_ path: FilePath) -> Bool { base.fileExists(path) }
    func lockExclusively(_ path: FilePath) throws(Errno) -> FileHandle { try base.lockExclusively(path) }
}
