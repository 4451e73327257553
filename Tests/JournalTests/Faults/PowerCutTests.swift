import Checksums
import Journal
import JournalTesting
import SystemPackage
import Testing

/// F2: a power cut at any moment of a busy journal — concurrent appends of
/// varied sizes and batches, rotations, cursor moves, cleanups — loses no
/// acknowledged record or cursor, cuts at most the unsynced window, and never
/// makes recovery refuse to start.
///
/// Each seed runs the workload on a ``SimulatedFileSystem`` and, at a point
/// the seed picks, takes `powerCut(seed:mode:)` of it without closing the
/// journal, then opens a new journal on what the machine would find.
@Suite("A power cut loses no acknowledged record and never makes recovery refuse")
struct PowerCutTests {
    @Test(arguments: Durability.allCases)
    func randomPowerCuts_keepEveryAcknowledgedRecordAndCursor_withoutFalseRefusals(durability: Durability) async {
        let outcome = await PowerCutSimulation.run(durability: durability, mode: .random, seeds: 0..<200)
        outcome.check(seeds: 200)
    }

    @Test(arguments: Durability.allCases, [PowerCutMode.dropUnsynced, .keepAll])
    func powerCutsThatDropOrKeepAllUnsyncedWrites_keepEveryAcknowledgedRecordAndCursor(
        durability: Durability, mode: PowerCutMode
    ) async {
        let outcome = await PowerCutSimulation.run(durability: durability, mode: mode, seeds: 1000..<1025)
        outcome.check(seeds: 25)
    }
}

/// The totals of many simulated power cuts.
struct PowerCutOutcome {
    var runs = 0
    var refusals = 0
    var lostRecords = 0
    var acknowledged = 0
    var problems: [String] = []

    func check(seeds: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(runs == seeds, sourceLocation: sourceLocation)
        #expect(refusals == 0, "false refusals: \(problems.prefix(5))", sourceLocation: sourceLocation)
        #expect(lostRecords == 0, "acknowledged records lost: \(problems.prefix(5))", sourceLocation: sourceLocation)
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))", sourceLocation: sourceLocation)
        #expect(acknowledged > seeds, "the workload acknowledged too little to prove anything")
    }
}

/// One seed's workload, cut and recovery.
enum PowerCutSimulation {
    /// What the workload had been told, and the file system a power cut left, at the moment of the cut.
    struct Cut: Sendable {
        let fileSystem: SimulatedFileSystem
        let acknowledged: [RecordMark]
        /// Every cursor value asked for before the cut, acknowledged or not.
        let cursorAttempts: [UInt64]
        let cursorAcknowledged: UInt64?
        /// The journal's durable end just before the cut.
        let durableEnd: UInt64
    }

    struct Ledger: Sendable {
        var acknowledged: [RecordMark] = []
        var issued: Set<BLAKE3Digest> = []
        var cursorAttempts: [UInt64] = []
        var cursorAcknowledged: UInt64?
        var cut: Cut?
        var errors: [String] = []
    }

    static let cursorName = "reader"

    static func run(durability: Durability, mode: PowerCutMode, seeds: Range<UInt64>) async -> PowerCutOutcome {
        var outcome = PowerCutOutcome()
        for seed in seeds {
            await runOne(seed: seed, durability: durability, mode: mode, into: &outcome)
        }
        return outcome
    }

    static func runOne(seed: UInt64, durability: Durability, mode: PowerCutMode, into outcome: inout PowerCutOutcome) async {
        var generator = SplitMix64(seed: seed &* 0x9E37_79B9 &+ 17)
        var options = FaultSupport.options(durability, preallocate: generator.coin())
        options.prepareSpareSegments = generator.coin()
        let appenders = 3
        let requestsPerAppender = 12 + generator.below(16)
        let cutAfter = 1 + generator.below(appenders * requestsPerAppender)
        let label = "seed \(seed) (\(durability), \(mode), preallocate \(options.preallocateSegments), spares \(options.prepareSpareSegments), cut after \(cutAfter) acks)"
        outcome.runs += 1

        let fileSystem = SimulatedFileSystem()
        let journal: Journal
        do {
            journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: fileSystem)
        } catch {
            outcome.problems.append("\(label): the first open failed: \(error)")
            return
        }
        let ledger = Shared(Ledger())

        /// Records acknowledgements and, at the chosen one, cuts the power.
        @Sendable func acknowledge(_ appended: [AppendedRecord]) {
            ledger.update { ledger in
                ledger.acknowledged += appended.map(RecordMark.init)
                guard ledger.cut == nil, ledger.acknowledged.count >= cutAfter else { return }
                let durableEnd = journal.bounds.end
                ledger.cut = Cut(
                    fileSystem: fileSystem.powerCut(seed: seed, mode: mode), acknowledged: ledger.acknowledged,
                    cursorAttempts: ledger.cursorAttempts, cursorAcknowledged: ledger.cursorAcknowledged,
                    durableEnd: durableEnd)
            }
        }
        var seeds: [UInt64] = []
        for _ in 0..<(appenders + 2) { seeds.append(generator.next()) }
        let taskSeeds = seeds
        let isCut: @Sendable () -> Bool = { ledger.value.cut != nil }

