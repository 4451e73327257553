extension JournalOptions {
    /// Why a journal cannot be opened with these options, or nil when it can.
    /// ``Journal/open(at:options:fileSystem:logger:)`` refuses them with
    /// `.invalidOptions`; a server checks them before it starts listening.
    package var invalidReason: String? {
        guard (1...RecordFormat.largestPayload).contains(maximumPayload) else {
            return "maximum payload must be 1…\(RecordFormat.largestPayload) bytes"
        }
        guard unsyncedWindow >= maximumPayload + RecordFormat.headerSize else {
            return "the unsynced window must hold the largest record"
        }
        guard (4096...(1 << 31)).contains(segmentMaxBytes) else {
            return "segment size must be 4 KiB…2 GiB"
        }
        guard maximumBatchBytes > 0, maximumBatchBytes <= unsyncedWindow, maximumBatchRequests > 0 else {
            return "batch limits must be positive and within the unsynced window"
        }
        guard maximumQueuedBytes > 0 else {
            return "the bytes of appends allowed to wait must be positive"
        }
        return nil
    }
}
