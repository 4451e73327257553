/*
 * BLAKE3 with SSE4.1: the 128-bit template (blake3_x4_template.h; the
 * compression function of specification section 2.2, vectorised as in
 * section 5.3) instantiated with target("sse4.1"), so the file needs no
 * global -m flags. The dispatcher only calls it when the CPU has SSE4.1.
 * Rotations by 16 and 8 bits move whole bytes (one byte shuffle); rotations
 * by 12 and 7 are two shifts and an OR.
 */
#include "blake3_internal.h"

#if defined(__x86_64__)

#define X4_TARGET __attribute__((target("sse4.1")))
#define X4_NAME(suffix) stele_blake3_sse41_##suffix

#include <immintrin.h>

X4_TARGET static inline __m128i x4_rotr16(__m128i x) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
X4_TARGET static inline __m128i x4_rotr8(__m128i x) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
X4_TARGET static inline __m128i x4_rotr12(__m128i x) {
    return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20));
}
X4_TARGET static inline __m128i x4_rotr7(__m128i x) {
    return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25));
}

#include "blake3_x4_template.h"

const blake3_implementation stele_blake3_sse41_implementation = {
    .compress_in_place = stele_blake3_sse41_compress_in_place,
    .compress_xof = stele_blake3_sse41_compress_xof,
    .hash_many = stele_blake3_sse41_hash_many,
};

#endif
