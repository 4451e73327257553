/*
 * BLAKE3 with AVX-512 (F and VL) on 128- and 256-bit vectors: both templates
 * (blake3_x4_template.h and blake3_x8_template.h; specification sections 2.2
 * and 5.3) instantiated with target("avx512f,avx512vl"). The gain over
 * SSE4.1/AVX2 is the single-instruction 32-bit rotation (VPRORD), which
 * replaces a shift-shift-OR sequence, and 32 vector registers instead of 16.
 * The dispatcher only selects this when the CPU and the operating system
 * support AVX-512F and AVX-512VL.
 */
#include "blake3_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx2,avx512f,avx512vl")))

#define X4_TARGET AVX512_TARGET
#define X4_NAME(suffix) stele_blake3_avx512_x4_##suffix

X4_TARGET static inline __m128i x4_rotr16(__m128i x) { return _mm_ror_epi32(x, 16); }
X4_TARGET static inline __m128i x4_rotr12(__m128i x) { return _mm_ror_epi32(x, 12); }
X4_TARGET static inline __m128i x4_rotr8(__m128i x) { return _mm_ror_epi32(x, 8); }
X4_TARGET static inline __m128i x4_rotr7(__m128i x) { return _mm_ror_epi32(x, 7); }

#include "blake3_x4_template.h"

#define X8_TARGET AVX512_TARGET
#define X8_NAME(suffix) stele_blake3_avx512_x8_##suffix
#define X8_LEFTOVER stele_blake3_avx512_x4_hash_many

X8_TARGET static inline __m256i x8_rotr16(__m256i x) { return _mm256_ror_epi32(x, 16); }
X8_TARGET static inline __m256i x8_rotr12(__m256i x) { return _mm256_ror_epi32(x, 12); }
X8_TARGET static inline __m256i x8_rotr8(__m256i x) { return _mm256_ror_epi32(x, 8); }
X8_TARGET static inline __m256i x8_rotr7(__m256i x) { return _mm256_ror_epi32(x, 7); }

#include "blake3_x8_template.h"

const blake3_implementation stele_blake3_avx512_implementation = {
    .compress_in_place = stele_blake3_avx512_x4_compress_in_place,
    .compress_xof = stele_blake3_avx512_x4_compress_xof,
    .hash_many = stele_blake3_avx512_x8_hash_many,
};

#endif
