import Journal
import JournalTesting
import SystemPackage
import Testing

/// After a simulated power cut, only synced data under synced names is guaranteed, and nothing
/// appears that was never written.
@Suite("SimulatedFileSystem keeps only what a power cut allows")
struct SimulatedFileSystemPowerCutTests {
    typealias IO = FileLayerTestIO
    let fs = SimulatedFileSystem()

    init() throws {
        try fs.createDirectory("/d")
        try fs.synchronizeDirectory("/")
    }

    @Test(arguments: PowerCutMode.allCases)
    func powerCut_keepsSyncedDataOfADirectorySyncedFile(mode: PowerCutMode) throws {
        try IO.createFile(fs, "/d/a", IO.pattern(3000, seed: 1))
        let after = fs.powerCut(seed: 7, mode: mode)
        #expect(after.contents(of: "/d/a") == IO.pattern(3000, seed: 1))
    }

    @Test func powerCut_dropUnsynced_losesEveryUnsyncedChange() throws {
        try IO.createFile(fs, "/d/a", [1, 2, 3])
        let file = try fs.open("/d/a", mode: .readWrite)
        try IO.write(fs, file, [9, 9], at: 1)
        try IO.write(fs, file, [8], at: 10)
        try fs.truncate(file, to: 2)
        #expect(fs.durableContents(of: "/d/a") == [1, 2, 3])
        let after = fs.powerCut(seed: 0, mode: .dropUnsynced)
        #expect(after.contents(of: "/d/a") == [1, 2, 3])
        #expect(fs.contents(of: "/d/a") == [1, 9])
        fs.close(file)
    }

    @Test(arguments: [false, true])
    func powerCut_dropsFileCreatedWithoutDirectorySync(fileSynced: Bool) throws {
        try IO.createFile(fs, "/d/a", [1], syncFile: fileSynced, syncDirectory: false)
        #expect(fs.durableContents(of: "/d/a") == nil)
        for mode in PowerCutMode.allCases {
            let after = fs.powerCut(seed: 1, mode: mode)
            #expect(!after.fileExists("/d/a"), "mode \(mode)")
            #expect(after.listing("/d") == [])
        }
    }

    @Test func powerCut_keepsAnEmptyFile_whenOnlyTheDirectoryWasSynced() throws {
        try IO.createFile(fs, "/d/a", [1, 2], syncFile: false, syncDirectory: true)
        #expect(fs.powerCut(seed: 0, mode: .dropUnsynced).contents(of: "/d/a") == [])
        #expect(fs.powerCut(seed: 0, mode: .keepAll).contents(of: "/d/a") == [1, 2])
    }

    @Test func powerCut_revertsARenameWithoutDirectorySync() throws {
        try IO.createFile(fs, "/d/target", [1])
        try IO.createFile(fs, "/d/temp", [2], syncDirectory: true)
        try fs.rename("/d/temp", to: "/d/target")
        let after = fs.powerCut(seed: 0, mode: .keepAll)
        #expect(after.contents(of: "/d/target") == [1])
        #expect(after.contents(of: "/d/temp") == [2])
        try fs.synchronizeDirectory("/d")
        let synced = fs.powerCut(seed: 0, mode: .dropUnsynced)
        #expect(synced.contents(of: "/d/target") == [2])
        #expect(!synced.fileExists("/d/temp"))
    }

    @Test func powerCut_bringsBackAFileRemovedWithoutDirectorySync() throws {
        try IO.createFile(fs, "/d/a", [5, 6])
        try fs.removeFile("/d/a")
        #expect(fs.powerCut(seed: 0, mode: .dropUnsynced).contents(of: "/d/a") == [5, 6])
        try fs.synchronizeDirectory("/d")
        #expect(!fs.powerCut(seed: 0, mode: .dropUnsynced).fileExists("/d/a"))
    }

    @Test func powerCut_dropsADirectory_whoseParentWasNotSynced_withEverythingInIt() throws {
        try fs.createDirectory("/d/sub")
        try IO.createFile(fs, "/d/sub/a", [1])
        let after = fs.powerCut(seed: 0, mode: .keepAll)
        #expect(after.listing("/d") == [])
        #expect(!after.fileExists("/d/sub/a"))
    }

    @Test func powerCut_keepsADirectory_onceItsParentIsSynced() throws {
        try fs.createDirectory("/d/sub")
        try fs.synchronizeDirectory("/d")
        #expect(fs.powerCut(seed: 0, mode: .dropUnsynced).listing("/d") == ["sub"])
    }

