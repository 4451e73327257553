import Checksums

/// Reads a segment's records in large sequential chunks and verifies each one
/// (length bound, CRC32C at its offset, BLAKE3), stopping at the first that
/// fails. Memory is one chunk, or one record when a record is larger; a
/// length word is never trusted for an allocation beyond what the file holds.
package struct SegmentScanner {
    package static let chunkSize = 1 << 20

    let segment: SegmentFile
    /// The file's size in bytes, header included.
    let fileSize: Int64

    package init(segment: SegmentFile, fileSize: Int64) {
        self.segment = segment
        self.fileSize = fileSize
    }

    /// Scans from global offset `start` (a record boundary) to the end of the file.
    package func scan(from start: UInt64, index: SparseIndex = SparseIndex()) throws(JournalError) -> SegmentScan {
        let limit = segment.base + UInt64(max(0, fileSize - Int64(SegmentHeader.size)))
        var result = SegmentScan(end: start, records: 0, index: index, defect: nil)
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var bufferOffset = start  // global offset of buffer[0]
        var bufferCount = 0
        var offset = start

        /// Makes `buffer` hold [offset, offset + count); false if the file ends first.
        func ensure(_ count: Int) throws(JournalError) {
            if offset >= bufferOffset, offset + UInt64(count) <= bufferOffset + UInt64(bufferCount) { return }
            if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
            let wanted = Int(min(UInt64(buffer.count), limit - offset))
            let got = try segment.read(wanted, at: offset, into: &buffer)
            bufferOffset = offset
            bufferCount = got
        }

        while offset < limit {
            let available = Int(limit - offset)
            guard available >= RecordFormat.headerSize else {
                result.defect = .truncated(needed: RecordFormat.headerSize, available: available)
                break
            }
            try ensure(RecordFormat.headerSize)
            let position = Int(offset - bufferOffset)
            let header = buffer.withUnsafeBytes {
                RecordHeader(decoding: UnsafeRawBufferPointer(rebasing: $0[position..<position + RecordFormat.headerSize]))
            }
            if header.payloadLength == 0 { result.defect = .zeroLength; break }
            if header.payloadLength > RecordFormat.largestPayload {
                result.defect = .lengthTooLarge(header.payloadLength)
                break
            }
            if header.recordSize > available {
                result.defect = .truncated(needed: header.recordSize, available: available)
                break
            }
            try ensure(header.recordSize)
            if let defect = Self.verify(header, in: buffer, at: Int(offset - bufferOffset), offset: offset) {
                result.defect = defect
                break
            }
            result.index.noteRecord(at: offset - segment.base)
            result.records += 1
            offset += UInt64(header.recordSize)
        }
        result.end = offset
        return result
    }

    /// Checks a record whose header and payload are in `buffer` at `position`.
    @inline(__always)
    static func verify(_ header: RecordHeader, in buffer: [UInt8], at position: Int, offset: UInt64) -> RecordDefect? {
        buffer.withUnsafeBytes { raw in
            let start = position + RecordFormat.headerSize
            let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + header.payloadLength])
            let crc = RecordHeader.checksum(
                offset: offset, lengthWord: header.lengthWord, digest: header.digest, payload: payload)
            if crc != header.checksum { return .checksumMismatch }
            if BLAKE3Hasher.hash(payload) != header.digest { return .digestMismatch }
            return nil
        }
    }

    /// The global offset just past the last non-zero byte at or after `start`,
    /// or nil when everything from `start` to the end of the file is zero.
    package func endOfNonZeroBytes(from start: UInt64) throws(JournalError) -> UInt64? {
        let limit = segment.base + UInt64(max(0, fileSize - Int64(SegmentHeader.size)))
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var chunkEnd = limit
        // Backwards, so that garbage at the very end is found at once.
        while chunkEnd > start {
            let chunkStart = chunkEnd - min(UInt64(Self.chunkSize), chunkEnd - start)
            let count = Int(chunkEnd - chunkStart)
            let got = try segment.read(count, at: chunkStart, into: &buffer)
            if let last = buffer.withUnsafeBytes({ Self.lastNonZeroIndex(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }) {
                return chunkStart + UInt64(last) + 1
            }
            chunkEnd = chunkStart
        }
        return nil
    }

    /// The index of the last non-zero byte, eight bytes at a time.
    static func lastNonZeroIndex(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var end = bytes.count
        while end >= 8 {
            if bytes.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) != 0 { break }
            end -= 8
        }
        while end > 0 {
            if bytes[end - 1] != 0 { return end - 1 }
            end -= 1
        }
        return nil
    }
}
