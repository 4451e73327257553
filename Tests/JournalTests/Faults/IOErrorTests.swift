import Checksums
#if canImport(Glibc)
import Glibc
#endif
import Journal
import JournalTesting
import Synchronization
import SystemPackage
import Testing

/// F11: an I/O error is fail-stop. EIO from `fdatasync` (once or forever) or
/// from a write fails the append with `.failed`, puts the journal in the failed
/// state for good (no fsync is retried and then trusted), answers every waiter
/// of the batch with the error, keeps reads of durable records working, and a
/// reopen recovers every acknowledged record.
@Suite("An I/O error stops writes, acknowledges nothing of the failed batch, and a reopen recovers")
struct IOErrorTests {
    /// A journal with some acknowledged records, on a simulated disk behind a fault-injecting layer.
    struct Failing {
        let simulated = SimulatedFileSystem()
        let gate: GatedFileSystem
        let faults: FaultInjectingFileSystem
        let options: JournalOptions
        let journal: Journal
        var acknowledged: [RecordMark] = []

        init(durability: Durability = .immediate, records: Int = 12) async throws {
            gate = GatedFileSystem(simulated)
            faults = FaultInjectingFileSystem(gate)
            options = FaultSupport.options(durability)
            journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: faults)
            for index in 0..<records {  // 12 records of 540 bytes: two segments
                acknowledged.append(RecordMark(try await journal.append(FaultSupport.record("before \(index)", size: 500))))
            }
        }

