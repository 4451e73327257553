/*
 * BLAKE3 with AVX2: the 256-bit "hash many" template (blake3_x8_template.h;
 * eight inputs at a time, specification section 5.3) instantiated with
 * target("avx2"). Single blocks and the inputs left over after the 8-wide
 * batches use the SSE4.1 code, which every AVX2 CPU also has. The dispatcher
 * only selects this when the CPU and the operating system support AVX2.
 */
#include "blake3_internal.h"

#if defined(__x86_64__)

#define X8_TARGET __attribute__((target("avx2")))
#define X8_NAME(suffix) stele_blake3_avx2_##suffix
#define X8_LEFTOVER stele_blake3_sse41_hash_many

#include <immintrin.h>

X8_TARGET static inline __m256i x8_rotr16(__m256i x) {
    return _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                                   2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
X8_TARGET static inline __m256i x8_rotr8(__m256i x) {
    return _mm256_shuffle_epi8(x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                                   1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
X8_TARGET static inline __m256i x8_rotr12(__m256i x) {
    return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20));
}
X8_TARGET static inline __m256i x8_rotr7(__m256i x) {
    return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25));
}

#include "blake3_x8_template.h"

const blake3_implementation stele_blake3_avx2_implementation = {
    .compress_in_place = stele_blake3_sse41_compress_in_place,
    .compress_xof = stele_blake3_sse41_compress_xof,
    .hash_many = stele_blake3_avx2_hash_many,
};

#endif
