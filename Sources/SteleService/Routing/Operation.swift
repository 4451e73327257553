/// What a request asks the service to do, once its method and path are resolved.
/// Path parameters are kept percent-encoded; their handlers decode and check them.
package enum Operation: Sendable, Equatable {
    case appendRecords
    case readRecords
    case readRecord(offset: String)
    case listCursors
    case readCursor(name: String)
    case setCursor(name: String)
    case deleteCursor(name: String)
    case listSegments
    case cleanup
    case describeJournal
    case health
    case readiness
    case metrics

    /// The route's label in metrics and logs: the path template.
    package var route: String {
        switch self {
        case .appendRecords, .readRecords: "/v1/records"
        case .readRecord: "/v1/records/{offset}"
        case .listCursors: "/v1/cursors"
        case .readCursor, .setCursor, .deleteCursor: "/v1/cursors/{name}"
        case .listSegments: "/v1/segments"
        case .cleanup: "/v1/segments/cleanup"
        case .describeJournal: "/v1/journal"
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .metrics: "/metrics"
        }
    }

    /// Whether the operation needs the journal open (not during recovery).
    var needsJournal: Bool {
        switch self {
        case .health, .readiness, .metrics: false
        default: true
        }
    }
}
