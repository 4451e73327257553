import Foundation
import JournalTesting
import Testing

/// The fuzz harnesses (`make fuzz`) replay their committed corpora in every
/// test run, so each harness keeps building and old findings stay fixed.
@Suite struct FuzzCorpusTests {
    /// A harness of `stele-fuzz` (its `STELE_FUZZ_TARGET`) and the directory of its corpus under Tests/.
    struct Harness: CustomTestStringConvertible, Sendable {
        let target: String
        let corpus: String
        var testDescription: String { target }
    }

    static let harnesses = [
        Harness(target: "scanner", corpus: "FuzzCorpus"),
        Harness(target: "json", corpus: "FuzzCorpusJSON"),
    ]

    @Test(arguments: harnesses)
    func everyInputInTheCorpus_keepsTheHarnessProperties(_ harness: Harness) throws {
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(harness.corpus)
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
            .map { corpus.appendingPathComponent($0).path }
        #expect(inputs.count >= 4)
        let child = try ChildProcess(
            product: "stele-fuzz", arguments: inputs,
            outputURL: FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).out"),
            environment: ["STELE_FUZZ_TARGET": harness.target])
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        #expect(child.waitForExit() == 0)
        #expect(child.output.contains("replayed \(inputs.count) inputs through the \(harness.target) harness"))
    }

    @Test func anUnknownHarness_isRefused() throws {
        let child = try ChildProcess(
            product: "stele-fuzz", arguments: [],
            outputURL: FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).out"),
            environment: ["STELE_FUZZ_TARGET": "nonesuch"])
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        #expect(child.waitForExit() == 64)
    }
}
