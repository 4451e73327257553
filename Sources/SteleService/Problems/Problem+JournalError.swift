package import Journal

/// Where a journal error happened: the same error can mean a different status.
package enum ProblemContext: Sendable {
    case append, read, cursor, cleanup
}

extension Problem {
    /// How many seconds a client should wait before retrying a refused append.
    static let retryAfterSeconds = 1

    /// The one place that maps the engine's errors to problems.
    package init(_ error: JournalError, context: ProblemContext) {
        let detail = error.description
        switch error {
        case .emptyPayload: self.init(.emptyPayload, detail)
        case .emptyBatch: self.init(.emptyBatch, detail)
        case .payloadTooLarge(_, let limit):
            self.init(.recordTooLarge, detail, members: [("limit", .integer(UInt64(limit)))])
        case .requestTooLarge(_, let limit):
            self.init(.payloadTooLarge, detail, members: [("limit", .integer(UInt64(limit)))])
        case .overloaded:
            self.init(.overloaded, detail, members: Self.retryMembers, headers: Self.retryHeaders)
        case .noSpace:
            self.init(.noSpace, detail, members: Self.retryMembers, headers: Self.retryHeaders)
        case .failed: self.init(.journalFailed, detail)
        case .closed: self.init(.shuttingDown, detail)
        case .offsetBelowStart(let offset, let start):
            self.init(.offsetBelowStart, detail, members: [("offset", .integer(offset)), ("start", .integer(start))])
        case .offsetBeyondEnd(let offset, let end):
            self.init(
                .offsetBeyondEnd, status: context == .cursor ? 400 : nil, detail,
                members: [("offset", .integer(offset)), ("end", .integer(end))])
        case .notRecordBoundary(let offset):
            self.init(.notRecordBoundary, detail, members: [("offset", .integer(offset))])
        case .invalidCursorName: self.init(.invalidCursorName, detail)
        case .cursorNotFound(let name): self.init(.cursorNotFound, detail, members: [("cursor", .text(name))])
        case .cursorBackwards(let name, let current, _):
            self.init(.cursorBackwards, detail, members: [("cursor", .text(name)), ("offset", .integer(current))])
        case .corruptRecord: self.init(.corruptRecord, detail)
        case .corruption, .locked, .invalidOptions, .io: self.init(.internal, detail)
        }
    }

    private static var retryMembers: [(name: String, value: Member)] {
        [("retry_after_seconds", .integer(UInt64(retryAfterSeconds)))]
    }

    private static var retryHeaders: [(name: String, value: String)] {
        [("Retry-After", String(retryAfterSeconds))]
    }
}
