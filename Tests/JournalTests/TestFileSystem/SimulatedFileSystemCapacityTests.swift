import Journal
import JournalTesting
import SystemPackage
import Testing

/// With a capacity, writes fail with ENOSPC after writing what fits, and succeed again once space is freed.
@Suite("SimulatedFileSystem runs out of space like a full disk")
struct SimulatedFileSystemCapacityTests {
    typealias IO = FileLayerTestIO
    let fs = SimulatedFileSystem(capacity: 100)

    init() throws {
        try fs.createDirectory("/d")
        try fs.synchronizeDirectory("/")
    }

    @Test func write_beyondCapacity_writesThePrefixThatFits_thenThrowsENOSPC() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, IO.pattern(60, seed: 1))
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(60, seed: 2), at: 60) }
        #expect(fs.contents(of: "/d/a") == IO.pattern(60, seed: 1) + IO.pattern(40, seed: 2))
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, [1], at: 100) }
        #expect(fs.usedBytes == 100)
    }

    @Test func overwritingInPlace_needsNoFreeSpace() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, IO.pattern(100, seed: 1))
        try IO.write(fs, file, IO.pattern(50, seed: 2), at: 25)
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(10, seed: 3), at: 95) }
        #expect(fs.contents(of: "/d/a")?.count == 100)
    }

    @Test func capacity_isSharedByAllFiles() throws {
        try IO.createFile(fs, "/d/a", IO.pattern(70, seed: 1))
        let file = try fs.open("/d/b", mode: .createExclusive)
        defer { fs.close(file) }
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(50, seed: 2)) }
        #expect(fs.contents(of: "/d/b") == IO.pattern(30, seed: 2))
    }

    @Test func writes_succeedAgain_afterATruncationFreesSpace() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(150, seed: 1)) }
        try fs.truncate(file, to: 20)
        try IO.write(fs, file, IO.pattern(80, seed: 2), at: 20)
        #expect(fs.contents(of: "/d/a")?.count == 100)
    }

    @Test func removingAFile_freesItsSpace_onlyOnceItsLastHandleCloses() throws {
        try IO.createFile(fs, "/d/a", IO.pattern(100, seed: 1))
        let reader = try fs.open("/d/a", mode: .readOnly)
        try fs.removeFile("/d/a")
        let file = try fs.open("/d/b", mode: .createExclusive)
        defer { fs.close(file) }
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, [1]) }
        fs.close(reader)
        try IO.write(fs, file, IO.pattern(100, seed: 2))
    }

    @Test func growingTruncationAndAllocation_obeyTheCapacity_andChangeNothingWhenRefused() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, [1, 2, 3])
        #expect(throws: Errno.noSpace) { try fs.truncate(file, to: 101) }
        #expect(throws: Errno.noSpace) { try fs.allocate(file, upTo: 200) }
        #expect(fs.contents(of: "/d/a") == [1, 2, 3])
        try fs.allocate(file, upTo: 100)
        #expect(try fs.size(of: file) == 100)
    }

    @Test func capacity_canBeChangedOrLiftedAtAnyTime() throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        fs.capacity = 10
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(20, seed: 1)) }
        fs.capacity = nil
        try IO.write(fs, file, IO.pattern(1000, seed: 1))
        fs.capacity = 500
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, [1], at: 1000) }
        try IO.write(fs, file, [1], at: 0)
    }

    @Test func aPartialWrite_isUnsynced_andCanBeLostInAPowerCut() throws {
        try IO.createFile(fs, "/d/a", [7])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        #expect(throws: Errno.noSpace) { try IO.write(fs, file, IO.pattern(200, seed: 1), at: 1) }
        #expect(fs.contents(of: "/d/a")?.count == 100)
        #expect(fs.powerCut(seed: 0, mode: .dropUnsynced).contents(of: "/d/a") == [7])
    }
}
