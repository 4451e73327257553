import Journal
import JournalTesting
import SystemPackage
import Testing

/// F10: a full disk loses nothing. ENOSPC — in the middle of a record, or while
/// a new segment is being made — refuses the append with `.noSpace`, leaves no
/// partial record behind (for readers, for `verify`, after a power cut), keeps
/// the journal writable, and appends resume where the log ended once space returns.
@Suite("A full disk refuses appends with noSpace and leaves nothing partial")
struct NoSpaceTests {
    /// A journal on a simulated disk (reached through a fault-injecting layer) and what it acknowledged.
    struct Disk {
        let simulated: SimulatedFileSystem
        let faults: FaultInjectingFileSystem
        let options: JournalOptions
        let journal: Journal
        var acknowledged: [RecordMark] = []

        init(preallocate: Bool, durability: Durability = .immediate) async throws {
            simulated = SimulatedFileSystem()
            faults = FaultInjectingFileSystem(simulated)
            options = FaultSupport.options(durability, preallocate: preallocate)
            journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: faults)
        }

        /// Appends one record of `size` bytes of payload and remembers the acknowledgement.
        mutating func append(_ tag: String, size: Int) async throws {
            acknowledged.append(RecordMark(try await journal.append(FaultSupport.record(tag, size: size))))
        }

        /// Fills the active segment with 540-byte records (7 fit in 4 KiB) so the next one of that size rotates.
        mutating func fillActiveSegment() async throws {
            for index in 0..<7 { try await append("fill \(index)", size: 500) }
            #expect(journal.segments.count == 1)
        }

        /// Leaves `bytes` of free space on the disk.
        func leaveFree(_ bytes: Int64) { simulated.capacity = simulated.usedBytes + bytes }

