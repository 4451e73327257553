internal import CChecksums

/// An incremental BLAKE3 hasher: default hash, keyed hash (`init(key:)`) or
/// key derivation (`init(deriveKeyContext:)`), with output of any length.
///
/// Promises:
/// - Results follow the BLAKE3 specification bit for bit, whatever the
///   update boundaries: feeding the same bytes in any number of `update`
///   calls gives the same output as one call.
/// - It is a value: copying a hasher forks its state, and `finalize` does
///   not consume or change it, so more input may follow.
/// - The state lives inline (no heap allocation); `hash`, `update` and
///   `finalize()` never allocate. SIMD code (SSE4.1, AVX2) is used when the
///   CPU has it, chosen once per process.
public struct BLAKE3Hasher: Sendable {
    private var state: stele_blake3_hasher

    /// A hasher for the default (unkeyed) hash.
    public init() {
        var state = stele_blake3_hasher()
        stele_blake3_init(&state)
        self.state = state
    }

    /// A hasher for the keyed hash with a 32-byte key.
    public init(key: UnsafeRawBufferPointer) {
        precondition(key.count == STELE_BLAKE3_KEY_LEN, "a BLAKE3 key is 32 bytes, got \(key.count)")
        var state = stele_blake3_hasher()
        stele_blake3_init_keyed(&state, key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        self.state = state
    }

    /// A hasher for the keyed hash with a 32-byte key.
    public init(key: [UInt8]) {
        self = key.withUnsafeBytes { BLAKE3Hasher(key: $0) }
    }

    /// A hasher for key derivation: `context` (a hard-coded, globally unique,
    /// application-specific string) selects the derivation; the key material
    /// is then passed to `update`.
    public init(deriveKeyContext context: String) {
        var state = stele_blake3_hasher()
        var context = context
        context.withUTF8 { utf8 in
            stele_blake3_init_derive_key_raw(&state, utf8.baseAddress, utf8.count)
        }
        self.state = state
    }

    /// Adds `bytes` to the input.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        stele_blake3_update(&state, bytes.baseAddress, bytes.count)
    }

    /// Adds `bytes` to the input. Contiguous collections are read in place;
    /// other sequences are copied first.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The 32-byte output for the input so far.
    public func finalize() -> BLAKE3Digest {
        var output: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &output) { buffer in
            withUnsafePointer(to: state) { state in
                stele_blake3_finalize(state, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count)
            }
        }
        return Swift.withUnsafeBytes(of: &output) { BLAKE3Digest(bytes: $0) }
    }

    /// The first `outputLength` bytes of the extendable output for the input
    /// so far; the first 32 are `finalize()`'s.
    public func finalize(outputLength: Int) -> [UInt8] {
        precondition(outputLength >= 0, "output length must not be negative")
        return [UInt8](unsafeUninitializedCapacity: outputLength) { buffer, initialized in
            if outputLength > 0 {
                withUnsafePointer(to: state) { state in
                    stele_blake3_finalize(state, buffer.baseAddress!, outputLength)
                }
            }
            initialized = outputLength
        }
    }

    /// The default-length, unkeyed hash of `bytes`, in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> BLAKE3Digest {
        var output: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &output) { buffer in
            stele_blake3_hash(bytes.baseAddress, bytes.count, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return Swift.withUnsafeBytes(of: &output) { BLAKE3Digest(bytes: $0) }
    }

    /// The default-length, unkeyed hash of `bytes`, in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> BLAKE3Digest {
        if let digest = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    /// The default-length, unkeyed hashes of many independent messages:
    /// `digests[i]` becomes `hash(messages[i])` for every `i` in
    /// `messages.indices`, and the rest of `digests`, if any, is untouched.
    ///
    /// Meant for verifying many small records at once (a journal's recovery):
    /// hashing one short message is bound by its serial chain of block
    /// compressions, so this hashes several messages side by side, one per
    /// SIMD lane — 16 with AVX-512, 8 with AVX2, 4 with SSE4.1 — after
    /// grouping them by block count. Messages of up to 1024 bytes (one
    /// chunk) benefit; longer ones are hashed one at a time, as by `hash`.
    ///
    /// Promises:
    /// - Results equal `hash(_:)` of each message, for any lengths
    ///   (including empty buffers, whose base address may be nil) and any
    ///   alignment; messages may overlap or repeat.
    /// - Never allocates: the C arguments are built in fixed windows of
    ///   stack memory.
    /// - Uses the implementation chosen for the process, like every other
    ///   BLAKE3 call.
    ///
    /// - Precondition: `digests.count >= messages.count`.
    public static func hashMessages(
        _ messages: UnsafeBufferPointer<UnsafeRawBufferPointer>,
        into digests: UnsafeMutableBufferPointer<BLAKE3Digest>
    ) {
        precondition(digests.count >= messages.count,
                     "\(messages.count) messages need as many digests, got room for \(digests.count)")
        guard let digestBase = digests.baseAddress, !messages.isEmpty else { return }
        // At most 64 messages per C call: two arrays of 512 bytes, small
        // enough that the temporary allocations are always on the stack.
        let window = 64
        withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: window) { pointers in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: window) { lengths in
                var start = 0
                while start < messages.count {
                    let count = Swift.min(window, messages.count - start)
                    for index in 0..<count {
                        let message = messages[start + index]
                        pointers[index] = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
                        lengths[index] = message.count
                    }
                    // The C function writes 32 bytes per digest, which is the
                    // in-memory form of BLAKE3Digest on little-endian hosts.
                    stele_blake3_hash_many_messages(
                        pointers.baseAddress, lengths.baseAddress, count,
                        UnsafeMutablePointer(OpaquePointer(digestBase + start)))
                    start += count
                }
            }
        }
        #if _endian(big)
        for index in messages.indices {
            let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(digestBase + index), count: BLAKE3Digest.byteCount)
            digests[index] = BLAKE3Digest(bytes: bytes)
        }
        #endif
    }
}
