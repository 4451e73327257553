import Synchronization

/// The answers long-poll waits gave, in order, from whichever thread gave them.
final class AnswerLog: Sendable {
    struct Entry: Equatable, Sendable {
        let name: String
        let found: Bool
    }

    private let log = Mutex<[Entry]>([])

    func add(_ name: String, _ found: Bool) {
        log.withLock { $0.append(Entry(name: name, found: found)) }
    }

    var entries: [Entry] { log.withLock { $0 } }
}
