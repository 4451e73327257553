/// What opening (or verifying) a journal found and did.
package struct RecoveryReport: Sendable, Equatable {
    /// One thing recovery changed, or (when verifying) would change.
    package enum Action: Sendable, Equatable, CustomStringConvertible {
        /// A torn tail cut from `segment` at global `offset`; `bytes` copied to quarantine.
        case truncatedTornTail(segment: String, offset: UInt64, bytes: Int, reason: String)
        /// The newest segment held no acknowledged record and was made anew.
        case recreatedSegment(segment: String, reason: String)
        /// A temporary file left by an interrupted write was removed.
        case removedTemporaryFile(path: String)
        /// The journal was empty and its first segment was created.
        case createdFirstSegment(segment: String)

        package var description: String {
            switch self {
            case .truncatedTornTail(let segment, let offset, let bytes, let reason):
                "torn tail in \(segment) at offset \(offset): \(reason); cut \(bytes) bytes (kept in quarantine/)"
            case .recreatedSegment(let segment, let reason): "recreated \(segment): \(reason)"
            case .removedTemporaryFile(let path): "removed temporary file \(path)"
            case .createdFirstSegment(let segment): "created \(segment)"
            }
        }
    }

    package var segments = 0
    package var records = 0
    /// Bytes of records verified (headers included).
    package var bytes: UInt64 = 0
    package var start: UInt64 = 0
    package var end: UInt64 = 0
    package var cursors = 0
    package var actions: [Action] = []
    /// Wall time the scan and repair took, in seconds.
    package var seconds: Double = 0

    package init() {}

    /// Whether a torn tail was (or would be) cut.
    package var cutTornTail: Bool {
        actions.contains { if case .truncatedTornTail = $0 { true } else { false } }
    }
}
