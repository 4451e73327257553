/*
 * CRC32C (Castagnoli), as specified by RFC 3720 section 12.1 and appendix
 * B.4: generator 0x1EDC6F41 (0x82F63B78 bit-reflected), register preset to
 * all ones, bits processed least significant first, result complemented.
 *
 * Two implementations:
 *   - portable: "slicing by 8" over eight 256-entry tables, where
 *     table[k][b] is the register contribution of byte b followed by k zero
 *     bytes;
 *   - hardware, two kernels, the faster on this CPU chosen at first use:
 *     "lanes", the SSE4.2 CRC32 instruction over three independent streams
 *     recombined with a carry-less multiplication (PCLMULQDQ); "folding",
 *     carry-less multiplications folding four 128-bit lanes over the
 *     message, finished with the CRC32 instruction; from 8 KiB up, with
 *     AVX, a table stream runs beside the folding. CPUs that start one
 *     CRC32 per cycle run the first at its best; those that start one every
 *     three cycles (AMD Zen 1: 6 GB/s) run the second faster (9.5 GB/s,
 *     10.3 GB/s with the table stream).
 *
 * Notation used in the comments below. A 32-bit register value r stands for
 * the polynomial R(x) = sum r_i * x^(31-i) (bit 0 is the highest power: the
 * bit-reflected convention of this CRC), taken mod P(x), the CRC32C
 * generator. Without the presetting and complementing ("raw" CRC):
 *     raw(r, M) = R(x) * x^(8|M|) + M(x) * x^32   (mod P)
 * which is linear, so for a message A || B:
 *     raw(r, A || B) = raw(r, A) * x^(8|B|) + raw(0, B)   (mod P).
 */
#include "stele_checksums.h"
#include "cpu_features.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define CRC32C_REFLECTED_POLY 0x82F63B78u

typedef uint32_t (*crc32c_function)(uint32_t crc, const void *data, size_t length);

/* ---- portable: slicing by 8 ------------------------------------------- */

static uint32_t crc_tables[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

static void build_crc_tables(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t r = byte;
        for (int bit = 0; bit < 8; bit++) {
            r = (r & 1u) ? (r >> 1) ^ CRC32C_REFLECTED_POLY : (r >> 1);
        }
        crc_tables[0][byte] = r;
    }
    for (int k = 1; k < 8; k++) {
        for (uint32_t byte = 0; byte < 256; byte++) {
            uint32_t previous = crc_tables[k - 1][byte];
            crc_tables[k][byte] = (previous >> 8) ^ crc_tables[0][previous & 0xFFu];
        }
    }
}

static inline uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* raw(r, p[0 ..< 8]) by eight table lookups. */
static inline uint32_t crc_slice8(uint32_t r, const uint8_t *p) {
    uint32_t low = load_le32(p) ^ r;
    uint32_t high = load_le32(p + 4);
    return crc_tables[7][low & 0xFFu] ^ crc_tables[6][(low >> 8) & 0xFFu] ^
           crc_tables[5][(low >> 16) & 0xFFu] ^ crc_tables[4][low >> 24] ^
           crc_tables[3][high & 0xFFu] ^ crc_tables[2][(high >> 8) & 0xFFu] ^
           crc_tables[1][(high >> 16) & 0xFFu] ^ crc_tables[0][high >> 24];
}

static uint32_t crc32c_portable_raw(uint32_t r, const uint8_t *p, size_t length) {
    while (length >= 8) {
        r = crc_slice8(r, p);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        r = (r >> 8) ^ crc_tables[0][(r ^ *p) & 0xFFu];
        p++;
        length--;
    }
    return r;
}

uint32_t stele_crc32c_portable(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc_tables_once, build_crc_tables);
    return ~crc32c_portable_raw(~crc, (const uint8_t *)data, length);
}

/* ---- hardware: SSE4.2 CRC32 instruction, three interleaved streams ----- */

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>

#define CRC_HW_TARGET __attribute__((target("sse4.2,pclmul")))

