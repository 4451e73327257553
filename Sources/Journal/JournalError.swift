package import SystemPackage

/// Everything the journal can refuse or fail with. The HTTP layer maps each
/// case to one status and problem code, in one place.
package enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    // Bad appends: the client's fault, nothing written.
    case emptyPayload
    case emptyBatch
    case payloadTooLarge(size: Int, limit: Int)
    case requestTooLarge(bytes: Int, limit: Int)
    // Back-pressure and disk state.
    case overloaded(queuedBytes: Int)
    case noSpace
    case failed(reason: String)
    case closed
    // Reads and cursors.
    case offsetBelowStart(offset: UInt64, start: UInt64)
    case offsetBeyondEnd(offset: UInt64, end: UInt64)
    case notRecordBoundary(offset: UInt64)
    case invalidCursorName(String)
    case cursorNotFound(String)
    case cursorBackwards(name: String, current: UInt64, requested: UInt64)
    /// A record failed its checksum when read back: the disk changed under us.
    case corruptRecord(Corruption)
    // Opening.
    case corruption(Corruption)
    case locked(path: String)
    case invalidOptions(String)
    case io(operation: String, path: String, errno: Errno)

    /// The names of the steps in `.io(operation:...)` that are an fsync of a
    /// file or a directory. ENOSPC from one of them is an fsync error like any
    /// other (thin-provisioned volumes and NFS report lost writes that way):
    /// fatal, never the clean "disk full" of a write or an allocation.
    package static let fsyncStep = "fsync"
    package static let fsyncDirectoryStep = "fsync directory"

    /// Whether this is ENOSPC from a step that changed nothing durable yet (a
    /// write, an allocation, a file's creation), which the journal survives.
    package var isCleanNoSpace: Bool {
        if case .noSpace = self { return true }
        guard case .io(let operation, _, .noSpace) = self else { return false }
        return operation != Self.fsyncStep && operation != Self.fsyncDirectoryStep
    }

    package var description: String {
        switch self {
        case .emptyPayload: "empty payloads are not accepted"
        case .emptyBatch: "a batch needs at least one record"
        case .payloadTooLarge(let size, let limit): "payload of \(size) bytes exceeds the limit of \(limit)"
        case .requestTooLarge(let bytes, let limit): "request of \(bytes) bytes exceeds the limit of \(limit)"
        case .overloaded(let queued): "append queue is full (\(queued) bytes waiting)"
        case .noSpace: "no space left on the journal's device"
        case .failed(let reason): "journal has failed and refuses writes: \(reason)"
        case .closed: "journal is closed"
        case .offsetBelowStart(let offset, let start): "offset \(offset) is below the journal's start \(start)"
        case .offsetBeyondEnd(let offset, let end): "offset \(offset) is beyond the journal's end \(end)"
        case .notRecordBoundary(let offset): "offset \(offset) is not a record boundary"
        case .invalidCursorName(let name): "invalid cursor name \"\(name)\": use 1 to 128 of [A-Za-z0-9._-], not only dots"
        case .cursorNotFound(let name): "no cursor named \"\(name)\""
        case .cursorBackwards(let name, let current, let requested):
            "cursor \"\(name)\" is at \(current); moving it back to \(requested) needs force"
        case .corruptRecord(let corruption): "corrupt record: \(corruption)"
        case .corruption(let corruption): "\(corruption)"
        case .locked(let path): "\(path) is locked by another process"
        case .invalidOptions(let reason): "invalid options: \(reason)"
        case .io(let operation, let path, let errno): "\(operation) failed on \(path): \(errno)"
        }
    }
}

extension JournalError {
    /// Whether this is a read from memory only that found its bytes missing
    /// from the page cache (EAGAIN): the read would have waited for the disk.
    package var isWouldWaitForDisk: Bool {
        if case .io(_, _, .resourceTemporarilyUnavailable) = self { true } else { false }
    }
}

/// Damage to acknowledged data: the file, the global offset and the reason,
/// worded the way an operator needs it.
package struct Corruption: Equatable, Sendable, CustomStringConvertible {
    package let file: String
    package let offset: UInt64?
    package let reason: String

    package init(file: String, offset: UInt64?, reason: String) {
        self.file = file
        self.offset = offset
        self.reason = reason
    }

    package var description: String {
        if let offset { "\(reason) in \(file) at offset \(offset)" } else { "\(reason) in \(file)" }
    }
}
