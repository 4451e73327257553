/// What a client can see of a journal's contents without reading records:
/// bounds, cursor count and the segment list (sizes included).
struct JournalFingerprint: Equatable, Sendable, CustomStringConvertible {
    let start: UInt64
    let end: UInt64
    let cursors: Int
    let segments: String

    var description: String { "start \(start) end \(end) cursors \(cursors) segments \(segments)" }
}
