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

    @Test func whenTheCacheWasDropped_itIsNil_withoutAnyReadThatMayWait_andAReadStillGetsTheRecords() async throws {
        let simulated = SimulatedFileSystem()
        let journal = try await Journal.open(at: FaultSupport.path, options: Fixtures.options(), fileSystem: simulated)
        let appended = try await Fixtures.fill(journal, count: 30, size: 300)
        simulated.pageCacheDropped = true
        let waitingBefore = simulated.readsThatMayWait
        // Records, one record read alone (maxBytes below its size), an offset
        // that needs the boundary walk, and one that is not a boundary at all.
        #expect(try journal.readFromMemory(from: appended[3].offset, limit: 5) == nil)
        #expect(try journal.readFromMemory(from: appended[0].offset, limit: 1) == nil)
        #expect(try journal.readFromMemory(from: appended[9].offset, limit: 1, maxBytes: 1) == nil)
        #expect(try journal.readFromMemory(from: appended[21].offset + 1) == nil)
        #expect(simulated.readsThatMayWait == waitingBefore, "a read from memory made a read that may wait")
        let read = try journal.read(from: appended[3].offset, limit: 5)
        #expect(read.records.map(\.offset) == appended[3..<8].map(\.offset))
        await journal.close()
    }

    /// Whichever of an operation's reads is the first to miss the cache, the
    /// answer is nil and no read that may wait was made: every read on the way
    /// (boundary walk, chunks, a record larger than the range) is from memory.
    @Test func whicheverReadMissesFirst_noReadThatMayWaitIsMade() async throws {
        let simulated = SimulatedFileSystem()
        var options = Fixtures.options(segmentMaxBytes: 1 << 20)
        options.maximumPayload = 100_000
        let journal = try await Journal.open(at: FaultSupport.path, options: options, fileSystem: simulated)
        var appended = try await Fixtures.fill(journal, count: 60, size: 300)
        appended.append(try await journal.append(Fixtures.binary(90_000)))
        appended += try await Fixtures.fill(journal, count: 5, size: 300)
        // From an unindexed offset (a walk first), over a chunk's end; one
        // record alone past a tiny range; the large record with a small range.
        let reads: [(from: UInt64, limit: Int, maxBytes: Int)] = [
            (appended[37].offset, 100, 1 << 20), (appended[45].offset, 1, 1), (appended[60].offset, 10, 1000),
        ]
        for read in reads {
            let expected = try journal.read(from: read.from, limit: read.limit, maxBytes: read.maxBytes)
            var misses = 0
            for served in 0..<64 {
                simulated.readsFromMemoryBeforeDrop = served
                let waitingBefore = simulated.readsThatMayWait
                let batch = try journal.readFromMemory(from: read.from, limit: read.limit, maxBytes: read.maxBytes)
                #expect(simulated.readsThatMayWait == waitingBefore, "a read from memory made a read that may wait")
                guard let batch else { misses += 1; continue }
                #expect(batch.records.map(\.offset) == expected.records.map(\.offset))
                break
            }
            #expect(misses > 0)
            simulated.readsFromMemoryBeforeDrop = nil
        }
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

    /// Reading a file the process owns leaves its access time alone (O_NOATIME):
    /// under relatime the first read after a write would otherwise dirty the
    /// inode, which on ext4 joins the file system's journal on the reading thread.
    @Test func readingAnOwnedFile_leavesItsAccessTimeAlone() throws {
        let directory = TemporaryDirectory()
        let fileSystem = PosixFileSystem()
        let path = directory.path.appending("segment.bin")
        let writer = try fileSystem.open(path, mode: .createExclusive)
        try fileSystem.write(writer, [UInt8](repeating: 7, count: 4096), at: 0)
        fileSystem.close(writer)
        // An access time well before the modification: relatime would update it.
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_700_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path.string, &times, 0) == 0)

        let reader = try fileSystem.open(path, mode: .readOnly)
        defer { fileSystem.close(reader) }
        var buffer = [UInt8]()
        #expect(try fileSystem.read(reader, count: 4096, at: 0, into: &buffer) == 4096)
        var status = stat()
        #expect(stat(path.string, &status) == 0)
        #expect(status.st_atim.tv_sec == 1_000_000_000)
    }

    /// Whether the file system under the temporary directory reads without
    /// waiting at all (tmpfs does not: every such read says EAGAIN there).
    static let fileSystemReadsFromMemory: Bool = {
        let directory = TemporaryDirectory()
        let fileSystem = PosixFileSystem()
        guard let file = try? fileSystem.open(directory.path.appending("probe"), mode: .createExclusive) else { return false }
        defer { fileSystem.close(file) }
        var buffer = [UInt8]()
        guard (try? fileSystem.write(file, [1, 2, 3], at: 0)) != nil else { return false }
        return (try? fileSystem.read(file, count: 3, at: 0, into: &buffer, fromMemoryOnly: true)) == 3
    }()

    /// The real call: preadv2 with RWF_NOWAIT on this machine's file system.
    @Test(.enabled(if: fileSystemReadsFromMemory, "the temporary directory's file system cannot read without waiting"))
    func onTheRealFileSystem_pagesDroppedFromTheCacheAreNotRead_untilAReadBringsThemBack() throws {
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

        // The cache holds the start of a range but not its end: no partial
        // answer. Set up with the whole file dropped, read-ahead off and one
        // page read back, and checked with mincore: a kernel that caches files
        // in folios larger than a page may bring in, or keep, more than asked.
        #expect(posix_fadvise(file.rawValue, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0)
        #expect(posix_fadvise(file.rawValue, 0, 0, Int32(POSIX_FADV_RANDOM)) == 0)
        _ = try fileSystem.read(file, count: 4096, at: 8192, into: &buffer)
        let resident = try Self.residentPages(of: file.rawValue, bytes: 65_536)
        #expect(resident[2], "the page just read is not in the cache")
        if resident[2], !resident[3] {
            #expect(try fileSystem.read(file, count: 4096, at: 8192, into: &buffer, fromMemoryOnly: true) == 4096)
            #expect(throws: Errno.resourceTemporarilyUnavailable) {
                _ = try fileSystem.read(file, count: 8192, at: 8192, into: &buffer, fromMemoryOnly: true)
            }
        }
    }

    /// Which of the first `bytes` of the file's pages the page cache holds (mincore of a mapping).
    static func residentPages(of descriptor: Int32, bytes: Int) throws -> [Bool] {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (bytes + pageSize - 1) / pageSize
        guard let mapping = mmap(nil, bytes, PROT_READ, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED else {
            throw Errno(rawValue: errno)
        }
        defer { munmap(mapping, bytes) }
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(mapping, bytes, &vector) == 0 else { throw Errno(rawValue: errno) }
        return vector.map { $0 & 1 == 1 }
    }
}
