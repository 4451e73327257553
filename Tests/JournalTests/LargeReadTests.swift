import Journal
import Testing

/// Reads are served in growing chunks (the first 64 KiB), so a read spans
/// chunk boundaries, records cut by them, and records larger than a chunk.
@Suite struct LargeReadTests {
    @Test func aReadAcrossManyChunks_returnsEveryRecordInOrder_upToMaxBytes() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(.group))
        // Sizes that do not divide 64 KiB, so records straddle chunk ends.
        let appended = try await journal.append((0..<900).map { Fixtures.binary(300 + $0 % 700) })
        let batch = try journal.read(from: 0, limit: 1000, maxBytes: 1 << 20)
        let expected = appended.prefix { $0.next <= 1 << 20 }
        #expect(batch.records.map(\.offset) == expected.map(\.offset))
        #expect(batch.records.map(\.digest) == expected.map(\.digest))
        #expect(batch.next == expected.last?.next)
        let limited = try journal.read(from: appended[10].offset, limit: 250, maxBytes: 1 << 20)
        #expect(limited.records.map(\.offset) == appended[10..<260].map(\.offset))
        await journal.close()
    }

    @Test func recordsLargerThanAChunk_areReadWholeAmongSmallOnes() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let small = try await journal.append(Fixtures.binary(100))
        let large = try await journal.append(Fixtures.binary(200_000))
        let after = try await journal.append(Fixtures.binary(50))
        let all = try journal.read(from: 0, limit: 10, maxBytes: 1 << 20)
        #expect(all.records.map(\.offset) == [small.offset, large.offset, after.offset])
        #expect(all.records.map(\.digest) == [small.digest, large.digest, after.digest])
        #expect(Array(all.records[1].payload) == Fixtures.binary(200_000).payload)
        // A range too small for the large record still returns it alone, as before.
        let alone = try journal.read(from: large.offset, limit: 10, maxBytes: 1000)
        #expect(alone.records.map(\.offset) == [large.offset])
        let stopsBefore = try journal.read(from: 0, limit: 10, maxBytes: 1000)
        #expect(stopsBefore.records.map(\.offset) == [small.offset])
        let tiny = try journal.read(from: after.offset, limit: 10, maxBytes: 1)
        #expect(tiny.records.map(\.offset) == [after.offset])
        await journal.close()
    }
}
