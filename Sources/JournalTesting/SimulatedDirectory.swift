/// One directory of a ``SimulatedFileSystem``: the names it holds now, and
/// the names a power cut would leave in it (those of its last directory sync).
///
/// Promises: `durable` changes only when the directory itself is synchronized
/// (or, for subdirectories, when one is created, which the simulation treats as
/// durable at once); creating, renaming or removing a file changes `current` only.
struct SimulatedDirectory: Sendable {
    /// What a name in a directory refers to.
    enum Entry: Sendable, Hashable {
        /// A regular file: the number of its inode in the file system's table.
        case file(Int)
        /// A subdirectory; its own entries live under its full path.
        case directory
    }

    /// The names as a lookup sees them now.
    var current: [String: Entry] = [:]
    /// The names as of the last `synchronizeDirectory` of this directory.
    var durable: [String: Entry] = [:]
}