/*
 * One CRC32 instruction has a latency of about three cycles but the CPU can
 * start one per cycle, so a single dependent chain leaves two thirds of the
 * unit idle. We split a block of 3L bytes into lanes A, B, C of L bytes,
 * run raw(r, A), raw(0, B), raw(0, C) in parallel, and combine:
 *     raw(r, A||B||C) = raw(r, A) * x^(16L) + raw(0, B) * x^(8L) + raw(0, C).
 *
 * Multiplying a register value a by x^(8L) mod P: the carry-less product of
 * two 32-bit reflected values a and k, read as a 64-bit reflected value, is
 * x * A(x) * K(x) (bit i of a times bit j of k lands at bit i+j, i.e. at
 * power 62-(i+j) = 63-(i+j) - 1). Feeding those 64 bits to the CRC32
 * instruction with a zero register yields (x * A * K) * x^32 mod P. Choosing
 * K = x^(8L - 33) mod P therefore gives A * x^(8L) mod P. The constants are
 * x^n mod P for n = 8L - 33 and n = 16L - 33, computed by repeated
 * multiplication by x (r -> (r >> 1) ^ (r & 1 ? 0x82F63B78 : 0) from
 * r = 0x80000000 = x^0); the tests compare this path with the portable one.
 */
#define CRC_LONG_LANE 4096u
#define CRC_LONG_K1 0x82F89C77u  /* x^(8*4096 - 33) mod P */
#define CRC_LONG_K2 0x54A86326u  /* x^(16*4096 - 33) mod P */
#define CRC_SHORT_LANE 256u
#define CRC_SHORT_K1 0xB9E02B86u /* x^(8*256 - 33) mod P */
#define CRC_SHORT_K2 0xDD7E3B0Cu /* x^(16*256 - 33) mod P */

static inline uint64_t load_u64(const uint8_t *p) {
    uint64_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

/* a * x^(8L) mod P, where k = x^(8L - 33) mod P. */
CRC_HW_TARGET static inline uint32_t crc_shift(uint32_t a, uint32_t k) {
    __m128i product = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)k), 0x00);
    return (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(product));
}

/* raw(r, p[0 ..< 3 * lane]); lane is a multiple of 32. */
CRC_HW_TARGET static inline uint32_t crc_three_lanes(uint32_t r, const uint8_t *p, size_t lane,
                                                     uint32_t k1, uint32_t k2) {
    uint64_t a = r, b = 0, c = 0;
    const uint8_t *end = p + lane;
    while (p < end) {
        a = _mm_crc32_u64(a, load_u64(p));
        b = _mm_crc32_u64(b, load_u64(p + lane));
        c = _mm_crc32_u64(c, load_u64(p + 2 * lane));
        a = _mm_crc32_u64(a, load_u64(p + 8));
        b = _mm_crc32_u64(b, load_u64(p + lane + 8));
        c = _mm_crc32_u64(c, load_u64(p + 2 * lane + 8));
        a = _mm_crc32_u64(a, load_u64(p + 16));
        b = _mm_crc32_u64(b, load_u64(p + lane + 16));
        c = _mm_crc32_u64(c, load_u64(p + 2 * lane + 16));
        a = _mm_crc32_u64(a, load_u64(p + 24));
        b = _mm_crc32_u64(b, load_u64(p + lane + 24));
        c = _mm_crc32_u64(c, load_u64(p + 2 * lane + 24));
        p += 32;
    }
    return crc_shift((uint32_t)a, k2) ^ crc_shift((uint32_t)b, k1) ^ (uint32_t)c;
}

