/*
 * Run-time CPU feature detection shared by the CRC32C and BLAKE3
 * implementations (private to CChecksums). Each SIMD implementation is
 * compiled with a per-function target attribute and is only called when the
 * features it needs are reported here.
 */
#ifndef STELE_CPU_FEATURES_H
#define STELE_CPU_FEATURES_H

enum stele_cpu_feature {
    STELE_CPU_DETECTED = 1u << 0, /* detection has run (internal) */
    STELE_CPU_SSE41 = 1u << 1,
    STELE_CPU_SSE42 = 1u << 2,
    STELE_CPU_PCLMUL = 1u << 3,
    STELE_CPU_AVX2 = 1u << 4,
    STELE_CPU_AVX512 = 1u << 5, /* AVX-512 F and VL */
};

/* The features of the CPU we run on, as a mask of stele_cpu_feature bits.
 * Detected once, then cached; safe to call from any thread. */
unsigned stele_cpu_features(void);

#endif
