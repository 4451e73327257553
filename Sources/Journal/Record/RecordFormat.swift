/// Constants of record format v2 (see README.md in this folder's parent).
package enum RecordFormat {
    /// `[payload_len:u32][crc32c:u32][blake3:32]` in front of every payload.
    package static let headerSize = 40
    /// The length word, a record's first 4 bytes: zero there reads as the end of the records.
    package static let lengthWordSize = 4
    /// The top bit of the length word: the payload was validated as JSON on append.
    package static let jsonFlag: UInt32 = 0x8000_0000
    /// The low 31 bits of the length word.
    package static let lengthMask: UInt32 = 0x7FFF_FFFF
    /// The largest payload any Stele writes or accepts when scanning; a length
    /// word claiming more is invalid. The configurable maximum may not exceed it.
    package static let largestPayload = 16 << 20
    /// The default configurable maximum payload (1 MiB).
    package static let defaultMaximumPayload = 1 << 20
}
