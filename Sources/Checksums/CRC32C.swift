internal import CChecksums

/// CRC32C, the Castagnoli CRC of RFC 3720 (reflected polynomial 0x82F63B78,
/// register preset to all ones, result complemented).
///
/// Promises:
/// - `checksum` of the empty buffer returns `crc` unchanged (0 for a fresh
///   checksum), and checksums chain: `checksum(b, continuing: checksum(a))`
///   equals `checksum(a + b)`, so a record can be checksummed piecewise.
/// - Uses the CPU's CRC32 instruction when it has SSE4.2 (three interleaved
///   streams), a table-driven implementation otherwise; both give identical
///   results. The choice is made once per process.
/// - Never allocates; any alignment of `bytes` is fine.
public enum CRC32C {
    /// Returns the CRC32C of `bytes`, continuing from `crc` (the result of
    /// an earlier call over the preceding bytes, or 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return stele_crc32c(crc, base, bytes.count)
    }

    /// Returns the CRC32C of `bytes`, continuing from `crc`. Contiguous
    /// collections (`[UInt8]`, `ArraySlice`, ...) are read in place; other
    /// sequences are copied first.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({
            checksum(UnsafeRawBufferPointer($0), continuing: crc)
        }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
