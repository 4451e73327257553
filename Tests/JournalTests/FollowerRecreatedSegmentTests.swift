import Journal
import JournalTesting
import Testing

/// A segment the writer removes and makes again under the same name (its
/// creation ran out of space after the header): a follower that opened the
/// first one reads the second, and sees the records acknowledged in it.
@Suite("A follower and a segment made again under its name")
struct FollowerRecreatedSegmentTests {
    @Test func aFollower_seesRecordsInASegmentRecreatedAfterENOSPCAtRotation() async throws {
        let simulated = SimulatedFileSystem()
        let failing = AllocateFailingFileSystem(simulated)
        var options = FaultSupport.options()
        options.prepareSpareSegments = false
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: failing)
        _ = try await journal.append(FaultSupport.record("first", size: 100))
        let follower = try JournalFollower(at: FaultSupport.path, fileSystem: simulated)

        // The next rotation's allocation: the follower looks (and opens the new
        // segment, header only), then the allocation fails and the writer removes it.
        failing.arm { _ = try? follower.refresh() }
        var refusedAt: UInt64?
        for index in 0..<100 where refusedAt == nil {
            let end = journal.bounds.end
            do {
                _ = try await journal.append(FaultSupport.record("r\(index)", size: 300))
            } catch .noSpace {
                refusedAt = end
            }
        }
        let base = try #require(refusedAt, "no rotation ran out of space")
        #expect(journal.state == .writable)
        let acknowledged = try await journal.append(FaultSupport.record("after", size: 300))
        #expect(acknowledged.offset == base)

        var seen: [StoredRecord] = []
        for _ in 0..<5 where seen.isEmpty {
            seen = try follower.read(from: base).records
        }
        #expect(seen.first?.digest == acknowledged.digest, "the follower's end stays \(follower.bounds.end)")
        await journal.close()
    }
}
