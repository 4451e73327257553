/*
 * BLAKE3 compression function in plain C: specification section 2.2
 * (the quarter-round G, seven rounds of column then diagonal steps, message
 * permutation between rounds, and the output feed-forward). Always available;
 * the reference that the SIMD implementations are tested against.
 */
#include "blake3_internal.h"

static inline uint32_t rotate_right(uint32_t word, unsigned count) {
    return (word >> count) | (word << (32 - count));
}

static inline void quarter_round(uint32_t v[16], int a, int b, int c, int d, uint32_t mx, uint32_t my) {
    v[a] = v[a] + v[b] + mx;
    v[d] = rotate_right(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotate_right(v[b] ^ v[c], 12);
    v[a] = v[a] + v[b] + my;
    v[d] = rotate_right(v[d] ^ v[a], 8);
    v[c] = v[c] + v[d];
    v[b] = rotate_right(v[b] ^ v[c], 7);
}

static inline void round_function(uint32_t v[16], const uint32_t m[16], const uint8_t s[16]) {
    /* Columns. */
    quarter_round(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    quarter_round(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    quarter_round(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    quarter_round(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    /* Diagonals. */
    quarter_round(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    quarter_round(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    quarter_round(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    quarter_round(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

/* The 16-word state after the seven rounds, before the feed-forward. */
static inline void compress_rounds(uint32_t v[16], const uint32_t cv[8], const uint8_t block[64],
                                   uint8_t block_len, uint64_t counter, uint8_t flags) {
    uint32_t m[16];
    blake3_load_words(block, m, 16);
    for (int i = 0; i < 8; i++) v[i] = cv[i];
    for (int i = 0; i < 4; i++) v[8 + i] = BLAKE3_IV[i];
    v[12] = (uint32_t)counter;
    v[13] = (uint32_t)(counter >> 32);
    v[14] = block_len;
    v[15] = flags;
    round_function(v, m, BLAKE3_SCHEDULE[0]);
    round_function(v, m, BLAKE3_SCHEDULE[1]);
    round_function(v, m, BLAKE3_SCHEDULE[2]);
    round_function(v, m, BLAKE3_SCHEDULE[3]);
    round_function(v, m, BLAKE3_SCHEDULE[4]);
    round_function(v, m, BLAKE3_SCHEDULE[5]);
    round_function(v, m, BLAKE3_SCHEDULE[6]);
}

static void portable_compress_in_place(uint32_t cv[8], const uint8_t block[64], uint8_t block_len,
                                       uint64_t counter, uint8_t flags) {
    uint32_t v[16];
    compress_rounds(v, cv, block, block_len, counter, flags);
    for (int i = 0; i < 8; i++) cv[i] = v[i] ^ v[i + 8];
}

static void portable_compress_xof(const uint32_t cv[8], const uint8_t block[64], uint8_t block_len,
                                  uint64_t counter, uint8_t flags, uint8_t out[64]) {
    uint32_t v[16];
    compress_rounds(v, cv, block, block_len, counter, flags);
    for (int i = 0; i < 8; i++) {
        blake3_store_le32(out + 4 * i, v[i] ^ v[i + 8]);
        blake3_store_le32(out + 32 + 4 * i, v[i + 8] ^ cv[i]);
    }
}

static void portable_hash_many(const uint8_t *const *inputs, size_t count, size_t blocks,
                               const blake3_batch *batch, uint8_t *out) {
    uint64_t counter = batch->counter;
    for (size_t input = 0; input < count; input++) {
        uint32_t cv[8];
        memcpy(cv, batch->key, sizeof cv);
        for (size_t b = 0; b < blocks; b++) {
            uint8_t flags = batch->flags;
            if (b == 0) flags |= batch->flags_start;
            if (b + 1 == blocks) flags |= batch->flags_end;
            portable_compress_in_place(cv, inputs[input] + b * STELE_BLAKE3_BLOCK_LEN,
                                       STELE_BLAKE3_BLOCK_LEN, counter, flags);
        }
        blake3_store_words(out + 32 * input, cv, 8);
        if (batch->increment_counter) counter++;
    }
}

const blake3_implementation stele_blake3_portable_implementation = {
    .compress_in_place = portable_compress_in_place,
    .compress_xof = portable_compress_xof,
    .hash_many = portable_hash_many,
};
