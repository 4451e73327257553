/*
 * BLAKE3 hashing modes and tree (specification sections 2.1, 2.3-2.6, 5.1):
 * chunk chaining, parent nodes, the chaining-value stack, the root node and
 * its extendable output, and the keyed-hash / derive-key modes. Compression
 * itself is delegated to the implementation chosen at run time.
 *
 * Tree shape (section 2.1): the input is split into 1024-byte chunks; a tree
 * of n > 1 chunks has a left subtree of the largest power of two of chunks
 * smaller than n and a right subtree of the rest. The hasher keeps the
 * chaining values of completed complete subtrees on a stack; after `t` chunks
 * are accounted for, the stack, fully merged, holds one entry per set bit of
 * t (section 5.1.2). Merging is lazy: an entry is combined with its left
 * neighbour only once later input proves it is not the last, because the
 * last node's parent chain ends in the root, which compresses with the ROOT
 * flag instead.
 *
 * Long inputs are hashed a whole subtree of up to MAX_SUBTREE_CHUNKS chunks at
 * a time: all its chunks in parallel lanes (hash_many), then each level of
 * parents in parallel, stopping at the subtree's two children, which are
 * pushed on the stack so that a subtree that ends the input can still become
 * the root.
 */
#include "blake3_internal.h"
#include "cpu_features.h"

#include <stdatomic.h>

#define MAX_SUBTREE_CHUNKS 64

/* ---- implementation choice ---------------------------------------------- */

static bool cpu_supports(stele_blake3_implementation implementation) {
    switch (implementation) {
    case STELE_BLAKE3_PORTABLE:
        return true;
#if defined(__x86_64__)
    case STELE_BLAKE3_SSE41:
        return (stele_cpu_features() & STELE_CPU_SSE41) != 0;
    case STELE_BLAKE3_AVX2: {
        unsigned needed = STELE_CPU_SSE41 | STELE_CPU_AVX2;
        return (stele_cpu_features() & needed) == needed;
    }
    case STELE_BLAKE3_AVX512: {
        unsigned needed = STELE_CPU_SSE41 | STELE_CPU_AVX2 | STELE_CPU_AVX512;
        return (stele_cpu_features() & needed) == needed;
    }
#endif
    default:
        return false;
    }
}

static const blake3_implementation *implementation_table(stele_blake3_implementation implementation) {
    switch (implementation) {
#if defined(__x86_64__)
    case STELE_BLAKE3_SSE41:
        return &stele_blake3_sse41_implementation;
    case STELE_BLAKE3_AVX2:
        return &stele_blake3_avx2_implementation;
    case STELE_BLAKE3_AVX512:
        return &stele_blake3_avx512_implementation;
#endif
    default:
        return &stele_blake3_portable_implementation;
    }
}

bool stele_blake3_has_implementation(stele_blake3_implementation implementation) {
    return cpu_supports(implementation);
}

stele_blake3_implementation stele_blake3_best_implementation(void) {
    if (cpu_supports(STELE_BLAKE3_AVX512)) return STELE_BLAKE3_AVX512;
    if (cpu_supports(STELE_BLAKE3_AVX2)) return STELE_BLAKE3_AVX2;
    if (cpu_supports(STELE_BLAKE3_SSE41)) return STELE_BLAKE3_SSE41;
    return STELE_BLAKE3_PORTABLE;
}

/* The implementation in use: -1 until first use, then a
 * stele_blake3_implementation value. */
static _Atomic int active_implementation = -1;

bool stele_blake3_use_implementation(stele_blake3_implementation implementation) {
    if (!cpu_supports(implementation)) return false;
    atomic_store_explicit(&active_implementation, (int)implementation, memory_order_relaxed);
    return true;
}

stele_blake3_implementation stele_blake3_current_implementation(void) {
    int chosen = atomic_load_explicit(&active_implementation, memory_order_relaxed);
    if (chosen < 0) {
        chosen = (int)stele_blake3_best_implementation();
        atomic_store_explicit(&active_implementation, chosen, memory_order_relaxed);
    }
    return (stele_blake3_implementation)chosen;
}

