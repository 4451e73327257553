import Synchronization

/// The segments readers may see and the durable end, behind one lock.
///
/// The writer publishes here only what is durable; readers take what they
/// need under the lock (a segment's file, its end, one index entry) and do
/// their I/O outside it.
package final class SegmentCatalog: Sendable {
    private let state: Mutex<[CatalogSegment]>

    /// `segments` must be contiguous and non-empty.
    package init(segments: [CatalogSegment]) {
        precondition(!segments.isEmpty)
        state = Mutex(segments)
    }

    /// Where a read starting at one offset should look.
    package struct Location: Sendable {
        package let file: SegmentFile
        /// The durable end of that segment.
        package let segmentEnd: UInt64
        /// An indexed record boundary at or before the offset.
        package let boundaryAtOrBefore: UInt64
        package let journalStart: UInt64
        package let journalEnd: UInt64
    }

    /// The journal's first offset and its durable end.
    package var bounds: (start: UInt64, end: UInt64) {
        state.withLock { ($0[0].base, $0[$0.count - 1].end) }
    }

    /// A copy of every segment, oldest first.
    package var segments: [CatalogSegment] {
        state.withLock { $0 }
    }

    /// Finds the segment holding `offset`, or throws why there is none.
    /// Returns nil when `offset` is exactly the durable end (nothing to read yet).
    package func locate(_ offset: UInt64) throws(JournalError) -> Location? {
        let result: Result<Location?, JournalError> = state.withLock { segments in
            let start = segments[0].base
            let end = segments[segments.count - 1].end
            if offset < start { return .failure(.offsetBelowStart(offset: offset, start: start)) }
            if offset > end { return .failure(.offsetBeyondEnd(offset: offset, end: end)) }
            if offset == end { return .success(nil) }
            // The last segment whose base is <= offset.
            var low = 0
            var high = segments.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if segments[middle].base <= offset { low = middle } else { high = middle - 1 }
            }
            let segment = segments[low]
            let boundary = segment.base + segment.index.entry(atOrBefore: offset - segment.base)
            return .success(Location(
                file: segment.file, segmentEnd: segment.end, boundaryAtOrBefore: boundary,
                journalStart: start, journalEnd: end))
        }
        return try result.get()
    }

    /// Runs `body` with exclusive access to the segment list (writer and cleanup only).
    package func update<Result>(_ body: (inout [CatalogSegment]) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
