/*
 * Run-time CPU feature detection (private to CChecksums).
 *
 * Uses the compiler's CPUID-based detection (__builtin_cpu_supports), which
 * also checks that the operating system saves the AVX and AVX-512 register
 * state. The
 * answer is computed once and cached in an atomic; concurrent first calls
 * compute the same value, so the race is benign.
 */
#include "cpu_features.h"

#include <stdatomic.h>

static _Atomic unsigned cached_features = 0;

#if defined(__x86_64__) || defined(__i386__)
static unsigned detect_features(void) {
    unsigned features = STELE_CPU_DETECTED;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.1")) features |= STELE_CPU_SSE41;
    if (__builtin_cpu_supports("sse4.2")) features |= STELE_CPU_SSE42;
    if (__builtin_cpu_supports("pclmul")) features |= STELE_CPU_PCLMUL;
    if (__builtin_cpu_supports("avx2")) features |= STELE_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) features |= STELE_CPU_AVX512;
    return features;
}
#else
static unsigned detect_features(void) { return STELE_CPU_DETECTED; }
#endif

unsigned stele_cpu_features(void) {
    unsigned features = atomic_load_explicit(&cached_features, memory_order_relaxed);
    if (features & STELE_CPU_DETECTED) return features;
    features = detect_features();
    atomic_store_explicit(&cached_features, features, memory_order_relaxed);
    return features;
}