static const blake3_implementation *active(void) {
    return implementation_table(stele_blake3_current_implementation());
}

/* ---- nodes and their outputs (sections 2.3-2.6) -------------------------- */

/* Everything needed to compress a node: either its chaining value (when it
 * is an inner node) or any number of output bytes (when it is the root). */
typedef struct {
    uint32_t input_cv[8];
    uint8_t block[STELE_BLAKE3_BLOCK_LEN];
    uint64_t counter;
    uint8_t block_len;
    uint8_t flags;
} node_output;

static void output_chaining_value(const node_output *node, const blake3_implementation *impl, uint8_t cv[32]) {
    uint32_t words[8];
    memcpy(words, node->input_cv, sizeof words);
    impl->compress_in_place(words, node->block, node->block_len, node->counter, node->flags);
    blake3_store_words(cv, words, 8);
}

/* Root output: block i of the extended output is the full compression
 * output with counter i and the ROOT flag (section 2.6). */
static void output_root_bytes(const node_output *node, const blake3_implementation *impl, uint8_t *out,
                              size_t out_len) {
    uint64_t output_block = 0;
    uint8_t buffer[64];
    while (out_len > 0) {
        impl->compress_xof(node->input_cv, node->block, node->block_len, output_block,
                           node->flags | BLAKE3_ROOT, buffer);
        size_t take = out_len < sizeof buffer ? out_len : sizeof buffer;
        memcpy(out, buffer, take);
        out += take;
        out_len -= take;
        output_block++;
    }
}

/* A parent node: its block is the two children's chaining values. */
static node_output parent_output(const uint8_t children[64], const uint32_t key[8], uint8_t flags) {
    node_output node;
    memcpy(node.input_cv, key, sizeof node.input_cv);
    memcpy(node.block, children, sizeof node.block);
    node.counter = 0;
    node.block_len = STELE_BLAKE3_BLOCK_LEN;
    node.flags = flags | BLAKE3_PARENT;
    return node;
}

/* ---- the chunk in progress (section 2.4) --------------------------------- */

static size_t chunk_length(const stele_blake3_hasher *self) {
    return (size_t)self->blocks_compressed * STELE_BLAKE3_BLOCK_LEN + self->block_len;
}

static uint8_t chunk_start_flag(const stele_blake3_hasher *self) {
    return self->blocks_compressed == 0 ? BLAKE3_CHUNK_START : 0;
}

static void chunk_reset(stele_blake3_hasher *self, uint64_t chunk_counter) {
    memcpy(self->chunk_cv, self->key, sizeof self->chunk_cv);
    self->chunk_counter = chunk_counter;
    self->block_len = 0;
    self->blocks_compressed = 0;
}

/* Adds input to the current chunk; chunk_length + length <= 1024. The last
 * block seen stays buffered, uncompressed, until more input arrives: it
 * needs CHUNK_END, and perhaps ROOT. */
static void chunk_update(stele_blake3_hasher *self, const blake3_implementation *impl, const uint8_t *input,
                         size_t length) {
    if (self->block_len > 0) {
        size_t take = STELE_BLAKE3_BLOCK_LEN - self->block_len;
        if (take > length) take = length;
        memcpy(self->block + self->block_len, input, take);
        self->block_len = (uint8_t)(self->block_len + take);
        input += take;
        length -= take;
        if (length == 0) return;
        impl->compress_in_place(self->chunk_cv, self->block, STELE_BLAKE3_BLOCK_LEN, self->chunk_counter,
                                self->flags | chunk_start_flag(self));
        self->blocks_compressed++;
        self->block_len = 0;
    }
    while (length > STELE_BLAKE3_BLOCK_LEN) {
        impl->compress_in_place(self->chunk_cv, input, STELE_BLAKE3_BLOCK_LEN, self->chunk_counter,
                                self->flags | chunk_start_flag(self));
        self->blocks_compressed++;
        input += STELE_BLAKE3_BLOCK_LEN;
        length -= STELE_BLAKE3_BLOCK_LEN;
    }
    memcpy(self->block, input, length);
    self->block_len = (uint8_t)length;
}

