import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// The same script of calls gives the same results and errors on the simulated
/// file system as on the real one (``PosixFileSystem`` in a temporary directory).
@Suite("SimulatedFileSystem answers like PosixFileSystem")
struct SimulatedFileSystemDifferentialTests {
    typealias IO = FileLayerTestIO

    /// Runs the script against `fs` under directory `root`; one line per call.
    static func script(_ fs: any FileSystem, root: FilePath) -> [String] {
        var log: [String] = []
        var handles: [JournalFileHandle] = []
        func step(_ name: String, _ body: () throws -> String) {
            do {
                log.append("\(name): \(try body())")
            } catch let error as Errno {
                log.append("\(name): errno \(error.rawValue)")
            } catch {
                log.append("\(name): \(error)")
            }
        }
        let a = root.appending("a"), b = root.appending("b"), sub = root.appending("sub"), lock = root.appending("lock")
        step("open missing") { _ = try fs.open(a, mode: .readOnly); return "ok" }
        step("create") { handles.append(try fs.open(a, mode: .createExclusive)); return "ok" }
        step("create again") { _ = try fs.open(a, mode: .createExclusive); return "ok" }
        step("write past end") { try IO.write(fs, handles[0], [1, 2, 3], at: 5); return "ok" }
        step("read") { "\(try IO.read(fs, handles[0], count: 20, at: 0))" }
        step("read past end") { "\(try IO.read(fs, handles[0], count: 20, at: 100))" }
        step("size") { "\(try fs.size(of: handles[0]))" }
        step("create in missing directory") { _ = try fs.open(root.appending("none/x"), mode: .createExclusive); return "ok" }
        step("create under a file") { _ = try fs.open(a.appending("x"), mode: .createExclusive); return "ok" }
        step("mkdir") { try fs.createDirectory(sub); return "ok" }
        step("mkdir again") { try fs.createDirectory(sub); return "ok" }
        step("mkdir in missing directory") { try fs.createDirectory(root.appending("none/x")); return "ok" }
        step("list") { "\(try fs.contentsOfDirectory(root).sorted())" }
        step("list a file") { "\(try fs.contentsOfDirectory(a))" }
        step("list missing") { "\(try fs.contentsOfDirectory(root.appending("none")))" }
        step("rename") { try fs.rename(a, to: b); return "\(fs.fileExists(a)) \(fs.fileExists(b))" }
        step("write after rename") { try IO.write(fs, handles[0], [9], at: 0); return "ok" }
        step("open renamed") { handles.append(try fs.open(b, mode: .readOnly)); return "ok" }
        step("read other handle") { "\(try IO.read(fs, handles[1]))" }
        step("write read-only") { try IO.write(fs, handles[1], [1]); return "ok" }
        step("truncate read-only") { try fs.truncate(handles[1], to: 0); return "ok" }
        step("allocate read-only") { try fs.allocate(handles[1], upTo: 100); return "ok" }
        step("remove") { try fs.removeFile(b); return "ok" }
        step("remove again") { try fs.removeFile(b); return "ok" }
        step("remove directory") { try fs.removeFile(sub); return "ok" }
        step("use removed file") { try IO.write(fs, handles[0], [7, 7], at: 1); return "\(try IO.read(fs, handles[1]))" }
        step("truncate") { try fs.truncate(handles[0], to: 2); return "\(try fs.size(of: handles[1]))" }
        step("allocate") { try fs.allocate(handles[0], upTo: 10); return "\(try IO.read(fs, handles[1]))" }
        step("rename missing") { try fs.rename(a, to: b); return "ok" }
        step("rename onto directory") {
            let file = try fs.open(a, mode: .createExclusive)
            fs.close(file)
            try fs.rename(a, to: sub)
            return "ok"
        }
        step("lock") { handles.append(try fs.lockExclusively(lock)); return "\(fs.fileExists(lock))" }
        step("lock again") { _ = try fs.lockExclusively(lock); return "ok" }
        step("lock after release") {
            fs.close(handles.removeLast())
            handles.append(try fs.lockExclusively(lock))
            return "ok"
        }
        step("sync") {
            try fs.synchronize(handles[0])
            try fs.synchronizeData(handles[0])
            try fs.synchronizeDirectory(root)
            return "ok"
        }
        step("sync missing directory") { try fs.synchronizeDirectory(root.appending("none")); return "ok" }
        // Data ranges, block by block: allocated space and holes hold none.
        let sparse = root.appending("sparse")
        step("data ranges") {
            let file = try fs.open(sparse, mode: .createExclusive)
            defer { fs.close(file) }
            try fs.allocate(file, upTo: 65_536)
            let allocated = try fs.dataRanges(file, in: 0..<65_536)
            try IO.write(fs, file, [1, 2, 3], at: 40_000)
            let written = try fs.dataRanges(file, in: 0..<100_000)
            try fs.truncate(file, to: 200_000)
            try IO.write(fs, file, [4], at: 150_000)
            let extended = try fs.dataRanges(file, in: 0..<200_000)
            let within = try fs.dataRanges(file, in: 38_000..<149_000)
            let past = try fs.dataRanges(file, in: 151_552..<300_000)
            return "\(allocated) \(written) \(extended) \(within) \(past)"
        }
        for handle in handles { fs.close(handle) }
        return log
    }

    @Test func script_givesTheSameResults_onBothFileSystems() throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("stele-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let real = Self.script(PosixFileSystem(), root: FilePath(temporary.path))

        let simulated = SimulatedFileSystem()
        try simulated.createDirectory("/tmp")
        try simulated.createDirectory("/tmp/root")
        let fake = Self.script(simulated, root: "/tmp/root")

        // The script does reach the interesting cases.
        #expect(real.contains("open missing: errno \(Errno.noSuchFileOrDirectory.rawValue)"))
        #expect(real.contains("create again: errno \(Errno.fileExists.rawValue)"))
        #expect(real.contains("create under a file: errno \(Errno.notDirectory.rawValue)"))
        #expect(real.contains("lock again: errno \(Errno.wouldBlock.rawValue)"))
        #expect(real.contains("use removed file: [9, 7, 7, 0, 0, 1, 2, 3]"))
        #expect(real.contains("data ranges: [] [Range(36864..<40960)] [Range(36864..<40960), Range(147456..<151552)]"
            + " [Range(38000..<40960), Range(147456..<149000)] []"))
        #expect(fake.count == real.count)
        for (expected, got) in zip(real, fake) {
            #expect(got == expected)
        }
        #expect(simulated.openHandleCount == 0)
    }
}
