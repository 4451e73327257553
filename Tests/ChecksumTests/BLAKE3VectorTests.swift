import CChecksums
import Checksums
import Foundation
import Testing

/// The official BLAKE3 test vectors (test_vectors.json of the BLAKE3
/// repository), stored in Vectors/.
struct OfficialVectors: Decodable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let inputLength: Int
        let hash: String
        let keyedHash: String
        let deriveKey: String

        enum CodingKeys: String, CodingKey {
            case inputLength = "input_len", hash, keyedHash = "keyed_hash", deriveKey = "derive_key"
        }

        var testDescription: String { "\(inputLength) bytes" }

        /// Input byte i is i mod 251.
        var input: [UInt8] { (0..<inputLength).map { UInt8($0 % 251) } }
    }

    let key: String
    let contextString: String
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case key, contextString = "context_string", cases
    }

    static let shared: OfficialVectors = {
        guard let url = Bundle.module.url(forResource: "test_vectors", withExtension: "json", subdirectory: "Vectors")
        else { fatalError("Vectors/test_vectors.json is missing from the test bundle") }
        do {
            return try JSONDecoder().decode(OfficialVectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read Vectors/test_vectors.json: \(error)")
        }
    }()
}

/// Every official vector, for every implementation this CPU has, one-shot and
/// incremental. Serialized: the implementation is a process-wide setting.
@Suite("BLAKE3 official test vectors", .serialized)
struct BLAKE3VectorTests {
    /// Update piece sizes that cross block (64), chunk (1024) and subtree
    /// boundaries at different phases.
    static let splitPatterns: [[Int]] = [[1], [63], [64], [65], [1023], [1024], [1025], [3, 5000, 17], [8193]]

    enum Mode: CaseIterable { case hash, keyedHash, deriveKey }

    static func hasher(_ mode: Mode) -> BLAKE3Hasher {
        switch mode {
        case .hash: BLAKE3Hasher()
        case .keyedHash: BLAKE3Hasher(key: Array(OfficialVectors.shared.key.utf8))
        case .deriveKey: BLAKE3Hasher(deriveKeyContext: OfficialVectors.shared.contextString)
        }
    }

    static func expected(_ mode: Mode, _ vector: OfficialVectors.Case) -> String {
        switch mode {
        case .hash: vector.hash
        case .keyedHash: vector.keyedHash
        case .deriveKey: vector.deriveKey
        }
    }

    @Test(arguments: BLAKE3Implementation.available, OfficialVectors.shared.cases)
    func blake3_matchesOfficialVectors(_ implementation: BLAKE3Implementation, _ vector: OfficialVectors.Case) {
        let input = vector.input
        implementation.whileForced {
            for mode in Mode.allCases {
                let expected = Self.expected(mode, vector)
                let outputLength = expected.count / 2

                var oneShot = Self.hasher(mode)
                input.withUnsafeBytes { oneShot.update($0) }
                #expect(oneShot.finalize(outputLength: outputLength).hex == expected, "\(mode) one-shot")
                // The default-length output is the first 32 bytes.
                #expect(oneShot.finalize().hex == String(expected.prefix(64)), "\(mode) 32-byte output")

                for pattern in Self.splitPatterns {
                    var incremental = Self.hasher(mode)
                    update(&incremental, with: input, pieces: pattern)
                    #expect(incremental.finalize(outputLength: outputLength).hex == expected,
                            "\(mode) in pieces of \(pattern)")
                }
            }
            #expect(BLAKE3Hasher.hash(input).hex == String(vector.hash.prefix(64)), "one-call hash")
        }
    }

    @Test(arguments: BLAKE3Implementation.available)
    func blake3_implementationsAgree_onRandomInputsAndSplits(_ implementation: BLAKE3Implementation) {
        var random = SeededGenerator(seed: 0xB1A4_E300)
        var lengths = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 2049, 4096, 65_536, 65_537, 131_072 + 1024]
        for _ in 0..<25 { lengths.append(Int.random(in: 0...300_000, using: &random)) }
        for length in lengths {
            let input = random.bytes(length)
            let reference = BLAKE3Implementation.portable.whileForced { BLAKE3Hasher.hash(input) }
            implementation.whileForced {
                #expect(BLAKE3Hasher.hash(input) == reference, "\(length) bytes one-shot")
                var pieces: [Int] = []
                for _ in 0..<8 { pieces.append(Int.random(in: 1...20_000, using: &random)) }
                var hasher = BLAKE3Hasher()
                update(&hasher, with: input, pieces: pieces)
                #expect(hasher.finalize() == reference, "\(length) bytes in pieces of \(pieces)")
            }
        }
    }
}
