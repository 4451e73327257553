import Journal
import JournalTesting
import SystemPackage
import Testing

/// Both test file systems stay consistent when many tasks use them at once.
@Suite("The test file layer is safe to share between tasks")
struct FileLayerConcurrencyTests {
    @Test func concurrentWritersAndFaultChecks_neitherCrashNorLoseCounts() async throws {
        let disk = SimulatedFileSystem()
        try disk.createDirectory("/d")
        try disk.synchronizeDirectory("/")
        let fs = FaultInjectingFileSystem(disk)
        fs.inject(Fault([.synchronize], atOperation: 50))
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var failed = 0
                    do {
                        let file = try fs.open(FilePath("/d/f\(task)"), mode: .createExclusive)
                        defer { fs.close(file) }
                        for round in 0..<25 {
                            try FileLayerTestIO.write(fs, file, [UInt8(task), UInt8(round)], at: Int64(round * 2))
                            do { try fs.synchronize(file) } catch { failed += 1 }
                        }
                    } catch {
                        Issue.record("unexpected \(error)")
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 1)
        #expect(fs.faultsTriggered == 1)
        #expect(fs.operationCount == 8 * (1 + 25 * 2))
        #expect(disk.openHandleCount == 0)
        #expect(disk.listing("/d").count == 8)
        for task in 0..<8 { #expect(disk.contents(of: FilePath("/d/f\(task)"))?.count == 50) }
    }
}