        /// The append is refused with `.noSpace` and leaves nothing partial anywhere.
        func expectNoSpace(
            _ tag: String, size: Int, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let segmentFiles = simulated.listing(FaultSupport.directory.segments)
            await #expect(throws: JournalError.noSpace, sourceLocation: sourceLocation) {
                _ = try await journal.append(FaultSupport.record(tag, size: size))
            }
            try await expectNothingPartial(sourceLocation: sourceLocation)
            // A failed segment creation leaves no file behind; a failed record write, no new one either
            // (except the new, empty, durable segment a completed rotation made).
            let now = simulated.listing(FaultSupport.directory.segments)
            #expect(Set(now).isSuperset(of: segmentFiles), sourceLocation: sourceLocation)
            #expect(Set(now) == Set(journal.segments.map(\.name)), sourceLocation: sourceLocation)
        }

        /// Readers, the files and `verify` (now and after a power cut) see exactly the acknowledged records.
        func expectNothingPartial(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            #expect(journal.state == .writable, sourceLocation: sourceLocation)
            let state = try await FaultSupport.state(of: journal)
            #expect(state.records == acknowledged, sourceLocation: sourceLocation)
            #expect(state.end == (acknowledged.last?.next ?? 0), sourceLocation: sourceLocation)
            #expect(state.contiguityProblems.isEmpty, sourceLocation: sourceLocation)
            let newest = journal.segments[journal.segments.count - 1]
            let bytes = simulated.contents(of: FaultSupport.segmentPath(base: newest.base)) ?? []
            let pastEnd = bytes.dropFirst(SegmentHeader.size + Int(newest.end - newest.base))
            #expect(pastEnd.allSatisfy { $0 == 0 }, "bytes of a refused record remain", sourceLocation: sourceLocation)
            for (name, candidate) in [("now", simulated), ("after a power cut", simulated.powerCut(seed: 3, mode: .dropUnsynced))] {
                let verdict = try JournalVerifier.verify(
                    FaultSupport.path, unsyncedWindow: options.unsyncedWindow, fileSystem: candidate)
                guard case .clean(let report) = verdict else {
                    Issue.record("verify \(name): \(verdict)", sourceLocation: sourceLocation)
                    continue
                }
                #expect(report.end == state.end, "verify \(name)", sourceLocation: sourceLocation)
            }
        }

        /// With space again, appends land exactly at the end; closing and reopening keeps them all.
        mutating func expectResumesOnceSpaceReturns(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            simulated.capacity = nil
            let end = journal.bounds.end
            try await append("after space returned", size: 6000)  // larger than a segment: rotates
            try await append("and another", size: 100)
            #expect(acknowledged[acknowledged.count - 2].offset == end, sourceLocation: sourceLocation)
            try await expectNothingPartial(sourceLocation: sourceLocation)
            await journal.close()
            for candidate in [simulated, simulated.powerCut(seed: 5, mode: .dropUnsynced)] {
                let reopened = try await FaultSupport.reopenedState(on: candidate, options: options).get()
                #expect(reopened.records == acknowledged, sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aRecordThatRunsOutOfSpaceMidWrite_isCutBack_withoutPreallocation() async throws {
        var disk = try await Disk(preallocate: false)
        try await disk.append("first", size: 200)
        try await disk.append("second", size: 300)
        disk.leaveFree(300)  // the 1040-byte record gets 300 bytes written, then ENOSPC
        try await disk.expectNoSpace("too big for the disk", size: 1000)
        let statistics = await disk.journal.statistics()
        #expect(statistics.noSpaceRefusals == 1)
        // What fits is still taken, right after the last acknowledged record.
        try await disk.append("fits", size: 100)
        #expect(disk.acknowledged[2].offset == disk.acknowledged[1].next)
        try await disk.expectResumesOnceSpaceReturns()
    }

    @Test func aShortWriteWithNoSpace_insidePreallocatedSpace_isCutBack() async throws {
        var disk = try await Disk(preallocate: true)
        try await disk.append("first", size: 200)
        disk.faults.inject(.shortWrite(bytes: 90, whenPathMatches: { $0.extension == "wal" }, errno: .noSpace))
        try await disk.expectNoSpace("torn by ENOSPC", size: 400)
        #expect(disk.faults.faultsTriggered == 1)
        // The cut-back released the preallocation; the next append allocates it again.
        try await disk.append("fits", size: 100)
        #expect(disk.acknowledged[1].offset == disk.acknowledged[0].next)
        try await disk.expectResumesOnceSpaceReturns()
    }

    @Test(arguments: [false, true])
    func aRecordLargerThanASegment_thatRunsOutOfSpaceMidWrite_isCutBack(preallocate: Bool) async throws {
        var disk = try await Disk(preallocate: preallocate)
        try await disk.append("first", size: 1000)
        // Room for the new segment (and its preallocation), then for 1000 bytes of the 9040-byte
        // record beyond it and what sealing the first segment frees of its preallocation.
        disk.leaveFree(Int64(SegmentHeader.size + (preallocate ? disk.options.segmentMaxBytes : 0) + 1000))
        try await disk.expectNoSpace("larger than a segment", size: 9000)
        try await disk.expectResumesOnceSpaceReturns()
    }

    /// ENOSPC at each step of making the next segment: writing its header,
    /// allocating its space, or (without preallocation) writing the first record.
    @Test(arguments: [(true, 10), (true, 100), (false, 10), (false, 100)])
    func runningOutOfSpaceDuringRotation_refusesTheAppend_andLeavesNoBrokenSegment(
        preallocate: Bool, free: Int64
    ) async throws {
        var disk = try await Disk(preallocate: preallocate)
        try await disk.fillActiveSegment()
        let end = disk.journal.bounds.end
        disk.leaveFree(free)
        try await disk.expectNoSpace("needs a new segment", size: 500)
        // Still refused while the disk is full; nothing accumulates.
        try await disk.expectNoSpace("still no space", size: 500)
        #expect(disk.journal.bounds.end == end)
        try await disk.expectResumesOnceSpaceReturns()
        #expect(disk.journal.segments.count >= 2)
    }

    @Test(arguments: Durability.allCases, [false, true])
    func concurrentAppendsWhileTheDiskFills_eachGetAnAcknowledgementOrNoSpace(
        durability: Durability, preallocate: Bool
    ) async throws {
        var disk = try await Disk(preallocate: preallocate, durability: durability)
        try await disk.append("first", size: 100)
        disk.leaveFree(preallocate ? 4096 + 3000 : 3000)
        let journal = disk.journal
        let results = await withTaskGroup(of: [Result<AppendedRecord, JournalError>].self) { group in
            for appender in 0..<8 {
                group.addTask {
                    var mine: [Result<AppendedRecord, JournalError>] = []
                    for index in 0..<6 {
                        let records = (0..<(1 + index % 2)).map { FaultSupport.record("w\(appender)i\(index)r\($0)", size: 300) }
                        do throws(JournalError) {
                            let appended = try await journal.append(records)
                            mine += appended.map { .success($0) }
                        } catch {
                            mine.append(.failure(error))
                        }
                    }
                    return mine
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        var refusals = 0
        for result in results {
            switch result {
            case .success(let appended): disk.acknowledged.append(RecordMark(appended))
            case .failure(let error):
                #expect(error == .noSpace)
                refusals += 1
            }
        }
        disk.acknowledged.sort { $0.offset < $1.offset }
        #expect(refusals > 0, "the disk never filled")
        try await disk.expectNothingPartial()
        try await disk.expectResumesOnceSpaceReturns()
    }

    @Test func aCursorWriteThatRunsOutOfSpace_isRefusedWithNoSpace_andKeepsTheOldValue() async throws {
        var disk = try await Disk(preallocate: true)
        try await disk.append("first", size: 100)
        try await disk.append("second", size: 100)
        try await disk.journal.setCursor(named: "reader", to: disk.acknowledged[0].offset)
        disk.leaveFree(5)
        await #expect(throws: JournalError.noSpace) {
            try await disk.journal.setCursor(named: "reader", to: disk.acknowledged[1].offset)
        }
        #expect(disk.journal.state == .writable)
        #expect(try await disk.journal.cursor(named: "reader") == disk.acknowledged[0].offset)
        for candidate in [disk.simulated, disk.simulated.powerCut(seed: 1, mode: .keepAll)] {
            let verdict = try JournalVerifier.verify(FaultSupport.path, fileSystem: candidate)
            if case .corrupt = verdict { Issue.record("a refused cursor write left damage: \(verdict)") }
        }
        disk.simulated.capacity = nil
        try await disk.journal.setCursor(named: "reader", to: disk.acknowledged[1].offset)
        await disk.journal.close()
        let reopened = try await FaultSupport.reopenedState(on: disk.simulated, options: disk.options).get()
        #expect(reopened.cursors == ["reader": disk.acknowledged[1].offset])
    }

    @Test func aCursorLeftBehindByAFullDisk_survivesAReopen() async throws {
        var disk = try await Disk(preallocate: false)
        try await disk.append("first", size: 100)
        try await disk.append("second", size: 100)
        try await disk.journal.setCursor(named: "reader", to: disk.acknowledged[0].offset)
        disk.leaveFree(5)
        _ = try? await disk.journal.setCursor(named: "reader", to: disk.acknowledged[1].offset)
        await disk.journal.close()
        disk.simulated.capacity = nil
        for candidate in [disk.simulated, disk.simulated.powerCut(seed: 2, mode: .keepAll)] {
            let reopened = try await FaultSupport.reopenedState(on: candidate, options: disk.options).get()
            #expect(reopened.cursors == ["reader": disk.acknowledged[0].offset])
            #expect(reopened.records == disk.acknowledged)
        }
    }
}
