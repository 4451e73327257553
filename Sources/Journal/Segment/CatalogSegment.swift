/// One segment as the catalog knows it: its file, its durable end and its index.
package struct CatalogSegment: Sendable {
    package let file: SegmentFile
    /// The global offset just past its last durable record.
    package var end: UInt64
    package var index: SparseIndex
    package var records: Int

    package init(file: SegmentFile, end: UInt64, index: SparseIndex, records: Int) {
        self.file = file
        self.end = end
        self.index = index
        self.records = records
    }

    package var base: UInt64 { file.base }
    package var byteCount: UInt64 { end - base }
}