static node_output chunk_output(const stele_blake3_hasher *self) {
    node_output node;
    memcpy(node.input_cv, self->chunk_cv, sizeof node.input_cv);
    memset(node.block, 0, sizeof node.block); /* the last block is zero-padded */
    memcpy(node.block, self->block, self->block_len);
    node.counter = self->chunk_counter;
    node.block_len = self->block_len;
    node.flags = self->flags | chunk_start_flag(self) | BLAKE3_CHUNK_END;
    return node;
}

/* ---- the chaining-value stack (section 5.1.2) ---------------------------- */

/* Merges the top of the stack until it holds one entry per set bit of
 * total_chunks: called when more input follows the stacked subtrees. */
static void merge_stack(stele_blake3_hasher *self, const blake3_implementation *impl, uint64_t total_chunks) {
    size_t wanted = (size_t)__builtin_popcountll(total_chunks);
    while (self->cv_stack_len > wanted) {
        /* The two top entries are adjacent: together they are the parent's block. */
        uint8_t *left = self->cv_stack + (size_t)(self->cv_stack_len - 2) * STELE_BLAKE3_OUT_LEN;
        node_output parent = parent_output(left, self->key, self->flags);
        output_chaining_value(&parent, impl, left);
        self->cv_stack_len--;
    }
}

/* Pushes the chaining value of a complete subtree whose first chunk is
 * first_chunk, after merging what precedes it. */
static void push_cv(stele_blake3_hasher *self, const blake3_implementation *impl, const uint8_t cv[32],
                    uint64_t first_chunk) {
    merge_stack(self, impl, first_chunk);
    memcpy(self->cv_stack + (size_t)self->cv_stack_len * STELE_BLAKE3_OUT_LEN, cv, STELE_BLAKE3_OUT_LEN);
    self->cv_stack_len++;
}

/* ---- whole subtrees --------------------------------------------------------- */

/* The chaining values of the two children of the complete subtree of
 * `chunks` (a power of two, >= 2) whole chunks at `input`, whose first chunk
 * has counter first_chunk: 64 bytes, left then right. */
static void hash_subtree_children(const stele_blake3_hasher *self, const blake3_implementation *impl,
                                  const uint8_t *input, size_t chunks, uint64_t first_chunk, uint8_t out[64]) {
    uint8_t level[MAX_SUBTREE_CHUNKS * STELE_BLAKE3_OUT_LEN];
    uint8_t next_level[MAX_SUBTREE_CHUNKS / 2 * STELE_BLAKE3_OUT_LEN];
    const uint8_t *inputs[MAX_SUBTREE_CHUNKS];

    for (size_t i = 0; i < chunks; i++) inputs[i] = input + i * STELE_BLAKE3_CHUNK_LEN;
    blake3_batch chunk_batch = {
        .key = self->key, .counter = first_chunk, .increment_counter = true,
        .flags = self->flags, .flags_start = BLAKE3_CHUNK_START, .flags_end = BLAKE3_CHUNK_END,
    };
    impl->hash_many(inputs, chunks, BLAKE3_BLOCKS_PER_CHUNK, &chunk_batch, level);

    blake3_batch parent_batch = {
        .key = self->key, .counter = 0, .increment_counter = false,
        .flags = (uint8_t)(self->flags | BLAKE3_PARENT), .flags_start = 0, .flags_end = 0,
    };
    uint8_t *current = level, *next = next_level;
    size_t count = chunks;
    while (count > 2) {
        /* Each parent's block is two adjacent chaining values. */
        for (size_t i = 0; i < count / 2; i++) inputs[i] = current + i * 2 * STELE_BLAKE3_OUT_LEN;
        impl->hash_many(inputs, count / 2, 1, &parent_batch, next);
        uint8_t *swap = current;
        current = next;
        next = swap;
        count /= 2;
    }
    memcpy(out, current, 2 * STELE_BLAKE3_OUT_LEN);
}

