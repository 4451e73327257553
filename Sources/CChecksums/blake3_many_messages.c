/*
 * stele_blake3_hash_many_messages: the default 32-byte BLAKE3 hash of many
 * independent messages, several at once in SIMD lanes (blake3_many_messages.h).
 *
 * The kernels of the implementation in use (stele_blake3_current_implementation,
 * so stele_blake3_use_implementation applies here as everywhere else) take a
 * fixed number of lanes. A batch runs as long as its longest message, so
 * messages are grouped by block count first: each window of up to WINDOW
 * messages is ordered by block count (a counting sort; a message's block
 * count is 1 to 16), then cut into groups of the widest kernel's lane count.
 * A final group too small for it goes to the narrowest kernel that holds it,
 * its spare lanes filled with copies of one of its messages (whose outputs
 * go to a scratch buffer); a single message left over, and every message
 * longer than one chunk, is hashed on its own by stele_blake3_hash.
 */
#include "blake3_many_messages.h"

#define WINDOW 256
#define MAX_LANES 16

typedef struct {
    blake3_messages_kernel kernel;
    size_t lanes;
} kernel_choice;

/* The kernels of an implementation, widest first; returns how many. */
static size_t kernels_for(stele_blake3_implementation implementation, kernel_choice kernels[3]) {
    switch (implementation) {
#if defined(__x86_64__)
    case STELE_BLAKE3_AVX512:
        kernels[0] = (kernel_choice){stele_blake3_avx512_x16_hash_messages, 16};
        kernels[1] = (kernel_choice){stele_blake3_avx512_x8_hash_messages, 8};
        kernels[2] = (kernel_choice){stele_blake3_avx512_x4_hash_messages, 4};
        return 3;
    case STELE_BLAKE3_AVX2:
        kernels[0] = (kernel_choice){stele_blake3_avx2_hash_messages, 8};
        kernels[1] = (kernel_choice){stele_blake3_sse41_hash_messages, 4};
        return 2;
    case STELE_BLAKE3_SSE41:
        kernels[0] = (kernel_choice){stele_blake3_sse41_hash_messages, 4};
        return 1;
#endif
    default:
        return 0;
    }
}

/* Runs `group` (2 to lanes) messages, listed by index in `order`, through
 * a kernel; when group < lanes the spare lanes repeat the last message and
 * write to scratch. */
static void run_group(const kernel_choice *choice, const uint8_t *const *inputs, const size_t *lengths,
                      uint8_t (*outputs)[STELE_BLAKE3_OUT_LEN], const uint16_t *order, size_t base,
                      size_t group) {
    const uint8_t *lane_inputs[MAX_LANES];
    size_t lane_lengths[MAX_LANES];
    uint8_t *lane_outputs[MAX_LANES];
    uint8_t scratch[STELE_BLAKE3_OUT_LEN];
    for (size_t lane = 0; lane < choice->lanes; lane++) {
        size_t index = base + order[lane < group ? lane : group - 1];
        lane_inputs[lane] = inputs[index];
        lane_lengths[lane] = lengths[index];
        lane_outputs[lane] = lane < group ? outputs[index] : scratch;
    }
    choice->kernel(lane_inputs, lane_lengths, lane_outputs);
}

/* Messages base .. base + count - 1 (count <= WINDOW). */
static void hash_window(const kernel_choice *kernels, size_t kernel_count, const uint8_t *const *inputs,
                        const size_t *lengths, uint8_t (*outputs)[STELE_BLAKE3_OUT_LEN], size_t base,
                        size_t count) {
    /* Counting sort of the short messages by block count. */
    size_t starts[BLAKE3_BLOCKS_PER_CHUNK + 2] = {0};
    for (size_t i = 0; i < count; i++) {
        size_t length = lengths[base + i];
        if (length <= STELE_BLAKE3_CHUNK_LEN) starts[blake3_message_blocks(length) + 1]++;
    }
    for (size_t blocks = 1; blocks <= BLAKE3_BLOCKS_PER_CHUNK + 1; blocks++) starts[blocks] += starts[blocks - 1];
    size_t short_count = starts[BLAKE3_BLOCKS_PER_CHUNK + 1];
    uint16_t order[WINDOW];
    for (size_t i = 0; i < count; i++) {
        size_t length = lengths[base + i];
        if (length <= STELE_BLAKE3_CHUNK_LEN) {
            order[starts[blake3_message_blocks(length)]++] = (uint16_t)i;
        } else {
            stele_blake3_hash(inputs[base + i], length, outputs[base + i]);
        }
    }

    size_t done = 0;
    while (done < short_count) {
        size_t remaining = short_count - done;
        if (remaining == 1) {
            size_t index = base + order[done];
            stele_blake3_hash(inputs[index], lengths[index], outputs[index]);
            break;
        }
        /* The widest kernel while it fills up, then the narrowest that holds the rest. */
        const kernel_choice *choice = &kernels[0];
        if (remaining < kernels[0].lanes) {
            for (size_t k = 1; k < kernel_count && kernels[k].lanes >= remaining; k++) choice = &kernels[k];
        }
        size_t group = remaining < choice->lanes ? remaining : choice->lanes;
        run_group(choice, inputs, lengths, outputs, order + done, base, group);
        done += group;
    }
}

void stele_blake3_hash_many_messages(const uint8_t *const *inputs, const size_t *lengths, size_t count,
                                     uint8_t (*outputs)[STELE_BLAKE3_OUT_LEN]) {
    kernel_choice kernels[3];
    size_t kernel_count = kernels_for(stele_blake3_current_implementation(), kernels);
    if (kernel_count == 0) {
        for (size_t i = 0; i < count; i++) stele_blake3_hash(inputs[i], lengths[i], outputs[i]);
        return;
    }
    for (size_t base = 0; base < count; base += WINDOW) {
        size_t window = count - base < WINDOW ? count - base : WINDOW;
        hash_window(kernels, kernel_count, inputs, lengths, outputs, base, window);
    }
}
