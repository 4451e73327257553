import Journal
import JournalTesting
import SystemPackage
import Testing

/// F11, F12, F13 the SQLite way: run an operation with a fault at I/O #1,
/// #2, #3, … — once failing a single call, once failing every call from
/// there on — until a run completes without the fault firing. After every
/// run: the operation either reported success and its effect is durable, or
/// it reported an error and a reopen (as a restart, and after a power cut)
/// finds the old state or the new one, never a mix and never a missing
/// acknowledged record; no file handle is left open.
@Suite("Failing each I/O of an operation in turn leaves the old state or the new one")
struct IOErrorLoopTests {
    /// An operation to fail at each of its I/Os.
    struct Operation: Sendable, CustomTestStringConvertible {
        let name: String
        var options = FaultSupport.options()
        /// Builds the state the operation starts from (no faults).
        let prepare: @Sendable (Journal) async throws -> Void
        let run: @Sendable (Journal) async throws -> Void
        /// The states a reopen may find after a failed run, given the old and the new one.
        var acceptable: @Sendable (_ old: LogState, _ new: LogState) -> [LogState] = { old, new in [old, new] }

        var testDescription: String { name }
    }

    static let operations: [Operation] = [
        Operation(
            name: "a single append",
            prepare: { journal in try await fill(journal, count: 5, size: 200) },
            run: { journal in _ = try await journal.append(FaultSupport.record("new", size: 300)) }),
        Operation(
            name: "a batch of appends",
            options: FaultSupport.options(.group),
            prepare: { journal in try await fill(journal, count: 5, size: 200) },
            run: { journal in _ = try await journal.append((0..<3).map { FaultSupport.record("new \($0)", size: 300) }) }),
        Operation(
            name: "an append that rotates (preallocated)",
            prepare: { journal in try await fill(journal, count: 7, size: 500) },
            run: { journal in _ = try await journal.append(FaultSupport.record("new", size: 500)) }),
        Operation(
            name: "an append that rotates (not preallocated)",
            options: FaultSupport.options(preallocate: false),
            prepare: { journal in try await fill(journal, count: 7, size: 500) },
            run: { journal in _ = try await journal.append(FaultSupport.record("new", size: 500)) }),
        Operation(
            name: "an append that rotates into the prepared spare",
            options: withSpareSegments(FaultSupport.options()),
            prepare: { journal in
                // 4 records of 540 bytes pass half of the 4 KiB segment: the
                // spare is prepared then, and the next append moves into it.
                try await fill(journal, count: 4, size: 500)
                let deadline = ContinuousClock.now + .seconds(20)
                while !journal.isSpareSegmentReady, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
                #expect(journal.isSpareSegmentReady, "no spare was prepared")
            },
            run: { journal in _ = try await journal.append(FaultSupport.record("new", size: 500)) }),
        Operation(
            name: "a cursor write",
            prepare: { journal in
                try await fill(journal, count: 10, size: 300)
                try await journal.setCursor(named: "reader", to: try journal.read(from: 0, limit: 3).next)
            },
            run: { journal in try await journal.setCursor(named: "reader", to: try journal.read(from: 0, limit: 8).next) }),
        Operation(
            name: "a new cursor",
            prepare: { journal in try await fill(journal, count: 10, size: 300) },
            run: { journal in try await journal.setCursor(named: "reader", to: try journal.read(from: 0, limit: 8).next) }),
        Operation(
            name: "a cursor deletion",
            prepare: { journal in
                try await fill(journal, count: 10, size: 300)
                try await journal.setCursor(named: "reader", to: try journal.read(from: 0, limit: 3).next)
            },
            run: { journal in try await journal.deleteCursor(named: "reader") }),
        Operation(
            name: "a cleanup that deletes segments",
            prepare: { journal in
                try await fill(journal, count: 30, size: 500)  // five segments
                try await journal.setCursor(named: "reader", to: journal.bounds.end)
            },
            run: { journal in
                let report = try await journal.cleanup()
                #expect(report.deleted.count >= 3)
            },
            // Segments go oldest first, each durably: any prefix of them may be gone.
            acceptable: { old, new in
                old.segmentBases.filter { $0 <= new.start }.map { old.dropping(below: $0) }
            }),
    ]

    /// `options` with the spare segment prepared ahead, as the service runs.
    static func withSpareSegments(_ options: JournalOptions) -> JournalOptions {
        var options = options
        options.prepareSpareSegments = true
        return options
    }

    static func fill(_ journal: Journal, count: Int, size: Int) async throws {
        for index in 0..<count { _ = try await journal.append(FaultSupport.record("old \(index)", size: size)) }
    }

    @Test(arguments: operations, [Fault.Repetition.once, .forever])
    func failingEachIO_leavesTheOldOrTheNewState_andNoOpenHandle(operation: Operation, repetition: Fault.Repetition) async throws {
        let reference = try await Self.referenceRun(operation)
        var site = 1
        while site <= 100 {
            let outcome = await faultedRun(operation, at: site, repetition, reference: reference)
            if !outcome.problems.isEmpty {
                let problems = outcome.problems.joined(separator: "; ")
                Issue.record("\(operation.name), \(repetition) fault at I/O #\(site): \(problems)")
            }
            if !outcome.fired { break }
            site += 1
        }
        #expect(site > 1 && site <= 100, "the loop did not end with a fault-free run")
    }

