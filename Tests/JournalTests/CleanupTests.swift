import Checksums
import Journal
import SystemPackage
import Synchronization
import Testing

/// Cleanup (DESIGN.md, "HTTP API"): delete the sealed segments wholly below
/// the lowest cursor, oldest first; no cursors → nothing deleted; the active
/// segment is never deleted.
/// A flag shared between tasks.
private final class Flag: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}

@Suite struct CleanupTests {
    private static let options = Fixtures.options(segmentMaxBytes: 4096)

    /// A journal of many small segments (about 16 records of 240 bytes each).
    private func journal(
        in directory: TemporaryDirectory, records count: Int = 100
    ) async throws -> (Journal, [AppendedRecord]) {
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let appended = try await Fixtures.fill(journal, count: count, size: 200)
        #expect(journal.segments.count >= 5)
        return (journal, appended)
    }

    private func segmentFiles(_ directory: TemporaryDirectory) -> [String] {
        directory.files(in: "segments").filter { $0.hasSuffix(".wal") }
    }

    // MARK: What is deleted

    @Test func withoutCursors_nothingIsDeletedAndNothingHoldsTheLog() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        let report = try await journal.cleanup()
        #expect(report.deleted.isEmpty)
        #expect(report.heldBy == nil)
        #expect(report.start == 0)
        #expect(journal.segments == before)
        #expect(segmentFiles(directory) == before.map(\.name))
        await journal.close()
    }

    @Test func aCursorAtTheStart_holdsEverySegment() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "new-consumer", to: 0)
        let report = try await journal.cleanup()
        #expect(report.deleted.isEmpty)
        #expect(report.heldBy == "new-consumer")
        #expect(report.start == 0)
        #expect(journal.segments == before)
        await journal.close()
    }

    /// Where the lowest cursor sits relative to segment 2.
    enum CursorPlace: String, CaseIterable, Sendable {
        case baseOfSegment2, firstRecordAfterBaseOfSegment2, endOfSegment2
    }

    @Test(arguments: CursorPlace.allCases)
    func cleanup_deletesExactlyTheSealedSegmentsEndingAtOrBelowTheLowestCursor(place: CursorPlace) async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let before = journal.segments
        let offset: UInt64
        let expected: [SegmentInfo]
        switch place {
        case .baseOfSegment2:
            offset = before[2].base
            expected = Array(before[0..<2])
        case .firstRecordAfterBaseOfSegment2:
            offset = appended.first { $0.offset > before[2].base }!.offset
            expected = Array(before[0..<2])
        case .endOfSegment2:
            offset = before[2].end
            expected = Array(before[0...2])
        }
        try await journal.setCursor(named: "consumer", to: offset)
        let report = try await journal.cleanup()
        #expect(report.deleted == expected)
        #expect(report.deleted.map(\.base) == report.deleted.map(\.base).sorted())
        #expect(report.deleted.allSatisfy { $0.sealed && $0.end <= offset })
        #expect(report.heldBy == "consumer")
        #expect(journal.segments == Array(before.dropFirst(expected.count)))
        #expect(report.start == journal.bounds.start)
        #expect(segmentFiles(directory) == journal.segments.map(\.name))
        await journal.close()
    }

    @Test func aCursorAtTheEnd_deletesEverySealedSegmentButNeverTheActiveOne() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "caught-up", to: journal.bounds.end)
        let report = try await journal.cleanup()
        #expect(report.deleted == Array(before.dropLast()))
        #expect(journal.segments.map(\.base) == [before.last!.base])
        #expect(journal.bounds == (before.last!.base, before.last!.end))
        #expect(segmentFiles(directory) == [before.last!.name])
        // Still writable and readable after losing every sealed segment.
        let more = try await journal.append(Fixtures.json(#"{"after":"cleanup"}"#))
        #expect(more.offset == before.last!.end)
        #expect(try journal.read(from: before.last!.base, limit: 1000).records.last?.offset == more.offset)
        await journal.close()
    }

    @Test func aSingleSegmentJournal_isNeverCleanedEvenWithACursorAtItsEnd() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        try await Fixtures.fill(journal, count: 10, size: 200)
        #expect(journal.segments.count == 1)
        try await journal.setCursor(named: "end", to: journal.bounds.end)
        let report = try await journal.cleanup()
        #expect(report.deleted.isEmpty)
        #expect(report.heldBy == "end")
        #expect(report.start == 0)
        #expect(journal.segments.count == 1)
        #expect(segmentFiles(directory).count == 1)
        await journal.close()
    }

    @Test func heldBy_namesTheLowestCursorAndOnlyItLimitsTheCleanup() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "fast", to: journal.bounds.end)
        try await journal.setCursor(named: "slow", to: before[1].end)
        try await journal.setCursor(named: "medium", to: before[3].end)
        let report = try await journal.cleanup()
        #expect(report.heldBy == "slow")
        #expect(report.deleted == Array(before[0...1]))

        // Once the slow consumer is gone, the next lowest holds the log.
        try await journal.deleteCursor(named: "slow")
        let next = try await journal.cleanup()
        #expect(next.heldBy == "medium")
        #expect(next.deleted == Array(before[2...3]))
        #expect(journal.bounds.start == before[4].base)
        await journal.close()
    }

    @Test func aSecondCleanup_deletesNothingMore() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "c", to: before[2].end)
        _ = try await journal.cleanup()
        let after = journal.segments
        let again = try await journal.cleanup()
        #expect(again.deleted.isEmpty)
        #expect(again.heldBy == "c")
        #expect(again.start == before[3].base)
        #expect(journal.segments == after)
        await journal.close()
    }

    // MARK: Dry run

    @Test func aDryRun_listsTheSameSegmentsButDeletesNothing() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        let bounds = journal.bounds
        try await journal.setCursor(named: "c", to: before[3].end)
        let dry = try await journal.cleanup(dryRun: true)
        #expect(dry.deleted == Array(before[0...3]))
        #expect(dry.heldBy == "c")
        #expect(journal.segments == before)
        #expect(journal.bounds == bounds)
        #expect(segmentFiles(directory) == before.map(\.name))
        #expect(try journal.read(from: 0, limit: 1).records.first?.offset == 0)

        let real = try await journal.cleanup()
        #expect(real.deleted == dry.deleted)
        #expect(real.start == dry.start)
        #expect(real.heldBy == dry.heldBy)
        await journal.close()
    }

    @Test func aDryRunWithoutCursors_listsNothing() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let dry = try await journal.cleanup(dryRun: true)
        #expect(dry.deleted.isEmpty && dry.heldBy == nil && dry.start == 0)
        await journal.close()
    }

    // MARK: After a cleanup

    @Test func afterCleanup_theStartIsTheFirstRemainingBaseAndReadsBelowItAreRefused() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "c", to: before[2].end)
        let report = try await journal.cleanup()
        let start = before[3].base
        #expect(report.start == start)
        #expect(journal.bounds.start == start)
        #expect(journal.segments.first?.base == start)
        for record in appended where record.offset < start {
            #expect(throws: JournalError.offsetBelowStart(offset: record.offset, start: start)) {
                try journal.read(from: record.offset)
            }
        }
        let kept = appended.filter { $0.offset >= start }
        let read = try Fixtures.readAll(journal)
        #expect(read.map(\.offset) == kept.map(\.offset))
        #expect(read.map(\.digest) == kept.map(\.digest))
        #expect(try journal.read(from: start, limit: 1).records.first?.offset == start)
        await journal.close()
    }

    @Test func segmentFilesOnDisk_matchTheJournalsSegmentsAfterEveryCleanup() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let before = journal.segments
        for segment in before.dropLast() {
            try await journal.setCursor(named: "walker", to: segment.end)
            _ = try await journal.cleanup()
            #expect(segmentFiles(directory) == journal.segments.map(\.name))
            #expect(journal.bounds.start == segment.end)
        }
        await journal.close()
    }

    @Test func cleanupThenReopen_keepsTheSameStartSegmentsAndCursors() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let before = journal.segments
        try await journal.setCursor(named: "c", to: before[2].end)
        try await journal.setCursor(named: "d", to: appended.last!.offset)
        _ = try await journal.cleanup()
        let bounds = journal.bounds
        let segments = journal.segments
        await journal.close()

        let reopened = try await Journal.open(at: directory.path, options: Self.options)
        #expect(reopened.bounds == bounds)
        #expect(reopened.segments == segments)
        #expect(reopened.recoveryReport.start == bounds.start)
        #expect(reopened.recoveryReport.actions.isEmpty)
        #expect(try await reopened.cursor(named: "c") == before[2].end)
        #expect(try await reopened.cursor(named: "d") == appended.last!.offset)
        #expect(throws: JournalError.offsetBelowStart(offset: 0, start: bounds.start)) { try reopened.read(from: 0) }
        #expect(try Fixtures.readAll(reopened).map(\.offset) == appended.filter { $0.offset >= bounds.start }.map(\.offset))
        await reopened.close()
    }

    // MARK: Reads racing a cleanup

    @Test func recordsReadBeforeACleanup_keepTheirPayloadsAfterItDeletedTheirSegment() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let held = try journal.read(from: 0, limit: 1000, maxBytes: 1 << 20)
        let payloads = held.records.map { Array($0.payload) }
        try await journal.setCursor(named: "c", to: journal.bounds.end)
        let report = try await journal.cleanup()
        #expect(report.deleted.first?.base == 0)
        #expect(held.records.map(\.offset) == Array(appended.prefix(held.records.count)).map(\.offset))
        for (record, payload) in zip(held.records, payloads) {
            #expect(Array(record.payload) == payload)
            #expect(BLAKE3Hasher.hash(record.payload) == record.digest)
        }
        await journal.close()
    }

    @Test func readersRacingCleanup_getWholeVerifiedRecordsOrBelowStart_neverAnotherError() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        let appended = try await Fixtures.fill(journal, count: 600, size: 200)
        let digests = Dictionary(uniqueKeysWithValues: appended.map { ($0.offset, $0.digest) })
        let segments = journal.segments
        #expect(segments.count > 20)
        let done = Flag(false)

        let unexpected = await withTaskGroup(of: [String].self) { group in
            for reader in 0..<4 {
                group.addTask {
                    var problems: [String] = []
                    var offset: UInt64 = 0
                    var reads = 0
                    // Bounded: stop when cleanup is over, or after many reads regardless.
                    while !done.isSet, reads < 200_000 {
                        reads += 1
                        do throws(JournalError) {
                            let batch = try journal.read(from: offset, limit: 1 + reader * 7, maxBytes: 1 << 14)
                            for record in batch.records {
                                if BLAKE3Hasher.hash(record.payload) != record.digest || digests[record.offset] != record.digest {
                                    problems.append("bad record at \(record.offset)")
                                }
                            }
                            offset = batch.records.isEmpty ? journal.bounds.start : batch.next
                        } catch .offsetBelowStart {
                            offset = journal.bounds.start
                        } catch {
                            problems.append("\(error)")
                        }
                        if problems.count > 10 { break }
                    }
                    return problems
                }
            }
            group.addTask {
                for segment in segments.dropLast() {
                    do {
                        try await journal.setCursor(named: "cleaner", to: segment.end)
                        _ = try await journal.cleanup()
                    } catch {
                        done.set(true)
                        return ["cleanup: \(error)"]
                    }
                    await Task.yield()
                }
                done.set(true)
                return []
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(unexpected.isEmpty)
        #expect(journal.segments.count == 1)
        #expect(segmentFiles(directory) == journal.segments.map(\.name))
        await journal.close()
    }
}
