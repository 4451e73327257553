package import Checksums

/// Where an acknowledged record landed.
package struct AppendedRecord: Equatable, Sendable {
    /// The record's global offset.
    package let offset: UInt64
    /// BLAKE3-256 of its payload: the record's content address.
    package let digest: BLAKE3Digest
    /// The offset just past the record.
    package let next: UInt64
}
