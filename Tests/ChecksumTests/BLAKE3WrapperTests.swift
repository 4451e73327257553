import Checksums
import Testing

/// The Swift values over the C BLAKE3: digest layout and text forms, and
/// hasher value semantics.
@Suite("BLAKE3 Swift wrappers")
struct BLAKE3WrapperTests {
    @Test func digest_isThirtyTwoBytesInline() {
        #expect(MemoryLayout<BLAKE3Digest>.size == 32)
        #expect(BLAKE3Digest.byteCount == 32)
    }

    @Test func digest_hexRoundTrips() {
        var random = SeededGenerator(seed: 0xD1_6E57)
        for _ in 0..<100 {
            let bytes = random.bytes(32)
            let digest = bytes.withUnsafeBytes { BLAKE3Digest(bytes: $0) }
            #expect(digest.hex == bytes.hex)
            #expect(digest.hex.count == 64)
            #expect(digest.description == digest.hex)
            #expect(BLAKE3Digest(hex: digest.hex) == digest)
            #expect(BLAKE3Digest(hex: digest.hex.uppercased()) == digest)
            #expect(BLAKE3Digest(hex: digest.hex[...]) == digest)
            #expect(digest.withUnsafeBytes { Array($0) } == bytes)
            var appended = Array("x".utf8)
            digest.appendHex(to: &appended)
            #expect(appended == Array("x".utf8) + Array(digest.hex.utf8))
        }
    }

    @Test(arguments: ["", "abc", String(repeating: "0", count: 63), String(repeating: "0", count: 65),
                      String(repeating: "g", count: 64), " " + String(repeating: "0", count: 63)])
    func digest_rejectsMalformedHex(_ text: String) {
        #expect(BLAKE3Digest(hex: text) == nil)
    }

    @Test func digest_equalityAndHashingFollowTheBytes() {
        let a = BLAKE3Hasher.hash(Array("a".utf8))
        let b = BLAKE3Hasher.hash(Array("b".utf8))
        #expect(a != b)
        #expect(Set([a, b, a]).count == 2)
    }

    @Test func hasher_emptyInputHasTheSpecifiedHash() {
        #expect(BLAKE3Hasher().finalize().hex == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")
        #expect(BLAKE3Hasher.hash([UInt8]()) == BLAKE3Hasher().finalize())
    }

    @Test func hasher_finalizeDoesNotEndTheInput() {
        var random = SeededGenerator(seed: 0xF1_4A11)
        let input = random.bytes(10_000)
        var hasher = BLAKE3Hasher()
        hasher.update(input[..<3000])
        let early = hasher.finalize()
        #expect(early == BLAKE3Hasher.hash(input[..<3000]))
        let copy = hasher  // a copy forks the state
        hasher.update(input[3000...])
        #expect(hasher.finalize() == BLAKE3Hasher.hash(input))
        #expect(copy.finalize() == early)
    }

    @Test func hasher_extendedOutputStartsWithTheDigest() {
        var hasher = BLAKE3Hasher()
        hasher.update(Array("stele".utf8))
        let digest = hasher.finalize()
        let long = hasher.finalize(outputLength: 200)
        #expect(long.count == 200)
        #expect(Array(long.prefix(32)) == digest.withUnsafeBytes { Array($0) })
        #expect(hasher.finalize(outputLength: 0).isEmpty)
        #expect(hasher.finalize(outputLength: 65) == Array(long.prefix(65)))
    }

    @Test func hasher_sequenceAndBufferUpdatesAgree() {
        let text = "the quick brown fox"
        var fromSequence = BLAKE3Hasher()
        fromSequence.update(text.utf8)  // not contiguous in general: copied
        var fromBuffer = BLAKE3Hasher()
        Array(text.utf8).withUnsafeBytes { fromBuffer.update($0) }
        #expect(fromSequence.finalize() == fromBuffer.finalize())
    }
}
