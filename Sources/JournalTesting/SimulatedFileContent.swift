/// The bytes of one simulated file, stored in 4 KiB pages so that copies are cheap.
///
/// Promises: behaves as a growable byte array — bytes past the end read as
/// zeros once the file is extended, and a cut discards them for good — while a
/// copy shares every page with the original and a write copies only the pages
/// it touches. This is what lets a file keep its durable and current versions
/// side by side (and a power cut copy whole file systems) without copying
/// megabytes at each write after a sync. Pages never written (holes, such as
/// preallocated space) take no memory.
struct SimulatedFileContent: Sendable {
    /// Bytes per page; a multiple of the 512-byte sector.
    static let pageSize = 4096

    /// The file's length in bytes.
    private(set) var count = 0
    /// Each page holds `pageSize` bytes, or is empty for a page of zeros. Bytes
    /// of the last page past `count` are always zero.
    private var pages: [[UInt8]] = []

    init() {}

    init(_ bytes: [UInt8]) {
        write(bytes[...], at: 0)
    }

    /// The whole content as one array.
    var bytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { _ = read(into: $0, at: 0) }
        return result
    }

    /// Copies up to `buffer.count` bytes from `offset`; returns how many (fewer only at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard offset < count else { return 0 }
        let total = min(buffer.count, count - offset)
        var done = 0
        while done < total {
            let position = offset + done
            let within = position % Self.pageSize
            let length = min(Self.pageSize - within, total - done)
            let page = pages[position / Self.pageSize]
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + length)])
            if page.isEmpty {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            } else {
                page.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[within..<(within + length)])) }
            }
            done += length
        }
        return total
    }

    /// The parts of `range` (cut at the end of the file) on pages ever
    /// written, as `SEEK_DATA` and `SEEK_HOLE` find them: pages never written
    /// read as zeros.
    func dataRanges(in range: Range<Int>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        let end = min(range.upperBound, count)
        var position = max(0, range.lowerBound)
        while position < end {
            let page = position / Self.pageSize
            let pageEnd = min((page + 1) * Self.pageSize, end)
            if !pages[page].isEmpty {
                if let last = ranges.last, last.upperBound == position {
                    ranges[ranges.count - 1] = last.lowerBound..<pageEnd
                } else {
                    ranges.append(position..<pageEnd)
                }
            }
            position = pageEnd
        }
        return ranges
    }

    /// Writes `bytes` at `offset`, extending the file (with zeros in any gap) as needed.
    mutating func write(_ bytes: ArraySlice<UInt8>, at offset: Int) {
        let end = offset + bytes.count
        if end > count { resize(to: end) }
        var position = offset
        var source = bytes.startIndex
        while position < end {
            let index = position / Self.pageSize
            let within = position % Self.pageSize
            let length = min(Self.pageSize - within, end - position)
            if pages[index].isEmpty { pages[index] = [UInt8](repeating: 0, count: Self.pageSize) }
            pages[index].withUnsafeMutableBytes { page in
                bytes[source..<(source + length)].withUnsafeBytes { piece in
                    UnsafeMutableRawBufferPointer(rebasing: page[within..<(within + length)]).copyMemory(from: piece)
                }
            }
            position += length
            source += length
        }
    }

    /// Cuts the file to `length` bytes, or extends it with zeros.
    mutating func resize(to length: Int) {
        let pagesNeeded = (length + Self.pageSize - 1) / Self.pageSize
        if length < count {
            pages.removeLast(pages.count - pagesNeeded)
            let within = length % Self.pageSize
            if within != 0, !pages[pagesNeeded - 1].isEmpty {
                pages[pagesNeeded - 1].withUnsafeMutableBytes { page in
                    _ = UnsafeMutableRawBufferPointer(rebasing: page[within...]).initializeMemory(as: UInt8.self, repeating: 0)
                }
            }
        } else if pagesNeeded > pages.count {
            pages.append(contentsOf: repeatElement([], count: pagesNeeded - pages.count))
        }
        count = length
    }
}