        await withTaskGroup(of: Void.self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var random = SplitMix64(seed: taskSeeds[appender])
                    for request in 0..<requestsPerAppender where !isCut() {
                        let records = (0..<(1 + random.below(3))).map { index in
                            FaultSupport.record("s\(seed)a\(appender)r\(request)i\(index)|", size: recordSize(&random))
                        }
                        ledger.update { $0.issued.formUnion(records.map(\.digest)) }
                        do {
                            acknowledge(try await journal.append(records))
                        } catch {
                            ledger.update { $0.errors.append("append: \(error)") }
                            return
                        }
                    }
                }
            }
            group.addTask {  // moves the cursor to acknowledged records, forward only
                var random = SplitMix64(seed: taskSeeds[appenders])
                var current: UInt64 = 0
                for _ in 0..<4 where !isCut() {
                    try? await Task.sleep(for: .milliseconds(2 + random.below(4)))
                    let candidates = ledger.value.acknowledged.filter { $0.offset >= current }
                    guard !candidates.isEmpty else { continue }
                    let target = candidates[random.below(candidates.count)].offset
                    ledger.update { $0.cursorAttempts.append(target) }
                    do {
                        try await journal.setCursor(named: cursorName, to: target)
                        current = target
                        ledger.update { $0.cursorAcknowledged = target }
                    } catch {
                        ledger.update { $0.errors.append("cursor: \(error)") }
                        return
                    }
                }
            }
            group.addTask {  // cleans up behind the cursor
                var random = SplitMix64(seed: taskSeeds[appenders + 1])
                for _ in 0..<3 where !isCut() {
                    try? await Task.sleep(for: .milliseconds(3 + random.below(6)))
                    do {
                        _ = try await journal.cleanup()
                    } catch {
                        ledger.update { $0.errors.append("cleanup: \(error)") }
                        return
                    }
                }
            }
        }
        // The workload ended before the chosen acknowledgement: cut now, still without closing.
        if ledger.value.cut == nil {
            ledger.update { ledger in
                ledger.cut = Cut(
                    fileSystem: fileSystem.powerCut(seed: seed, mode: mode), acknowledged: ledger.acknowledged,
                    cursorAttempts: ledger.cursorAttempts, cursorAcknowledged: ledger.cursorAcknowledged,
                    durableEnd: journal.bounds.end)
            }
        }
        await journal.close()
        let final = ledger.value
        for error in final.errors { outcome.problems.append("\(label): the workload failed: \(error)") }
        guard let cut = final.cut else { return }
        outcome.acknowledged += cut.acknowledged.count
        await recover(cut, issued: final.issued, options: options, label: label, into: &outcome)
    }

    /// Mostly small records, some of several KiB, a few larger than a segment.
    static func recordSize(_ random: inout SplitMix64) -> Int {
        switch random.below(20) {
        case 0: 4097 + random.below(2000)
        case 1...3: 1000 + random.below(2500)
        default: 1 + random.below(400)
        }
    }

    /// Opens a journal on the cut file system and checks it against what was acknowledged.
    static func recover(
        _ cut: Cut, issued: Set<BLAKE3Digest>, options: JournalOptions, label: String, into outcome: inout PowerCutOutcome
    ) async {
        let journal: Journal
        do {
            journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: cut.fileSystem)
        } catch {
            outcome.refusals += 1
            outcome.problems.append("\(label): recovery refused: \(error)")
            return
        }
        var problems: [String] = []
        do {
            let state = try await FaultSupport.state(of: journal)
            problems += state.contiguityProblems
            let present = Dictionary(state.records.map { ($0.offset, $0) }, uniquingKeysWith: { first, _ in first })
            let cursor = state.cursors[cursorName]
            for acknowledged in cut.acknowledged {
                if acknowledged.offset < state.start {
                    // Only a cleanup behind a durable cursor may remove acknowledged records.
                    if state.start > (cursor ?? 0) {
                        outcome.lostRecords += 1
                        problems.append("record \(acknowledged) is below the start \(state.start), cursor \(String(describing: cursor))")
                    }
                } else if present[acknowledged.offset] != acknowledged {
                    outcome.lostRecords += 1
                    problems.append("acknowledged record \(acknowledged) is missing or changed")
                }
            }
            for record in state.records where !issued.contains(record.digest) {
                problems.append("record \(record) was never appended")
            }
            let lastAcknowledged = cut.acknowledged.map(\.next).max() ?? 0
            if state.end < max(cut.durableEnd, lastAcknowledged) {
                problems.append("end \(state.end) is below the durable end \(cut.durableEnd) at the cut")
            }
            for action in journal.recoveryReport.actions {
                guard case .truncatedTornTail(_, let offset, let bytes, _) = action else { continue }
                if offset < cut.durableEnd || bytes > options.unsyncedWindow {
                    problems.append("recovery cut more than the unsynced window: \(action)")
                }
            }
            if let acknowledged = cut.cursorAcknowledged {
                if cursor == nil || cursor! < acknowledged || !cut.cursorAttempts.contains(cursor!) {
                    problems.append("cursor \(String(describing: cursor)); acknowledged \(acknowledged), asked \(cut.cursorAttempts)")
                }
            } else if let cursor, !cut.cursorAttempts.contains(cursor) {
                problems.append("cursor \(cursor) was never asked for")
            }
            // The recovered journal takes appends where it ended.
            let more = try await journal.append(FaultSupport.record("after the cut", size: 10))
            if more.offset != state.end { problems.append("an append after recovery landed at \(more.offset), not \(state.end)") }
        } catch {
            problems.append("the recovered journal failed: \(error)")
        }
        await journal.close()
        outcome.problems += problems.map { "\(label): \($0)" }
    }
}
