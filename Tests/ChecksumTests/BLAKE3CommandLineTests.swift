import Checksums
import Foundation
import Testing

/// BLAKE3 against an independent implementation: the `b3sum` command.
@Suite("BLAKE3 against b3sum")
struct BLAKE3CommandLineTests {
    static let b3sum = "/usr/bin/b3sum"

    /// Runs b3sum over `input` with extra arguments and returns its hex output.
    static func b3sum(_ input: [UInt8], arguments: [String] = [], standardInput: [UInt8]? = nil) throws -> String {
        let directory = FileManager.default.temporaryDirectory
        let file = directory.appendingPathComponent("stele-b3sum-\(UUID().uuidString).bin")
        try Data(input).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: b3sum)
        process.arguments = ["--no-names"] + arguments + [file.path]
        let output = Pipe()
        process.standardOutput = output
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let standardInput { inputPipe.fileHandleForWriting.write(Data(standardInput)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "b3sum exited \(process.terminationStatus)"])
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every block and chunk edge, including the short lengths (2–8, 63–65,
    /// 127–129) that newer copies of the official vector file have and the
    /// copy in `Vectors/` lacks.
    static let lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 63, 64, 65, 127, 128, 129, 1023, 1024, 1025, 2048, 4096, 1_048_577]

    @Test func b3sumIsInstalled() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.b3sum),
                "install b3sum (apt-get install b3sum) to cross-check BLAKE3")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: b3sum)), arguments: lengths)
    func blake3_matchesB3sum_forDefaultHash(_ length: Int) throws {
        var random = SeededGenerator(seed: 0xB35E_0000 &+ UInt64(length))
        let input = random.bytes(length)
        #expect(BLAKE3Hasher.hash(input).hex == (try Self.b3sum(input)))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: b3sum)))
    func blake3_matchesB3sum_onRandomLengths_oneShotAndIncremental() throws {
        var random = SeededGenerator(seed: 0xB35E_1111)
        for round in 0..<12 {
            let length = round == 0 ? 1_048_577 : Int.random(in: 0...200_000, using: &random)
            let input = random.bytes(length)
            let expected = try Self.b3sum(input)
            #expect(BLAKE3Hasher.hash(input).hex == expected, "\(length) bytes")
            // The same bytes fed in random pieces.
            var pieces: [Int] = []
            for _ in 0..<6 { pieces.append(Int.random(in: 1...70_000, using: &random)) }
            var hasher = BLAKE3Hasher()
            update(&hasher, with: input, pieces: pieces)
            #expect(hasher.finalize().hex == expected, "\(length) bytes in pieces of \(pieces)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: b3sum)), arguments: [0, 1025, 70_000])
    func blake3_matchesB3sum_forKeyedHashDerivedKeysAndLongOutput(_ length: Int) throws {
        var random = SeededGenerator(seed: 0xB35E_2222 &+ UInt64(length))
        let input = random.bytes(length)
        let key = random.bytes(32)

        var keyed = BLAKE3Hasher(key: key)
        keyed.update(input)
        #expect(keyed.finalize().hex == (try Self.b3sum(input, arguments: ["--keyed"], standardInput: key)))

        let context = "Stele 2025-01-01 b3sum cross-check"
        var derived = BLAKE3Hasher(deriveKeyContext: context)
        derived.update(input)
        #expect(derived.finalize().hex == (try Self.b3sum(input, arguments: ["--derive-key", context])))

        var long = BLAKE3Hasher()
        long.update(input)
        #expect(long.finalize(outputLength: 1000).hex == (try Self.b3sum(input, arguments: ["--length", "1000"])))
    }
}
