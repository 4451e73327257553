import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// Recovery proves the space after the last record holds only zeros without
/// reading what the file system keeps no data for: a new journal's segment
/// is allocated (64 MiB by default) but never written, and reopening it used
/// to read all of it. Bytes written anywhere in that space, synced or not,
/// are still found.
@Suite("Recovery skips allocated space never written")
struct RecoveryAllocatedSpaceTests {
    /// Whether this machine's temporary folder reports allocated, unwritten
    /// space as holding no data (ext4, XFS and tmpfs do).
    static let fileSystemTellsAllocatedSpace: Bool = {
        let directory = TemporaryDirectory("stele-probe")
        let fileSystem = PosixFileSystem()
        guard let file = try? fileSystem.open(directory.appending("probe"), mode: .createExclusive) else { return false }
        defer { fileSystem.close(file) }
        guard (try? fileSystem.allocate(file, upTo: 1 << 20)) != nil else { return false }
        return (try? fileSystem.dataRanges(file, in: 0..<(1 << 20))) == []
    }()

    static func newJournal(records: Int) async throws -> (TemporaryDirectory, end: UInt64, segment: String) {
        let directory = TemporaryDirectory("stele-allocated")
        let journal = try await Journal.open(at: directory.path)
        for index in 0..<records {
            _ = try await journal.append(AppendRecord(payload: Array("{\"n\":\(index)}".utf8), isJSON: true))
        }
        let end = journal.bounds.end
        let segment = journal.segments[0].name
        await journal.close()
        return (directory, end, segment)
    }

    @Test(.enabled(if: fileSystemTellsAllocatedSpace, "the file system reports allocated space as data"))
    func reopeningANewJournal_readsNoneOfItsAllocatedSpace() async throws {
        let (directory, end, _) = try await Self.newJournal(records: 3)
        let counting = FaultInjectingFileSystem(PosixFileSystem())
        let journal = try await Journal.open(at: directory.path, fileSystem: counting)
        #expect(journal.bounds.end == end)
        #expect(try Fixtures.readAll(journal).count == 3)
        // The header, the records' first block and little else; all 64 MiB took 64 reads of 1 MiB.
        #expect(counting.operationCount(of: .read) <= 6)
        await journal.close()
    }

    /// Writes 16 bytes of garbage at file position `position` of the segment, synced or not.
    static func writeGarbage(at position: Int64, in directory: TemporaryDirectory, segment: String, synced: Bool) throws {
        let fileSystem = PosixFileSystem()
        let file = try fileSystem.open(directory.appending("segments/\(segment)"), mode: .readWrite)
        defer { fileSystem.close(file) }
        try [UInt8](repeating: 0xA5, count: 16).withUnsafeBytes { bytes in
            try fileSystem.write(file, [bytes], at: position)
        }
        if synced { try fileSystem.synchronizeData(file) }
    }

    @Test(arguments: [false, true])
    func bytesWrittenWithinTheWindowInAllocatedSpace_areCutAsATornTail_syncedOrNot(synced: Bool) async throws {
        let (directory, end, segment) = try await Self.newJournal(records: 3)
        try Self.writeGarbage(at: 16 << 20, in: directory, segment: segment, synced: synced)
        let journal = try await Journal.open(at: directory.path)
        #expect(journal.recoveryReport.cutTornTail)
        #expect(journal.bounds.end == end)
        await journal.close()
    }

    @Test(arguments: [false, true])
    func bytesWrittenBeyondTheWindowInAllocatedSpace_areFound_syncedOrNot(synced: Bool) async throws {
        let (directory, end, segment) = try await Self.newJournal(records: 3)
        try Self.writeGarbage(at: 48 << 20, in: directory, segment: segment, synced: synced)

        do {
            let journal = try await Journal.open(at: directory.path)
            await journal.close()
            Issue.record("opened a journal with data 48 MiB past its last record, beyond the 32 MiB window")
        } catch let error {
            guard case .corruption(let corruption) = error else {
                Issue.record("expected corruption, got \(error)")
                return
            }
            #expect(corruption.file == segment)
            #expect(corruption.offset == end)
        }
    }
}
