import Foundation
import JournalTesting
import Testing

/// The scanner's fuzz harness (`make fuzz`) replays its committed corpus in
/// every test run, so the harness keeps building and old findings stay fixed.
@Suite struct FuzzCorpusTests {
    @Test func recoveryAndReads_surviveEveryInputInTheFuzzCorpus() throws {
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
            .map { corpus.appendingPathComponent($0).path }
        #expect(inputs.count >= 4)
        let child = try ChildProcess(
            product: "stele-fuzz", arguments: inputs,
            outputURL: FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).out"))
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        #expect(child.waitForExit() == 0)
        #expect(child.output.contains("replayed \(inputs.count) inputs"))
    }
}
