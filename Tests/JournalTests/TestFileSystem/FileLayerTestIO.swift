import Journal
import SystemPackage

/// Byte-array conveniences over a ``FileSystem`` for the test file layer's own
/// tests (a namespace, so as not to collide with helpers elsewhere in JournalTests).
enum FileLayerTestIO {
    static func write(_ fs: any FileSystem, _ file: FileHandle, _ bytes: [UInt8], at offset: Int64 = 0) throws(Errno) {
        // Array's withUnsafe…Bytes rethrows `any Error`; a Result keeps the error typed.
        try bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try fs.write(file, [raw], at: offset) } }.get()
    }

    static func read(_ fs: any FileSystem, _ file: FileHandle, count: Int = 1 << 16, at offset: Int64 = 0) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in try fs.read(file, into: raw, at: offset) }
        }.get()
        return Array(buffer.prefix(got))
    }

    /// Creates `path` holding `bytes`; syncs the file and/or its directory as asked; closes it.
    static func createFile(
        _ fs: any FileSystem, _ path: FilePath, _ bytes: [UInt8], syncFile: Bool = true, syncDirectory: Bool = true
    ) throws(Errno) {
        let file = try fs.open(path, mode: .createExclusive)
        defer { fs.close(file) }
        try write(fs, file, bytes)
        if syncFile { try fs.synchronize(file) }
        if syncDirectory { try fs.synchronizeDirectory(path.removingLastComponent()) }
    }

    /// `count` bytes from a simple pattern that differs with `seed`.
    static func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7 &+ 1) }
    }
}

/// The engine's file handle, named so that files importing Foundation (which
/// has a `FileHandle` of its own) can refer to it; `Journal.FileHandle` would
/// name a member of the `Journal` actor.
typealias JournalFileHandle = FileHandle
