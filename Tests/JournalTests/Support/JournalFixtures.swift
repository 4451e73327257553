import Journal
import SystemPackage

/// Records and journals for tests.
enum Fixtures {
    static func json(_ text: String) -> AppendRecord {
        AppendRecord(payload: Array(text.utf8), isJSON: true)
    }

    static func binary(_ count: Int, seed: UInt8 = 1) -> AppendRecord {
        AppendRecord(payload: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }, isJSON: false)
    }

    /// Options with small segments so tests rotate often.
    static func options(
        _ durability: Durability = .immediate, segmentMaxBytes: Int = 4096, window: Int = 1 << 20
    ) -> JournalOptions {
        var options = JournalOptions(durability: durability)
        options.segmentMaxBytes = segmentMaxBytes
        options.unsyncedWindow = window
        options.maximumPayload = min(options.maximumPayload, window / 4)
        options.maximumBatchBytes = min(options.maximumBatchBytes, window)
        // The spare segment is written on a thread of its own: tests that count
        // I/Os need them in a repeatable order. SpareSegmentTests and the power
        // cut simulation turn it on.
        options.prepareSpareSegments = false
        return options
    }

    /// Appends `count` JSON records one request at a time and returns where they landed.
    @discardableResult
    static func fill(_ journal: Journal, count: Int, size: Int = 100) async throws -> [AppendedRecord] {
        var appended: [AppendedRecord] = []
        for index in 0..<count {
            let text = #"{"n":\#(index),"pad":"\#(String(repeating: "p", count: max(0, size - 20)))"}"#
            appended.append(try await journal.append(json(text)))
        }
        return appended
    }

    /// Reads every record from the start.
    static func readAll(_ journal: Journal) throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        var offset = journal.bounds.start
        while true {
            let batch = try journal.read(from: offset, limit: 1000, maxBytes: 1 << 20)
            if batch.records.isEmpty { return records }
            records += batch.records
            offset = batch.next
        }
    }
}
