/// Serves reads of durable records from a ``SegmentCatalog``, without taking
/// the writer's thread: the catalog's lock is held only to find the segment.
///
/// A read must start on a record boundary. The reader proves that from the
/// sparse index: it walks record headers forward from the nearest indexed
/// boundary and must land exactly on the requested offset. Every record
/// returned is checked against its CRC32C at its offset.
package struct RecordReader: Sendable {
    package let catalog: SegmentCatalog

    package init(catalog: SegmentCatalog) {
        self.catalog = catalog
    }

    /// Up to `limit` records from `offset`, stopping before `maxBytes` of
    /// records (headers included) — but always at least one record if any
    /// exists. Records come from one segment; `next` continues the read.
    /// With `fromMemoryOnly` it never waits for the device: a byte it needs
    /// that is not in the page cache throws (see ``JournalError/isWouldWaitForDisk``).
    package func read(from offset: UInt64, limit: Int, maxBytes: Int, fromMemoryOnly: Bool = false) throws(JournalError) -> ReadBatch {
        guard let location = try catalog.locate(offset) else {
            let (start, end) = catalog.bounds
            return ReadBatch(records: [], next: offset, start: start, end: end)
        }
        try Self.proveBoundary(offset, from: location.boundaryAtOrBefore, in: location.file, fromMemoryOnly: fromMemoryOnly)
        let records = try Self.readRecords(
            from: offset, segmentEnd: location.segmentEnd, file: location.file,
            limit: max(1, limit), maxBytes: max(1, maxBytes), fromMemoryOnly: fromMemoryOnly)
        return ReadBatch(
            records: records, next: records.last?.next ?? offset,
            start: location.journalStart, end: location.journalEnd)
    }

    /// Checks that `offset` is a record boundary by walking headers from `boundary`.
    package static func proveBoundary(
        _ offset: UInt64, from boundary: UInt64, in file: SegmentFile, fromMemoryOnly: Bool = false
    ) throws(JournalError) {
        let windowSize = 8192
        var window = [UInt8](repeating: 0, count: windowSize)
        var windowStart = UInt64.max
        var windowCount = 0
        var position = boundary
        while position < offset {
            if windowStart == .max || position < windowStart
                || position + UInt64(RecordFormat.headerSize) > windowStart + UInt64(windowCount) {
                // No further than the last header the walk can need: bytes past
                // `offset` may be pages no read has brought in (a prepared
                // segment's zeros), which a read from memory must not ask for.
                let wanted = min(windowSize, Int(offset - position) + RecordFormat.headerSize)
                windowCount = try file.read(wanted, at: position, into: &window, fromMemoryOnly: fromMemoryOnly)
                windowStart = position
                guard windowCount >= RecordFormat.headerSize else { break }
            }
            let at = Int(position - windowStart)
            let header = window.withUnsafeBytes {
                RecordHeader(decoding: UnsafeRawBufferPointer(rebasing: $0[at..<at + RecordFormat.headerSize]))
            }
            guard header.payloadLength > 0 else { break }
            position += UInt64(header.recordSize)
        }
        if position != offset { throw .notRecordBoundary(offset: offset) }
    }

    /// The first read of a batch: enough for a page of small records,
    /// without reading (and zeroing) all of `maxBytes` when far less is asked.
    static let firstChunkBytes = 64 << 10

    static func readRecords(
        from offset: UInt64, segmentEnd: UInt64, file: SegmentFile, limit: Int, maxBytes: Int, fromMemoryOnly: Bool = false
    ) throws(JournalError) -> [StoredRecord] {
        let readEnd = min(segmentEnd, offset + UInt64(max(maxBytes, RecordFormat.headerSize)))
        var records: [StoredRecord] = []
        var chunkStart = offset
        var chunkBytes = UInt64(firstChunkBytes)
        // Reads the range in growing chunks; a record cut by a chunk's end is
        // read again at the start of the next.
        while records.count < limit, chunkStart < readEnd {
            let chunkEnd = min(readEnd, chunkStart + chunkBytes)
            var buffer = [UInt8]()
            let got = try file.read(Int(chunkEnd - chunkStart), at: chunkStart, into: &buffer, fromMemoryOnly: fromMemoryOnly)
            var position = 0  // in buffer
            while records.count < limit, position + RecordFormat.headerSize <= got {
                let header = buffer.withUnsafeBytes {
                    RecordHeader(decoding: UnsafeRawBufferPointer(rebasing: $0[position..<position + RecordFormat.headerSize]))
                }
                let recordOffset = chunkStart + UInt64(position)
                if position + header.recordSize > got {
                    if recordOffset + UInt64(header.recordSize) <= readEnd, got == Int(chunkEnd - chunkStart) {
                        break  // it continues past this chunk: the next one starts with it
                    }
                    // The record does not fit in the range: return what we have, or this one record alone.
                    guard records.isEmpty, recordOffset + UInt64(header.recordSize) <= segmentEnd else { return records }
                    return [try readSingle(at: recordOffset, header: header, file: file, fromMemoryOnly: fromMemoryOnly)]
                }
                records.append(try verified(header, in: buffer, at: position, offset: recordOffset, file: file))
                position += header.recordSize
            }
            if got < Int(chunkEnd - chunkStart) || got < RecordFormat.headerSize { break }  // the file or the range ended
            if position == 0 {
                // Not even one record fits in this chunk: make the next one large enough.
                let header = buffer.withUnsafeBytes {
                    RecordHeader(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<RecordFormat.headerSize]))
                }
                chunkBytes = max(chunkBytes * 2, UInt64(header.recordSize))
                continue
            }
            chunkStart += UInt64(position)
            chunkBytes *= 2
        }
        return records
    }

    static func readSingle(
        at offset: UInt64, header: RecordHeader, file: SegmentFile, fromMemoryOnly: Bool = false
    ) throws(JournalError) -> StoredRecord {
        var buffer = [UInt8](repeating: 0, count: header.recordSize)
        let got = try file.read(buffer.count, at: offset, into: &buffer, fromMemoryOnly: fromMemoryOnly)
        guard got == header.recordSize else {
            throw .corruptRecord(Corruption(file: file.name, offset: offset, reason: "short read"))
        }
        return try verified(header, in: buffer, at: 0, offset: offset, file: file)
    }

    @inline(__always)
    static func verified(
        _ header: RecordHeader, in buffer: [UInt8], at position: Int, offset: UInt64, file: SegmentFile
    ) throws(JournalError) -> StoredRecord {
        let payloadStart = position + RecordFormat.headerSize
        let payloadEnd = payloadStart + header.payloadLength
        let crc = buffer.withUnsafeBytes {
            RecordHeader.checksum(
                offset: offset, lengthWord: header.lengthWord, digest: header.digest,
                payload: UnsafeRawBufferPointer(rebasing: $0[payloadStart..<payloadEnd]))
        }
        guard crc == header.checksum, header.payloadLength > 0 else {
            throw .corruptRecord(Corruption(file: file.name, offset: offset, reason: "crc mismatch"))
        }
        return StoredRecord(
            offset: offset, isJSON: header.isJSON, digest: header.digest, payload: buffer[payloadStart..<payloadEnd])
    }
}
