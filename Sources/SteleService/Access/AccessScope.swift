/// What a bearer token may do. `admin` implies the other two.
package enum AccessScope: String, Sendable, CaseIterable {
    case read, write, admin
}

extension Operation {
    /// The scope a request needs, or nil when it is open to anyone.
    func requiredScope(force: Bool, metricsNeedRead: Bool) -> AccessScope? {
        switch self {
        case .health, .readiness: nil
        case .metrics: metricsNeedRead ? .read : nil
        case .readRecords, .readRecord, .listCursors, .readCursor, .listSegments, .describeJournal: .read
        case .appendRecords: .write
        case .setCursor: force ? .admin : .write
        case .deleteCursor, .cleanup: .admin
        }
    }
}
