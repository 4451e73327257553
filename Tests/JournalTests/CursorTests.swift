import Journal
import SystemPackage
import Testing

/// Named cursors (DESIGN.md, "On disk"): `[A-Za-z0-9._-]{1,128}` → offset,
/// written temp file → fsync → rename → fsync directory, advanced unless
/// forced back, always on a record boundary within the durable log.
@Suite struct CursorTests {
    /// A journal holding `count` records in one segment.
    private func journal(in directory: TemporaryDirectory, records count: Int = 10) async throws -> (Journal, [AppendedRecord]) {
        let journal = try await Journal.open(at: directory.path)
        let appended = try await Fixtures.fill(journal, count: count)
        return (journal, appended)
    }

    // MARK: Setting and reading

    @Test func aCursorSetToARecordBoundary_readsBackTheSameOffset() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let returned = try await journal.setCursor(named: "reader", to: appended[3].offset)
        #expect(returned == appended[3].offset)
        #expect(try await journal.cursor(named: "reader") == appended[3].offset)
        await journal.close()
    }

    @Test func aCursorThatWasNeverSet_isNotFound() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        await #expect(throws: JournalError.cursorNotFound("ghost")) { try await journal.cursor(named: "ghost") }
        await #expect(throws: JournalError.cursorNotFound("ghost")) { try await journal.deleteCursor(named: "ghost") }
        await journal.close()
    }

    @Test func aCursor_advancesForwardRecordByRecord() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        for record in appended {
            try await journal.setCursor(named: "walker", to: record.offset)
            #expect(try await journal.cursor(named: "walker") == record.offset)
        }
        try await journal.setCursor(named: "walker", to: appended.last!.next)
        #expect(try await journal.cursor(named: "walker") == journal.bounds.end)
        await journal.close()
    }

    @Test func settingACursorToItsCurrentOffset_isAllowed() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "same", to: appended[2].offset)
        #expect(try await journal.setCursor(named: "same", to: appended[2].offset) == appended[2].offset)
        await journal.close()
    }

    @Test func movingACursorBackwards_isRefusedAndLeavesItWhereItWas() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "c", to: appended[5].offset)
        await #expect(throws: JournalError.cursorBackwards(name: "c", current: appended[5].offset, requested: appended[2].offset)) {
            try await journal.setCursor(named: "c", to: appended[2].offset)
        }
        #expect(try await journal.cursor(named: "c") == appended[5].offset)
        // The refusal changed nothing on disk either.
        await journal.close()
        let reopened = try await Journal.open(at: directory.path)
        #expect(try await reopened.cursor(named: "c") == appended[5].offset)
        await reopened.close()
    }

    @Test func movingACursorBackwardsWithForce_isAllowedAndDurable() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "c", to: appended[7].offset)
        #expect(try await journal.setCursor(named: "c", to: appended[1].offset, force: true) == appended[1].offset)
        #expect(try await journal.cursor(named: "c") == appended[1].offset)
        await journal.close()
        let reopened = try await Journal.open(at: directory.path)
        #expect(try await reopened.cursor(named: "c") == appended[1].offset)
        await reopened.close()
    }

    @Test func concurrentAdvancesOfOneCursor_leaveItAtTheHighestOffset() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory, records: 64)
        await withTaskGroup(of: Void.self) { group in
            for record in appended.shuffled() {
                group.addTask { _ = try? await journal.setCursor(named: "race", to: record.offset) }
            }
        }
        #expect(try await journal.cursor(named: "race") == appended.last!.offset)
        await journal.close()
    }

    // MARK: Where a cursor may point

    @Test func aCursorMayPointAtExactlyTheDurableEnd() async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let end = journal.bounds.end
        #expect(try await journal.setCursor(named: "tail", to: end) == end)
        #expect(try await journal.cursor(named: "tail") == end)
        await journal.close()
    }

    @Test func aCursorOnAnEmptyJournal_mayPointAtZero() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        #expect(try await journal.setCursor(named: "empty", to: 0) == 0)
        await #expect(throws: JournalError.offsetBeyondEnd(offset: 1, end: 0)) {
            try await journal.setCursor(named: "empty", to: 1)
        }
        await journal.close()
    }

    @Test(arguments: [1, 40, 1000] as [UInt64])
    func aCursorPastTheDurableEnd_isRefused(beyond: UInt64) async throws {
        let directory = TemporaryDirectory()
        let (journal, _) = try await journal(in: directory)
        let end = journal.bounds.end
        await #expect(throws: JournalError.offsetBeyondEnd(offset: end + beyond, end: end)) {
            try await journal.setCursor(named: "far", to: end + beyond)
        }
        await #expect(throws: JournalError.cursorNotFound("far")) { try await journal.cursor(named: "far") }
        #expect(directory.files(in: "cursors").isEmpty)
        await journal.close()
    }

    @Test(arguments: [1, 39, 40, 41] as [UInt64])
    func aCursorOffARecordBoundary_isRefused(into: UInt64) async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let offset = appended[4].offset + into
        await #expect(throws: JournalError.notRecordBoundary(offset: offset)) {
            try await journal.setCursor(named: "odd", to: offset)
        }
        await #expect(throws: JournalError.cursorNotFound("odd")) { try await journal.cursor(named: "odd") }
        #expect(directory.files(in: "cursors").isEmpty)
        await journal.close()
    }

    @Test func aCursorBelowTheStart_isRefusedAfterACleanup_evenWithForce() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        let appended = try await Fixtures.fill(journal, count: 60, size: 200)
        try await journal.setCursor(named: "ahead", to: appended.last!.offset)
        let report = try await journal.cleanup()
        let start = journal.bounds.start
        #expect(!report.deleted.isEmpty)
        #expect(start > 0)
        await #expect(throws: JournalError.offsetBelowStart(offset: 0, start: start)) {
            try await journal.setCursor(named: "late", to: 0)
        }
        await #expect(throws: JournalError.offsetBelowStart(offset: appended[1].offset, start: start)) {
            try await journal.setCursor(named: "ahead", to: appended[1].offset, force: true)
        }
        #expect(try await journal.cursor(named: "ahead") == appended.last!.offset)
        #expect(try await journal.setCursor(named: "late", to: start) == start)
        await journal.close()
    }

    // MARK: Names

    static let invalidNames: [String] = [
        "", ".", "..", "a/b", "../escape", "/abs", "a\\b", String(repeating: "n", count: 129),
        "%00", "a%2Fb", "nul\u{0}byte", "café", "名前", "emoji🙂", "with space", "tab\t", "line\nbreak", "star*", "q?",
    ]

    @Test(arguments: invalidNames)
    func anInvalidCursorName_isRefusedAndCreatesNoFile(name: String) async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory, records: 2)
        let rootBefore = directory.files(in: ".")
        await #expect(throws: JournalError.invalidCursorName(name)) {
            try await journal.setCursor(named: name, to: appended[1].offset)
        }
        await #expect(throws: JournalError.invalidCursorName(name)) { try await journal.cursor(named: name) }
        await #expect(throws: JournalError.invalidCursorName(name)) { try await journal.deleteCursor(named: name) }
        #expect(directory.files(in: "cursors").isEmpty)
        #expect(directory.files(in: ".") == rootBefore)
        #expect(await journal.allCursors().isEmpty)
        await journal.close()
    }

    static let validNames: [String] = [
        "a", "Z", "0", "-", "_", ".hidden", "a..b", "dots.in.name", "under_score-and-dash",
        "AZaz09._-", String(repeating: "x", count: 128),
    ]

    @Test(arguments: validNames)
    func aValidCursorName_isStoredAndSurvivesReopening(name: String) async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory, records: 3)
        try await journal.setCursor(named: name, to: appended[2].offset)
        #expect(directory.files(in: "cursors").count == 1)
        await journal.close()
        let reopened = try await Journal.open(at: directory.path)
        #expect(try await reopened.cursor(named: name) == appended[2].offset)
        #expect(await reopened.allCursors().map(\.name) == [name])
        await reopened.close()
    }

    // MARK: Persistence and files

    @Test func cursors_surviveCloseAndReopenAtTheirExactOffsets() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        let appended = try await Fixtures.fill(journal, count: 80, size: 150)
        let wanted: [String: UInt64] = [
            "zero": 0, "first": appended[1].offset, "middle": appended[41].offset,
            "last": appended.last!.offset, "end": journal.bounds.end,
        ]
        for (name, offset) in wanted { try await journal.setCursor(named: name, to: offset) }
        try await journal.setCursor(named: "forced", to: appended[70].offset)
        try await journal.setCursor(named: "forced", to: appended[10].offset, force: true)
        await journal.close()

        let reopened = try await Journal.open(at: directory.path, options: Fixtures.options(segmentMaxBytes: 4096))
        for (name, offset) in wanted { #expect(try await reopened.cursor(named: name) == offset) }
        #expect(try await reopened.cursor(named: "forced") == appended[10].offset)
        #expect(reopened.recoveryReport.cursors == wanted.count + 1)
        #expect(reopened.recoveryReport.actions.isEmpty)
        await reopened.close()
    }

    @Test func deletingACursor_removesItsFileAndItStaysGoneAfterReopening() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "keep", to: appended[1].offset)
        try await journal.setCursor(named: "drop", to: appended[2].offset)
        #expect(directory.files(in: "cursors") == ["drop.cursor", "keep.cursor"])
        try await journal.deleteCursor(named: "drop")
        #expect(directory.files(in: "cursors") == ["keep.cursor"])
        await #expect(throws: JournalError.cursorNotFound("drop")) { try await journal.cursor(named: "drop") }
        await #expect(throws: JournalError.cursorNotFound("drop")) { try await journal.deleteCursor(named: "drop") }
        #expect(await journal.allCursors().map(\.name) == ["keep"])
        await journal.close()

        let reopened = try await Journal.open(at: directory.path)
        await #expect(throws: JournalError.cursorNotFound("drop")) { try await reopened.cursor(named: "drop") }
        #expect(try await reopened.cursor(named: "keep") == appended[1].offset)
        await reopened.close()
    }

    @Test func aDeletedCursorName_canBeCreatedAgainAtAnyOffset() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "again", to: appended[8].offset)
        try await journal.deleteCursor(named: "again")
        // A new cursor has no history: a lower offset is not "backwards".
        #expect(try await journal.setCursor(named: "again", to: appended[2].offset) == appended[2].offset)
        await journal.close()
    }

    @Test func allCursors_listsEveryCursorSortedByName() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        let names = ["m", "b", "Z", "a-1", "a.0", "_z", "a", "9", "zz"]
        for (index, name) in names.enumerated() { try await journal.setCursor(named: name, to: appended[index].offset) }
        let listed = await journal.allCursors()
        #expect(listed.map(\.name) == names.sorted())
        for entry in listed {
            #expect(entry.offset == appended[names.firstIndex(of: entry.name)!].offset)
        }
        await journal.close()
    }

    @Test func aCursorFile_isExactlyOneTwentyByteCursorRecord() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "exact", to: appended[6].offset)
        let bytes = directory.contents(of: "cursors/exact.cursor")
        #expect(bytes.count == 20)
        #expect(bytes.count == CursorRecord.size)
        #expect(Array(bytes.prefix(8)) == Array("STELECUR".utf8))
        #expect(CursorRecord(decoding: bytes)?.offset == appended[6].offset)
        #expect(bytes == CursorRecord(offset: appended[6].offset).encoded)
        // Moving it rewrites the same 20 bytes with the new offset.
        try await journal.setCursor(named: "exact", to: appended[9].offset)
        let moved = directory.contents(of: "cursors/exact.cursor")
        #expect(moved.count == 20)
        #expect(CursorRecord(decoding: moved)?.offset == appended[9].offset)
        await journal.close()
    }

    @Test func cursorWrites_leaveNoTemporaryFilesBehind() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory, records: 30)
        for round in 0..<3 {
            for index in 0..<8 {
                try await journal.setCursor(named: "c\(index)", to: appended[round * 8 + index].offset)
            }
        }
        try await journal.setCursor(named: "c0", to: 0, force: true)
        try await journal.deleteCursor(named: "c7")
        let files = directory.files(in: "cursors")
        #expect(files == (0..<7).map { "c\($0).cursor" })
        #expect(files.allSatisfy { !$0.hasSuffix(".tmp") })
        #expect(files.allSatisfy { directory.contents(of: "cursors/\($0)").count == CursorRecord.size })
        await journal.close()
    }

    @Test func aStaleCursorTemporaryFile_isRemovedOnOpenAndTheCursorKeepsItsOldValue() async throws {
        let directory = TemporaryDirectory()
        let (journal, appended) = try await journal(in: directory)
        try await journal.setCursor(named: "crash", to: appended[3].offset)
        await journal.close()
        // A crash between writing the temporary file and renaming it.
        directory.write(CursorRecord(offset: appended[8].offset).encoded, to: "cursors/crash.cursor.tmp")
        let reopened = try await Journal.open(at: directory.path)
        #expect(try await reopened.cursor(named: "crash") == appended[3].offset)
        #expect(directory.files(in: "cursors") == ["crash.cursor"])
        await reopened.close()
    }
}