CRC_HW_TARGET static uint32_t crc32c_lanes_raw(uint32_t r, const uint8_t *p, size_t length) {
    /* Align to 8 bytes so no 8-byte load straddles a cache line. */
    while (length > 0 && ((uintptr_t)p & 7u) != 0) {
        r = _mm_crc32_u8(r, *p);
        p++;
        length--;
    }
    while (length >= 3 * CRC_LONG_LANE) {
        r = crc_three_lanes(r, p, CRC_LONG_LANE, CRC_LONG_K1, CRC_LONG_K2);
        p += 3 * CRC_LONG_LANE;
        length -= 3 * CRC_LONG_LANE;
    }
    while (length >= 3 * CRC_SHORT_LANE) {
        r = crc_three_lanes(r, p, CRC_SHORT_LANE, CRC_SHORT_K1, CRC_SHORT_K2);
        p += 3 * CRC_SHORT_LANE;
        length -= 3 * CRC_SHORT_LANE;
    }
    uint64_t r64 = r;
    while (length >= 8) {
        r64 = _mm_crc32_u64(r64, load_u64(p));
        p += 8;
        length -= 8;
    }
    r = (uint32_t)r64;
    if (length >= 4) {
        uint32_t word;
        memcpy(&word, p, sizeof word);
        r = _mm_crc32_u32(r, word);
        p += 4;
        length -= 4;
    }
    while (length > 0) {
        r = _mm_crc32_u8(r, *p);
        p++;
        length--;
    }
    return r;
}

/*
 * Folding. A 16-byte lane loaded little-endian holds the message bits in
 * stream order from bit 0, so its low 64 bits H are the higher powers:
 * lane = H * x^64 + L. Moving the lane 512 bits (64 bytes) further along
 * the message multiplies it by x^512; mod P that is
 *     H * (x^576 mod P) + L * (x^512 mod P),
 * a polynomial of degree below 96 that fits the lane again. With the
 * identity above (the carry-less product of reflected values is x * A * K,
 * here read as a 128-bit lane), the constants are x^575 mod P for H and
 * x^511 mod P for L, each placed in the upper half of a 64-bit word (a
 * 32-bit reflected value r stands for R(x) * x^32 in 64 bits). Four lanes
 * fold 64 bytes per step; at the end they are a 64-byte message congruent
 * to everything folded, whose raw CRC from zero the CRC32 instruction
 * computes. The register r enters by being added to the first four bytes.
 */
#define CRC_FOLD_HIGH 0x1C19243Bull /* x^575 mod P */
#define CRC_FOLD_LOW 0x75BBA45Bull  /* x^511 mod P */
#define CRC_FOLD_MINIMUM 256u

/* Four lanes holding a 64-byte message congruent to everything folded. */
typedef struct {
    __m128i lane[4];
} crc_fold_state;

/* The lanes over p[0 ..< 64], the register r added to the first four bytes. */
CRC_HW_TARGET static inline crc_fold_state crc_fold_start(uint32_t r, const uint8_t *p) {
    crc_fold_state state;
    for (int i = 0; i < 4; i++) state.lane[i] = _mm_loadu_si128((const __m128i *)(p + 16 * i));
    state.lane[0] = _mm_xor_si128(state.lane[0], _mm_cvtsi32_si128((int)r));
    return state;
}

/* The folding constants, hidden from the optimizer: knowing their value,
 * clang splits them over two registers and copies every lane twice per step
 * instead of multiplying one half in place, which ran 15-20 % slower on
 * Zen 1. */
CRC_HW_TARGET static inline __m128i crc_fold_constants(void) {
    __m128i k = _mm_set_epi64x((long long)(CRC_FOLD_LOW << 32), (long long)(CRC_FOLD_HIGH << 32));
    __asm__("" : "+x"(k));
    return k;
}

/* Moves the lanes 64 bytes along and adds the next 64 bytes, p[0 ..< 64]. */
CRC_HW_TARGET static inline void crc_fold_step(crc_fold_state *state, __m128i k, const uint8_t *p) {
    __m128i high[4], low[4];
    for (int i = 0; i < 4; i++) {
        high[i] = _mm_clmulepi64_si128(state->lane[i], k, 0x00);
        low[i] = _mm_clmulepi64_si128(state->lane[i], k, 0x11);
    }
    for (int i = 0; i < 4; i++) {
        state->lane[i] = _mm_xor_si128(_mm_xor_si128(high[i], low[i]), _mm_loadu_si128((const __m128i *)(p + 16 * i)));
    }
}

/* The raw CRC from zero of the 64 bytes the lanes hold. */
CRC_HW_TARGET static inline uint32_t crc_fold_finish(const crc_fold_state *state) {
    uint64_t folded = 0;
    for (int i = 0; i < 4; i++) {
        folded = _mm_crc32_u64(folded, (uint64_t)_mm_cvtsi128_si64(state->lane[i]));
        folded = _mm_crc32_u64(folded, (uint64_t)_mm_extract_epi64(state->lane[i], 1));
    }
    return (uint32_t)folded;
}

