package import SystemPackage

/// How a file is opened.
package enum FileOpenMode: Sendable {
    /// Reading only; the file must exist.
    case readOnly
    /// Reading and writing; the file must exist.
    case readWrite
    /// Reading and writing; the file is created (mode 0644) and must not exist yet.
    case createExclusive
}

/// The engine's only door to the disk.
///
/// Every read, write, sync, rename and unlink the journal performs goes through
/// one of these calls, so tests can substitute a file system that fails the
/// N-th call, runs out of space, or loses what was never synced (a power cut).
/// The production implementation is ``PosixFileSystem``.
///
/// Calls throw the `Errno` of the failed system call (EINTR is retried
/// inside). Calls that write either write every byte or throw; after a throw,
/// any prefix of the bytes may have reached the file.
package protocol FileSystem: Sendable {
    func open(_ path: FilePath, mode: FileOpenMode) throws(Errno) -> FileHandle
    func close(_ file: FileHandle)
    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    func read(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int
    /// Reads like ``read(_:into:at:)``, but only what is already in memory (the
    /// page cache): it never waits for the device. Throws `EAGAIN`
    /// (`.resourceTemporarilyUnavailable`) when any byte of the range, short of
    /// the end of the file, is not there — or when the file system cannot tell.
    func readFromMemory(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int
    /// The parts of `range` that may hold bytes other than zero, in order and
    /// apart: the rest of `range` reads as zeros because the file system keeps
    /// no data there — holes, and space allocated but never written
    /// (`lseek`'s `SEEK_DATA` and `SEEK_HOLE`). Unsynced writes count as data.
    /// A file system that cannot tell gives the whole range (up to the end of the file).
    func dataRanges(_ file: FileHandle, in range: Range<Int64>) throws(Errno) -> [Range<Int64>]
    /// Writes all of `buffers`, one after another, starting at `offset` (`pwritev`).
    func write(_ file: FileHandle, _ buffers: [UnsafeRawBufferPointer], at offset: Int64) throws(Errno)
    /// `fdatasync`: the file's data, and the metadata needed to read it back, reach stable storage.
    func synchronizeData(_ file: FileHandle) throws(Errno)
    /// Writes the range's unwritten data to the device and waits for it,
    /// without flushing the device's cache or committing metadata
    /// (`sync_file_range`): nothing becomes durable. It spreads out the I/O
    /// that a later ``synchronizeData(_:)`` would otherwise do in one go. A
    /// file system without such a call may do nothing.
    func writeBack(_ file: FileHandle, offset: Int64, length: Int64) throws(Errno)
    /// `fsync`: data and all metadata reach stable storage.
    func synchronize(_ file: FileHandle) throws(Errno)
    func truncate(_ file: FileHandle, to length: Int64) throws(Errno)
    func size(of file: FileHandle) throws(Errno) -> Int64
    /// Allocates space so the file is at least `length` bytes, the new bytes
    /// reading as zeros (`posix_fallocate`). Throws `ENOSPC` when the space is
    /// not there; a file system without the call may simply extend the file.
    func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno)

    /// Creates a directory; succeeds if it already exists.
    func createDirectory(_ path: FilePath) throws(Errno)
    /// The names in a directory, without "." and "..", in no particular order.
    func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String]
    /// Makes the directory's entries (creations, renames, removals) durable.
    func synchronizeDirectory(_ path: FilePath) throws(Errno)
    func rename(_ source: FilePath, to destination: FilePath) throws(Errno)
    func removeFile(_ path: FilePath) throws(Errno)
    func fileExists(_ path: FilePath) -> Bool

    /// Takes an exclusive advisory lock on `path` (created if missing) and
    /// holds it until the handle is closed. Throws `EWOULDBLOCK` when another
    /// process holds it.
    func lockExclusively(_ path: FilePath) throws(Errno) -> FileHandle
}
