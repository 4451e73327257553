import Journal
import JournalTesting
import SystemPackage
import Testing

/// Faults fire at exactly the chosen I/O, once or forever, and a SQLite-style loop over them terminates.
@Suite("FaultInjectingFileSystem fails the calls it is told to")
struct FaultInjectingFileSystemTests {
    typealias IO = FileLayerTestIO
    let base = SimulatedFileSystem()
    let fs: FaultInjectingFileSystem

    init() throws {
        try base.createDirectory("/d")
        try base.synchronizeDirectory("/")
        fs = FaultInjectingFileSystem(base)
    }

    /// Five I/Os: open, write, synchronize, synchronizeDirectory, then a size (close is not an I/O).
    func fiveOperations() throws(Errno) {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        try IO.write(fs, file, [1, 2, 3])
        try fs.synchronize(file)
        try fs.synchronizeDirectory("/d")
        _ = try fs.size(of: file)
    }

    @Test func withoutFaults_everyCallReachesTheBase_andIsCounted() throws {
        try fiveOperations()
        #expect(fs.fileExists("/d/a"))
        #expect(base.contents(of: "/d/a") == [1, 2, 3])
        #expect(fs.operationCount == 5)
        #expect(fs.operationCount(of: .close) == 1)
        #expect(fs.operationCount(of: .fileExists) == 1)
        #expect(fs.operationCount(of: .write) == 1)
        #expect(fs.faultsTriggered == 0)
        fs.resetCounts()
        #expect(fs.operationCount == 0)
    }

    @Test(arguments: 1...5)
    func fault_atOperationN_failsExactlyTheNthIO(n: Int) throws {
        fs.inject(Fault(atOperation: n))
        #expect(throws: Errno.ioError) { try fiveOperations() }
        #expect(fs.operationCount == n)
        #expect(fs.faultsTriggered == 1)
        #expect(base.openHandleCount == 0)
    }

    @Test func onceFault_failsOneCall_thenCallsSucceedAgain() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        fs.inject(Fault([.synchronizeData], errno: .ioError))
        #expect(throws: Errno.ioError) { try fs.synchronizeData(file) }
        try fs.synchronizeData(file)
        #expect(fs.faultsTriggered == 1)
    }

    @Test func foreverFault_failsEveryMatchingCall_fromItsOperationOn() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readWrite)
        defer { fs.close(file) }
        fs.inject(Fault([.synchronizeData, .synchronize], atOperation: 2, .forever))
        try fs.synchronizeData(file)
        _ = try fs.size(of: file)  // not a matching kind: neither counted by the fault nor failed
        for _ in 0..<3 {
            #expect(throws: Errno.ioError) { try fs.synchronizeData(file) }
            #expect(throws: Errno.ioError) { try fs.synchronize(file) }
        }
        #expect(fs.faultsTriggered == 6)
        fs.clearFaults()
        try fs.synchronize(file)
    }

    @Test func failedCall_doesNotReachTheBase() throws {
        fs.inject(Fault([.open], errno: .noSpace))
        #expect(throws: Errno.noSpace) { try fs.open("/d/a", mode: .createExclusive) }
        #expect(!base.fileExists("/d/a"))
        fs.inject(Fault([.rename]))
        try IO.createFile(fs, "/d/a", [1])
        #expect(throws: Errno.ioError) { try fs.rename("/d/a", to: "/d/b") }
        #expect(base.listing("/d") == ["a"])
    }

    @Test func pathPredicate_limitsTheFault_toMatchingPaths_includingThroughHandles() throws {
        fs.inject(Fault([.write, .synchronize], whenPathMatches: { $0.lastComponent?.string == "victim" }, .forever))
        try IO.createFile(fs, "/d/bystander", [1])
        let file = try fs.open("/d/victim", mode: .createExclusive)
        defer { fs.close(file) }
        #expect(throws: Errno.ioError) { try IO.write(fs, file, [1]) }
        #expect(throws: Errno.ioError) { try fs.synchronize(file) }
        #expect(fs.faultsTriggered == 2)
    }

    @Test(arguments: [0, 2, 5, 7, 100])
    func shortWrite_writesOnlyThePrefix_thenThrows(bytes: Int) throws {
        let file = try fs.open("/d/a", mode: .createExclusive)
        defer { fs.close(file) }
        fs.inject(.shortWrite(bytes: bytes))
        let first: [UInt8] = [1, 2, 3, 4, 5], second: [UInt8] = [6, 7]
        #expect(throws: Errno.noSpace) {
            try first.withUnsafeBytes { a in try second.withUnsafeBytes { b in try fs.write(file, [a, b], at: 0) } }
        }
        #expect(base.contents(of: "/d/a") == Array((first + second).prefix(bytes)))
        try IO.write(fs, file, [9], at: 0)  // spent
    }

    @Test func severalFaults_countIndependently_andTheFirstInjectedDecides() throws {
        try IO.createFile(fs, "/d/a", [1])
        let file = try fs.open("/d/a", mode: .readOnly)
        defer { fs.close(file) }
        fs.inject(Fault([.size], atOperation: 2, errno: .ioError))
        fs.inject(Fault([.size, .read], atOperation: 3, errno: .noSpace))
        _ = try fs.size(of: file)  // size fault: 1, size-or-read fault: 1
        _ = try IO.read(fs, file)  // size fault: -, size-or-read fault: 2
        #expect(throws: Errno.ioError) { try fs.size(of: file) }  // both fire at once: the first decides
        _ = try fs.size(of: file)  // both are spent
        #expect(fs.faultsTriggered == 1)
    }

    /// Replaces `/d/cursor` the crash-safe way: temp file, write, fsync, rename, fsync directory.
    static func replaceAtomically(_ fs: any FileSystem, with bytes: [UInt8]) throws(Errno) {
        let file = try fs.open("/d/cursor.tmp", mode: .createExclusive)
        do {
            try IO.write(fs, file, bytes)
            try fs.synchronize(file)
        } catch {
            fs.close(file)
            throw error
        }
        fs.close(file)
        try fs.rename("/d/cursor.tmp", to: "/d/cursor")
        try fs.synchronizeDirectory("/d")
    }

    @Test(arguments: [Fault.Repetition.once, .forever])
    func sqliteLoop_failingIO1Then2ThenN_alwaysLeavesTheOldOrTheNewValue(repetition: Fault.Repetition) throws {
        let old = IO.pattern(600, seed: 1), new = IO.pattern(700, seed: 2)
        var n = 1
        while true {
            let disk = SimulatedFileSystem()
            try disk.createDirectory("/d")
            try disk.synchronizeDirectory("/")
            disk.setContents(old, of: "/d/cursor")
            let faulty = FaultInjectingFileSystem(disk)
            faulty.inject(Fault(atOperation: n, repetition))
            var failed = false
            do { try Self.replaceAtomically(faulty, with: new) } catch { failed = true }
            #expect(failed == (faulty.faultsTriggered > 0), "I/O #\(n)")
            #expect(disk.openHandleCount == 0, "I/O #\(n): a handle leaked")
            for mode in PowerCutMode.allCases {
                for seed: UInt64 in 0..<20 {
                    let value = disk.powerCut(seed: seed, mode: mode).contents(of: "/d/cursor")
                    #expect(value == old || value == new, "I/O #\(n), \(mode), seed \(seed)")
                    if !failed { #expect(value == new, "a completed replacement must be durable") }
                }
            }
            if faulty.faultsTriggered == 0 { break }
            n += 1
            try #require(n < 100)
        }
        #expect(n == 6, "the replacement makes five I/Os; the sixth run completes")
    }
}
