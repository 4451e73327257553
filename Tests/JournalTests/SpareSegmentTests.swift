import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// Once the active segment is half full (or holds 4 MiB, when it was not
/// prepared itself: the first one, or the newest after a restart, which is
/// then left for the spare as soon as that is ready), the next segment's file is written
/// with zeros and synced in the background under a temporary name; rotation
/// then only stamps its header and renames it. The spare is a speed-up, never
/// a condition: without it rotation creates the segment as before, and a spare
/// left behind by a crash is removed on open.
@Suite struct SpareSegmentTests {
    static let segmentBytes = 64 << 10
    static let spareName = "segments/" + SegmentPreparer.fileName

    static func options() -> JournalOptions {
        var options = Fixtures.options(.immediate, segmentMaxBytes: segmentBytes)
        options.prepareSpareSegments = true
        return options
    }

    /// Waits (at most 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func onceHalfFull_aZeroedSpareIsWritten_andRotationInstallsIt() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options())
        var appended = try await Fixtures.fill(journal, count: 20, size: 1000)
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string),
                "no spare while the segment is less than half full")
        appended += try await Fixtures.fill(journal, count: 20, size: 1000)
        // The first segment was not prepared: it is left as soon as the spare is ready.
        #expect(await Self.eventually { journal.isSpareSegmentReady || journal.segments.count == 2 })
        if journal.isSpareSegmentReady {
            let spare = directory.contents(of: Self.spareName)
            #expect(spare.count == SegmentHeader.size + Self.segmentBytes)
            #expect(spare.allSatisfy { $0 == 0 })
        }
        appended += try await Fixtures.fill(journal, count: 10, size: 1000)

        let segments = journal.segments
        #expect(segments.count == 2)
        #expect(segments[0].bytes < UInt64(Self.segmentBytes) - 2000, "left before it was full")
        let second = directory.contents(of: "segments/" + segments[1].name)
        #expect(second.count == SegmentHeader.size + Self.segmentBytes, "the spare became the segment")
        let header = Array(second.prefix(SegmentHeader.size)).withUnsafeBytes { SegmentHeader.decode($0) }
        #expect((try? header.get())?.baseOffset == segments[1].base)
        let used = SegmentHeader.size + Int(segments[1].bytes)
        #expect(second[used...].allSatisfy { $0 == 0 })
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string),
                "the second segment is less than half full: no new spare yet")

        #expect(try Fixtures.readAll(journal).map(\.offset) == appended.map(\.offset))
        await journal.close()
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string), "close removes the spare")
        let reopened = try await Journal.open(at: directory.path, options: Self.options())
        #expect(try Fixtures.readAll(reopened).map(\.digest) == appended.map(\.digest))
        await reopened.close()
    }

    @Test func closingWithASpareReady_removesIt_beforeTheLockIsReleased() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options())
        var appended = try await Fixtures.fill(journal, count: 40, size: 1000)
        // The first segment is left for the first spare; the second, past half full, gets the next.
        #expect(await Self.eventually { journal.isSpareSegmentReady || journal.segments.count == 2 })
        appended += try await Fixtures.fill(journal, count: 40, size: 1000)
        #expect(journal.segments.count == 2)
        #expect(await Self.eventually { journal.isSpareSegmentReady })
        #expect(FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string))
        await journal.close()
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string))
        let reopened = try await Journal.open(at: directory.path, options: Self.options())
        #expect(try Fixtures.readAll(reopened).map(\.digest) == appended.map(\.digest))
        #expect(reopened.recoveryReport.actions.isEmpty, "a clean close leaves nothing to repair")
        await reopened.close()
    }

    @Test func aSpareLeftByACrash_isRemovedOnOpen_andChangesNothingElse() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Self.options())
        let appended = try await Fixtures.fill(journal, count: 10, size: 200)
        await journal.close()
        directory.write(Array(repeating: 0x5A, count: 5000), to: Self.spareName)

        let reopened = try await Journal.open(at: directory.path, options: Self.options())
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string))
        #expect(try Fixtures.readAll(reopened).map(\.digest) == appended.map(\.digest))
        #expect(reopened.segments.count == 1)
        await reopened.close()
    }

    @Test func whenTheSpareCannotBeWritten_rotationCreatesSegmentsAsBefore() async throws {
        let directory = TemporaryDirectory()
        let faults = FaultInjectingFileSystem(PosixFileSystem())
        faults.inject(Fault([.write, .allocate], whenPathMatches: { $0.lastComponent?.string == SegmentPreparer.fileName },
                            .forever, errno: .noSpace))
        let journal = try await Journal.open(at: directory.path, options: Self.options(), fileSystem: faults)
        let appended = try await Fixtures.fill(journal, count: 300, size: 1000)
        #expect(journal.segments.count >= 4)
        #expect(faults.faultsTriggered > 0, "the spare was attempted")
        #expect(try Fixtures.readAll(journal).map(\.digest) == appended.map(\.digest))
        await journal.close()
        #expect(!FileManager.default.fileExists(atPath: directory.appending(Self.spareName).string))
    }
}
