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

    /// The highest global offset a segment's bytes may reach: any offset in
    /// a segment plus any record's size then fits in 64 bits.
    static let highestOffset = UInt64.max - (1 << 32)

    /// The global offset just past the file's last byte. Only a damaged or
    /// forged file name puts a segment's bytes past ``highestOffset``: that
    /// is corruption, not arithmetic that overflows.
    private func fileLimit() throws(JournalError) -> UInt64 {
        let bytes = UInt64(max(0, fileSize - Int64(SegmentHeader.size)))
        guard segment.base <= Self.highestOffset, bytes <= Self.highestOffset - segment.base else {
            throw .corruption(Corruption(
                file: segment.name, offset: segment.base,
                reason: "segment reaches past the highest offset a journal can address"))
        }
        return segment.base + bytes
    }

    /// Scans from global offset `start` (a record boundary) to the end of the file.
    package func scan(from start: UInt64, index: SparseIndex = SparseIndex()) throws(JournalError) -> SegmentScan {
        let limit = try fileLimit()
        var result = SegmentScan(end: start, records: 0, index: index, defect: nil)
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var bufferOffset = start  // global offset of buffer[0]
        var bufferCount = 0
        var offset = start

        /// Makes `buffer` hold [offset, offset + count); false if the file ended
        /// first (a live writer may cut its file while a follower scans it).
        func ensure(_ count: Int) throws(JournalError) -> Bool {
            if offset >= bufferOffset, offset + UInt64(count) <= bufferOffset + UInt64(bufferCount) { return true }
            if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
            let wanted = Int(min(UInt64(buffer.count), limit - offset))
            let got = try segment.read(wanted, at: offset, into: &buffer)
            bufferOffset = offset
            bufferCount = got
            return got >= count
        }

        while offset < limit {
            let available = Int(limit - offset)
            guard available >= RecordFormat.headerSize else {
                result.defect = .truncated(needed: RecordFormat.headerSize, available: available)
                break
            }
            guard try ensure(RecordFormat.headerSize) else {
                result.defect = .truncated(needed: RecordFormat.headerSize, available: bufferCount)
                break
            }
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
            guard try ensure(header.recordSize) else {
                result.defect = .truncated(needed: header.recordSize, available: bufferCount)
                break
            }
            // Verify this record and every whole record after it in the buffer as one run:
            // their BLAKE3s are computed side by side in SIMD lanes.
            let run = collectRun(from: offset, in: buffer, bufferOffset: bufferOffset, bufferCount: bufferCount, limit: limit)
            let (accepted, defect) = verify(run, in: buffer, bufferOffset: bufferOffset)
            for position in 0..<accepted {
                result.index.noteRecord(at: run.offsets[position] - segment.base)
                offset = run.offsets[position] + UInt64(run.headers[position].recordSize)
            }
            result.records += accepted
            if let defect = defect ?? (accepted == 0 ? .truncated(needed: header.recordSize, available: bufferCount) : nil) {
                result.defect = defect
                break
            }
        }
        result.end = offset
        return result
    }

    /// Records found whole, back to back, in the scan buffer.
    struct Run {
        var offsets: [UInt64] = []
        var headers: [RecordHeader] = []
    }

    /// The records from `offset` (whose record is whole in the buffer) that lie
    /// whole in the buffer with plausible lengths, at most 256.
    private func collectRun(
        from start: UInt64, in buffer: [UInt8], bufferOffset: UInt64, bufferCount: Int, limit: UInt64
    ) -> Run {
        var run = Run()
        run.offsets.reserveCapacity(256)
        run.headers.reserveCapacity(256)
        var offset = start
        let bufferEnd = bufferOffset + UInt64(bufferCount)
        buffer.withUnsafeBytes { raw in
            while run.offsets.count < 256, offset + UInt64(RecordFormat.headerSize) <= min(bufferEnd, limit) {
                let position = Int(offset - bufferOffset)
                let header = RecordHeader(
                    decoding: UnsafeRawBufferPointer(rebasing: raw[position..<position + RecordFormat.headerSize]))
                guard header.payloadLength > 0, header.payloadLength <= RecordFormat.largestPayload,
                      offset + UInt64(header.recordSize) <= min(bufferEnd, limit)
                else { break }
                run.offsets.append(offset)
                run.headers.append(header)
                offset += UInt64(header.recordSize)
            }
        }
        return run
    }

    /// Verifies a run: CRC32C of each record at its offset, then the BLAKE3s of
    /// the records before the first CRC failure, hashed together. Returns how
    /// many records from the start verify, and the defect of the first that does not.
    private func verify(_ run: Run, in buffer: [UInt8], bufferOffset: UInt64) -> (Int, RecordDefect?) {
        buffer.withUnsafeBytes { raw in
            var payloads: [UnsafeRawBufferPointer] = []
            payloads.reserveCapacity(run.offsets.count)
            var crcFailure: Int?
            for (offset, header) in zip(run.offsets, run.headers) {
                let start = Int(offset - bufferOffset) + RecordFormat.headerSize
                let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + header.payloadLength])
                let crc = RecordHeader.checksum(
                    offset: offset, lengthWord: header.lengthWord, digest: header.digest, payload: payload)
                if crc != header.checksum {
                    crcFailure = payloads.count
                    break
                }
                payloads.append(payload)
            }
            let zero = withUnsafeBytes(of: (UInt64(0), UInt64(0), UInt64(0), UInt64(0))) { BLAKE3Digest(bytes: $0) }
            var digests = [BLAKE3Digest](repeating: zero, count: payloads.count)
            payloads.withUnsafeBufferPointer { messages in
                digests.withUnsafeMutableBufferPointer { BLAKE3Hasher.hashMessages(messages, into: $0) }
            }
            for position in digests.indices where digests[position] != run.headers[position].digest {
                return (position, .digestMismatch)
            }
            if let crcFailure { return (crcFailure, .checksumMismatch) }
            return (payloads.count, nil)
        }
    }

    /// The global offset just past the last non-zero byte at or after `start`,
    /// or nil when everything from `start` to the end of the file is zero.
    package func endOfNonZeroBytes(from start: UInt64) throws(JournalError) -> UInt64? {
        let limit = try fileLimit()
        guard start < limit else { return nil }
        // Holes and space allocated but never written read as zeros: only the
        // rest is read (a new journal's allocated segment is not read at all).
        var buffer: [UInt8] = []
        for range in try segment.dataRanges(in: start..<limit).reversed() {
            var chunkEnd = range.upperBound
            // Backwards, so that garbage at the very end is found at once.
            while chunkEnd > range.lowerBound {
                let chunkStart = chunkEnd - min(UInt64(Self.chunkSize), chunkEnd - range.lowerBound)
                let count = Int(chunkEnd - chunkStart)
                let got = try segment.read(count, at: chunkStart, into: &buffer)
                if let last = buffer.withUnsafeBytes({ Self.lastNonZeroIndex(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }) {
                    return chunkStart + UInt64(last) + 1
                }
                chunkEnd = chunkStart
            }
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
