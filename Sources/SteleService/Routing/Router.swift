/// Maps a method and a path to an ``Operation``, or to the problem that says
/// why not (404 for an unknown path, 405 with `Allow` for a wrong method).
package enum Router {
    /// A path and the methods it answers, GET implying HEAD.
    private enum Resource {
        case records, record(String), cursors, cursor(String), segments, cleanup, journal, health, readiness, metrics

        var methods: [String] {
            switch self {
            case .records: ["GET", "HEAD", "POST"]
            case .cursor: ["GET", "HEAD", "PUT", "DELETE"]
            case .cleanup: ["POST"]
            default: ["GET", "HEAD"]
            }
        }
    }

    /// The route template of the resource at `path`, whatever the method
    /// (a 405 is counted under its resource); nil when there is none (404).
    package static func route(of path: String) -> String? {
        // Every operation on a resource has its route (``Operation/route``): ask with one it answers.
        guard let resource = resource(at: path) else { return nil }
        return (try? resolve(method: resource.methods[0], path: path).get())?.route
    }

    package static func resolve(method: String, path: String) -> Result<Operation, Problem> {
        guard let resource = resource(at: path) else {
            return .failure(Problem(.notFound, "no resource at \(path)"))
        }
        let reading = method == "GET" || method == "HEAD"
        let operation: Operation? =
            switch (resource, method) {
            case (.records, "POST"): .appendRecords
            case (.records, _) where reading: .readRecords
            case (.record(let offset), _) where reading: .readRecord(offset: offset)
            case (.cursors, _) where reading: .listCursors
            case (.cursor(let name), "PUT"): .setCursor(name: name)
            case (.cursor(let name), "DELETE"): .deleteCursor(name: name)
            case (.cursor(let name), _) where reading: .readCursor(name: name)
            case (.segments, _) where reading: .listSegments
            case (.cleanup, "POST"): .cleanup
            case (.journal, _) where reading: .describeJournal
            case (.health, _) where reading: .health
            case (.readiness, _) where reading: .readiness
            case (.metrics, _) where reading: .metrics
            default: nil
            }
        if let operation { return .success(operation) }
        let allowed = resource.methods.joined(separator: ", ")
        return .failure(
            Problem(
                .methodNotAllowed, "\(method) is not allowed on \(path); allowed: \(allowed)",
                headers: [("Allow", allowed)]))
    }

    private static func resource(at path: String) -> Resource? {
        switch path {
        case "/v1/records": return .records
        case "/v1/cursors": return .cursors
        case "/v1/segments": return .segments
        case "/v1/segments/cleanup": return .cleanup
        case "/v1/journal": return .journal
        case "/healthz": return .health
        case "/readyz": return .readiness
        case "/metrics": return .metrics
        default: break
        }
        if let offset = path.droppingPrefix("/v1/records/") { return offset.contains("/") ? nil : .record(offset) }
        // Everything after the prefix is the name, slashes included: the
        // cursor handler refuses such a name with a clear 400.
        if let name = path.droppingPrefix("/v1/cursors/") { return .cursor(name) }
        return nil
    }
}

extension String {
    func droppingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
