import CChecksums
import Checksums
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `stele_blake3_hash_many_messages` / `BLAKE3Hasher.hashMessages`: many
/// independent messages hashed side by side in SIMD lanes must give exactly
/// the one-at-a-time `stele_blake3_hash` of each, for every implementation
/// this CPU has, every batch size and message length (around the block and
/// chunk boundaries, and past one chunk), any alignment of inputs and
/// outputs, and messages that end right before unreadable memory.
/// Serialized: the implementation is a process-wide setting.
@Suite("BLAKE3 many messages", .serialized)
struct BLAKE3ManyMessagesTests {
    /// Lengths at the block and chunk boundaries.
    static let edgeLengths = [0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 300, 960, 1023, 1024, 1025]

    /// The one-at-a-time hash of each message, with the portable code.
    static func reference(_ contents: [[UInt8]]) -> [BLAKE3Digest] {
        BLAKE3Implementation.portable.whileForced {
            contents.map { message in
                var output = [UInt8](repeating: 0, count: 32)
                message.withUnsafeBytes { stele_blake3_hash($0.baseAddress, $0.count, &output) }
                return output.withUnsafeBytes { BLAKE3Digest(bytes: $0) }
            }
        }
    }

    /// Calls `body` with `contents` copied into one buffer, message i
    /// starting `misalignment(i)` bytes past a 64-byte boundary; empty
    /// messages alternate between a nil and a non-nil base address.
    static func withMessages<R>(
        _ contents: [[UInt8]], misalignment: (Int) -> Int, _ body: ([UnsafeRawBufferPointer]) -> R
    ) -> R {
        let byteCount = contents.reduce(64) { $0 + ($1.count + 127) / 64 * 64 }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
        defer { storage.deallocate() }
        storage.initializeMemory(as: UInt8.self, repeating: 0xEE)
        var cursor = 0
        var buffers: [UnsafeRawBufferPointer] = []
        for (index, message) in contents.enumerated() {
            let start = cursor + misalignment(index) % 64
            if message.isEmpty && index % 2 == 0 {
                buffers.append(UnsafeRawBufferPointer(start: nil, count: 0))
            } else {
                let target = UnsafeMutableRawBufferPointer(rebasing: storage[start..<start + message.count])
                message.withUnsafeBytes { target.copyMemory(from: $0) }
                buffers.append(UnsafeRawBufferPointer(target))
            }
            cursor += (message.count + 127) / 64 * 64
        }
        return body(buffers)
    }

    /// The Swift API's digests for `messages`; the two digests after them
    /// must be left as they were.
    static func swiftDigests(_ messages: [UnsafeRawBufferPointer]) -> [BLAKE3Digest] {
        let sentinel = BLAKE3Digest(hex: String(repeating: "5a", count: 32))!
        var digests = [BLAKE3Digest](repeating: sentinel, count: messages.count + 2)
        messages.withUnsafeBufferPointer { messages in
            digests.withUnsafeMutableBufferPointer { BLAKE3Hasher.hashMessages(messages, into: $0) }
        }
        #expect(digests.suffix(2).allSatisfy { $0 == sentinel }, "digests past the batch were written")
        return Array(digests.prefix(messages.count))
    }

