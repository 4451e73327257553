/*
 * BLAKE3 of sixteen independent short messages at once with AVX-512F: the
 * sixteen-lane blake3_messages_kernel (blake3_many_messages.h). Each __m512i
 * holds the same state word of sixteen compressions (specification section
 * 5.3, transposed form), one per message; the compression is that of section
 * 2.2, with VPRORD for the rotations. Each lane has its own block pointer,
 * flags word (CHUNK_START on block 0, CHUNK_END | ROOT on its last block),
 * block_len word and block count; a lane past its last block is masked, so
 * its chaining value stays while longer messages go on.
 *
 * Compiled with a per-function target attribute; the dispatcher calls it
 * only when the CPU and operating system support AVX-512 F and VL.
 */
#include "blake3_many_messages.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define X16_TARGET __attribute__((target("avx2,avx512f,avx512vl")))

X16_TARGET static inline __m512i x16_add(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
X16_TARGET static inline __m512i x16_xor(__m512i a, __m512i b) { return _mm512_xor_si512(a, b); }
X16_TARGET static inline __m512i x16_rotr16(__m512i x) { return _mm512_ror_epi32(x, 16); }
X16_TARGET static inline __m512i x16_rotr12(__m512i x) { return _mm512_ror_epi32(x, 12); }
X16_TARGET static inline __m512i x16_rotr8(__m512i x) { return _mm512_ror_epi32(x, 8); }
X16_TARGET static inline __m512i x16_rotr7(__m512i x) { return _mm512_ror_epi32(x, 7); }

/*
 * Half of four G functions, stepped together so that each line is four
 * independent operations: the first half (message word x, rotations 16 and
 * 12) or the second (message word y, rotations 8 and 7). G number i works on
 * state words (a_i, b_i, c_i, d_i).
 */
#define G16_HALF(a0, b0, c0, d0, a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3, m0, m1, m2, m3, R1, R2) \
    do {                                                                                               \
        v[a0] = x16_add(x16_add(v[a0], m0), v[b0]);                                                    \
        v[a1] = x16_add(x16_add(v[a1], m1), v[b1]);                                                    \
        v[a2] = x16_add(x16_add(v[a2], m2), v[b2]);                                                    \
        v[a3] = x16_add(x16_add(v[a3], m3), v[b3]);                                                    \
        v[d0] = R1(x16_xor(v[d0], v[a0]));                                                             \
        v[d1] = R1(x16_xor(v[d1], v[a1]));                                                             \
        v[d2] = R1(x16_xor(v[d2], v[a2]));                                                             \
        v[d3] = R1(x16_xor(v[d3], v[a3]));                                                             \
        v[c0] = x16_add(v[c0], v[d0]);                                                                 \
        v[c1] = x16_add(v[c1], v[d1]);                                                                 \
        v[c2] = x16_add(v[c2], v[d2]);                                                                 \
        v[c3] = x16_add(v[c3], v[d3]);                                                                 \
        v[b0] = R2(x16_xor(v[b0], v[c0]));                                                             \
        v[b1] = R2(x16_xor(v[b1], v[c1]));                                                             \
        v[b2] = R2(x16_xor(v[b2], v[c2]));                                                             \
        v[b3] = R2(x16_xor(v[b3], v[c3]));                                                             \
    } while (0)

/* One round: the four column G's (message words s[0..7]), then the four
 * diagonal G's (s[8..15]); G number i takes the pair (s[2i], s[2i+1]). */
X16_TARGET static inline void round16(__m512i v[16], const __m512i m[16], const uint8_t s[16]) {
    G16_HALF(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
             m[s[0]], m[s[2]], m[s[4]], m[s[6]], x16_rotr16, x16_rotr12);
    G16_HALF(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
             m[s[1]], m[s[3]], m[s[5]], m[s[7]], x16_rotr8, x16_rotr7);
    G16_HALF(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14,
             m[s[8]], m[s[10]], m[s[12]], m[s[14]], x16_rotr16, x16_rotr12);
    G16_HALF(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14,
             m[s[9]], m[s[11]], m[s[13]], m[s[15]], x16_rotr8, x16_rotr7);
}

/*
 * The first two steps of a transpose of 32-bit words, on four rows r[0..3]:
 * afterwards q[j] holds, in its 128-bit lane k, column 4k + j of the four
 * rows (r0 r1 r2 r3 of that column).
 */
X16_TARGET static inline void transpose_rows4(const __m512i r[4], __m512i q[4]) {
    __m512i t0 = _mm512_unpacklo_epi32(r[0], r[1]); /* per lane k: r0[4k]   r1[4k]   r0[4k+1] r1[4k+1] */
    __m512i t1 = _mm512_unpackhi_epi32(r[0], r[1]); /*             r0[4k+2] r1[4k+2] r0[4k+3] r1[4k+3] */
    __m512i t2 = _mm512_unpacklo_epi32(r[2], r[3]);
    __m512i t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    q[0] = _mm512_unpacklo_epi64(t0, t2);
    q[1] = _mm512_unpackhi_epi64(t0, t2);
    q[2] = _mm512_unpacklo_epi64(t1, t3);
    q[3] = _mm512_unpackhi_epi64(t1, t3);
}

/*
 * 16x16 transpose of 32-bit words, in place: on entry x[r] holds row r; on
 * exit x[c] holds column c. After transpose_rows4 on each group g of four
 * rows, column 4k + j is lane k of q[g][j] for g = 0..3; the last step
 * gathers those four 128-bit lanes with two rounds of VSHUFI32X4.
 */
X16_TARGET static inline void transpose16(__m512i x[16]) {
    __m512i q[4][4];
    for (int g = 0; g < 4; g++) transpose_rows4(&x[4 * g], q[g]);
    for (int j = 0; j < 4; j++) {
        __m512i low01 = _mm512_shuffle_i32x4(q[0][j], q[1][j], 0x44);  /* q0.l0 q0.l1 q1.l0 q1.l1 */
        __m512i high01 = _mm512_shuffle_i32x4(q[0][j], q[1][j], 0xEE); /* q0.l2 q0.l3 q1.l2 q1.l3 */
        __m512i low23 = _mm512_shuffle_i32x4(q[2][j], q[3][j], 0x44);
        __m512i high23 = _mm512_shuffle_i32x4(q[2][j], q[3][j], 0xEE);
        x[j] = _mm512_shuffle_i32x4(low01, low23, 0x88);       /* lanes 0 of q0..q3 */
        x[4 + j] = _mm512_shuffle_i32x4(low01, low23, 0xDD);   /* lanes 1 */
        x[8 + j] = _mm512_shuffle_i32x4(high01, high23, 0x88); /* lanes 2 */
        x[12 + j] = _mm512_shuffle_i32x4(high01, high23, 0xDD); /* lanes 3 */
    }
}

/* m[w] = message word w of the sixteen blocks: one 64-byte load per block
 * (row = block, word by word), then a transpose. */
X16_TARGET static inline void load_messages16(const uint8_t *const blocks[16], __m512i m[16]) {
    for (int lane = 0; lane < 16; lane++) m[lane] = _mm512_loadu_si512((const void *)blocks[lane]);
    transpose16(m);
}

/*
 * Stores the sixteen hashes: h[w] holds word w of every lane. Transposing
 * the eight rows in groups of four gives, in lane k of q[g][j], words
 * 4g..4g+3 of hash 4k + j; two VSHUFI32X4 put the two halves of two hashes
 * side by side, one hash per 256-bit half.
 */
X16_TARGET static inline void store_hashes16(const __m512i h[8], uint8_t *const outputs[16]) {
    __m512i q[2][4];
    transpose_rows4(&h[0], q[0]);
    transpose_rows4(&h[4], q[1]);
    for (int j = 0; j < 4; j++) {
        __m512i low = _mm512_shuffle_i32x4(q[0][j], q[1][j], 0x44);  /* q0.l0 q0.l1 q1.l0 q1.l1 */
        __m512i high = _mm512_shuffle_i32x4(q[0][j], q[1][j], 0xEE); /* q0.l2 q0.l3 q1.l2 q1.l3 */
        low = _mm512_shuffle_i32x4(low, low, 0xD8);                  /* q0.l0 q1.l0 | q0.l1 q1.l1 */
        high = _mm512_shuffle_i32x4(high, high, 0xD8);               /* q0.l2 q1.l2 | q0.l3 q1.l3 */
        _mm256_storeu_si256((__m256i *)outputs[j], _mm512_castsi512_si256(low));
        _mm256_storeu_si256((__m256i *)outputs[4 + j], _mm512_extracti64x4_epi64(low, 1));
        _mm256_storeu_si256((__m256i *)outputs[8 + j], _mm512_castsi512_si256(high));
        _mm256_storeu_si256((__m256i *)outputs[12 + j], _mm512_extracti64x4_epi64(high, 1));
    }
}

X16_TARGET void stele_blake3_avx512_x16_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                                      uint8_t *const *outputs) {
    uint8_t tails[16][STELE_BLAKE3_BLOCK_LEN];
    const uint8_t *last_blocks[16];
    uint32_t blocks[16], last_lengths[16], max_blocks = 0;
    for (int lane = 0; lane < 16; lane++) {
        last_blocks[lane] = blake3_message_lane(inputs[lane], lengths[lane], tails[lane], &blocks[lane],
                                                &last_lengths[lane]);
        if (blocks[lane] > max_blocks) max_blocks = blocks[lane];
    }
    const __m512i block_counts = _mm512_loadu_si512((const void *)blocks);
    const __m512i last_block_lengths = _mm512_loadu_si512((const void *)last_lengths);
    __m512i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm512_set1_epi32((int)BLAKE3_IV[i]);
    for (uint32_t b = 0; b < max_blocks; b++) {
        const uint8_t *block_pointers[16];
        for (int lane = 0; lane < 16; lane++) {
            block_pointers[lane] = blake3_message_block(inputs[lane], blocks[lane], last_blocks[lane], b);
        }
        __m512i m[16];
        load_messages16(block_pointers, m);
        /* Lanes whose last block this is, and lanes not yet finished. */
        __mmask16 is_last = _mm512_cmpeq_epi32_mask(block_counts, _mm512_set1_epi32((int)(b + 1)));
        __mmask16 active = _mm512_cmpgt_epi32_mask(block_counts, _mm512_set1_epi32((int)b));
        __m512i flags = _mm512_maskz_mov_epi32(is_last, _mm512_set1_epi32(BLAKE3_CHUNK_END | BLAKE3_ROOT));
        if (b == 0) flags = _mm512_or_si512(flags, _mm512_set1_epi32(BLAKE3_CHUNK_START));
        __m512i block_len =
            _mm512_mask_mov_epi32(_mm512_set1_epi32(STELE_BLAKE3_BLOCK_LEN), is_last, last_block_lengths);
        __m512i v[16] = {
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            _mm512_set1_epi32((int)BLAKE3_IV[0]), _mm512_set1_epi32((int)BLAKE3_IV[1]),
            _mm512_set1_epi32((int)BLAKE3_IV[2]), _mm512_set1_epi32((int)BLAKE3_IV[3]),
            _mm512_setzero_si512(), _mm512_setzero_si512(), /* chunk counter 0 */
            block_len, flags,
        };
        round16(v, m, BLAKE3_SCHEDULE[0]);
        round16(v, m, BLAKE3_SCHEDULE[1]);
        round16(v, m, BLAKE3_SCHEDULE[2]);
        round16(v, m, BLAKE3_SCHEDULE[3]);
        round16(v, m, BLAKE3_SCHEDULE[4]);
        round16(v, m, BLAKE3_SCHEDULE[5]);
        round16(v, m, BLAKE3_SCHEDULE[6]);
        for (int i = 0; i < 8; i++) h[i] = _mm512_mask_xor_epi32(h[i], active, v[i], v[i + 8]);
    }
    store_hashes16(h, outputs);
}

#endif