    /// The old state, and the new state a fault-free run makes durable.
    static func referenceRun(_ operation: Operation) async throws -> (old: LogState, new: LogState) {
        let simulated = SimulatedFileSystem()
        let journal = try await Journal.open(at: FaultSupport.path, options: operation.options, fileSystem: simulated)
        try await operation.prepare(journal)
        let old = try await FaultSupport.state(of: journal)
        try await operation.run(journal)
        await journal.close()
        let new = try await FaultSupport.reopenedState(
            on: simulated.powerCut(seed: 0, mode: .dropUnsynced), options: operation.options).get()
        #expect(!old.hasSameContent(as: new), "\(operation.name) changes nothing")
        return (old, new)
    }

    struct RunOutcome {
        var fired = false
        var problems: [String] = []
    }

    func faultedRun(
        _ operation: Operation, at site: Int, _ repetition: Fault.Repetition, reference: (old: LogState, new: LogState)
    ) async -> RunOutcome {
        var outcome = RunOutcome()
        let simulated = SimulatedFileSystem()
        let faults = FaultInjectingFileSystem(simulated)
        let error: (any Error)?
        do {
            error = try await runWithFault(operation, faults: faults, at: site, repetition, outcome: &outcome)
        } catch {
            outcome.problems.append("the setup failed: \(error)")
            return outcome
        }
        if !outcome.fired, let error { outcome.problems.append("failed without a fault: \(error)") }
        if !(await FaultSupport.waitForOpenHandles(simulated, toReach: 0)) {
            outcome.problems.append("\(simulated.openHandleCount) file handles left open after close()")
        }
        let allowed = error == nil ? [reference.new] : operation.acceptable(reference.old, reference.new)
        for (name, candidate) in [("restart", simulated), ("power cut", simulated.powerCut(seed: UInt64(site), mode: .dropUnsynced))] {
            switch await FaultSupport.reopenedState(on: candidate, options: operation.options) {
            case .failure(let reopenError):
                outcome.problems.append("\(name): the reopen failed: \(reopenError)")
            case .success(let state):
                outcome.problems += state.contiguityProblems.map { "\(name): \($0)" }
                if !allowed.contains(where: { $0.hasSameContent(as: state) }) {
                    let said = error.map { "failed with \($0)" } ?? "succeeded"
                    outcome.problems.append("\(name): the operation \(said), the reopen found \(state); allowed \(allowed)")
                }
            }
        }
        if outcome.problems.isEmpty == false, let error { outcome.problems.append("(the operation's error: \(error))") }
        return outcome
    }

    /// Prepares, runs the operation with the fault armed, checks the journal's
    /// answer, and closes the journal (dropping every reference to it).
    func runWithFault(
        _ operation: Operation, faults: FaultInjectingFileSystem, at site: Int, _ repetition: Fault.Repetition,
        outcome: inout RunOutcome
    ) async throws -> (any Error)? {
        let journal = try await Journal.open(at: FaultSupport.path, options: operation.options, fileSystem: faults)
        try await operation.prepare(journal)
        faults.resetCounts()
        faults.inject(Fault(atOperation: site, repetition))
        let error = await FaultSupport.error { try await operation.run(journal) }
        outcome.fired = faults.faultsTriggered > 0
        faults.clearFaults()
        if let error {
            switch error as? JournalError {
            case .failed?:
                // Fail-stop: the journal stays failed, and refuses every later write.
                if !FaultSupport.isFailed(journal.state) { outcome.problems.append("state \(journal.state) after \(error)") }
                let later = await FaultSupport.error { _ = try await journal.append(FaultSupport.record("later", size: 10)) }
                if !FaultSupport.isFailed(later) { outcome.problems.append("a later append got \(String(describing: later))") }
            case .io(let step, _, _)? where step == "read":
                break  // a failed read (a cursor's boundary check) refuses the request; nothing was written
            default:
                outcome.problems.append("unexpected error \(error)")
            }
        }
        await journal.close()
        return error
    }

    // MARK: Recovery (F13)

    /// The damage a crash can leave for recovery to repair.
    enum Damage: String, Sendable, CaseIterable {
        /// A torn record at the end of the newest segment, and temporary files of interrupted writes.
        case tornTailAndTemporaryFiles
        /// A newest segment whose creation was cut short after its name reached the disk (ext4 may
        /// commit a new name without an fsync): shorter than its header, holding no record.
        case newestSegmentWithoutHeader
    }

