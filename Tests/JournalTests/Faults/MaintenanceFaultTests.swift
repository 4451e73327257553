import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

/// Maintenance (cleanup, cursors) when the disk fails: a refused cleanup
/// changes nothing, and ENOSPC from an fsync is an fsync error, not a full disk.
@Suite("Cleanup and cursors when the disk fails")
struct MaintenanceFaultTests {
    /// RELIABILITY 3: after a fatal fsync error "reads of durable data keep
    /// working". A cleanup the failed journal refuses deletes nothing and
    /// moves no start: every durable record stays readable.
    @Test func aRefusedCleanupOnAFailedJournal_keepsEveryDurableRecordReadable() async throws {
        let simulated = SimulatedFileSystem()
        let faults = FaultInjectingFileSystem(simulated)
        let options = FaultSupport.options()
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: faults)
        var acknowledged: [AppendedRecord] = []
        for index in 0..<20 { acknowledged.append(try await journal.append(FaultSupport.record("r\(index)", size: 500))) }
        #expect(journal.segments.count >= 3)
        try await journal.setCursor(named: "reader", to: journal.bounds.end)
        faults.inject(Fault([.synchronizeData], .forever))
        let error = await FaultSupport.error { _ = try await journal.append(FaultSupport.record("lost", size: 100)) }
        #expect(FaultSupport.isFailed(error))
        #expect(FaultSupport.isFailed(journal.state))

        let cleanupError = await FaultSupport.error { _ = try await journal.cleanup() }
        #expect(FaultSupport.isFailed(cleanupError), "cleanup on a failed journal: \(String(describing: cleanupError))")
        // Nothing was deleted, so every acknowledged record must still be readable.
        #expect(journal.bounds.start == 0)
        let records = try Fixtures.readAll(journal)
        #expect(records.map(\.offset) == acknowledged.map(\.offset))
        await journal.close()
    }

    /// RELIABILITY 3: "An fsync error, or a write error other than a clean
    /// ENOSPC, puts the journal in a failed state". ENOSPC from the directory
    /// fsync after a cursor's rename (thin-provisioned volumes and NFS report
    /// lost writes that way) is such an fsync error: the journal fails, and no
    /// cleanup deletes a segment the cursor on disk may still need.
    @Test func aCursorDirectoryFsyncThatFailsWithENOSPC_neverLetsCleanupDeleteWhatTheDurableCursorNeeds() async throws {
        let simulated = SimulatedFileSystem()
        let faults = FaultInjectingFileSystem(simulated)
        let options = FaultSupport.options()
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: faults)
        for index in 0..<20 { _ = try await journal.append(FaultSupport.record("r\(index)", size: 500)) }
        #expect(journal.segments.count >= 3)
        try await journal.setCursor(named: "reader", to: journal.bounds.end)
        let cursors = FaultSupport.directory.cursors
        faults.inject(Fault([.synchronizeDirectory], whenPathMatches: { $0 == cursors }, .once, errno: .noSpace))
        // The operator rewinds the consumer; the directory fsync after the rename fails with ENOSPC.
        _ = await FaultSupport.error { try await journal.setCursor(named: "reader", to: 0, force: true) }
        // Whatever the answer, a cleanup must not delete a segment the cursor on disk still needs.
        _ = await FaultSupport.error { _ = try await journal.cleanup() }
        await journal.close()

        let onDisk = CursorRecord(decoding: simulated.contents(of: cursors.appending("reader.cursor")) ?? [])
        let reopened = await FaultSupport.reopenedState(on: simulated, options: options)
        switch reopened {
        case .success(let state):
            for (name, offset) in state.cursors {
                #expect(offset >= state.start, "cursor \(name) at \(offset) is below the start \(state.start): its segments were deleted")
            }
            if let onDisk { #expect(onDisk.offset >= state.start, "the durable cursor (\(onDisk.offset)) lost its segments (start \(state.start))") }
        case .failure(let error):
            Issue.record("reopening failed: \(error)")
        }
    }
}

