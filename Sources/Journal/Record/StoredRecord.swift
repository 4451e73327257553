package import Checksums

/// A durable record as read back: verified against its checksum at its offset.
package struct StoredRecord: Sendable {
    package let offset: UInt64
    package let isJSON: Bool
    package let digest: BLAKE3Digest
    /// The payload, exactly as appended. Records of one read share one buffer.
    package let payload: ArraySlice<UInt8>

    package init(offset: UInt64, isJSON: Bool, digest: BLAKE3Digest, payload: ArraySlice<UInt8>) {
        self.offset = offset
        self.isJSON = isJSON
        self.digest = digest
        self.payload = payload
    }

    /// The offset just past this record.
    package var next: UInt64 { offset + UInt64(RecordFormat.headerSize + payload.count) }
}
