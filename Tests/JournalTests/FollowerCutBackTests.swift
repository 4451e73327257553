import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

@Suite("A follower and the writer's cut-back after ENOSPC")
struct FollowerCutBackTests {
    /// A group-commit batch of two one-record requests runs out of space
    /// after the first record (no preallocation: ZFS, NFS, or the option off).
    /// The writer cuts the file back to its durable end and refuses both with
    /// `.noSpace`. A follower that rescans in between serves neither (a run of
    /// several records is visible only once all of it is written), and it
    /// follows the next acknowledged record, written at the same offset.
    @Test func aFollower_keepsFollowingAfterTheWriterCutsBackAnENOSPCBatch() async throws {
        let simulated = SimulatedFileSystem()
        let gate = GatedFileSystem(simulated)
        let faults = FaultInjectingFileSystem(gate)
        let hooked = TruncateHookFileSystem(faults)
        let options = FaultSupport.options(.group, preallocate: false)
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: hooked)
        let first = try await journal.append(FaultSupport.record("first", size: 100))
        let holdNext = first.next + 140
        let follower = try JournalFollower(at: FaultSupport.path, fileSystem: simulated)

        // Hold the journal's thread in the next fsync so that two requests queue as one batch.
        gate.closeBeforeNextSynchronizeData()
        let hold = Task { try await journal.append(FaultSupport.record("hold", size: 100)) }
        while !gate.isHolding { try await Task.sleep(for: .milliseconds(1)) }
        let a = Task { try await journal.append(FaultSupport.record("a", size: 100)) }
        let b = Task { try await journal.append(FaultSupport.record("b", size: 100)) }
        while journal.queuedWork < 2 { try await Task.sleep(for: .milliseconds(1)) }
        // The batch's write: the first record whole, then 20 bytes of the second, then ENOSPC.
        faults.inject(.shortWrite(bytes: 140 + 20, whenPathMatches: { $0.extension == "wal" }, errno: .noSpace))
        // The follower rescans while those bytes are in the file (just before the cut-back).
        let servedInTheWindow = Shared<[UInt64]>([])
        hooked.arm {
            _ = try? follower.refresh()
            let offsets = (try? follower.read(from: holdNext).records.map(\.offset)) ?? []
            servedInTheWindow.update { $0 = offsets }
        }
        gate.open()
        let held = try await hold.value
        await #expect(throws: JournalError.noSpace) { _ = try await a.value }
        await #expect(throws: JournalError.noSpace) { _ = try await b.value }
        #expect(journal.state == .writable)

        #expect(held.next == holdNext)
        let served = servedInTheWindow.value
        #expect(served.isEmpty, "the follower served a record the writer refused (507) and cut back: \(served)")

        let c = FaultSupport.record("c", size: 300)
        let appended = try await journal.append(c)
        #expect(appended.offset == held.next)
        var seen: [StoredRecord] = []
        for _ in 0..<5 {
            seen = try follower.read(from: held.next).records
            if !seen.isEmpty { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(seen.first?.digest == c.digest, "the follower never reaches the acknowledged record at \(held.next); its end is \(follower.bounds.end)")
        await journal.close()
    }
}

