import Checksums
import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

/// One record as the engine acknowledged it, or as a reopened journal holds it.
struct RecordMark: Hashable, Sendable, CustomStringConvertible {
    let offset: UInt64
    let digest: BLAKE3Digest
    let next: UInt64

    init(offset: UInt64, digest: BLAKE3Digest, next: UInt64) {
        self.offset = offset
        self.digest = digest
        self.next = next
    }

    init(_ appended: AppendedRecord) {
        self.init(offset: appended.offset, digest: appended.digest, next: appended.next)
    }

    init(_ stored: StoredRecord) {
        self.init(offset: stored.offset, digest: stored.digest, next: stored.next)
    }

    var description: String { "\(offset)..<\(next)" }
}

/// What a journal holds, as far as the fault tests compare it: bounds, every
/// record (offset and digest) and every cursor.
struct LogState: Equatable, Sendable, CustomStringConvertible {
    var start: UInt64
    var end: UInt64
    var records: [RecordMark]
    var cursors: [String: UInt64]
    var segmentBases: [UInt64]

    var description: String {
        "start \(start), end \(end), \(records.count) records, cursors \(cursors), segments \(segmentBases)"
    }

    /// The same log without the records below `start` (what a cleanup leaves).
    func dropping(below newStart: UInt64) -> LogState {
        var copy = self
        copy.start = newStart
        copy.records = records.filter { $0.offset >= newStart }
        copy.segmentBases = segmentBases.filter { $0 >= newStart }
        return copy
    }

    /// Whether the records lie end to end from `start` to `end`.
    var contiguityProblems: [String] {
        var problems: [String] = []
        var expected = start
        for record in records {
            if record.offset != expected { problems.append("record at \(record.offset), expected one at \(expected)") }
            expected = record.next
        }
        if expected != end { problems.append("records end at \(expected), the journal at \(end)") }
        return problems
    }
}

/// Journals on the simulated file system, and the checks every fault test makes.
enum FaultSupport {
    /// The data directory on a simulated file system ("/" always exists there).
    static let path: FilePath = "/data"
    static let directory = JournalDirectory(path)

    static func segmentPath(base: UInt64) -> FilePath { directory.segment(base: base) }

    /// Small segments (4 KiB, many rotations) and a 64 KiB unsynced window.
    static func options(
        _ durability: Durability = .immediate, preallocate: Bool = true, segmentMaxBytes: Int = 4096
    ) -> JournalOptions {
        var options = Fixtures.options(durability, segmentMaxBytes: segmentMaxBytes, window: 64 << 10)
        options.preallocateSegments = preallocate
        return options
    }

    /// A binary record whose payload is unique to `tag` (so its digest identifies it).
    static func record(_ tag: String, size: Int) -> AppendRecord {
        var payload = Array(tag.utf8)
        var seed: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the tag: the same bytes in every run
        for byte in tag.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var generator = SplitMix64(seed: seed)
        while payload.count < size { payload.append(UInt8(truncatingIfNeeded: generator.next())) }
        return AppendRecord(payload: Array(payload.prefix(max(size, 1))), isJSON: false)
    }

    /// Everything the journal holds now, read through its public API.
    static func state(of journal: Journal) async throws -> LogState {
        let bounds = journal.bounds
        let records = try Fixtures.readAll(journal).map(RecordMark.init)
        let cursors = Dictionary(uniqueKeysWithValues: await journal.allCursors().map { ($0.name, $0.offset) })
        return LogState(
            start: bounds.start, end: bounds.end, records: records, cursors: cursors,
            segmentBases: journal.segments.map(\.base))
    }

    /// Opens the journal in ``path`` on `fileSystem`, reads its state, and closes it.
    static func reopenedState(
        on fileSystem: any FileSystem, options: JournalOptions
    ) async -> Result<LogState, any Error> {
        let journal: Journal
        do {
            journal = try await Journal.open(at: path, options: options, fileSystem: fileSystem)
        } catch {
            return .failure(error)
        }
        let result: Result<LogState, any Error>
        do {
            result = .success(try await state(of: journal))
        } catch {
            result = .failure(error)
        }
        await journal.close()
        return result
    }

    /// Waits (at most `limit`) until the simulated file system has `count`
    /// open handles: a closed journal's segment files close as its last
    /// references go, on whichever thread drops them.
    static func waitForOpenHandles(
        _ fileSystem: SimulatedFileSystem, toReach count: Int, limit: Duration = .seconds(5)
    ) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while fileSystem.openHandleCount != count {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }

    /// Whether `error` is the fail-stop error (`.failed`).
    static func isFailed(_ error: (any Error)?) -> Bool {
        if case .failed? = error as? JournalError { return true }
        return false
    }

    /// Whether the journal is in the failed state.
    static func isFailed(_ state: JournalState) -> Bool {
        if case .failed = state { return true }
        return false
    }

    /// Runs `body`, returning its error (nil on success).
    static func error(of body: () async throws -> Void) async -> (any Error)? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }
}

/// A value shared between tasks, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value { storage.withLock { $0 } }

    func update<Result>(_ body: (inout Value) -> Result) -> Result {
        storage.withLock { body(&$0) }
    }
}
