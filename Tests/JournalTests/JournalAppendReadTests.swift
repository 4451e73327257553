import Checksums
import Journal
import SystemPackage
import Testing

@Suite struct JournalAppendReadTests {
    @Test(arguments: Durability.allCases)
    func append_returnsOffsetsThatReadBackTheSameBytes(durability: Durability) async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(durability))
        let first = try await journal.append(Fixtures.json(#"{"a":1}"#))
        let second = try await journal.append(Fixtures.binary(1000))
        #expect(first.offset == 0)
        #expect(first.next == 47)
        #expect(second.offset == first.next)
        #expect(journal.bounds.end == second.next)
        let batch = try journal.read(from: 0, limit: 10, maxBytes: 1 << 20)
        #expect(batch.records.map(\.offset) == [0, 47])
        #expect(batch.records[0].isJSON && !batch.records[1].isJSON)
        #expect(Array(batch.records[0].payload) == Array(#"{"a":1}"#.utf8))
        #expect(Array(batch.records[1].payload) == Fixtures.binary(1000).payload)
        #expect(batch.records[1].digest == second.digest)
        #expect(batch.next == journal.bounds.end)
        await journal.close()
    }

    @Test func batchAppend_landsContiguouslyInOneRequest() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let records = (0..<50).map { Fixtures.json(#"{"i":\#($0)}"#) }
        let appended = try await journal.append(records)
        #expect(appended.count == 50)
        for (previous, next) in zip(appended, appended.dropFirst()) { #expect(previous.next == next.offset) }
        #expect(try Fixtures.readAll(journal).count == 50)
        await journal.close()
    }

    @Test func badAppends_areRefusedAndChangeNothing() async throws {
        let directory = TemporaryDirectory()
        var options = JournalOptions()
        options.maximumPayload = 100
        let journal = try await Journal.open(at: directory.path, options: options)
        await #expect(throws: JournalError.emptyBatch) { try await journal.append([]) }
        await #expect(throws: JournalError.emptyPayload) { try await journal.append(AppendRecord(payload: [], isJSON: false)) }
        await #expect(throws: JournalError.payloadTooLarge(size: 101, limit: 100)) {
            try await journal.append(Fixtures.binary(101))
        }
        // All or nothing: one bad record refuses the whole batch.
        await #expect(throws: JournalError.payloadTooLarge(size: 101, limit: 100)) {
            try await journal.append([Fixtures.binary(10), Fixtures.binary(101)])
        }
        #expect(journal.bounds.end == 0)
        await journal.close()
    }

    @Test func reads_refuseOffsetsOutsideTheLogOrOffABoundary() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let appended = try await Fixtures.fill(journal, count: 3)
        let end = journal.bounds.end
        #expect(throws: JournalError.offsetBeyondEnd(offset: end + 1, end: end)) { try journal.read(from: end + 1) }
        #expect(throws: JournalError.notRecordBoundary(offset: 1)) { try journal.read(from: 1) }
        #expect(throws: JournalError.notRecordBoundary(offset: appended[1].offset + 40)) {
            try journal.read(from: appended[1].offset + 40)
        }
        let atEnd = try journal.read(from: end)
        #expect(atEnd.records.isEmpty && atEnd.next == end && atEnd.end == end)
        await journal.close()
    }

    @Test func reads_honourLimitAndMaxBytesButAlwaysReturnOneRecord() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let appended = try await Fixtures.fill(journal, count: 20, size: 100)
        #expect(try journal.read(from: 0, limit: 5).records.count == 5)
        let recordSize = Int(appended[0].next - appended[0].offset)
        #expect(try journal.read(from: 0, limit: 100, maxBytes: recordSize * 3).records.count == 3)
        #expect(try journal.read(from: 0, limit: 100, maxBytes: 1).records.count == 1)
        let middle = try journal.read(from: appended[7].offset, limit: 2)
        #expect(middle.records.map(\.offset) == [appended[7].offset, appended[8].offset])
        #expect(middle.next == appended[9].offset)
        await journal.close()
    }

    @Test func everyRecordBoundary_isReadableThroughTheSparseIndex() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        var appended: [AppendedRecord] = []
        for index in 0..<400 { appended.append(try await journal.append(Fixtures.binary(1 + (index * 37) % 500))) }
        for record in appended {
            let batch = try journal.read(from: record.offset, limit: 1)
            #expect(batch.records.first?.offset == record.offset)
            #expect(batch.records.first?.digest == record.digest)
        }
        await journal.close()
    }

    @Test func rotation_sealsSegmentsAtTheirMaximumAndReadsCrossThem() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        let appended = try await Fixtures.fill(journal, count: 100, size: 200)
        let segments = journal.segments
        #expect(segments.count > 3)
        for (previous, next) in zip(segments, segments.dropFirst()) {
            #expect(previous.end == next.base)
            #expect(previous.bytes <= 4096)
            #expect(previous.sealed)
        }
        #expect(directory.files(in: "segments") == segments.map(\.name))
        #expect(try Fixtures.readAll(journal).map(\.offset) == appended.map(\.offset))
        await journal.close()
    }

    @Test func aRecordLargerThanASegment_getsASegmentOfItsOwn() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        _ = try await journal.append(Fixtures.binary(100))
        let big = try await journal.append(Fixtures.binary(10_000))
        let after = try await journal.append(Fixtures.binary(100))
        #expect(journal.segments.map(\.base) == [0, big.offset, after.offset])
        #expect(try journal.read(from: big.offset, maxBytes: 10).records.first?.payload.count == 10_000)
        await journal.close()
    }

    @Test(arguments: Durability.allCases)
    func concurrentAppenders_allLandContiguouslyAndReadBack(durability: Durability) async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(durability, segmentMaxBytes: 64 << 10))
        let acknowledged = try await withThrowingTaskGroup(of: [AppendedRecord].self) { group in
            for appender in 0..<32 {
                group.addTask {
                    var mine: [AppendedRecord] = []
                    for index in 0..<50 {
                        mine.append(try await journal.append(Fixtures.json(#"{"w":\#(appender),"i":\#(index)}"#)))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let stored = try Fixtures.readAll(journal)
        #expect(stored.count == 32 * 50)
        #expect(Set(stored.map(\.offset)) == Set(acknowledged.map(\.offset)))
        for (previous, next) in zip(stored, stored.dropFirst()) { #expect(previous.next == next.offset) }
        let statistics = await journal.statistics()
        #expect(statistics.requests == 32 * 50)
        if durability == .immediate { #expect(statistics.fsyncs == statistics.requests) }
        await journal.close()
    }

    @Test func reopening_findsEveryAcknowledgedRecord() async throws {
        let directory = TemporaryDirectory()
        var journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 8192))
        let appended = try await Fixtures.fill(journal, count: 200)
        await journal.close()
        journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 8192))
        #expect(journal.recoveryReport.records == 200)
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(try Fixtures.readAll(journal).map(\.digest) == appended.map(\.digest))
        let more = try await journal.append(Fixtures.json("[]"))
        #expect(more.offset == appended.last!.next)
        await journal.close()
    }

    @Test func aSecondWriter_isRefusedWhileTheFirstHoldsTheLock() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        await #expect(throws: JournalError.locked(path: directory.appending("LOCK").string)) {
            _ = try await Journal.open(at: directory.path)
        }
        await journal.close()
        let again = try await Journal.open(at: directory.path)
        await again.close()
    }

    @Test func longPoll_wakesOnAppendAndTimesOutOtherwise() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let clock = ContinuousClock()
        let started = clock.now
        #expect(await journal.waitForRecords(from: 0, timeout: .milliseconds(50)) == false)
        #expect(clock.now - started >= .milliseconds(50))
        async let woke = journal.waitForRecords(from: 0, timeout: .seconds(30))
        while journal.waitingReaders == 0 { try await Task.sleep(for: .milliseconds(1)) }
        _ = try await journal.append(Fixtures.json("1"))
        #expect(await woke == true)
        #expect(await journal.waitForRecords(from: 0, timeout: .seconds(30)) == true)
        await journal.close()
    }

    @Test func closing_answersEveryWaitingReader() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        async let woke = journal.waitForRecords(from: 0, timeout: .seconds(60))
        while journal.waitingReaders == 0 { try await Task.sleep(for: .milliseconds(1)) }
        await journal.close()
        #expect(await woke == false)
        await #expect(throws: JournalError.closed) { try await journal.append(Fixtures.json("1")) }
    }
}
