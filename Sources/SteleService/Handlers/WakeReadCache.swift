import HTTPServer
import Synchronization

/// The last read rendered for long-polls woken by an append. When a thousand
/// readers wait at the same offset, one append wakes them all with the same
/// question; the first renders the answer and the others reuse it, as long
/// as the journal's bounds have not moved in between.
final class WakeReadCache: Sendable {
    struct Key: Equatable {
        let from: UInt64
        let limit: Int
        let maxBytes: Int
        let start: UInt64
        let end: UInt64
        /// A reader without `from` follows a start a cleanup moved; one with it gets 410 instead.
        let followsStart: Bool
    }

    private let last = Mutex<(key: Key, response: HTTPResponse)?>(nil)

    init() {}

    /// The cached response for `key`, or the one `render` makes (kept when
    /// it answered exactly `key`: `render` returns the end it saw); nil when
    /// `render` cannot make one now.
    func response(for key: Key, render: () -> (response: HTTPResponse, end: UInt64?)?) -> HTTPResponse? {
        if let hit = cached(key) { return hit }
        guard let made = render() else { return nil }
        return keep(made, for: key)
    }

    /// The cached response for `key`, or the one `render` makes, which always makes one.
    func response(for key: Key, render: () -> (response: HTTPResponse, end: UInt64?)) -> HTTPResponse {
        if let hit = cached(key) { return hit }
        return keep(render(), for: key)
    }

    private func cached(_ key: Key) -> HTTPResponse? {
        last.withLock { $0?.key == key ? $0?.response : nil }
    }

    /// Keeps `made` when it answers exactly `key`, marked to be sent as one
    /// libmicrohttpd response object to every reader that gets it (the body
    /// copied once, not once per reader); returns what to send.
    private func keep(_ made: (response: HTTPResponse, end: UInt64?), for key: Key) -> HTTPResponse {
        guard made.end == key.end else { return made.response }
        // Made outside the lock: the body is copied once here.
        let shared = made.response.sharedOnce()
        return last.withLock { last in
            // Another reader may have kept the same answer meanwhile: share that one.
            if let kept = last, kept.key == key { return kept.response }
            last = (key, shared)
            return shared
        }
    }
}
