import Checksums
import Journal
import SystemPackage
import Synchronization
import Testing

/// The read-only follower (DESIGN.md, "Recovery", last bullet): a second
/// process may open the directory without the lock and follow the writer;
/// on a miss it re-lists segments.
/// A flag shared between tasks.
private final class Flag: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}

@Suite struct FollowerTests {
    private static let options = Fixtures.options(segmentMaxBytes: 4096)

    /// Every record the follower has from `offset` on, reading until a read comes back empty.
    private func readAll(_ follower: JournalFollower, from offset: UInt64? = nil) throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        var offset = offset ?? follower.bounds.start
        while true {
            let batch = try follower.read(from: offset, limit: 1000, maxBytes: 1 << 20)
            if batch.records.isEmpty { return records }
            records += batch.records
            offset = batch.next
        }
    }

    @Test func aFollower_opensADirectoryWhileTheWriterHoldsItsLock() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let follower = try JournalFollower(at: directory.path)
        #expect(follower.bounds == journal.bounds)
        // The writer is unaffected: it still appends, and still holds the lock.
        _ = try await journal.append(Fixtures.json("1"))
        await #expect(throws: JournalError.locked(path: directory.appending("LOCK").string)) {
            _ = try await Journal.open(at: directory.path)
        }
        await journal.close()
    }

    /// What a live writer does while followers open: appends, and either moves a
    /// consumer's cursor to the end or also cleans up behind it.
    enum WriterActivity: String, CaseIterable, Sendable { case appendingAndMovingCursors, appendingAndCleaningUp }

    @Test(arguments: WriterActivity.allCases)
    func openingAFollower_whileTheWriterIsBusy_alwaysSucceeds(activity: WriterActivity) async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        try await Fixtures.fill(journal, count: 40, size: 200)
        try await journal.setCursor(named: "consumer", to: journal.bounds.end)
        let writing = Flag(true)
        let writer = Task {
            defer { writing.set(false) }
            for _ in 0..<400 {
                try await Fixtures.fill(journal, count: 2, size: 200)
                try await journal.setCursor(named: "consumer", to: journal.bounds.end)
                if activity == .appendingAndCleaningUp { _ = try await journal.cleanup() }
            }
        }
        var failures: [String] = []
        var opened = 0
        while writing.isSet, opened < 2000 {
            do {
                let follower = try JournalFollower(at: directory.path)
                _ = try follower.read(from: follower.bounds.start, limit: 10)
            } catch {
                failures.append("\(error)")
            }
            opened += 1
            await Task.yield()
        }
        try await writer.value
        #expect(failures.count == 0, "\(failures.count) of \(opened) opens failed, first: \(failures.first ?? "")")
        await journal.close()
    }

    @Test func aFollower_readsEverythingWrittenSoFar() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let appended = try await Fixtures.fill(journal, count: 80, size: 150)
        let follower = try JournalFollower(at: directory.path)
        #expect(follower.bounds == journal.bounds)
        let records = try readAll(follower)
        #expect(records.map(\.offset) == appended.map(\.offset))
        #expect(records.map(\.digest) == appended.map(\.digest))
        #expect(zip(records, try Fixtures.readAll(journal)).allSatisfy { $0.payload == $1.payload })
        await journal.close()
    }

    @Test func aFollower_seesRecordsAppendedLaterAfterARefresh() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 1 << 20))
        let first = try await Fixtures.fill(journal, count: 5)
        let follower = try JournalFollower(at: directory.path)
        let oldEnd = follower.bounds.end
        let later = try await journal.append(Fixtures.json(#"{"later":true}"#))
        try follower.refresh()
        #expect(follower.bounds.end == journal.bounds.end)
        let records = try readAll(follower)
        #expect(records.map(\.offset) == first.map(\.offset) + [later.offset])
        #expect(records.last?.digest == later.digest)
        #expect(records.last?.isJSON == true)
        #expect(oldEnd == later.offset)
        await journal.close()
    }

    @Test func aReadAtTheFollowersEnd_refreshesAndReturnsTheNewRecords() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 1 << 20))
        try await Fixtures.fill(journal, count: 5)
        let follower = try JournalFollower(at: directory.path)
        let end = follower.bounds.end
        #expect(try follower.read(from: end).records.isEmpty)
        let later = try await Fixtures.fill(journal, count: 3)
        let batch = try follower.read(from: end)
        #expect(batch.records.map(\.offset) == later.map(\.offset))
        #expect(batch.records.map(\.digest) == later.map(\.digest))
        #expect(batch.next == journal.bounds.end)
        await journal.close()
    }

    @Test func aReadPastTheFollowersEnd_refreshesBeforeRefusing() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 1 << 20))
        try await Fixtures.fill(journal, count: 2)
        let follower = try JournalFollower(at: directory.path)
        let later = try await Fixtures.fill(journal, count: 2)
        // The follower had not seen `later[1]` yet: the read refreshes and finds it.
        #expect(try follower.read(from: later[1].offset).records.first?.digest == later[1].digest)
        let end = journal.bounds.end
        #expect(throws: JournalError.offsetBeyondEnd(offset: end + 1, end: end)) { try follower.read(from: end + 1) }
        await journal.close()
    }

    @Test func aFollower_followsTheWriterIntoNewSegments() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let first = try await Fixtures.fill(journal, count: 3, size: 200)
        let follower = try JournalFollower(at: directory.path)
        var seen = try readAll(follower)
        #expect(seen.count == 3)
        var appended = first
        for _ in 0..<6 {
            appended += try await Fixtures.fill(journal, count: 25, size: 200)
            seen += try readAll(follower, from: seen.last!.next)
        }
        #expect(journal.segments.count > 6)
        #expect(seen.map(\.offset) == appended.map(\.offset))
        #expect(seen.map(\.digest) == appended.map(\.digest))
        #expect(follower.bounds == journal.bounds)
        await journal.close()
    }

    @Test func aFollowerOpenedAfterRotations_readsAcrossEverySegment() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let appended = try await Fixtures.fill(journal, count: 120, size: 200)
        let follower = try JournalFollower(at: directory.path)
        #expect(try readAll(follower).map(\.digest) == appended.map(\.digest))
        await journal.close()
    }

    @Test func afterTheWritersCleanup_aRefreshDropsDeletedSegmentsAndReadsFromTheNewStart() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let appended = try await Fixtures.fill(journal, count: 100, size: 200)
        let follower = try JournalFollower(at: directory.path)
        let segments = journal.segments
        try await journal.setCursor(named: "c", to: segments[2].end)
        _ = try await journal.cleanup()
        let start = journal.bounds.start
        #expect(start == segments[3].base)

        try follower.refresh()
        #expect(follower.bounds == journal.bounds)
        #expect(throws: JournalError.offsetBelowStart(offset: 0, start: start)) { try follower.read(from: 0) }
        let records = try readAll(follower)
        #expect(records.first?.offset == start)
        #expect(records.map(\.digest) == appended.filter { $0.offset >= start }.map(\.digest))
        await journal.close()
    }

    @Test func aFollowerWhoseEverySegmentWasCleanedUp_catchesUpWithTheNewStart() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        try await Fixtures.fill(journal, count: 3, size: 200)
        let follower = try JournalFollower(at: directory.path)
        #expect(follower.bounds.start == 0)
        // The writer moves on several segments and deletes all the follower knew, and more.
        let appended = try await Fixtures.fill(journal, count: 100, size: 200)
        try await journal.setCursor(named: "c", to: journal.segments[3].end)
        _ = try await journal.cleanup()
        let start = journal.bounds.start
        #expect(start > 4096)

        try follower.refresh()
        #expect(follower.bounds == journal.bounds)
        let records = try readAll(follower, from: start)
        #expect(records.map(\.digest) == appended.filter { $0.offset >= start }.map(\.digest))
        await journal.close()
    }

    @Test func aFollower_keepsUpWithAWriterWhoCleansUpAsItGoes() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let follower = try JournalFollower(at: directory.path)
        var next: UInt64 = 0
        var appended: [AppendedRecord] = []
        for _ in 0..<8 {
            appended += try await Fixtures.fill(journal, count: 10, size: 200)
            let batch = try readAll(follower, from: next)
            #expect(batch.map(\.offset) == appended.filter { $0.offset >= next }.map(\.offset))
            next = batch.last?.next ?? next
            // The follower's consumer commits its position; the writer cleans up behind it.
            try await journal.setCursor(named: "follower", to: next)
            _ = try await journal.cleanup()
        }
        #expect(next == journal.bounds.end)
        try follower.refresh()
        #expect(follower.bounds == journal.bounds)
        await journal.close()
    }

    /// Record sizes that vary widely, some crossing the 8 KiB read window and the segment size.
    private static func payloadSize(_ writer: Int, _ index: Int) -> Int {
        1 + (writer * 7919 + index * 104_729) % (index % 17 == 0 ? 20_000 : 1500)
    }

    /// Reads from 0 in a loop, checking every record, until the writers are done and
    /// the follower has caught up. Bounded by a count of reads.
    private static func follow(
        _ follower: JournalFollower, while writing: Flag
    ) async -> (records: [StoredRecord], problems: [String]) {
        var records: [StoredRecord] = []
        var problems: [String] = []
        var offset: UInt64 = 0
        var idleReadsAfterWriting = 0
        for _ in 0..<2_000_000 {
            let stillWriting = writing.isSet
            let batch: ReadBatch
            do {
                batch = try follower.read(from: offset, limit: 1 + records.count % 50, maxBytes: 1 << 15)
            } catch {
                problems.append("read at \(offset): \(error)")
                break
            }
            for record in batch.records {
                if record.offset != offset { problems.append("gap or overlap at \(record.offset), expected \(offset)") }
                if BLAKE3Hasher.hash(record.payload) != record.digest {
                    problems.append("partial or wrong payload at \(record.offset) (\(record.payload.count) bytes)")
                }
                offset = record.next
                records.append(record)
            }
            if batch.records.isEmpty {
                // Once the writers are done, everything is on disk: a few empty reads in a row end the loop.
                if !stillWriting { idleReadsAfterWriting += 1 }
                if idleReadsAfterWriting >= 3 { break }
                await Task.yield()
            }
            if problems.count > 10 { break }
        }
        return (records, problems)
    }

    @Test(arguments: Durability.allCases)
    func aFollowerReadingWhileTheWriterAppends_neverReturnsAPartialRecord(durability: Durability) async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(
            at: directory.path, options: Fixtures.options(durability, segmentMaxBytes: 16 << 10))
        let follower = try JournalFollower(at: directory.path)
        let writing = Flag(true)
        let writers = 4
        let perWriter = 300

        async let followed = Self.follow(follower, while: writing)

        let acknowledged = try await withThrowingTaskGroup(of: [AppendedRecord].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine: [AppendedRecord] = []
                    for index in 0..<perWriter {
                        let record = AppendRecord(
                            payload: Fixtures.binary(Self.payloadSize(writer, index), seed: UInt8(writer)).payload,
                            isJSON: false)
                        mine.append(try await journal.append(record))
                    }
                    return mine
                }
            }
            defer { writing.set(false) }
            return try await group.reduce(into: [AppendedRecord]()) { $0 += $1 }
        }

        let (records, problems) = await followed
        #expect(problems.isEmpty, "\(problems)")
        #expect(journal.segments.count > 4)
        let byOffset = acknowledged.sorted { $0.offset < $1.offset }
        #expect(records.count == writers * perWriter)
        #expect(records.map(\.offset) == byOffset.map(\.offset))
        #expect(records.map(\.digest) == byOffset.map(\.digest))
        await journal.close()
    }
}
