import SystemPackage

/// Names for what goes into `quarantine/`, which is never overwritten: the
/// service and `stele repair` only add to it.
///
/// A file's natural name (`{base}-{offset}.torn`, a segment's own name, …)
/// can come back: a torn tail cut at an offset, new records written there and
/// torn again; a repair at an offset, new segments, a second repair. Then the
/// newcomer gets the first free name of `name.1`, `name.2`, … — except a copy
/// whose bytes the file of that name already holds exactly, which is the same
/// copy made again by a rerun after a crash (recovery stays idempotent).
struct QuarantineNames {
    let fileSystem: any FileSystem
    /// The `quarantine/` directory.
    let directory: FilePath

    /// `name`, or the first of `name.1`, `name.2`, … that names no file.
    func free(_ name: String) -> String {
        var candidate = name
        var suffix = 0
        while fileSystem.fileExists(directory.appending(candidate)) {
            suffix += 1
            candidate = "\(name).\(suffix)"
        }
        return candidate
    }

    /// The name under which to keep a copy of `bytes`: a file of `name` or
    /// `name.N` that already holds exactly them, or else a free name.
    func forCopy(of bytes: [UInt8], as name: String) throws(JournalError) -> String {
        var candidate = name
        var suffix = 0
        while fileSystem.fileExists(directory.appending(candidate)) {
            let existing = try FileContents.read(directory.appending(candidate), fileSystem: fileSystem, limit: bytes.count + 1)
            if existing == bytes { return candidate }
            suffix += 1
            candidate = "\(name).\(suffix)"
        }
        return candidate
    }
}
