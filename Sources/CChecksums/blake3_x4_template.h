/*
 * BLAKE3 on 128-bit vectors: a template instantiated once per instruction
 * set (blake3_sse41.c, blake3_avx512.c). Implements the compression
 * function of specification section 2.2 in the two layouts of section 5.3:
 *   - one block at a time, the 4x4 state held as four rows in __m128i
 *     registers; the diagonal step rotates rows 1-3 so the diagonals line up
 *     as columns, then rotates them back;
 *   - four inputs at a time ("hash many", transposed form): each __m128i
 *     holds the same state word of four independent inputs, so each vector
 *     instruction advances four compressions.
 *
 * The including file defines, before including this one:
 *   X4_TARGET        the function attribute naming the instruction set;
 *   X4_NAME(suffix)  the name of an exported function;
 *   x4_rotr16, x4_rotr12, x4_rotr8, x4_rotr7: __m128i -> __m128i rotations
 *                    right of each 32-bit lane.
 * It exports X4_NAME(compress_in_place), X4_NAME(compress_xof) and
 * X4_NAME(hash_many), with the signatures of blake3_implementation, and
 * X4_NAME(hash_messages), a blake3_messages_kernel of four lanes
 * (blake3_many_messages.h).
 */
#if !defined(X4_TARGET) || !defined(X4_NAME)
#error "define X4_TARGET and X4_NAME before including blake3_x4_template.h"
#endif

#include <immintrin.h>

#include "blake3_many_messages.h"

X4_TARGET static inline __m128i x4_add(__m128i a, __m128i b) { return _mm_add_epi32(a, b); }
X4_TARGET static inline __m128i x4_xor(__m128i a, __m128i b) { return _mm_xor_si128(a, b); }

/* ---- one block, rows in registers --------------------------------------- */

/* The two halves of G on four columns at once. The message word is added to
 * a first: a is ready before b, so only one addition waits for b. */
X4_TARGET static inline void g_first(__m128i *a, __m128i *b, __m128i *c, __m128i *d, __m128i m) {
    *a = x4_add(x4_add(*a, m), *b);
    *d = x4_rotr16(x4_xor(*d, *a));
    *c = x4_add(*c, *d);
    *b = x4_rotr12(x4_xor(*b, *c));
}
X4_TARGET static inline void g_second(__m128i *a, __m128i *b, __m128i *c, __m128i *d, __m128i m) {
    *a = x4_add(x4_add(*a, m), *b);
    *d = x4_rotr8(x4_xor(*d, *a));
    *c = x4_add(*c, *d);
    *b = x4_rotr7(x4_xor(*b, *c));
}

/* Row 1 rotated left one lane, row 2 two, row 3 three: lane i of the rows
 * then holds diagonal i = (v[i], v[4 + (i+1)%4], v[8 + (i+2)%4], v[12 + (i+3)%4]). */
