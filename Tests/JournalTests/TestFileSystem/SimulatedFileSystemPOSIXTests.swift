import Journal
import JournalTesting
import SystemPackage
import Testing

/// The simulated file system answers every call as a POSIX file system would (errors included).
@Suite("SimulatedFileSystem behaves like POSIX")
struct SimulatedFileSystemPOSIXTests {
    typealias IO = FileLayerTestIO
    let fs = SimulatedFileSystem()

    init() throws {
        try fs.createDirectory("/d")
        try fs.synchronizeDirectory("/")
    }

    @Test func writtenBytes_readBack_throughAnotherHandle() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        try IO.write(fs, file, [1, 2, 3, 4])
        let reader = try fs.open("/d/a", mode: .readOnly)
        #expect(try IO.read(fs, reader) == [1, 2, 3, 4])
        #expect(try IO.read(fs, reader, count: 2, at: 1) == [2, 3])
        #expect(try IO.read(fs, reader, at: 10) == [])
        #expect(try fs.size(of: reader) == 4)
        fs.close(file)
        fs.close(reader)
        #expect(fs.contents(of: "/d/a") == [1, 2, 3, 4])
    }

    @Test func write_joinsBuffersAndZeroFillsAGap() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        let first: [UInt8] = [1, 2], second: [UInt8] = [3]
        try first.withUnsafeBytes { a in
            try second.withUnsafeBytes { b in try fs.write(file, [a, b], at: 2) }
        }
        #expect(fs.contents(of: "/d/a") == [0, 0, 1, 2, 3])
    }

    @Test func largeFile_readsBackAcrossPages_andReadsZerosAfterACutAndExtension() throws {
        let bytes = IO.pattern(10_000, seed: 3)
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, bytes, at: 0)
        #expect(try IO.read(fs, file, count: 5000, at: 3000) == Array(bytes[3000..<8000]))
        try fs.truncate(file, to: 5000)
        try fs.truncate(file, to: 9000)
        #expect(fs.contents(of: "/d/a") == Array(bytes.prefix(5000)) + [UInt8](repeating: 0, count: 4000))
    }

    @Test(.timeLimit(.minutes(1)))
    func smallSyncedWrites_inAPreallocatedLargeFile_stayCheap() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try fs.allocate(file, upTo: 64 << 20)
        for index in 0..<2000 {
            try IO.write(fs, file, IO.pattern(100, seed: UInt8(truncatingIfNeeded: index)), at: Int64(index * 100))
            try fs.synchronizeData(file)
        }
        _ = fs.powerCut(seed: 1, mode: .random)
        #expect(try IO.read(fs, file, count: 100, at: 1999 * 100) == IO.pattern(100, seed: UInt8(truncatingIfNeeded: 1999)))
    }

    @Test(arguments: [FileOpenMode.readOnly, .readWrite])
    func open_ofMissingFile_throwsENOENT(mode: FileOpenMode) {
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.open("/d/missing", mode: mode) }
    }

    @Test func createExclusive_ofExistingFile_throwsEEXIST() throws {
        try IO.createFile(fs, "/d/a", [1])
        #expect(throws: Errno.fileExists) { try fs.open("/d/a", mode: .createExclusive) }
        #expect(fs.contents(of: "/d/a") == [1])
    }

    @Test func createExclusive_inMissingDirectory_throwsENOENT() {
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.open("/nowhere/a", mode: .createExclusive) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.createDirectory("/nowhere/deeper") }
    }

    @Test func pathThroughAFile_throwsENOTDIR() throws {
        try IO.createFile(fs, "/d/a", [1])
        #expect(throws: Errno.notDirectory) { try fs.open("/d/a/b", mode: .createExclusive) }
        #expect(throws: Errno.notDirectory) { try fs.contentsOfDirectory("/d/a") }
    }

    @Test func createDirectory_ofExistingDirectory_succeeds() throws {
        try fs.createDirectory("/d")
        try fs.createDirectory("/d/e")
        try fs.createDirectory("/d/e")
        #expect(fs.listing("/d") == ["e"])
    }

    @Test func removeFile_ofMissingFile_throwsENOENT() {
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.removeFile("/d/missing") }
    }

    @Test func removeFile_removesTheName() throws {
        try IO.createFile(fs, "/d/a", [1])
        try fs.removeFile("/d/a")
        #expect(!fs.fileExists("/d/a"))
        #expect(fs.contents(of: "/d/a") == nil)
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.open("/d/a", mode: .readOnly) }
    }

    @Test func rename_replacesTheDestination() throws {
        try IO.createFile(fs, "/d/old", [1, 1])
        try IO.createFile(fs, "/d/new", [2, 2, 2])
        try fs.rename("/d/new", to: "/d/old")
        #expect(fs.contents(of: "/d/old") == [2, 2, 2])
        #expect(!fs.fileExists("/d/new"))
        #expect(fs.listing("/d") == ["old"])
    }

    @Test func rename_acrossDirectories_movesTheFile() throws {
        try fs.createDirectory("/e")
        try IO.createFile(fs, "/d/a", [7])
        try fs.rename("/d/a", to: "/e/b")
        #expect(fs.listing("/d") == [])
        #expect(fs.contents(of: "/e/b") == [7])
    }

    @Test func rename_ofMissingSource_throwsENOENT() {
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.rename("/d/missing", to: "/d/b") }
    }

    @Test func rename_ontoItself_changesNothing() throws {
        try IO.createFile(fs, "/d/a", [7])
        try fs.rename("/d/a", to: "/d/./a")
        #expect(fs.contents(of: "/d/a") == [7])
    }

    @Test func openHandle_keepsWorking_afterItsNameIsRemoved() throws {
        try IO.createFile(fs, "/d/a", [1, 2])
        let file = try fs.open("/d/a", mode: .readWrite)
        try fs.removeFile("/d/a")
        try IO.write(fs, file, [9], at: 2)
        #expect(try IO.read(fs, file) == [1, 2, 9])
        fs.close(file)
        #expect(fs.usedBytes == 0)
    }

    @Test func openHandle_followsTheFile_acrossARename() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        try fs.rename("/d/a", to: "/d/b")
        try IO.write(fs, file, [5], at: 1)
        #expect(fs.contents(of: "/d/b") == [1, 5])
    }

    @Test func closedHandle_throwsEBADF_forEveryCall() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        fs.close(file)
        #expect(throws: Errno.badFileDescriptor) { try IO.read(fs, file) }
        #expect(throws: Errno.badFileDescriptor) { try IO.write(fs, file, [1]) }
        #expect(throws: Errno.badFileDescriptor) { try fs.synchronize(file) }
        #expect(throws: Errno.badFileDescriptor) { try fs.synchronizeData(file) }
        #expect(throws: Errno.badFileDescriptor) { try fs.truncate(file, to: 0) }
        #expect(throws: Errno.badFileDescriptor) { try fs.size(of: file) }
        #expect(throws: Errno.badFileDescriptor) { try fs.allocate(file, upTo: 10) }
        #expect(throws: Errno.badFileDescriptor) { try IO.read(fs, FileHandle(rawValue: 9999)) }
        fs.close(file)  // closing twice is harmless
    }

    @Test func handles_areDistinct_andNeverReused() throws {
        try IO.createFile(fs, "/d/a", [1])
        var seen: Set<FileHandle> = []
        for _ in 0..<10 {
            let file = try fs.open("/d/a", mode: .readOnly)
            #expect(seen.insert(file).inserted)
            fs.close(file)
        }
    }

    @Test func readOnlyHandle_refusesWrites() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readOnly)
        defer { fs.close(file) }
        #expect(throws: Errno.badFileDescriptor) { try IO.write(fs, file, [2]) }
        #expect(throws: Errno.invalidArgument) { try fs.truncate(file, to: 0) }
        #expect(fs.contents(of: "/d/a") == [1])
    }

    @Test func truncate_cutsAndExtendsWithZeros() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, [1, 2, 3, 4])
        try fs.truncate(file, to: 2)
        #expect(fs.contents(of: "/d/a") == [1, 2])
        try fs.truncate(file, to: 4)
        #expect(fs.contents(of: "/d/a") == [1, 2, 0, 0])
        try fs.allocate(file, upTo: 6)
        try fs.allocate(file, upTo: 3)
        #expect(fs.contents(of: "/d/a") == [1, 2, 0, 0, 0, 0])
    }

    @Test func contentsOfDirectory_listsFilesAndSubdirectories() throws {
        try IO.createFile(fs, "/d/a", [])
        try fs.createDirectory("/d/sub")
        #expect(try fs.contentsOfDirectory("/d").sorted() == ["a", "sub"])
        #expect(fs.listing("/") == ["d"])
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.contentsOfDirectory("/missing") }
        #expect(fs.fileExists("/d/sub"))
    }

    @Test func paths_areComparedAfterLexicalNormalisation() throws {
        try IO.createFile(fs, "/d/./a", [3])
        #expect(fs.contents(of: "/d/x/../a") == [3])
        #expect(fs.fileExists("/d/a"))
    }

    @Test func relativePaths_workFromAnImplicitCurrentDirectory() throws {
        try fs.createDirectory("rel")
        try IO.createFile(fs, "rel/a", [4])
        #expect(fs.contents(of: "./rel/a") == [4])
        #expect(fs.listing("rel") == ["a"])
        #expect(fs.contents(of: "/rel/a") == nil)
    }

    @Test func openingADirectory_throwsEISDIR() {
        #expect(throws: Errno.isDirectory) { try fs.open("/d", mode: .readOnly) }
        #expect(throws: Errno.isDirectory) { try fs.removeFile("/d") }
    }

    @Test func lockExclusively_admitsOneHolder_untilItCloses() throws {
        let holder = try fs.lockExclusively("/d/lock")
        #expect(fs.fileExists("/d/lock"))
        #expect(throws: Errno.wouldBlock) { try fs.lockExclusively("/d/lock") }
        #expect(throws: Errno.wouldBlock) { try fs.lockExclusively("/d/../d/lock") }
        let other = try fs.lockExclusively("/d/other")
        fs.close(holder)
        let next = try fs.lockExclusively("/d/lock")
        fs.close(next)
        fs.close(other)
        #expect(fs.openHandleCount == 0)
    }

    @Test func openHandleCount_countsOpenHandles() throws {
        #expect(fs.openHandleCount == 0)
        let a = try fs.open("/d/a", mode: .createExclusive)
        let b = try fs.open("/d/a", mode: .readOnly)
        #expect(fs.openHandleCount == 2)
        fs.close(a)
        #expect(fs.openHandleCount == 1)
        fs.close(b)
        #expect(fs.openHandleCount == 0)
    }

    @Test func setContents_createsOrReplacesAFile_durablyAtOnce() throws {
        fs.setContents([1, 2], of: "/d/a")
        #expect(fs.contents(of: "/d/a") == [1, 2])
        #expect(fs.durableContents(of: "/d/a") == [1, 2])
        fs.setContents([3], of: "/d/a")
        let after = fs.powerCut(seed: 0, mode: .dropUnsynced)
        #expect(after.contents(of: "/d/a") == [3])
    }
}