/* ---- public API ------------------------------------------------------------- */

static void hasher_init(stele_blake3_hasher *self, const uint32_t key[8], uint8_t flags) {
    memcpy(self->key, key, sizeof self->key);
    self->flags = flags;
    self->cv_stack_len = 0;
    chunk_reset(self, 0);
}

void stele_blake3_init(stele_blake3_hasher *self) { hasher_init(self, BLAKE3_IV, 0); }

void stele_blake3_init_keyed(stele_blake3_hasher *self, const uint8_t key[STELE_BLAKE3_KEY_LEN]) {
    uint32_t key_words[8];
    blake3_load_words(key, key_words, 8);
    hasher_init(self, key_words, BLAKE3_KEYED_HASH);
}

void stele_blake3_init_derive_key_raw(stele_blake3_hasher *self, const void *context, size_t context_len) {
    /* Section 2.5: hash the context string in its own mode; the result is
     * the key for hashing the key material. */
    stele_blake3_hasher context_hasher;
    hasher_init(&context_hasher, BLAKE3_IV, BLAKE3_DERIVE_KEY_CONTEXT);
    stele_blake3_update(&context_hasher, context, context_len);
    uint8_t context_key[STELE_BLAKE3_KEY_LEN];
    stele_blake3_finalize(&context_hasher, context_key, sizeof context_key);
    uint32_t key_words[8];
    blake3_load_words(context_key, key_words, 8);
    hasher_init(self, key_words, BLAKE3_DERIVE_KEY_MATERIAL);
}

void stele_blake3_init_derive_key(stele_blake3_hasher *self, const char *context) {
    stele_blake3_init_derive_key_raw(self, context, strlen(context));
}

void stele_blake3_update(stele_blake3_hasher *self, const void *input_bytes, size_t length) {
    const uint8_t *input = (const uint8_t *)input_bytes;
    if (length == 0) return;
    const blake3_implementation *impl = active();

    /* Finish the chunk in progress; if it fills and input remains, it is not
     * the last chunk, so its chaining value can go on the stack. */
    if (chunk_length(self) > 0) {
        size_t take = STELE_BLAKE3_CHUNK_LEN - chunk_length(self);
        if (take > length) take = length;
        chunk_update(self, impl, input, take);
        input += take;
        length -= take;
        if (length == 0) return;
        node_output chunk = chunk_output(self);
        uint8_t cv[STELE_BLAKE3_OUT_LEN];
        output_chaining_value(&chunk, impl, cv);
        push_cv(self, impl, cv, self->chunk_counter);
        chunk_reset(self, self->chunk_counter + 1);
    }

    /* Whole subtrees while more than one chunk's worth remains. A subtree of
     * c chunks must start at a multiple of c to be a subtree of the final
     * tree. A subtree may end the input: its two children are pushed
     * unmerged, so finalize can still make their parent the root. */
    while (length > STELE_BLAKE3_CHUNK_LEN) {
        uint64_t chunks_available = length / STELE_BLAKE3_CHUNK_LEN;
        uint64_t chunks = 1;
        while (chunks * 2 <= chunks_available && chunks * 2 <= MAX_SUBTREE_CHUNKS) chunks *= 2;
        while ((self->chunk_counter & (chunks - 1)) != 0) chunks /= 2;

        if (chunks == 1) {
            uint8_t cv[STELE_BLAKE3_OUT_LEN];
            blake3_batch batch = {
                .key = self->key, .counter = self->chunk_counter, .increment_counter = true,
                .flags = self->flags, .flags_start = BLAKE3_CHUNK_START, .flags_end = BLAKE3_CHUNK_END,
            };
            impl->hash_many(&input, 1, BLAKE3_BLOCKS_PER_CHUNK, &batch, cv);
            push_cv(self, impl, cv, self->chunk_counter);
        } else {
            uint8_t children[2 * STELE_BLAKE3_OUT_LEN];
            hash_subtree_children(self, impl, input, (size_t)chunks, self->chunk_counter, children);
            push_cv(self, impl, children, self->chunk_counter);
            push_cv(self, impl, children + STELE_BLAKE3_OUT_LEN, self->chunk_counter + chunks / 2);
        }
        self->chunk_counter += chunks;
        input += chunks * STELE_BLAKE3_CHUNK_LEN;
        length -= chunks * STELE_BLAKE3_CHUNK_LEN;
    }

    /* At most one chunk's worth is left: it starts the next chunk, which
     * proves everything stacked so far is not the end. */
    if (length > 0) {
        merge_stack(self, impl, self->chunk_counter);
        chunk_update(self, impl, input, length);
    }
}

