/// A reader's wait for records past an offset (a long-poll), as
/// ``Journal/waitForRecords(from:timeout:answer:)`` started it; it can be
/// ended early with ``Journal/cancelWait(_:)``.
package struct RecordWait: Sendable, Hashable {
    let id: UInt64
}
