/*
 * BLAKE3 "hash many" on 256-bit vectors: a template instantiated once per
 * instruction set (blake3_avx2.c, blake3_avx512.c). Eight inputs at a time in
 * transposed form (specification section 5.3, "SIMD"): each __m256i holds
 * the same state word of eight independent compressions, so the rounds of
 * section 2.2 run on eight chunks (or eight parent nodes) at once.
 *
 * The including file defines, before including this one:
 *   X8_TARGET        the function attribute naming the instruction set;
 *   X8_NAME(suffix)  the name of an exported function;
 *   X8_LEFTOVER      the hash_many function for the fewer than eight inputs
 *                    left after the 8-wide batches;
 *   x8_rotr16, x8_rotr12, x8_rotr8, x8_rotr7: __m256i -> __m256i rotations
 *                    right of each 32-bit lane.
 * It exports X8_NAME(hash_many), with the signature of blake3_implementation,
 * and X8_NAME(hash_messages), a blake3_messages_kernel of eight lanes
 * (blake3_many_messages.h).
 */
#if !defined(X8_TARGET) || !defined(X8_NAME) || !defined(X8_LEFTOVER)
#error "define X8_TARGET, X8_NAME and X8_LEFTOVER before including blake3_x8_template.h"
#endif

#include <immintrin.h>

#include "blake3_many_messages.h"

X8_TARGET static inline __m256i x8_add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
X8_TARGET static inline __m256i x8_xor(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }

/*
 * One round, written as the four column G's stepped together and then the
 * four diagonal G's stepped together, so that each line is four independent
 * operations the CPU can overlap.
 */
#define G_STEP(a0, b0, c0, d0, a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3, m0, m1, m2, m3, R1, R2) \
    do {                                                                                            \
        v[a0] = x8_add(x8_add(v[a0], m0), v[b0]);                                                   \
        v[a1] = x8_add(x8_add(v[a1], m1), v[b1]);                                                   \
        v[a2] = x8_add(x8_add(v[a2], m2), v[b2]);                                                   \
        v[a3] = x8_add(x8_add(v[a3], m3), v[b3]);                                                   \
        v[d0] = R1(x8_xor(v[d0], v[a0]));                                                           \
        v[d1] = R1(x8_xor(v[d1], v[a1]));                                                           \
        v[d2] = R1(x8_xor(v[d2], v[a2]));                                                           \
        v[d3] = R1(x8_xor(v[d3], v[a3]));                                                           \
        v[c0] = x8_add(v[c0], v[d0]);                                                               \
        v[c1] = x8_add(v[c1], v[d1]);                                                               \
        v[c2] = x8_add(v[c2], v[d2]);                                                               \
        v[c3] = x8_add(v[c3], v[d3]);                                                               \
        v[b0] = R2(x8_xor(v[b0], v[c0]));                                                           \
        v[b1] = R2(x8_xor(v[b1], v[c1]));                                                           \
        v[b2] = R2(x8_xor(v[b2], v[c2]));                                                           \
        v[b3] = R2(x8_xor(v[b3], v[c3]));                                                           \
    } while (0)

X8_TARGET static inline void round8(__m256i v[16], const __m256i m[16], const uint8_t s[16]) {
    G_STEP(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
           m[s[0]], m[s[2]], m[s[4]], m[s[6]], x8_rotr16, x8_rotr12);
    G_STEP(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
           m[s[1]], m[s[3]], m[s[5]], m[s[7]], x8_rotr8, x8_rotr7);
    G_STEP(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14,
           m[s[8]], m[s[10]], m[s[12]], m[s[14]], x8_rotr16, x8_rotr12);
    G_STEP(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14,
           m[s[9]], m[s[11]], m[s[13]], m[s[15]], x8_rotr8, x8_rotr7);
}

/*
 * 8x8 transpose of 32-bit words, in place: on entry x[r] holds row r
 * (words r0 .. r7); on exit x[c] holds column c (words 0c, 1c, .., 7c).
 */
