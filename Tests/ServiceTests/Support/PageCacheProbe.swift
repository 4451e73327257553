import Journal
import SystemPackage

/// What the file system under the tests' scratch directories can do.
enum PageCacheProbe {
    /// Whether the servers' data directories are on a file system that reads
    /// from memory without waiting: not tmpfs, which cannot tell, so that every
    /// read there goes to a disk-read thread and nothing is "no longer cached".
    static let dataDirectoryReadsFromMemory: Bool = {
        guard let scratch = try? ScratchDirectory() else { return false }
        defer { scratch.remove() }
        let fileSystem = PosixFileSystem()
        guard let file = try? fileSystem.open(FilePath(scratch.path("probe").path), mode: .createExclusive) else { return false }
        defer { fileSystem.close(file) }
        var bytes = [UInt8]()
        guard (try? fileSystem.write(file, [1, 2, 3], at: 0)) != nil else { return false }
        return (try? fileSystem.read(file, count: 3, at: 0, into: &bytes, fromMemoryOnly: true)) == 3
    }()
}
