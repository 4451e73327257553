#ifndef STELE_CHECKSUMS_H
#define STELE_CHECKSUMS_H
/*
 * Checksums used by Stele's on-disk format, written in this project from
 * their specifications:
 *   - CRC32C (Castagnoli, reflected polynomial 0x82F63B78; RFC 3720 appendix B.4)
 *   - BLAKE3 (the BLAKE3 paper and specification), default hash, keyed hash,
 *     derive-key, and extendable output.
 * Implementations are chosen at run time from the CPU's features.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CRC32C ------------------------------------------------------------ */

/* Continues a CRC32C. Pass 0 to start; the result of one call may be passed as
 * `crc` to the next, so crc32c(crc32c(0, a), b) == crc32c(0, a || b).
 * Uses the SSE4.2 instruction when the CPU has it, a table otherwise. */
uint32_t stele_crc32c(uint32_t crc, const void *data, size_t length);
/* The portable (table) implementation, always available. */
uint32_t stele_crc32c_portable(uint32_t crc, const void *data, size_t length);
/* The SSE4.2 implementation; call only when stele_crc32c_has_hardware(). */
uint32_t stele_crc32c_hardware(uint32_t crc, const void *data, size_t length);
bool stele_crc32c_has_hardware(void);
/* The two hardware kernels (call only when stele_crc32c_has_hardware()):
 * three CRC32-instruction streams, or PCLMULQDQ folding. stele_crc32c_hardware
 * runs the one that was faster on this CPU over 16 KiB, measured at first use. */
uint32_t stele_crc32c_hardware_lanes(uint32_t crc, const void *data, size_t length);
uint32_t stele_crc32c_hardware_folding(uint32_t crc, const void *data, size_t length);
bool stele_crc32c_hardware_prefers_folding(void);

/* ---- BLAKE3 ------------------------------------------------------------ */

#define STELE_BLAKE3_OUT_LEN 32
#define STELE_BLAKE3_KEY_LEN 32
#define STELE_BLAKE3_BLOCK_LEN 64
#define STELE_BLAKE3_CHUNK_LEN 1024
#define STELE_BLAKE3_MAX_DEPTH 54

/* Incremental hasher state. Treat as opaque; sized so it can live on the stack. */
typedef struct {
    uint32_t key[8];
    uint32_t chunk_cv[8];
    uint64_t chunk_counter;
    uint8_t block[STELE_BLAKE3_BLOCK_LEN];
    uint8_t block_len;
    uint8_t blocks_compressed;
    uint8_t flags;
    uint8_t cv_stack_len;
    uint8_t cv_stack[(STELE_BLAKE3_MAX_DEPTH + 1) * STELE_BLAKE3_OUT_LEN];
} stele_blake3_hasher;

void stele_blake3_init(stele_blake3_hasher *self);
void stele_blake3_init_keyed(stele_blake3_hasher *self, const uint8_t key[STELE_BLAKE3_KEY_LEN]);
void stele_blake3_init_derive_key(stele_blake3_hasher *self, const char *context);
/* As stele_blake3_init_derive_key, with a context of context_len bytes (which
 * need not be NUL-terminated). */
void stele_blake3_init_derive_key_raw(stele_blake3_hasher *self, const void *context, size_t context_len);
void stele_blake3_update(stele_blake3_hasher *self, const void *input, size_t input_len);
/* Writes out_len bytes of output (any length: extendable output). Does not
 * modify the hasher, so it may be called again or updated further. */
void stele_blake3_finalize(const stele_blake3_hasher *self, uint8_t *out, size_t out_len);
/* One-shot default hash, 32 bytes of output. */
void stele_blake3_hash(const void *input, size_t input_len, uint8_t out[STELE_BLAKE3_OUT_LEN]);

/* Hashes `count` independent messages of at most STELE_BLAKE3_CHUNK_LEN (1024) bytes each
 * (the default hash, 32-byte output), several at once in SIMD lanes.
 * outputs[i] receives BLAKE3(inputs[i][0..lengths[i]]). Messages longer than 1024 bytes
 * are hashed one at a time with the ordinary path, so any lengths are accepted.
 * inputs[i] may be NULL when lengths[i] is 0; inputs need no alignment. Uses the
 * implementation in use (stele_blake3_use_implementation): 16 lanes with AVX-512,
 * 8 with AVX2, 4 with SSE4.1, one message at a time with the portable code.
 * Allocates nothing; safe to call from several threads at once. */
void stele_blake3_hash_many_messages(const uint8_t *const *inputs, const size_t *lengths,
                                     size_t count, uint8_t (*outputs)[STELE_BLAKE3_OUT_LEN]);

/* Which compression implementation is in use; tests force each in turn and
 * compare them. Setting one the CPU lacks returns false and changes nothing. */
typedef enum {
    STELE_BLAKE3_PORTABLE = 0,
    STELE_BLAKE3_SSE41 = 1,
    STELE_BLAKE3_AVX2 = 2,
    /* AVX-512 F+VL: the SSE4.1/AVX2 algorithms with one-instruction rotations. */
    STELE_BLAKE3_AVX512 = 3,
} stele_blake3_implementation;
stele_blake3_implementation stele_blake3_best_implementation(void);
bool stele_blake3_use_implementation(stele_blake3_implementation implementation);
/* The implementation in use: the last one set, or the best for this CPU. */
stele_blake3_implementation stele_blake3_current_implementation(void);
/* Whether this CPU can run the implementation. */
bool stele_blake3_has_implementation(stele_blake3_implementation implementation);

#ifdef __cplusplus
}
#endif
#endif
