import CChecksums
import Checksums
import Foundation
import JournalTesting
import Testing

/// Seeded randomness (the test file layer's SplitMix64) so that failures
/// reproduce: every random test names its seed.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        for index in result.indices { result[index] = UInt8(truncatingIfNeeded: next()) }
        return result
    }
}

/// The BLAKE3 compression implementations, for forcing each in turn.
enum BLAKE3Implementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case portable, sse41, avx2, avx512

    var cValue: stele_blake3_implementation {
        switch self {
        case .portable: STELE_BLAKE3_PORTABLE
        case .sse41: STELE_BLAKE3_SSE41
        case .avx2: STELE_BLAKE3_AVX2
        case .avx512: STELE_BLAKE3_AVX512
        }
    }

    /// The implementations this CPU can run.
    static var available: [BLAKE3Implementation] {
        allCases.filter { stele_blake3_has_implementation($0.cValue) }
    }

    /// Runs `body` with this implementation forced, then restores the best one.
    func whileForced<R>(_ body: () throws -> R) rethrows -> R {
        let forced = stele_blake3_use_implementation(cValue)
        precondition(forced, "\(self) is not available on this CPU")
        defer { _ = stele_blake3_use_implementation(stele_blake3_best_implementation()) }
        return try body()
    }

    var testDescription: String { rawValue }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Feeds `input` to `hasher` in pieces of the given sizes, cycling through
/// them until the input is used up.
func update(_ hasher: inout BLAKE3Hasher, with input: [UInt8], pieces: [Int]) {
    input.withUnsafeBytes { bytes in
        var offset = 0
        var piece = 0
        while offset < bytes.count {
            let end = Swift.min(bytes.count, offset + pieces[piece % pieces.count])
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
            piece += 1
        }
    }
}