    /// The C API's digests for `messages`, written to an output array that
    /// starts `outputMisalignment` bytes past a 64-byte boundary.
    static func cDigests(_ messages: [UnsafeRawBufferPointer], outputMisalignment: Int) -> [BLAKE3Digest] {
        let pointers = messages.map { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) }
        let lengths = messages.map(\.count)
        let byteCount = 32 * messages.count + 128
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
        defer { storage.deallocate() }
        storage.initializeMemory(as: UInt8.self, repeating: 0xA5)
        let outputs = storage.baseAddress! + outputMisalignment
        stele_blake3_hash_many_messages(pointers, lengths, messages.count, UnsafeMutablePointer(OpaquePointer(outputs)))
        let end = outputMisalignment + 32 * messages.count
        #expect(storage[..<outputMisalignment].allSatisfy { $0 == 0xA5 }, "bytes before the outputs were written")
        #expect(storage[end...].allSatisfy { $0 == 0xA5 }, "bytes after the outputs were written")
        return (0..<messages.count).map { index in
            BLAKE3Digest(bytes: UnsafeRawBufferPointer(start: outputs + 32 * index, count: 32))
        }
    }

    /// Checks every batch of `batches` through both APIs with `implementation`
    /// forced, against the portable one-at-a-time hashes.
    static func check(
        _ batches: [[[UInt8]]], with implementation: BLAKE3Implementation, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var random = SeededGenerator(seed: seed)
        let expected = batches.map(reference)
        implementation.whileForced {
            for (batch, contents) in batches.enumerated() {
                let misalignments = contents.map { _ in Int.random(in: 0..<64, using: &random) }
                let outputMisalignment = Int.random(in: 0..<64, using: &random)
                withMessages(contents, misalignment: { misalignments[$0] }) { messages in
                    let lengths = contents.map(\.count)
                    #expect(swiftDigests(messages) == expected[batch],
                            "Swift API, batch \(batch) of lengths \(lengths), seed \(seed)",
                            sourceLocation: sourceLocation)
                    #expect(cDigests(messages, outputMisalignment: outputMisalignment) == expected[batch],
                            "C API, batch \(batch) of lengths \(lengths), seed \(seed)",
                            sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test(arguments: BLAKE3Implementation.available)
    func currentImplementation_followsTheForcedOne(_ implementation: BLAKE3Implementation) {
        implementation.whileForced {
            #expect(stele_blake3_current_implementation() == implementation.cValue)
        }
    }

    @Test(arguments: BLAKE3Implementation.available)
    func randomBatches_matchOneAtATime(_ implementation: BLAKE3Implementation) {
        let seed: UInt64 = 0x3A11_7E55_A6E5
        var random = SeededGenerator(seed: seed)
        var batches: [[[UInt8]]] = []
        for _ in 0..<300 {
            let count = Int.random(in: 0...40, using: &random)
            batches.append((0..<count).map { _ in
                let length = Bool.random(using: &random)
                    ? Self.edgeLengths.randomElement(using: &random)!
                    : Int.random(in: 0...1100, using: &random)
                return random.bytes(length)
            })
        }
        Self.check(batches, with: implementation, seed: seed)
    }

    /// Every batch size 0...40 (full groups of each kernel width, padded
    /// leftovers, a single leftover) with all lengths equal, for each edge
    /// length, and with lengths ascending and descending across the batch.
    @Test(arguments: BLAKE3Implementation.available)
    func everyBatchSize_matchesOneAtATime(_ implementation: BLAKE3Implementation) {
        let seed: UInt64 = 0xBA7C_4512_E5
        var random = SeededGenerator(seed: seed)
        var batches: [[[UInt8]]] = []
        for count in 0...40 {
            for length in Self.edgeLengths {
                batches.append((0..<count).map { _ in random.bytes(length) })
            }
            let ascending = (0..<count).map { random.bytes($0 * 1100 / 40) }
            batches.append(ascending)
            batches.append(ascending.reversed())
        }
        Self.check(batches, with: implementation, seed: seed)
    }

    /// Batches larger than the Swift wrapper's window (64) and the C
    /// function's sorting window (256), mixed with messages of several chunks.
    @Test(arguments: BLAKE3Implementation.available)
    func largeBatches_matchOneAtATime(_ implementation: BLAKE3Implementation) {
        let seed: UInt64 = 0x1A26_EBA7_C4
        var random = SeededGenerator(seed: seed)
        var batches: [[[UInt8]]] = []
        for count in [63, 64, 65, 255, 256, 257, 600] {
            batches.append((0..<count).map { _ in
                let length = Int.random(in: 0..<20, using: &random) == 0
                    ? Int.random(in: 1025...9000, using: &random)
                    : Int.random(in: 0...1024, using: &random)
                return random.bytes(length)
            })
        }
        batches.append((0..<300).map { _ in random.bytes(256) })
        Self.check(batches, with: implementation, seed: seed)
    }

    /// The official vectors' inputs (byte i is i mod 251), all in one batch in
    /// both orders, against the vectors' default hashes.
    @Test(arguments: BLAKE3Implementation.available)
    func officialVectors_inOneBatch(_ implementation: BLAKE3Implementation) {
        let cases = OfficialVectors.shared.cases
        let expected = cases.map { BLAKE3Digest(hex: $0.hash.prefix(64))! }
        implementation.whileForced {
            for reversed in [false, true] {
                let order = reversed ? Array(cases.indices.reversed()) : Array(cases.indices)
                Self.withMessages(order.map { cases[$0].input }, misalignment: { $0 * 7 }) { messages in
                    let wanted = order.map { expected[$0] }
                    #expect(Self.swiftDigests(messages) == wanted, "Swift API, reversed: \(reversed)")
                    #expect(Self.cDigests(messages, outputMisalignment: 3) == wanted, "C API, reversed: \(reversed)")
                }
            }
        }
    }

    /// Every input misalignment 0..<64 for each edge length, with odd output
    /// addresses.
    @Test(arguments: BLAKE3Implementation.available)
    func misalignedInputsAndOutputs_matchOneAtATime(_ implementation: BLAKE3Implementation) {
        var random = SeededGenerator(seed: 0x0DD_A116)
        for length in Self.edgeLengths {
            let contents = (0..<64).map { _ in random.bytes(length) }
            let expected = Self.reference(contents)
            implementation.whileForced {
                Self.withMessages(contents, misalignment: { $0 }) { messages in
                    #expect(Self.swiftDigests(messages) == expected, "\(length) bytes")
                    for outputMisalignment in [1, 7, 33] {
                        #expect(Self.cDigests(messages, outputMisalignment: outputMisalignment) == expected,
                                "\(length) bytes, outputs at +\(outputMisalignment)")
                    }
                }
            }
        }
    }

    /// Messages that end exactly where an unreadable page begins: the SIMD
    /// loads must never read past a message's end.
    @Test(arguments: BLAKE3Implementation.available)
    func messagesEndingAtAnUnreadablePage_areHashedWithoutReadingPastTheEnd(
        _ implementation: BLAKE3Implementation
    ) throws {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        let base = try #require(mapping == MAP_FAILED ? nil : mapping)
        defer { munmap(base, 2 * pageSize) }
        let guardPage = base + pageSize
        #expect(mprotect(guardPage, pageSize, PROT_NONE) == 0)
        var random = SeededGenerator(seed: 0x6A4D_9A6E)
        let page = UnsafeMutableRawBufferPointer(start: base, count: pageSize)
        for index in page.indices { page[index] = UInt8(truncatingIfNeeded: random.next()) }

        // Every length 0...1100, ending at the guard page, in batches of 37.
        let lengths = Array(0...1100)
        for start in stride(from: 0, to: lengths.count, by: 37) {
            let batch = lengths[start..<min(lengths.count, start + 37)]
            let messages = batch.map { UnsafeRawBufferPointer(start: guardPage - $0, count: $0) }
            let expected = Self.reference(messages.map { Array($0) })
            implementation.whileForced {
                #expect(Self.swiftDigests(messages) == expected, "lengths \(batch.first!)...\(batch.last!)")
            }
        }
    }

    @Test(arguments: BLAKE3Implementation.available)
    func emptyBatch_writesNothing(_ implementation: BLAKE3Implementation) {
        implementation.whileForced {
            #expect(Self.swiftDigests([]).isEmpty)
            #expect(Self.cDigests([], outputMisalignment: 5).isEmpty)
            // A nil digest buffer is fine when there are no messages.
            BLAKE3Hasher.hashMessages(UnsafeBufferPointer(start: nil, count: 0),
                                      into: UnsafeMutableBufferPointer(start: nil, count: 0))
        }
    }

    /// The empty message, alone and among others, has the specified hash.
    @Test(arguments: BLAKE3Implementation.available)
    func emptyMessages_haveTheSpecifiedHash(_ implementation: BLAKE3Implementation) {
        let empty = BLAKE3Digest(hex: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")!
        implementation.whileForced {
            for count in [1, 2, 5, 17] {
                let messages = [UnsafeRawBufferPointer](repeating: UnsafeRawBufferPointer(start: nil, count: 0),
                                                        count: count)
                #expect(Self.swiftDigests(messages) == [BLAKE3Digest](repeating: empty, count: count))
            }
        }
    }
}
