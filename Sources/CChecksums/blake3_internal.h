/*
 * BLAKE3 internals shared by the implementations (private to CChecksums).
 *
 * Constants come from the BLAKE3 specification, section 2: the IV (the
 * SHA-256 IV), the domain flags (table 3) and the message schedule, which is
 * the word permutation of section 2.2 applied once per round:
 *     schedule[r + 1][i] = schedule[r][PERMUTATION[i]],
 *     PERMUTATION = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8}.
 */
#ifndef STELE_BLAKE3_INTERNAL_H
#define STELE_BLAKE3_INTERNAL_H

#include "stele_checksums.h"

#include <string.h>

enum blake3_flag {
    BLAKE3_CHUNK_START = 1 << 0,
    BLAKE3_CHUNK_END = 1 << 1,
    BLAKE3_PARENT = 1 << 2,
    BLAKE3_ROOT = 1 << 3,
    BLAKE3_KEYED_HASH = 1 << 4,
    BLAKE3_DERIVE_KEY_CONTEXT = 1 << 5,
    BLAKE3_DERIVE_KEY_MATERIAL = 1 << 6,
};

#define BLAKE3_BLOCKS_PER_CHUNK (STELE_BLAKE3_CHUNK_LEN / STELE_BLAKE3_BLOCK_LEN)

static const uint32_t BLAKE3_IV[8] = {
    0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
    0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u,
};

static const uint8_t BLAKE3_SCHEDULE[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t blake3_load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void blake3_store_le32(uint8_t *p, uint32_t value) {
    p[0] = (uint8_t)value;
    p[1] = (uint8_t)(value >> 8);
    p[2] = (uint8_t)(value >> 16);
    p[3] = (uint8_t)(value >> 24);
}

static inline void blake3_load_words(const uint8_t *bytes, uint32_t *words, size_t count) {
    for (size_t i = 0; i < count; i++) words[i] = blake3_load_le32(bytes + 4 * i);
}

static inline void blake3_store_words(uint8_t *bytes, const uint32_t *words, size_t count) {
    for (size_t i = 0; i < count; i++) blake3_store_le32(bytes + 4 * i, words[i]);
}

/*
 * What every hash_many call shares: the key words (the input chaining value
 * of the first block of every input), the counter of the first input (and
 * whether the next input gets counter + 1: chunks do, parents do not), the
 * flags of every block, and the extra flags of each input's first and last
 * block (CHUNK_START / CHUNK_END for chunks, none for parents).
 */
typedef struct {
    const uint32_t *key;
    uint64_t counter;
    bool increment_counter;
    uint8_t flags;
    uint8_t flags_start;
    uint8_t flags_end;
} blake3_batch;

/* The entry points of one compression implementation. */
typedef struct {
    /* cv <- first 8 words of the compression of one block (section 2.2). */
    void (*compress_in_place)(uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                              uint8_t block_len, uint64_t counter, uint8_t flags);
    /* All 16 output words of the compression, as bytes (extended output). */
    void (*compress_xof)(const uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                         uint8_t block_len, uint64_t counter, uint8_t flags, uint8_t out[64]);
    /* For each of `count` inputs of `blocks` whole 64-byte blocks: the
     * chaining value after its last block, 32 bytes each, into out. */
    void (*hash_many)(const uint8_t *const *inputs, size_t count, size_t blocks,
                      const blake3_batch *batch, uint8_t *out);
} blake3_implementation;

extern const blake3_implementation stele_blake3_portable_implementation;
#if defined(__x86_64__)
extern const blake3_implementation stele_blake3_sse41_implementation;
extern const blake3_implementation stele_blake3_avx2_implementation;
extern const blake3_implementation stele_blake3_avx512_implementation;

/* The SSE4.1 entry points (the AVX2 implementation reuses them for single
 * blocks and for the inputs left over after its 8-wide batches), and the
 * AVX2 one. */
void stele_blake3_sse41_compress_in_place(uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                                          uint8_t block_len, uint64_t counter, uint8_t flags);
void stele_blake3_sse41_compress_xof(const uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                                     uint8_t block_len, uint64_t counter, uint8_t flags, uint8_t out[64]);
void stele_blake3_sse41_hash_many(const uint8_t *const *inputs, size_t count, size_t blocks,
                                  const blake3_batch *batch, uint8_t *out);
void stele_blake3_avx2_hash_many(const uint8_t *const *inputs, size_t count, size_t blocks,
                                 const blake3_batch *batch, uint8_t *out);

/* The AVX-512 entry points (128-bit rows and lanes, 256-bit lanes). */
void stele_blake3_avx512_x4_compress_in_place(uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                                              uint8_t block_len, uint64_t counter, uint8_t flags);
void stele_blake3_avx512_x4_compress_xof(const uint32_t cv[8], const uint8_t block[STELE_BLAKE3_BLOCK_LEN],
                                         uint8_t block_len, uint64_t counter, uint8_t flags, uint8_t out[64]);
void stele_blake3_avx512_x4_hash_many(const uint8_t *const *inputs, size_t count, size_t blocks,
                                      const blake3_batch *batch, uint8_t *out);
void stele_blake3_avx512_x8_hash_many(const uint8_t *const *inputs, size_t count, size_t blocks,
                                      const blake3_batch *batch, uint8_t *out);
#endif

#endif