    @Test func powerCut_keepAll_keepsUnsyncedDataButNotUnsyncedNames() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        try IO.write(fs, file, [2, 3], at: 1)
        try IO.createFile(fs, "/d/b", [4], syncDirectory: false)
        let after = fs.powerCut(seed: 0, mode: .keepAll)
        #expect(after.contents(of: "/d/a") == [1, 2, 3])
        #expect(!after.fileExists("/d/b"))
        fs.close(file)
    }

    @Test func powerCut_leavesTheOriginalUsable_andTheCopyWithoutHandlesOrLocks() throws {
        try IO.createFile(fs, "/d/a", [1])
        let lock = try fs.lockExclusively("/d/lock")
        try fs.synchronizeDirectory("/d")
        let file = try fs.open("/d/a", mode: .readWrite)
        let after = fs.powerCut(seed: 0, mode: .keepAll)
        #expect(after.openHandleCount == 0)
        #expect(throws: Errno.badFileDescriptor) { try after.size(of: file) }
        let relocked = try after.lockExclusively("/d/lock")
        after.close(relocked)
        try IO.write(fs, file, [2], at: 1)
        #expect(fs.contents(of: "/d/a") == [1, 2])
        #expect(after.contents(of: "/d/a") == [1])
        fs.close(file)
        fs.close(lock)
    }

    @Test func powerCut_random_isReproducibleFromItsSeed() throws {
        try IO.createFile(fs, "/d/a", IO.pattern(4096, seed: 1))
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        for index in 0..<8 { try IO.write(fs, file, IO.pattern(700, seed: UInt8(index + 2)), at: Int64(index * 500)) }
        for seed: UInt64 in 0..<20 {
            #expect(fs.powerCut(seed: seed, mode: .random).contents(of: "/d/a")
                == fs.powerCut(seed: seed, mode: .random).contents(of: "/d/a"))
        }
    }

    /// A test case: a write over synced data, at an offset and length that straddle sectors.
    struct Overwrite: Sendable, CustomTestStringConvertible {
        var oldLength: Int
        var offset: Int
        var length: Int
        var testDescription: String { "old \(oldLength) bytes, write \(length) at \(offset)" }
    }

    @Test(arguments: [
        Overwrite(oldLength: 4096, offset: 0, length: 4096),
        Overwrite(oldLength: 4096, offset: 100, length: 2000),
        Overwrite(oldLength: 1000, offset: 700, length: 3000),
        Overwrite(oldLength: 0, offset: 0, length: 5000),
        Overwrite(oldLength: 600, offset: 1500, length: 1100),
    ])
    func powerCut_random_leavesEachSectorOldOrNew_neverAnythingElse(_ write: Overwrite) throws {
        let old = IO.pattern(write.oldLength, seed: 1)
        let new = IO.pattern(write.length, seed: 2)
        try IO.createFile(fs, "/d/a", old)
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        try IO.write(fs, file, new, at: Int64(write.offset))
        let end = write.offset + write.length
        var outcomes: Set<String> = []
        for seed: UInt64 in 0..<300 {
            let got = try #require(fs.powerCut(seed: seed, mode: .random).contents(of: "/d/a"))
            #expect(got.count >= old.count && got.count <= max(old.count, end), "seed \(seed): length \(got.count)")
            var sectorsNew = 0, sectorsOld = 0
            for sectorStart in stride(from: 0, to: got.count, by: 512) {
                var allNew = true, allOld = true
                for index in sectorStart..<min(got.count, sectorStart + 512) {
                    let oldByte: UInt8 = index < old.count ? old[index] : 0
                    let inWrite = index >= write.offset && index < end
                    let isNew = inWrite && got[index] == new[index - write.offset]
                    let isOld = got[index] == oldByte
                    guard inWrite else {
                        if !isOld { Issue.record("seed \(seed): byte \(index) outside the write changed") }
                        continue
                    }
                    if !isNew && !isOld { Issue.record("seed \(seed): byte \(index) is neither old nor new") }
                    allNew = allNew && isNew
                    allOld = allOld && isOld
                }
                if !allNew && !allOld { Issue.record("seed \(seed): sector at \(sectorStart) mixes old and new bytes") }
                if allNew && !allOld { sectorsNew += 1 }
                if allOld && !allNew { sectorsOld += 1 }
            }
            outcomes.insert(sectorsNew == 0 ? "lost" : sectorsOld == 0 ? "whole" : "torn")
        }
        #expect(outcomes.contains("lost"))
        #expect(outcomes.contains("whole"))
        #expect(outcomes.contains("torn") || write.length <= 512)
    }

    @Test func powerCut_random_keepsAnySubsetOfWrites_notOnlyAPrefix() throws {
        try IO.createFile(fs, "/d/a", [UInt8](repeating: 0, count: 512 * 4))
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        for sector in 0..<4 {
            try IO.write(fs, file, [UInt8](repeating: UInt8(sector + 1), count: 512), at: Int64(sector * 512))
        }
        var survivors: Set<[Bool]> = []
        for seed: UInt64 in 0..<400 {
            let got = try #require(fs.powerCut(seed: seed, mode: .random).contents(of: "/d/a"))
            survivors.insert((0..<4).map { got[$0 * 512] != 0 })
        }
        #expect(survivors.count == 16, "every subset of the four writes should be reachable")
    }

    @Test func powerCut_random_appliesOrDropsATruncation_whole() throws {
        try IO.createFile(fs, "/d/a", IO.pattern(2048, seed: 1))
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        try fs.truncate(file, to: 100)
        var lengths: Set<Int> = []
        for seed: UInt64 in 0..<50 {
            let got = try #require(fs.powerCut(seed: seed, mode: .random).contents(of: "/d/a"))
            #expect(got == IO.pattern(2048, seed: 1) || got == Array(IO.pattern(2048, seed: 1).prefix(100)))
            lengths.insert(got.count)
        }
        #expect(lengths == [100, 2048])
    }

    @Test func synchronizeData_makesDataDurable_likeSynchronize() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        try IO.write(fs, file, [2], at: 1)
        try fs.synchronizeData(file)
        #expect(fs.durableContents(of: "/d/a") == [1, 2])
        #expect(fs.powerCut(seed: 3, mode: .random).contents(of: "/d/a") == [1, 2])
    }

    @Test func writeBack_makesNothingDurable() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        try IO.write(fs, file, [2], at: 1)
        try fs.writeBack(file, offset: 0, length: 2)
        #expect(fs.durableContents(of: "/d/a") == [1])
        #expect(fs.powerCut(seed: 3, mode: .dropUnsynced).contents(of: "/d/a") == [1])
        #expect(throws: Errno.invalidArgument) { try fs.writeBack(file, offset: -1, length: 2) }
    }

    @Test func powerCut_keepsTheCapacity() {
        let limited = SimulatedFileSystem(capacity: 1234)
        #expect(limited.powerCut(seed: 0, mode: .dropUnsynced).capacity == 1234)
    }
}
