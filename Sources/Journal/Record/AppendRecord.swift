package import Checksums

/// A record a client asks to append: its payload, whether it was validated as
/// JSON, and its BLAKE3 (computed by the caller, off the journal's thread).
package struct AppendRecord: Sendable {
    package let payload: [UInt8]
    package let isJSON: Bool
    package let digest: BLAKE3Digest

    package init(payload: [UInt8], isJSON: Bool) {
        self.payload = payload
        self.isJSON = isJSON
        self.digest = payload.withUnsafeBytes { BLAKE3Hasher.hash($0) }
    }

    /// The record's size on disk, header included.
    package var recordSize: Int { RecordFormat.headerSize + payload.count }
}