    static func damagedDirectory(_ damage: Damage) async throws -> (fileSystem: SimulatedFileSystem, options: JournalOptions) {
        let simulated = SimulatedFileSystem()
        let faults = FaultInjectingFileSystem(simulated)
        let options = FaultSupport.options()
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: faults)
        try await fill(journal, count: 10, size: 500)
        try await journal.setCursor(named: "reader", to: try journal.read(from: 0, limit: 4).next)
        switch damage {
        case .tornTailAndTemporaryFiles:
            faults.inject(.shortWrite(bytes: 150, errno: .ioError))
            _ = try? await journal.append(FaultSupport.record("torn", size: 500))
            await journal.close()
            simulated.setContents(Array("stray".utf8), of: FaultSupport.directory.cursors.appending("reader.cursor.tmp"))
            simulated.setContents(Array("stray".utf8), of: FaultSupport.directory.segments.appending("0000000000000000.wal.tmp"))
        case .newestSegmentWithoutHeader:
            let end = journal.bounds.end
            await journal.close()
            simulated.setContents(Array(SegmentHeader(baseOffset: end).encoded.prefix(11)), of: FaultSupport.segmentPath(base: end))
        }
        // Everything, the damage included, as a disk would hold it.
        return (simulated.powerCut(seed: 0, mode: .keepAll), options)
    }

    @Test(arguments: Damage.allCases, [Fault.Repetition.once, .forever])
    func failingEachIOOfRecovery_thenRerunning_reachesTheSameStateAsACleanRecovery(
        damage: Damage, repetition: Fault.Repetition
    ) async throws {
        let (damaged, options) = try await Self.damagedDirectory(damage)
        let cleanDisk = damaged.powerCut(seed: 0, mode: .keepAll)
        let clean = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: cleanDisk)
        let actions = clean.recoveryReport.actions
        switch damage {
        case .tornTailAndTemporaryFiles:
            #expect(actions.contains { if case .truncatedTornTail = $0 { true } else { false } }, "\(actions)")
            #expect(actions.count >= 2, "\(actions)")
        case .newestSegmentWithoutHeader:
            #expect(actions.contains { if case .recreatedSegment = $0 { true } else { false } }, "\(actions)")
        }
        let expected = try await FaultSupport.state(of: clean)
        await clean.close()

        var site = 1
        var failedRuns = 0
        while site <= 300 {
            let disk = damaged.powerCut(seed: 0, mode: .keepAll)
            let faults = FaultInjectingFileSystem(disk)
            faults.inject(Fault(atOperation: site, repetition))
            let opened = await FaultSupport.reopenedState(on: faults, options: options)
            let fired = faults.faultsTriggered > 0
            faults.clearFaults()
            var problems: [String] = []
            if !(await FaultSupport.waitForOpenHandles(disk, toReach: 0)) {
                problems.append("\(disk.openHandleCount) handles left open")
            }
            switch opened {
            case .success(let state):
                if !state.hasSameContent(as: expected) { problems.append("opened despite the fault into \(state)") }
            case .failure(let error):
                failedRuns += 1
                if !fired { problems.append("failed without a fault: \(error)") }
                // The rerun: on the same disk (a restart), and after a power cut during the failed recovery.
                for (name, candidate) in [("rerun", disk.powerCut(seed: UInt64(site), mode: .keepAll)),
                                          ("rerun after a power cut", disk.powerCut(seed: UInt64(site), mode: .dropUnsynced)),
                                          ("rerun after a random power cut", disk.powerCut(seed: UInt64(site), mode: .random))] {
                    switch await FaultSupport.reopenedState(on: candidate, options: options) {
                    case .success(let state) where state.hasSameContent(as: expected): break
                    case .success(let state): problems.append("\(name) reached \(state), a clean recovery \(expected)")
                    case .failure(let error): problems.append("\(name) failed: \(error)")
                    }
                }
            }
            if !problems.isEmpty { Issue.record("\(damage), \(repetition) fault at recovery I/O #\(site): \(problems)") }
            if !fired { break }
            site += 1
        }
        #expect(failedRuns > 10, "recovery did too few I/Os to prove anything")
        #expect(site > 1 && site <= 300, "the loop did not end with a fault-free run")
    }

    // MARK: Descriptors

    @Test func closingAJournal_closesEveryFileHandleItOpened() async throws {
        let simulated = SimulatedFileSystem()
        let baseline = simulated.openHandleCount
        do {
            let journal = try await Journal.open(at: FaultSupport.path, options: FaultSupport.options(), fileSystem: simulated)
            try await Self.fill(journal, count: 40, size: 500)  // several segments
            try await journal.setCursor(named: "reader", to: journal.bounds.end)
            _ = try await journal.cleanup()
            #expect(simulated.openHandleCount > baseline)
            await journal.close()
        }
        #expect(await FaultSupport.waitForOpenHandles(simulated, toReach: baseline), "\(simulated.openHandleCount) left open")
    }
}

extension LogState {
    /// Same bounds, records and cursors (segment files may differ: a failed
    /// rotation can leave an empty, valid newest segment behind).
    func hasSameContent(as other: LogState) -> Bool {
        start == other.start && end == other.end && records == other.records && cursors == other.cursors
    }
}