X8_TARGET static inline void transpose8(__m256i x[8]) {
    /* Within each 128-bit half: pair rows 0/1, 2/3, 4/5, 6/7. */
    __m256i t0 = _mm256_unpacklo_epi32(x[0], x[1]); /* 00 10 01 11 | 04 14 05 15 */
    __m256i t1 = _mm256_unpackhi_epi32(x[0], x[1]); /* 02 12 03 13 | 06 16 07 17 */
    __m256i t2 = _mm256_unpacklo_epi32(x[2], x[3]);
    __m256i t3 = _mm256_unpackhi_epi32(x[2], x[3]);
    __m256i t4 = _mm256_unpacklo_epi32(x[4], x[5]);
    __m256i t5 = _mm256_unpackhi_epi32(x[4], x[5]);
    __m256i t6 = _mm256_unpacklo_epi32(x[6], x[7]);
    __m256i t7 = _mm256_unpackhi_epi32(x[6], x[7]);
    /* Four rows' worth of one column per half. */
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2); /* 00 10 20 30 | 04 14 24 34 */
    __m256i u1 = _mm256_unpackhi_epi64(t0, t2); /* 01 11 21 31 | 05 15 25 35 */
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3); /* 02 .. 32    | 06 .. 36    */
    __m256i u3 = _mm256_unpackhi_epi64(t1, t3); /* 03 .. 33    | 07 .. 37    */
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6); /* 40 .. 70    | 44 .. 74    */
    __m256i u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7);
    __m256i u7 = _mm256_unpackhi_epi64(t5, t7);
    /* Join the halves: rows 0-3 with rows 4-7. */
    x[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    x[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    x[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    x[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    x[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    x[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    x[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    x[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* m[w] = message word w of block `offset` of each of the eight inputs. */
X8_TARGET static inline void load_messages8(const uint8_t *const inputs[8], size_t offset, __m256i m[16]) {
    for (int half = 0; half < 2; half++) {
        for (int lane = 0; lane < 8; lane++) {
            m[8 * half + lane] = _mm256_loadu_si256((const __m256i *)(inputs[lane] + offset + 32 * half));
        }
        transpose8(&m[8 * half]);
    }
}

X8_TARGET static void hash8(const uint8_t *const inputs[8], size_t blocks, const blake3_batch *batch,
                              uint64_t counter, uint8_t *out) {
    __m256i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm256_set1_epi32((int)batch->key[i]);
    uint64_t step = batch->increment_counter ? 1 : 0;
    uint32_t low[8], high[8];
    for (int lane = 0; lane < 8; lane++) {
        uint64_t c = counter + (uint64_t)lane * step;
        low[lane] = (uint32_t)c;
        high[lane] = (uint32_t)(c >> 32);
    }
    __m256i counter_low = _mm256_loadu_si256((const __m256i *)low);
    __m256i counter_high = _mm256_loadu_si256((const __m256i *)high);
    uint8_t block_flags = batch->flags | batch->flags_start;
    for (size_t b = 0; b < blocks; b++) {
        if (b + 1 == blocks) block_flags |= batch->flags_end;
        __m256i m[16];
        load_messages8(inputs, b * STELE_BLAKE3_BLOCK_LEN, m);
        __m256i v[16] = {
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            _mm256_set1_epi32((int)BLAKE3_IV[0]), _mm256_set1_epi32((int)BLAKE3_IV[1]),
            _mm256_set1_epi32((int)BLAKE3_IV[2]), _mm256_set1_epi32((int)BLAKE3_IV[3]),
            counter_low, counter_high,
            _mm256_set1_epi32(STELE_BLAKE3_BLOCK_LEN), _mm256_set1_epi32(block_flags),
        };
        round8(v, m, BLAKE3_SCHEDULE[0]);
        round8(v, m, BLAKE3_SCHEDULE[1]);
        round8(v, m, BLAKE3_SCHEDULE[2]);
        round8(v, m, BLAKE3_SCHEDULE[3]);
        round8(v, m, BLAKE3_SCHEDULE[4]);
        round8(v, m, BLAKE3_SCHEDULE[5]);
        round8(v, m, BLAKE3_SCHEDULE[6]);
        for (int i = 0; i < 8; i++) h[i] = x8_xor(v[i], v[i + 8]);
        block_flags = batch->flags;
    }
    /* h[w] holds word w of the eight chaining values. */
    transpose8(h);
    for (int lane = 0; lane < 8; lane++) _mm256_storeu_si256((__m256i *)(out + 32 * lane), h[lane]);
}

X8_TARGET void X8_NAME(hash_many)(const uint8_t *const *inputs, size_t count, size_t blocks,
                                  const blake3_batch *batch, uint8_t *out) {
    blake3_batch rest = *batch;
    uint64_t step = batch->increment_counter ? 1 : 0;
    while (count >= 8) {
        hash8(inputs, blocks, batch, rest.counter, out);
        inputs += 8;
        count -= 8;
        rest.counter += 8 * step;
        out += 8 * 32;
    }
    if (count > 0) X8_LEFTOVER(inputs, count, blocks, &rest, out);
}

/* ---- eight independent messages, one per lane ----------------------------- */

/* Eight single-chunk messages (blake3_many_messages.h): the rounds of hash8
 * with per-lane block pointers, flags, block lengths and block counts. A
 * lane past its last block is masked: its chaining value stays. */
X8_TARGET void X8_NAME(hash_messages)(const uint8_t *const *inputs, const size_t *lengths,
                                      uint8_t *const *outputs) {
    uint8_t tails[8][STELE_BLAKE3_BLOCK_LEN];
    const uint8_t *last_blocks[8];
    uint32_t blocks[8], last_lengths[8], max_blocks = 0;
    for (int lane = 0; lane < 8; lane++) {
        last_blocks[lane] = blake3_message_lane(inputs[lane], lengths[lane], tails[lane], &blocks[lane],
                                                &last_lengths[lane]);
        if (blocks[lane] > max_blocks) max_blocks = blocks[lane];
    }
    const __m256i block_counts = _mm256_loadu_si256((const __m256i *)blocks);
    const __m256i last_block_lengths = _mm256_loadu_si256((const __m256i *)last_lengths);
    __m256i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm256_set1_epi32((int)BLAKE3_IV[i]);
    for (uint32_t b = 0; b < max_blocks; b++) {
        const uint8_t *block_pointers[8];
        for (int lane = 0; lane < 8; lane++) {
            block_pointers[lane] = blake3_message_block(inputs[lane], blocks[lane], last_blocks[lane], b);
        }
        __m256i m[16];
        load_messages8(block_pointers, 0, m);
        /* Lanes whose last block this is, and lanes not yet finished. */
        __m256i is_last = _mm256_cmpeq_epi32(block_counts, _mm256_set1_epi32((int)(b + 1)));
        __m256i active = _mm256_cmpgt_epi32(block_counts, _mm256_set1_epi32((int)b));
        __m256i flags = _mm256_and_si256(is_last, _mm256_set1_epi32(BLAKE3_CHUNK_END | BLAKE3_ROOT));
        if (b == 0) flags = _mm256_or_si256(flags, _mm256_set1_epi32(BLAKE3_CHUNK_START));
        __m256i block_len =
            _mm256_blendv_epi8(_mm256_set1_epi32(STELE_BLAKE3_BLOCK_LEN), last_block_lengths, is_last);
        __m256i v[16] = {
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            _mm256_set1_epi32((int)BLAKE3_IV[0]), _mm256_set1_epi32((int)BLAKE3_IV[1]),
            _mm256_set1_epi32((int)BLAKE3_IV[2]), _mm256_set1_epi32((int)BLAKE3_IV[3]),
            _mm256_setzero_si256(), _mm256_setzero_si256(), /* chunk counter 0 */
            block_len, flags,
        };
        round8(v, m, BLAKE3_SCHEDULE[0]);
        round8(v, m, BLAKE3_SCHEDULE[1]);
        round8(v, m, BLAKE3_SCHEDULE[2]);
        round8(v, m, BLAKE3_SCHEDULE[3]);
        round8(v, m, BLAKE3_SCHEDULE[4]);
        round8(v, m, BLAKE3_SCHEDULE[5]);
        round8(v, m, BLAKE3_SCHEDULE[6]);
        for (int i = 0; i < 8; i++) h[i] = _mm256_blendv_epi8(h[i], x8_xor(v[i], v[i + 8]), active);
    }
    /* h[w] holds word w of the eight hashes. */
    transpose8(h);
    for (int lane = 0; lane < 8; lane++) _mm256_storeu_si256((__m256i *)outputs[lane], h[lane]);
}
