import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// `stele repair --truncate-at`: what it cuts goes to quarantine/, which it
/// only ever adds to.
@Suite struct RepairTests {
    static let options = Fixtures.options(segmentMaxBytes: 4096)

    /// Appends `count` records of 100 bytes, marked with `mark`, and closes.
    static func append(_ count: Int, marked mark: UInt8, to directory: TemporaryDirectory) async throws -> [AppendedRecord] {
        let journal = try await Journal.open(at: directory.path, options: options)
        var appended: [AppendedRecord] = []
        for index in 0..<count {
            appended.append(try await journal.append(Fixtures.binary(100, seed: mark &+ UInt8(index % 200))))
        }
        await journal.close()
        return appended
    }

    static func quarantine(of directory: TemporaryDirectory) -> [String: Data] {
        let folder = directory.url.appendingPathComponent("quarantine")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var files: [String: Data] = [:]
        for name in names { files[name] = try? Data(contentsOf: folder.appendingPathComponent(name)) }
        return files
    }

    @Test func repairingTwiceAtTheSameOffset_keepsBothCutsWholeInQuarantine() async throws {
        let directory = TemporaryDirectory("stele-repair")
        let first = try await Self.append(120, marked: 1, to: directory)
        let cut = first[30].offset
        let firstOutcome = try JournalRepair.truncate(directory.path, at: cut)
        let afterFirst = Self.quarantine(of: directory)
        #expect(afterFirst.count == firstOutcome.quarantined.count && afterFirst.count >= 2)

        // The same sizes again: the same segment names come back, with other bytes.
        let second = try await Self.append(90, marked: 7, to: directory)
        #expect(second.first?.offset == cut)
        let secondOutcome = try JournalRepair.truncate(directory.path, at: cut)
        let afterSecond = Self.quarantine(of: directory)

        for (name, bytes) in afterFirst {
            #expect(afterSecond[name] == bytes, "\(name) was overwritten by the second repair")
        }
        #expect(afterSecond.count == afterFirst.count + secondOutcome.quarantined.count)
        #expect(Set(secondOutcome.quarantined).isDisjoint(with: afterFirst.keys))
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        #expect(journal.bounds.end == cut)
        await journal.close()
    }

    /// Cursors move back to the cut before anything is cut: a repair stopped
    /// at any later step (here the truncate fails) leaves a journal that
    /// opens, its cursors on a boundary within it; running the repair again
    /// finishes the cut.
    @Test func aRepairStoppedBeforeItsCut_leavesAJournalThatOpens_andARerunFinishesIt() async throws {
        let directory = TemporaryDirectory("stele-repair-stopped")
        let appended = try await Self.append(60, marked: 3, to: directory)
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        try await journal.setCursor(named: "reader", to: appended[50].offset)
        await journal.close()
        let cut = appended[20].offset

        let faults = FaultInjectingFileSystem(PosixFileSystem())
        faults.inject(Fault([.truncate], .forever))
        #expect(throws: JournalError.self) { _ = try JournalRepair.truncate(directory.path, at: cut, fileSystem: faults) }

        let stopped = try await Journal.open(at: directory.path, options: Self.options)
        #expect(try await stopped.cursor(named: "reader") == cut)
        #expect(stopped.bounds.end > cut)
        await stopped.close()

        let outcome = try JournalRepair.truncate(directory.path, at: cut)
        #expect(outcome.cursorsMoved.isEmpty)
        let repaired = try await Journal.open(at: directory.path, options: Self.options)
        #expect(repaired.bounds.end == cut)
        #expect(try await repaired.cursor(named: "reader") == cut)
        await repaired.close()
    }

    /// A cut past a bad record in an earlier segment would cut good records
    /// away and leave a journal that still refuses to open: refused, naming
    /// the bad record, with nothing changed; a cut at that record works.
    @Test func aCutAfterABadRecordInAnEarlierSegment_isRefusedAndChangesNothing() async throws {
        let directory = TemporaryDirectory("stele-repair-earlier")
        let appended = try await Self.append(120, marked: 3, to: directory)
        let segments = directory.files(in: "segments").filter { $0.hasSuffix(".wal") }
        #expect(segments.count >= 3)
        // A byte of the fifth record's payload, in the first (sealed) segment.
        let bad = appended[4]
        var first = directory.contents(of: "segments/\(segments[0])")
        first[32 + Int(bad.offset) + 40 + 10] ^= 0x01
        directory.write(first, to: "segments/\(segments[0])")
        let before = segments.map { directory.contents(of: "segments/\($0)") }

        let later = try #require(appended.last { $0.offset > UInt64(4096) * 2 }).offset
        #expect {
            _ = try JournalRepair.truncate(directory.path, at: later)
        } throws: { error in
            guard case .corruption(let corruption) = error as? JournalError else { return false }
            return corruption.file == segments[0] && corruption.offset == bad.offset
        }
        #expect(segments.map { directory.contents(of: "segments/\($0)") } == before, "a refused repair changed a segment")
        #expect(Self.quarantine(of: directory).isEmpty)

        let outcome = try JournalRepair.truncate(directory.path, at: bad.offset)
        #expect(outcome.end == bad.offset)
        let journal = try await Journal.open(at: directory.path, options: Self.options)
        #expect(journal.bounds.end == bad.offset)
        await journal.close()
    }
}
