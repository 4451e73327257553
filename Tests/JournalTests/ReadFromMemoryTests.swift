import Glibc
import Journal
import JournalTesting
import SystemPackage
import Testing

/// Reads from memory only (`Journal.readFromMemory`): the same answer as a
/// read while the page cache holds the bytes, nil instead of waiting for the
/// device when it does not, and the same refusals either way.
@Suite struct ReadFromMemoryTests {
    @Test func whileTheCacheHoldsTheRecords_itReadsWhatReadReads() async throws {
        let simulated = SimulatedFileSystem()
        let journal = try await Journal.open(at: FaultSupport.path, options: Fixtures.options(), fileSystem: simulated)
        let appended = try await Fixtures.fill(journal, count: 30, size: 300)
        for from in [appended[0].offset, appended[7].offset, appended[29].offset, appended[29].next] {
            let cached = try #require(try journal.readFromMemory(from: from, limit: 10, maxBytes: 2000))
            let read = try journal.read(from: from, limit: 10, maxBytes: 2000)
            #expect(cached.records.map(\.offset) == read.records.map(\.offset))
            #expect(cached.records.map(\.digest) == read.records.map(\.digest))
            #expect(cached.next == read.next)
        }
        await journal.close()
    }

    @Test func whenTheCacheWasDropped_itIsNil_andAReadStillGetsTheRecords() async throws {
        let simulated = SimulatedFileSystem()
        let journal = try await Journal.open(at: FaultSupport.path, options: Fixtures.options(), fileSystem: simulated)
        let appended = try await Fixtures.fill(journal, count: 30, size: 300)
        simulated.pageCacheDropped = true
        #expect(try journal.readFromMemory(from: appended[3].offset, limit: 5) == nil)
        #expect(try journal.readFromMemory(from: appended[0].offset, limit: 1) == nil)
        let read = try journal.read(from: appended[3].offset, limit: 5)
        #expect(read.records.map(\.offset) == appended[3..<8].map(\.offset))
        await journal.close()
    }

    @Test func refusalsThatNeedNoRead_areTheSameFromMemory() async throws {
        let simulated = SimulatedFileSystem()
        let journal = try await Journal.open(at: FaultSupport.path, options: Fixtures.options(), fileSystem: simulated)
        let appended = try await Fixtures.fill(journal, count: 3)
        simulated.pageCacheDropped = true
        let beyond = appended[2].next + 100
        #expect(throws: JournalError.offsetBeyondEnd(offset: beyond, end: appended[2].next)) {
            try journal.readFromMemory(from: beyond)
        }
        // At the end there is nothing to read: an empty page, from memory too.
        let atEnd = try #require(try journal.readFromMemory(from: appended[2].next))
        #expect(atEnd.records.isEmpty && atEnd.next == appended[2].next)
        simulated.pageCacheDropped = false
        #expect(throws: JournalError.notRecordBoundary(offset: appended[1].offset + 1)) {
            try journal.readFromMemory(from: appended[1].offset + 1)
        }
        await journal.close()
    }

    /// The real call: preadv2 with RWF_NOWAIT on this machine's file system.
    @Test func onTheRealFileSystem_pagesDroppedFromTheCacheAreNotRead_untilAReadBringsThemBack() throws {
        let directory = TemporaryDirectory()
        let fileSystem = PosixFileSystem()
        let path = directory.path.appending("data.bin")
        let file = try fileSystem.open(path, mode: .createExclusive)
        defer { fileSystem.close(file) }
        let bytes = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try fileSystem.write(file, bytes, at: 0)
        try fileSystem.synchronizeData(file)
        var buffer = [UInt8]()

        // Written and synced: in the cache, clean.
        #expect(try fileSystem.read(file, count: 4096, at: 8192, into: &buffer, fromMemoryOnly: true) == 4096)
        #expect(Array(buffer[0..<4096]) == Array(bytes[8192..<12_288]))
        #expect(posix_fadvise(file.rawValue, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0)
        #expect(throws: Errno.resourceTemporarilyUnavailable) {
            _ = try fileSystem.read(file, count: 4096, at: 8192, into: &buffer, fromMemoryOnly: true)
        }
        #expect(try fileSystem.read(file, count: 4096, at: 8192, into: &buffer) == 4096)
        #expect(try fileSystem.read(file, count: 4096, at: 8192, into: &buffer, fromMemoryOnly: true) == 4096)
        #expect(Array(buffer[0..<4096]) == Array(bytes[8192..<12_288]))
        // At and past the end of the file: what is there, then nothing.
        _ = try fileSystem.read(file, count: 100, at: 65_500, into: &buffer)
        #expect(try fileSystem.read(file, count: 200, at: 65_500, into: &buffer, fromMemoryOnly: true) == 36)
        #expect(try fileSystem.read(file, count: 200, at: 70_000, into: &buffer, fromMemoryOnly: true) == 0)
    }
}
