/*
 * BLAKE3 of many independent short messages, one message per SIMD lane
 * (private to CChecksums; the public entry point is
 * stele_blake3_hash_many_messages).
 *
 * A message of at most one chunk (1024 bytes) is hashed as a single chunk
 * that is also the root (specification sections 2.4 and 2.6): its blocks
 * 0..n-1 are compressed in order from the IV with chunk counter 0, the first
 * with CHUNK_START, the last with CHUNK_END | ROOT and block_len set to its
 * own length (64 for a full block; an empty message is one empty block), and
 * the 32-byte hash is the first 8 words of the last compression's output.
 *
 * A kernel runs that chain for several messages at once in transposed form
 * (section 5.3): vector word w holds state word w of every lane. Unlike the
 * chunk kernels ("hash many"), each lane has its own block pointer, its own
 * flags and block_len words, and its own block count: a lane whose message
 * has ended keeps its chaining value (the lane is masked) while longer
 * messages in other lanes go on.
 */
#ifndef STELE_BLAKE3_MANY_MESSAGES_H
#define STELE_BLAKE3_MANY_MESSAGES_H

#include "blake3_internal.h"

/* A kernel hashes exactly as many messages as it has lanes; each is at most
 * STELE_BLAKE3_CHUNK_LEN bytes, and inputs[i] may be NULL when lengths[i] is
 * 0. outputs[i] receives the 32-byte hash of message i; outputs may repeat
 * (callers with fewer messages fill the spare lanes with copies). */
typedef void (*blake3_messages_kernel)(const uint8_t *const *inputs, const size_t *lengths,
                                       uint8_t *const *outputs);

#if defined(__x86_64__)
/* Four lanes (blake3_x4_template.h), eight lanes (blake3_x8_template.h),
 * sixteen lanes (blake3_many_messages_avx512.c). */
void stele_blake3_sse41_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                      uint8_t *const *outputs);
void stele_blake3_avx2_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                     uint8_t *const *outputs);
void stele_blake3_avx512_x4_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                          uint8_t *const *outputs);
void stele_blake3_avx512_x8_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                          uint8_t *const *outputs);
void stele_blake3_avx512_x16_hash_messages(const uint8_t *const *inputs, const size_t *lengths,
                                           uint8_t *const *outputs);
#endif

/* The number of blocks of a message of `length` <= 1024 bytes: at least one. */
static inline uint32_t blake3_message_blocks(size_t length) {
    return length == 0 ? 1u : (uint32_t)((length + STELE_BLAKE3_BLOCK_LEN - 1) / STELE_BLAKE3_BLOCK_LEN);
}

/*
 * Prepares one lane: sets *blocks to the message's block count and
 * *last_length to its last block's length (0 to 64), and returns where the
 * last block can be read as 64 bytes: in the message itself when it is a
 * full block, otherwise in `tail`, zero-padded (the kernels never read past
 * the end of a message).
 */
static inline const uint8_t *blake3_message_lane(const uint8_t *input, size_t length,
                                                 uint8_t tail[STELE_BLAKE3_BLOCK_LEN], uint32_t *blocks,
                                                 uint32_t *last_length) {
    uint32_t count = blake3_message_blocks(length);
    size_t last_offset = (size_t)(count - 1) * STELE_BLAKE3_BLOCK_LEN;
    size_t last = length - last_offset;
    *blocks = count;
    *last_length = (uint32_t)last;
    if (last == STELE_BLAKE3_BLOCK_LEN) return input + last_offset;
    memset(tail, 0, STELE_BLAKE3_BLOCK_LEN);
    if (last > 0) memcpy(tail, input + last_offset, last);
    return tail;
}

/* Where lane's block `block` is read: a block inside the message before its
 * last, the prepared last block from then on (the lane is masked once it
 * has passed its last block, so any readable block would do). */
static inline const uint8_t *blake3_message_block(const uint8_t *input, uint32_t blocks,
                                                  const uint8_t *last_block, uint32_t block) {
    return block + 1 < blocks ? input + (size_t)block * STELE_BLAKE3_BLOCK_LEN : last_block;
}

#endif