/* raw(r, p[0 ..< 64 * blocks]), blocks >= 1. */
CRC_HW_TARGET static uint32_t crc_fold_blocks(uint32_t r, const uint8_t *p, size_t blocks) {
    __m128i k = crc_fold_constants();
    crc_fold_state state = crc_fold_start(r, p);
    for (size_t block = 1; block < blocks; block++) {
        p += 64;
        crc_fold_step(&state, k, p);
    }
    return crc_fold_finish(&state);
}

/*
 * Folding beside a table stream. On Zen 1 the folding loop leaves the
 * integer units and load ports mostly idle, so a slicing-by-8 step over a
 * separate region (the message's end) runs in its shadow: each step folds
 * 128 bytes and looks up 8 more, 136 bytes where folding alone does 128
 * (measured +4-6 % from 64 KiB up, about 10.3 GB/s at 1 MiB; a second
 * table step per 128 bytes made the loop 13-15 % slower, and one step per
 * 64 bytes gained nothing).
 * The gain needs the three-operand AVX encodings: compiled for SSE, the
 * same loop ran no faster than folding alone.
 *
 * For a message A || B || C, A folded, B looked up and C the rest:
 *     raw(r, A || B) = raw(r, A) * x^(8|B|) + raw(0, B)   (mod P)
 * where the shift by |B| (a multiple of 8) applies crc_shift once per set
 * bit i of |B|, with byte_shift_constants[i] = x^(8 * 2^i - 33) mod P:
 * x^31 for 8 bytes, and crc_shift(k, k) = k * x^(8 * 2^i) doubles each.
 */
#define CRC_TABLE_STREAM_MINIMUM 8192u
#define CRC_TABLE_STREAM_TARGET __attribute__((target("avx,sse4.2,pclmul")))

static uint32_t byte_shift_constants[64];
static pthread_once_t byte_shift_once = PTHREAD_ONCE_INIT;

CRC_HW_TARGET static void build_byte_shift_constants(void) {
    byte_shift_constants[3] = 0x00000001u; /* x^31 */
    for (int i = 4; i < 64; i++) {
        byte_shift_constants[i] = crc_shift(byte_shift_constants[i - 1], byte_shift_constants[i - 1]);
    }
}

/* a * x^(8n) mod P, for n a multiple of 8. */
CRC_HW_TARGET static inline uint32_t crc_shift_bytes(uint32_t a, size_t n) {
    for (int i = 3; i < 64 && (n >> i) != 0; i++) {
        if ((n >> i) & 1u) a = crc_shift(a, byte_shift_constants[i]);
    }
    return a;
}

/* raw(r, p[0 ..< length]), length >= CRC_TABLE_STREAM_MINIMUM. */
CRC_TABLE_STREAM_TARGET static uint32_t crc32c_folding_with_table_raw(uint32_t r, const uint8_t *p, size_t length) {
    pthread_once(&crc_tables_once, build_crc_tables);
    pthread_once(&byte_shift_once, build_byte_shift_constants);
    const uint8_t *start = p;
    size_t steps = (length - 64) / (128 + 8);
    const uint8_t *table = p + 64 + 128 * steps;
    __m128i k = crc_fold_constants();
    crc_fold_state state = crc_fold_start(r, p);
    uint32_t looked_up = 0;
    for (size_t step = 0; step < steps; step++) {
        crc_fold_step(&state, k, p + 64);
        crc_fold_step(&state, k, p + 128);
        looked_up = crc_slice8(looked_up, table);
        p += 128;
        table += 8;
    }
    r = crc_shift_bytes(crc_fold_finish(&state), 8 * steps) ^ looked_up;
    size_t done = (size_t)(table - start);
    return crc32c_lanes_raw(r, table, length - done);
}

/* AVX, told by AVX2 (which implies it and its saved register state). */
static bool has_avx(void) { return (stele_cpu_features() & STELE_CPU_AVX2) != 0; }

