package import SystemPackage

/// One open segment file. Closes its descriptor when the last reference goes,
/// so a reader still holding a segment that cleanup removed finishes its read.
package final class SegmentFile: Sendable {
    package let fileSystem: any FileSystem
    package let handle: FileHandle
    package let path: FilePath
    /// The global offset of the segment's first record.
    package let base: UInt64

    package init(fileSystem: any FileSystem, handle: FileHandle, path: FilePath, base: UInt64) {
        self.fileSystem = fileSystem
        self.handle = handle
        self.path = path
        self.base = base
    }

    deinit {
        fileSystem.close(handle)
    }

    /// The file name, e.g. `0000000000000000.wal`.
    package var name: String { path.lastComponent?.string ?? path.string }

    /// The file position of a record at global `offset`.
    @inline(__always)
    package func filePosition(of offset: UInt64) -> Int64 {
        Int64(offset - base) + Int64(SegmentHeader.size)
    }

    /// The parts of the global offsets `range` where the file may hold bytes
    /// other than zero (see ``FileSystem/dataRanges(_:in:)``), in order.
    package func dataRanges(in range: Range<UInt64>) throws(JournalError) -> [Range<UInt64>] {
        let positions = filePosition(of: range.lowerBound)..<filePosition(of: range.upperBound)
        // Positions in `positions` are at or past the header: offsets are `base` plus what lies past it.
        func offset(of position: Int64) -> UInt64 {
            base + UInt64(min(max(position, positions.lowerBound), positions.upperBound) - Int64(SegmentHeader.size))
        }
        do {
            return try fileSystem.dataRanges(handle, in: positions).map { offset(of: $0.lowerBound)..<offset(of: $0.upperBound) }
        } catch {
            throw .io(operation: "seek data", path: path.string, errno: error)
        }
    }

    /// Reads up to `count` bytes at global `offset` into `bytes` (resized to
    /// hold them) and returns how many the file had. With `fromMemoryOnly` it
    /// never waits for the device: bytes not in the page cache throw
    /// ``JournalError/io(operation:path:errno:)`` with EAGAIN (see
    /// ``JournalError/isWouldWaitForDisk``).
    package func read(
        _ count: Int, at offset: UInt64, into bytes: inout [UInt8], fromMemoryOnly: Bool = false
    ) throws(JournalError) -> Int {
        do {
            return try fileSystem.read(
                handle, count: count, at: filePosition(of: offset), into: &bytes, fromMemoryOnly: fromMemoryOnly)
        } catch {
            throw .io(operation: "read", path: path.string, errno: error)
        }
    }

}