        /// After the failure: appends refused, durable records still readable, then a clean reopen.
        func expectFailStop(
            failedDigests: Set<BLAKE3Digest> = [], sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            #expect(FaultSupport.isFailed(journal.state), "state \(journal.state)", sourceLocation: sourceLocation)
            faults.clearFaults()
            // Refused even though the fault is gone: no retry after a failed fsync.
            let later = await FaultSupport.error { _ = try await journal.append(FaultSupport.record("later", size: 10)) }
            #expect(FaultSupport.isFailed(later), "later append: \(String(describing: later))", sourceLocation: sourceLocation)
            let reads = try await FaultSupport.state(of: journal)
            #expect(reads.records == acknowledged, sourceLocation: sourceLocation)
            #expect(journal.bounds.end == acknowledged.last!.next, sourceLocation: sourceLocation)
            await journal.close()
            #expect(FaultSupport.isFailed(journal.state), "closing keeps the failure visible", sourceLocation: sourceLocation)
            // A restart re-verifies from disk: as a process restart (the page cache survives) and after a power cut.
            for (name, candidate) in [("restart", simulated), ("power cut", simulated.powerCut(seed: 9, mode: .dropUnsynced))] {
                let reopened = try await FaultSupport.reopenedState(on: candidate, options: options).get()
                #expect(Array(reopened.records.prefix(acknowledged.count)) == acknowledged, "\(name)", sourceLocation: sourceLocation)
                #expect(reopened.contiguityProblems.isEmpty, "\(name)", sourceLocation: sourceLocation)
                // Records of the failed batch may have reached the disk, whole, but nothing else may.
                for extra in reopened.records.dropFirst(acknowledged.count) {
                    #expect(failedDigests.contains(extra.digest), "\(name): unexpected \(extra)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test(arguments: [Fault.Repetition.once, .forever])
    func eioFromFdatasync_failsTheAppend_andTheJournal(repetition: Fault.Repetition) async throws {
        let failing = try await Failing()
        failing.faults.inject(Fault([.synchronizeData], repetition))
        let record = FaultSupport.record("unlucky", size: 300)
        let error = await FaultSupport.error { _ = try await failing.journal.append(record) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        #expect(failing.faults.faultsTriggered == 1)
        #expect(failing.faults.operationCount(of: .synchronizeData) >= 1)
        let statistics = await failing.journal.statistics()
        #expect(statistics.requests == failing.acknowledged.count, "the failed request was counted as acknowledged")
        try await failing.expectFailStop(failedDigests: [record.digest])
    }

    @Test(arguments: [Fault.Repetition.once, .forever])
    func eioFromAWrite_failsTheAppend_andTheJournal(repetition: Fault.Repetition) async throws {
        let failing = try await Failing()
        failing.faults.inject(Fault([.write], whenPathMatches: { $0.extension == "wal" }, repetition))
        let error = await FaultSupport.error { _ = try await failing.journal.append(FaultSupport.record("unlucky", size: 300)) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        #expect(failing.faults.operationCount(of: .synchronizeData) == failing.acknowledged.count, "fsynced after a failed write")
        try await failing.expectFailStop()
    }

    @Test func aTornWriteWithEIO_isFatal_andRecoveryCutsTheTornRecord() async throws {
        let failing = try await Failing()
        let record = FaultSupport.record("torn", size: 1000)  // fits the active segment: no rotation
        failing.faults.inject(.shortWrite(bytes: 700, whenPathMatches: { $0.extension == "wal" }, errno: .ioError))
        let error = await FaultSupport.error { _ = try await failing.journal.append(record) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        try await failing.expectFailStop(failedDigests: [record.digest])
    }

    /// Every waiter of one group-commit batch gets its answer from that batch's
    /// fsync: the fsync fails, so each of them gets `.failed` and none an acknowledgement.
    @Test func eioFromTheFsyncOfAGroupCommitBatch_failsEveryRequestInTheBatch() async throws {
        var failing = try await Failing(durability: .group, records: 3)
        let (journal, gate) = (failing.journal, failing.gate)
        // Hold the journal's thread inside the next fsync, so the appends below queue up as one batch.
        gate.closeBeforeNextSynchronizeData()
        let first = Task { try await journal.append(FaultSupport.record("first", size: 100)) }
        while !gate.isHolding { try await Task.sleep(for: .milliseconds(1)) }
        let waiters = 16
        let started = Shared(0)
        let batch = Task {
            await withTaskGroup(of: (any Error)?.self) { group in
                for index in 0..<waiters {
                    group.addTask {
                        started.update { $0 += 1 }
                        return await FaultSupport.error { _ = try await journal.append(FaultSupport.record("batch \(index)", size: 200)) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        // All of them queued behind the held fsync (not a fixed sleep: a slow machine may need longer).
        while journal.queuedWork < waiters { try await Task.sleep(for: .milliseconds(1)) }
        failing.faults.inject(Fault([.synchronizeData], .once))
        let syncsBefore = failing.faults.operationCount(of: .synchronizeData)
        gate.open()
        let firstAppended = try await first.value
        failing.acknowledged.append(RecordMark(firstAppended))
        let errors = await batch.value
        #expect(errors.count == waiters)
        #expect(errors.allSatisfy { FaultSupport.isFailed($0) }, "\(errors)")
        // One fsync was tried for all of them, and never again.
        #expect(failing.faults.operationCount(of: .synchronizeData) == syncsBefore + 1)
        #expect(FaultSupport.isFailed(journal.state))
        let reads = try await FaultSupport.state(of: journal)
        #expect(reads.records == failing.acknowledged)
        await journal.close()
        let reopened = try await FaultSupport.reopenedState(on: failing.simulated.powerCut(seed: 1, mode: .dropUnsynced), options: failing.options).get()
        #expect(reopened.records == failing.acknowledged)
    }

    /// Fail-stop means no write is accepted once an fsync has failed — not
    /// only appends: a cursor write (or cleanup) that was queued behind the
    /// failing fsync must be refused too, and the journal must report the
    /// failure from that moment, not from when an appender's task gets to run.
    /// Repeated because the window is a race between the journal's thread and
    /// the appender's task.
    @Test func aCursorWriteQueuedBehindAFailingFsync_isRefused() async throws {
        var accepted: [Int] = []
        for attempt in 0..<10 {
            let failing = try await Failing(records: 6)
            let (journal, gate) = (failing.journal, failing.gate)
            try await journal.setCursor(named: "reader", to: failing.acknowledged[1].offset)
            gate.closeBeforeNextSynchronizeData()
            let append = Task { try await journal.append(FaultSupport.record("fails", size: 100)) }
            while !gate.isHolding { try await Task.sleep(for: .milliseconds(1)) }
            let cursor = Task { try await journal.setCursor(named: "reader", to: failing.acknowledged[4].offset) }
            // The cursor write queued on the journal's thread behind the held fsync.
            while journal.queuedWork < 1 { try await Task.sleep(for: .milliseconds(1)) }
            gate.open(failingWith: .ioError)
            let appendError = await FaultSupport.error { _ = try await append.value }
            #expect(FaultSupport.isFailed(appendError), "append: \(String(describing: appendError))")
            let cursorError = await FaultSupport.error { _ = try await cursor.value }
            if !FaultSupport.isFailed(cursorError) { accepted.append(attempt) }
            await journal.close()
            let reopened = try await FaultSupport.reopenedState(
                on: failing.simulated.powerCut(seed: 2, mode: .dropUnsynced), options: failing.options).get()
            #expect(reopened.records == failing.acknowledged)
        }
        #expect(accepted.isEmpty, "cursor writes accepted after the fsync failed, in attempts \(accepted)")
    }

    /// A cursor write that fails is fatal like any other I/O error; the old value survives a reopen.
    @Test(arguments: [FileOperation.open, .write, .synchronize, .rename])
    func eioDuringACursorWrite_failsTheJournal_andTheOldValueSurvives(operation: FileOperation) async throws {
        let failing = try await Failing()
        let old = failing.acknowledged[2].offset
        try await failing.journal.setCursor(named: "reader", to: old)
        failing.faults.inject(Fault([operation], whenPathMatches: { $0.string.contains("/cursors/") }))
        let error = await FaultSupport.error { try await failing.journal.setCursor(named: "reader", to: failing.acknowledged[5].offset) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        #expect(FaultSupport.isFailed(failing.journal.state))
        #expect(try await failing.journal.cursor(named: "reader") == old)
        await #expect(throws: JournalError.self) { try await failing.journal.setCursor(named: "other", to: 0) }
        try await failing.expectFailStop()
        for candidate in [failing.simulated, failing.simulated.powerCut(seed: 4, mode: .dropUnsynced)] {
            let reopened = try await FaultSupport.reopenedState(on: candidate, options: failing.options).get()
            #expect(reopened.cursors == ["reader": old])
        }
    }

    /// When the directory fsync after the rename fails, the rename may or may
    /// not have reached the disk: a restart finds the old or the new value,
    /// a power cut the old one.
    @Test func eioFromTheDirectoryFsyncOfACursorWrite_failsTheJournal_andLeavesOldOrNew() async throws {
        let failing = try await Failing()
        let old = failing.acknowledged[2].offset
        let new = failing.acknowledged[5].offset
        try await failing.journal.setCursor(named: "reader", to: old)
        failing.faults.inject(Fault([.synchronizeDirectory], whenPathMatches: { $0.string.hasSuffix("/cursors") }))
        let error = await FaultSupport.error { try await failing.journal.setCursor(named: "reader", to: new) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        try await failing.expectFailStop()
        let restarted = try await FaultSupport.reopenedState(on: failing.simulated, options: failing.options).get()
        #expect([old, new].contains(restarted.cursors["reader"] ?? .max))
        let afterCut = try await FaultSupport.reopenedState(
            on: failing.simulated.powerCut(seed: 4, mode: .dropUnsynced), options: failing.options).get()
        #expect(afterCut.cursors == ["reader": old])
    }
}

/// Wraps a file system and can hold the next `synchronizeData` until released,
/// so that a test can make appends queue behind an fsync in flight.
final class GatedFileSystem: ForwardingFileSystem, Sendable {
    private enum Gate { case open, armed, holding }
    let base: any FileSystem
    private let gate = Mutex(Gate.open)
    /// What the held call throws once released (nil: it goes through).
    private let failure = Mutex<Errno?>(nil)

    init(_ base: any FileSystem) { self.base = base }

    /// Makes the next `synchronizeData` wait until ``open()``.
    func closeBeforeNextSynchronizeData() { gate.withLock { $0 = .armed } }
    /// Whether a `synchronizeData` is waiting at the gate now.
    var isHolding: Bool { gate.withLock { $0 == .holding } }
    /// Releases the held call; it then fails with `errno` instead of reaching the disk, if given.
    func open(failingWith errno: Errno? = nil) {
        failure.withLock { $0 = errno }
        gate.withLock { $0 = .open }
    }

    func synchronizeData(_ file: FileHandle) throws(Errno) {
        let hold = gate.withLock { gate in
            guard gate == .armed else { return false }
            gate = .holding
            return true
        }
        if hold {
            // Bounded: a test that forgets to open the gate fails instead of hanging.
            let deadline = ContinuousClock.now + .seconds(20)
            while isHolding, ContinuousClock.now < deadline { usleep(200) }
            if let errno = failure.withLock({ $0 }) { throw errno }
        }
        try base.synchronizeData(file)
    }
}