CRC_HW_TARGET static uint32_t crc32c_folding_raw(uint32_t r, const uint8_t *p, size_t length) {
    if (length >= CRC_FOLD_MINIMUM) {
        size_t blocks = length / 64;
        r = crc_fold_blocks(r, p, blocks);
        p += blocks * 64;
        length -= blocks * 64;
    }
    return crc32c_lanes_raw(r, p, length);
}

bool stele_crc32c_has_hardware(void) {
    unsigned needed = STELE_CPU_SSE42 | STELE_CPU_PCLMUL;
    return (stele_cpu_features() & needed) == needed;
}

uint32_t stele_crc32c_hardware_lanes(uint32_t crc, const void *data, size_t length) {
    return ~crc32c_lanes_raw(~crc, (const uint8_t *)data, length);
}

/* Kept out of line so that short messages pay nothing for the choice. */
__attribute__((noinline)) static uint32_t crc32c_folding_long(uint32_t crc, const uint8_t *p, size_t length) {
    if (has_avx()) return ~crc32c_folding_with_table_raw(~crc, p, length);
    return ~crc32c_folding_raw(~crc, p, length);
}

uint32_t stele_crc32c_hardware_folding(uint32_t crc, const void *data, size_t length) {
    if (length >= CRC_TABLE_STREAM_MINIMUM) return crc32c_folding_long(crc, (const uint8_t *)data, length);
    return ~crc32c_folding_raw(~crc, (const uint8_t *)data, length);
}

/* Whether folding beat lanes over 16 KiB, best of five alternating runs each. */
static bool folding_is_faster;
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void choose_kernel(void) {
    static uint8_t sample[16384];
    double best_lanes = 1e9, best_folding = 1e9;
    volatile uint32_t sink = 0;
    for (int run = 0; run < 5; run++) {
        double start = seconds_now();
        sink += stele_crc32c_hardware_lanes(sink, sample, sizeof sample);
        double middle = seconds_now();
        sink += stele_crc32c_hardware_folding(sink, sample, sizeof sample);
        double end = seconds_now();
        if (middle - start < best_lanes) best_lanes = middle - start;
        if (end - middle < best_folding) best_folding = end - middle;
    }
    folding_is_faster = best_folding < best_lanes;
}

bool stele_crc32c_hardware_prefers_folding(void) {
    pthread_once(&kernel_once, choose_kernel);
    return folding_is_faster;
}

/* The hardware kernel this CPU runs faster. */
static crc32c_function hardware_kernel(void) {
    return stele_crc32c_hardware_prefers_folding() ? stele_crc32c_hardware_folding : stele_crc32c_hardware_lanes;
}

uint32_t stele_crc32c_hardware(uint32_t crc, const void *data, size_t length) {
    return hardware_kernel()(crc, data, length);
}

#else /* not x86-64: no hardware path */

bool stele_crc32c_has_hardware(void) { return false; }

bool stele_crc32c_hardware_prefers_folding(void) { return false; }

static crc32c_function hardware_kernel(void) { return stele_crc32c_portable; }

uint32_t stele_crc32c_hardware(uint32_t crc, const void *data, size_t length) {
    return stele_crc32c_portable(crc, data, length);
}

uint32_t stele_crc32c_hardware_lanes(uint32_t crc, const void *data, size_t length) {
    return stele_crc32c_portable(crc, data, length);
}

uint32_t stele_crc32c_hardware_folding(uint32_t crc, const void *data, size_t length) {
    return stele_crc32c_portable(crc, data, length);
}

#endif

/* ---- dispatch ----------------------------------------------------------- */

/* The chosen implementation, resolved on first use. Racing first calls store
 * the same pointer. */
static _Atomic(crc32c_function) selected_crc32c = NULL;

uint32_t stele_crc32c(uint32_t crc, const void *data, size_t length) {
    crc32c_function function = atomic_load_explicit(&selected_crc32c, memory_order_relaxed);
    if (function == NULL) {
        function = stele_crc32c_has_hardware() ? hardware_kernel() : stele_crc32c_portable;
        atomic_store_explicit(&selected_crc32c, function, memory_order_relaxed);
    }
    return function(crc, data, length);
}
