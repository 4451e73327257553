/// The stable `code` of every problem response, with its HTTP status and
/// title. Clients match on the code; the status can differ by context only
/// where noted.
package enum ProblemCode: String, Sendable, CaseIterable {
    case malformedJSON = "malformed-json"
    case emptyPayload = "empty-payload"
    case emptyBatch = "empty-batch"
    case invalidParameter = "invalid-parameter"
    case invalidOffset = "invalid-offset"
    case invalidBody = "invalid-body"
    case notRecordBoundary = "not-record-boundary"
    case invalidCursorName = "invalid-cursor-name"
    case missingHost = "missing-host"
    /// 416 on reads, 400 when a cursor is set past the end.
    case offsetBeyondEnd = "offset-beyond-end"
    case unauthorized
    case forbidden
    case notFound = "not-found"
    case cursorNotFound = "cursor-not-found"
    case noRecord = "no-record"
    case methodNotAllowed = "method-not-allowed"
    case notAcceptable = "not-acceptable"
    case cursorBackwards = "cursor-backwards"
    case offsetBelowStart = "offset-below-start"
    case payloadTooLarge = "payload-too-large"
    case recordTooLarge = "record-too-large"
    case tooManyRecords = "too-many-records"
    case uriTooLong = "uri-too-long"
    case headersTooLarge = "headers-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case overloaded
    case journalFailed = "journal-failed"
    case notReady = "not-ready"
    case shuttingDown = "shutting-down"
    case noSpace = "no-space"
    case corruptRecord = "corrupt-record"
    case `internal`

    /// The status this code is answered with (see ``offsetBeyondEnd``).
    package var status: Int {
        switch self {
        case .malformedJSON, .emptyPayload, .emptyBatch, .invalidParameter, .invalidOffset, .invalidBody,
            .notRecordBoundary, .invalidCursorName, .missingHost:
            400
        case .offsetBeyondEnd: 416
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound, .cursorNotFound, .noRecord: 404
        case .methodNotAllowed: 405
        case .notAcceptable: 406
        case .cursorBackwards: 409
        case .offsetBelowStart: 410
        case .payloadTooLarge, .recordTooLarge, .tooManyRecords: 413
        case .uriTooLong: 414
        case .unsupportedMediaType: 415
        case .headersTooLarge: 431
        case .overloaded, .journalFailed, .notReady, .shuttingDown: 503
        case .noSpace: 507
        case .corruptRecord, .internal: 500
        }
    }

    /// A short summary that never changes for the code (RFC 9457 `title`).
    package var title: String {
        switch self {
        case .malformedJSON: "Malformed JSON"
        case .emptyPayload: "Empty payload"
        case .emptyBatch: "Empty batch"
        case .invalidParameter: "Invalid query parameter"
        case .invalidOffset: "Invalid offset"
        case .invalidBody: "Invalid request body"
        case .notRecordBoundary: "Not a record boundary"
        case .invalidCursorName: "Invalid cursor name"
        case .missingHost: "Missing or repeated Host header"
        case .offsetBeyondEnd: "Offset beyond the end"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .cursorNotFound: "Cursor not found"
        case .noRecord: "No record at this offset"
        case .methodNotAllowed: "Method not allowed"
        case .notAcceptable: "Not acceptable"
        case .cursorBackwards: "Cursor would move backwards"
        case .offsetBelowStart: "Offset below the start"
        case .payloadTooLarge: "Request body too large"
        case .recordTooLarge: "Record too large"
        case .tooManyRecords: "Too many records in one batch"
        case .uriTooLong: "URI too long"
        case .headersTooLarge: "Request headers too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .overloaded: "Overloaded"
        case .journalFailed: "Journal failed"
        case .notReady: "Not ready"
        case .shuttingDown: "Shutting down"
        case .noSpace: "No space left"
        case .corruptRecord: "Corrupt record"
        case .internal: "Internal error"
        }
    }
}