X4_TARGET static inline void diagonalize(__m128i *b, __m128i *c, __m128i *d) {
    *b = _mm_shuffle_epi32(*b, _MM_SHUFFLE(0, 3, 2, 1));
    *c = _mm_shuffle_epi32(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm_shuffle_epi32(*d, _MM_SHUFFLE(2, 1, 0, 3));
}
X4_TARGET static inline void undiagonalize(__m128i *b, __m128i *c, __m128i *d) {
    *b = _mm_shuffle_epi32(*b, _MM_SHUFFLE(2, 1, 0, 3));
    *c = _mm_shuffle_epi32(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm_shuffle_epi32(*d, _MM_SHUFFLE(0, 3, 2, 1));
}

X4_TARGET static inline __m128i gather4(const uint32_t m[16], uint8_t i0, uint8_t i1, uint8_t i2, uint8_t i3) {
    return _mm_setr_epi32((int)m[i0], (int)m[i1], (int)m[i2], (int)m[i3]);
}

/* One round: the column step takes message words s[0..7], the diagonal step
 * s[8..15], G number i taking the pair (s[2i], s[2i+1]). */
X4_TARGET static inline void row_round(__m128i rows[4], const uint32_t m[16], const uint8_t s[16]) {
    g_first(&rows[0], &rows[1], &rows[2], &rows[3], gather4(m, s[0], s[2], s[4], s[6]));
    g_second(&rows[0], &rows[1], &rows[2], &rows[3], gather4(m, s[1], s[3], s[5], s[7]));
    diagonalize(&rows[1], &rows[2], &rows[3]);
    g_first(&rows[0], &rows[1], &rows[2], &rows[3], gather4(m, s[8], s[10], s[12], s[14]));
    g_second(&rows[0], &rows[1], &rows[2], &rows[3], gather4(m, s[9], s[11], s[13], s[15]));
    undiagonalize(&rows[1], &rows[2], &rows[3]);
}

X4_TARGET static inline void row_compress(__m128i rows[4], const uint32_t cv[8], const uint8_t block[64],
                                          uint8_t block_len, uint64_t counter, uint8_t flags) {
    uint32_t m[16];
    memcpy(m, block, sizeof m); /* x86 is little-endian: the words are the bytes */
    rows[0] = _mm_loadu_si128((const __m128i *)&cv[0]);
    rows[1] = _mm_loadu_si128((const __m128i *)&cv[4]);
    rows[2] = _mm_loadu_si128((const __m128i *)&BLAKE3_IV[0]);
    rows[3] = _mm_setr_epi32((int)(uint32_t)counter, (int)(uint32_t)(counter >> 32), (int)block_len, (int)flags);
    for (int r = 0; r < 7; r++) row_round(rows, m, BLAKE3_SCHEDULE[r]);
}

X4_TARGET void X4_NAME(compress_in_place)(uint32_t cv[8], const uint8_t block[64], uint8_t block_len,
                                          uint64_t counter, uint8_t flags) {
    __m128i rows[4];
    row_compress(rows, cv, block, block_len, counter, flags);
    _mm_storeu_si128((__m128i *)&cv[0], x4_xor(rows[0], rows[2]));
    _mm_storeu_si128((__m128i *)&cv[4], x4_xor(rows[1], rows[3]));
}

X4_TARGET void X4_NAME(compress_xof)(const uint32_t cv[8], const uint8_t block[64], uint8_t block_len,
                                     uint64_t counter, uint8_t flags, uint8_t out[64]) {
    __m128i rows[4];
    row_compress(rows, cv, block, block_len, counter, flags);
    _mm_storeu_si128((__m128i *)&out[0], x4_xor(rows[0], rows[2]));
    _mm_storeu_si128((__m128i *)&out[16], x4_xor(rows[1], rows[3]));
    _mm_storeu_si128((__m128i *)&out[32], x4_xor(rows[2], _mm_loadu_si128((const __m128i *)&cv[0])));
    _mm_storeu_si128((__m128i *)&out[48], x4_xor(rows[3], _mm_loadu_si128((const __m128i *)&cv[4])));
}

/* ---- four inputs, transposed ---------------------------------------------- */

/* G on state words a, b, c, d of four inputs at once. */
X4_TARGET static inline void g4(__m128i v[16], int a, int b, int c, int d, __m128i mx, __m128i my) {
    v[a] = x4_add(x4_add(v[a], mx), v[b]);
    v[d] = x4_rotr16(x4_xor(v[d], v[a]));
    v[c] = x4_add(v[c], v[d]);
    v[b] = x4_rotr12(x4_xor(v[b], v[c]));
    v[a] = x4_add(x4_add(v[a], my), v[b]);
    v[d] = x4_rotr8(x4_xor(v[d], v[a]));
    v[c] = x4_add(v[c], v[d]);
    v[b] = x4_rotr7(x4_xor(v[b], v[c]));
}

X4_TARGET static inline void round4(__m128i v[16], const __m128i m[16], const uint8_t s[16]) {
    g4(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    g4(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    g4(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    g4(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    g4(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    g4(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    g4(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    g4(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

/* In place: rows (w0 w1 w2 w3), (x..), (y..), (z..) become columns
 * (w0 x0 y0 z0), (w1 x1 y1 z1), ... */
X4_TARGET static inline void transpose4(__m128i *w, __m128i *x, __m128i *y, __m128i *z) {
    __m128i wx_low = _mm_unpacklo_epi32(*w, *x);  /* w0 x0 w1 x1 */
    __m128i wx_high = _mm_unpackhi_epi32(*w, *x); /* w2 x2 w3 x3 */
    __m128i yz_low = _mm_unpacklo_epi32(*y, *z);
    __m128i yz_high = _mm_unpackhi_epi32(*y, *z);
    *w = _mm_unpacklo_epi64(wx_low, yz_low);   /* w0 x0 y0 z0 */
    *x = _mm_unpackhi_epi64(wx_low, yz_low);   /* w1 x1 y1 z1 */
    *y = _mm_unpacklo_epi64(wx_high, yz_high); /* w2 x2 y2 z2 */
    *z = _mm_unpackhi_epi64(wx_high, yz_high); /* w3 x3 y3 z3 */
}

/* m[w] = message word w of block `offset` of each of the four inputs. */
X4_TARGET static inline void load_messages4(const uint8_t *const inputs[4], size_t offset, __m128i m[16]) {
    for (int quarter = 0; quarter < 4; quarter++) {
        for (int lane = 0; lane < 4; lane++) {
            m[4 * quarter + lane] = _mm_loadu_si128((const __m128i *)(inputs[lane] + offset + 16 * quarter));
        }
        transpose4(&m[4 * quarter], &m[4 * quarter + 1], &m[4 * quarter + 2], &m[4 * quarter + 3]);
    }
}

X4_TARGET static void hash4(const uint8_t *const inputs[4], size_t blocks, const blake3_batch *batch,
                            uint64_t counter, uint8_t *out) {
    __m128i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm_set1_epi32((int)batch->key[i]);
    uint64_t step = batch->increment_counter ? 1 : 0;
    uint64_t c0 = counter, c1 = counter + step, c2 = counter + 2 * step, c3 = counter + 3 * step;
    __m128i counter_low = _mm_setr_epi32((int)(uint32_t)c0, (int)(uint32_t)c1, (int)(uint32_t)c2, (int)(uint32_t)c3);
    __m128i counter_high = _mm_setr_epi32((int)(uint32_t)(c0 >> 32), (int)(uint32_t)(c1 >> 32),
                                          (int)(uint32_t)(c2 >> 32), (int)(uint32_t)(c3 >> 32));
    uint8_t block_flags = batch->flags | batch->flags_start;
    for (size_t b = 0; b < blocks; b++) {
        if (b + 1 == blocks) block_flags |= batch->flags_end;
        __m128i m[16];
        load_messages4(inputs, b * STELE_BLAKE3_BLOCK_LEN, m);
        __m128i v[16] = {
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            _mm_set1_epi32((int)BLAKE3_IV[0]), _mm_set1_epi32((int)BLAKE3_IV[1]),
            _mm_set1_epi32((int)BLAKE3_IV[2]), _mm_set1_epi32((int)BLAKE3_IV[3]),
            counter_low, counter_high,
            _mm_set1_epi32(STELE_BLAKE3_BLOCK_LEN), _mm_set1_epi32(block_flags),
        };
        for (int r = 0; r < 7; r++) round4(v, m, BLAKE3_SCHEDULE[r]);
        for (int i = 0; i < 8; i++) h[i] = x4_xor(v[i], v[i + 8]);
        block_flags = batch->flags;
    }
    /* h[w] holds word w of the four chaining values; turn it back into four
     * consecutive 32-byte values. */
    transpose4(&h[0], &h[1], &h[2], &h[3]);
    transpose4(&h[4], &h[5], &h[6], &h[7]);
    for (int lane = 0; lane < 4; lane++) {
        _mm_storeu_si128((__m128i *)(out + 32 * lane), h[lane]);
        _mm_storeu_si128((__m128i *)(out + 32 * lane + 16), h[4 + lane]);
    }
}

X4_TARGET void X4_NAME(hash_many)(const uint8_t *const *inputs, size_t count, size_t blocks,
                                  const blake3_batch *batch, uint8_t *out) {
    uint64_t counter = batch->counter;
    uint64_t step = batch->increment_counter ? 1 : 0;
    while (count >= 4) {
        hash4(inputs, blocks, batch, counter, out);
        inputs += 4;
        count -= 4;
        counter += 4 * step;
        out += 4 * 32;
    }
    for (; count > 0; count--, inputs++, counter += step, out += 32) {
        uint32_t cv[8];
        memcpy(cv, batch->key, sizeof cv);
        for (size_t b = 0; b < blocks; b++) {
            uint8_t flags = batch->flags;
            if (b == 0) flags |= batch->flags_start;
            if (b + 1 == blocks) flags |= batch->flags_end;
            X4_NAME(compress_in_place)(cv, *inputs + b * STELE_BLAKE3_BLOCK_LEN, STELE_BLAKE3_BLOCK_LEN,
                                       counter, flags);
        }
        memcpy(out, cv, sizeof cv);
    }
}

/* ---- four independent messages, one per lane ------------------------------ */

/* Four single-chunk messages (blake3_many_messages.h): the transposed rounds
 * of hash4 with per-lane block pointers, flags, block lengths and block
 * counts. A lane past its last block is masked: its chaining value stays. */
X4_TARGET void X4_NAME(hash_messages)(const uint8_t *const *inputs, const size_t *lengths,
                                      uint8_t *const *outputs) {
    uint8_t tails[4][STELE_BLAKE3_BLOCK_LEN];
    const uint8_t *last_blocks[4];
    uint32_t blocks[4], last_lengths[4], max_blocks = 0;
    for (int lane = 0; lane < 4; lane++) {
        last_blocks[lane] = blake3_message_lane(inputs[lane], lengths[lane], tails[lane], &blocks[lane],
                                                &last_lengths[lane]);
        if (blocks[lane] > max_blocks) max_blocks = blocks[lane];
    }
    const __m128i block_counts = _mm_loadu_si128((const __m128i *)blocks);
    const __m128i last_block_lengths = _mm_loadu_si128((const __m128i *)last_lengths);
    __m128i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm_set1_epi32((int)BLAKE3_IV[i]);
    for (uint32_t b = 0; b < max_blocks; b++) {
        const uint8_t *block_pointers[4];
        for (int lane = 0; lane < 4; lane++) {
            block_pointers[lane] = blake3_message_block(inputs[lane], blocks[lane], last_blocks[lane], b);
        }
        __m128i m[16];
        load_messages4(block_pointers, 0, m);
        /* Lanes whose last block this is, and lanes not yet finished. */
        __m128i is_last = _mm_cmpeq_epi32(block_counts, _mm_set1_epi32((int)(b + 1)));
        __m128i active = _mm_cmpgt_epi32(block_counts, _mm_set1_epi32((int)b));
        __m128i flags = _mm_and_si128(is_last, _mm_set1_epi32(BLAKE3_CHUNK_END | BLAKE3_ROOT));
        if (b == 0) flags = _mm_or_si128(flags, _mm_set1_epi32(BLAKE3_CHUNK_START));
        __m128i block_len = _mm_blendv_epi8(_mm_set1_epi32(STELE_BLAKE3_BLOCK_LEN), last_block_lengths, is_last);
        __m128i v[16] = {
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            _mm_set1_epi32((int)BLAKE3_IV[0]), _mm_set1_epi32((int)BLAKE3_IV[1]),
            _mm_set1_epi32((int)BLAKE3_IV[2]), _mm_set1_epi32((int)BLAKE3_IV[3]),
            _mm_setzero_si128(), _mm_setzero_si128(), /* chunk counter 0 */
            block_len, flags,
        };
        for (int r = 0; r < 7; r++) round4(v, m, BLAKE3_SCHEDULE[r]);
        for (int i = 0; i < 8; i++) h[i] = _mm_blendv_epi8(h[i], x4_xor(v[i], v[i + 8]), active);
    }
    transpose4(&h[0], &h[1], &h[2], &h[3]);
    transpose4(&h[4], &h[5], &h[6], &h[7]);
    for (int lane = 0; lane < 4; lane++) {
        _mm_storeu_si128((__m128i *)outputs[lane], h[lane]);
        _mm_storeu_si128((__m128i *)(outputs[lane] + 16), h[4 + lane]);
    }
}