void stele_blake3_finalize(const stele_blake3_hasher *self, uint8_t *out, size_t out_len) {
    if (out_len == 0) return;
    const blake3_implementation *impl = active();
    size_t remaining = self->cv_stack_len;
    node_output node;
    if (chunk_length(self) > 0 || remaining == 0) {
        /* The chunk in progress is the last node (for empty input: the only one). */
        node = chunk_output(self);
    } else {
        /* The input ended with a whole subtree: its two pushed children
         * (always at least two entries here) are the last node's children. */
        node = parent_output(self->cv_stack + (remaining - 2) * STELE_BLAKE3_OUT_LEN, self->key, self->flags);
        remaining -= 2;
    }
    /* Fold the rest of the stack from the right: each entry is the left
     * sibling of everything after it. */
    while (remaining > 0) {
        uint8_t children[2 * STELE_BLAKE3_OUT_LEN];
        memcpy(children, self->cv_stack + (remaining - 1) * STELE_BLAKE3_OUT_LEN, STELE_BLAKE3_OUT_LEN);
        output_chaining_value(&node, impl, children + STELE_BLAKE3_OUT_LEN);
        node = parent_output(children, self->key, self->flags);
        remaining--;
    }
    output_root_bytes(&node, impl, out, out_len);
}

void stele_blake3_hash(const void *input, size_t input_len, uint8_t out[STELE_BLAKE3_OUT_LEN]) {
    if (input_len <= STELE_BLAKE3_CHUNK_LEN) {
        /* One chunk, which is the root: chain its blocks directly. The first
         * 32 bytes of root output block 0 are the chaining-value words of
         * the last block's compression with ROOT (and counter 0). */
        const blake3_implementation *impl = active();
        const uint8_t *block = (const uint8_t *)input;
        uint32_t cv[8];
        memcpy(cv, BLAKE3_IV, sizeof cv);
        uint8_t flags = BLAKE3_CHUNK_START;
        while (input_len > STELE_BLAKE3_BLOCK_LEN) {
            impl->compress_in_place(cv, block, STELE_BLAKE3_BLOCK_LEN, 0, flags);
            flags = 0;
            block += STELE_BLAKE3_BLOCK_LEN;
            input_len -= STELE_BLAKE3_BLOCK_LEN;
        }
        uint8_t last_block[STELE_BLAKE3_BLOCK_LEN] = {0};
        if (input_len > 0) memcpy(last_block, block, input_len);
        impl->compress_in_place(cv, last_block, (uint8_t)input_len, 0, flags | BLAKE3_CHUNK_END | BLAKE3_ROOT);
        blake3_store_words(out, cv, 8);
        return;
    }
    stele_blake3_hasher hasher;
    stele_blake3_init(&hasher);
    stele_blake3_update(&hasher, input, input_len);
    stele_blake3_finalize(&hasher, out, STELE_BLAKE3_OUT_LEN);
}
