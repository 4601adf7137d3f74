/* SPDX-License-Identifier: Apache-2.0 */
/* blake3_kernel.cu - BLAKE3 of one input on the device: a thread per chunk, then the tree
 * reduced a block of OMSIG_BLAKE3_GROUP nodes at a time, stage after stage, and the C launcher.
 * All hashing logic lives in blake3_core.h (see there for why the stages give BLAKE3's tree). */
#include <cuda_runtime.h>

#include "blake3_core.h"
#ifndef OMSIG_SIMT
#include "gpu_launch.h"
#endif

/* Reduces the m nodes in s (8 words each, node t at s + 8t) to one, left in s[0..8): at each
 * level thread t < next computes node t from the level below, then every thread waits before
 * any stores, and waits again before the next level reads.  m is the same in every thread of
 * the block, so every thread reaches every barrier. */
static __device__ __forceinline__ void reduce_block(uint32_t *s, uint32_t m, int root, uint32_t t)
{
    for (uint32_t count = m; count > 1;) {
        const uint32_t next = (count + 1) / 2;
        uint32_t w[8];
        if (t < next) omsig_blake3_core_level_node(s, count, t, root, w);
        __syncthreads();
        if (t < next) {
            OMSIG_UNROLL
            for (int k = 0; k < 8; k++) s[8 * t + k] = w[k];
        }
        __syncthreads();
        count = next;
    }
}

/* Stage one: block g hashes chunks [g * GROUP, ...) of the input, a thread each, and reduces
 * their CVs to one node: to out (the digest, or the input's CV) when the input is one group,
 * else to nodes[8g..8g+8). */
__global__ void __launch_bounds__(OMSIG_BLAKE3_GROUP)
    omsig_blake3_chunks_kernel(const uint8_t *__restrict__ data, uint64_t len, uint64_t base,
                               int root, uint32_t *__restrict__ nodes, uint8_t *__restrict__ out)
{
    OMSIG_SHARED_ARRAY(uint32_t, s, OMSIG_BLAKE3_GROUP * 8);
    const uint32_t t = threadIdx.x;
    const uint64_t n = omsig_blake3_core_chunks(len);
    const uint64_t first = (uint64_t)blockIdx.x * OMSIG_BLAKE3_GROUP;
    const uint32_t m =
        n - first < OMSIG_BLAKE3_GROUP ? (uint32_t)(n - first) : OMSIG_BLAKE3_GROUP;
    const int top = root && gridDim.x == 1;
    if (t < m) {
        const uint64_t i = first + t;
        uint32_t w[8];
        omsig_blake3_core_chunk(data + i * OMSIG_BLAKE3_CORE_CHUNK,
                                omsig_blake3_core_chunk_len(len, i), base + i, top && n == 1, w);
        OMSIG_UNROLL
        for (int k = 0; k < 8; k++) s[8 * t + k] = w[k];
    }
    __syncthreads();
    reduce_block(s, m, top, t);
    if (t == 0) {
        if (gridDim.x == 1) {
            omsig_blake3_core_store(s, out);
        } else {
            OMSIG_UNROLL
            for (int k = 0; k < 8; k++) nodes[8 * (uint64_t)blockIdx.x + k] = s[k];
        }
    }
}

/* A later stage: block g reduces nodes [g * GROUP, ...) of the `count` at in to one node: to
 * out when this is the last stage (one block), else to next[8g..8g+8). */
__global__ void __launch_bounds__(OMSIG_BLAKE3_GROUP)
    omsig_blake3_reduce_kernel(const uint32_t *__restrict__ in, uint64_t count, int root,
                               uint32_t *__restrict__ next, uint8_t *__restrict__ out)
{
    OMSIG_SHARED_ARRAY(uint32_t, s, OMSIG_BLAKE3_GROUP * 8);
    const uint32_t t = threadIdx.x;
    const uint64_t first = (uint64_t)blockIdx.x * OMSIG_BLAKE3_GROUP;
    const uint32_t m =
        count - first < OMSIG_BLAKE3_GROUP ? (uint32_t)(count - first) : OMSIG_BLAKE3_GROUP;
    if (t < m) {
        OMSIG_UNROLL
        for (int k = 0; k < 8; k++) s[8 * t + k] = in[8 * (first + t) + k];
    }
    __syncthreads();
    reduce_block(s, m, root && gridDim.x == 1, t);
    if (t == 0) {
        if (gridDim.x == 1) {
            omsig_blake3_core_store(s, out);
        } else {
            OMSIG_UNROLL
            for (int k = 0; k < 8; k++) next[8 * (uint64_t)blockIdx.x + k] = s[k];
        }
    }
}

/* The stages for one input, each given to `launch(kernel, grid, block, args...)` (gpu_launch.h
 * on the device; the host SIMT runner in tests/simt runs the same sequence). */
template <typename Launch>
static int omsig_blake3_launch_with(const void *data, uint64_t len, uint64_t base, int root,
                                    void *scratch, void *out, const Launch &launch)
{
    if (root && base != 0) return (int)cudaErrorInvalidValue; /* a root is chunk 0's tree */
    uint64_t groups =
        (omsig_blake3_core_chunks(len) + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
    if (groups > 0x7fffffffu) return (int)cudaErrorInvalidValue; /* grid x: 2^31 - 1 blocks */
    /* the stages' nodes alternate between the two halves of the scratch */
    uint32_t *a = (uint32_t *)scratch, *b = a + 8 * groups;
    int rc = launch(omsig_blake3_chunks_kernel, (unsigned)groups, OMSIG_BLAKE3_GROUP,
                    (const uint8_t *)data, len, base, root, a, (uint8_t *)out);
    while (rc == (int)cudaSuccess && groups > 1) {
        const uint64_t next = (groups + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
        rc = launch(omsig_blake3_reduce_kernel, (unsigned)next, OMSIG_BLAKE3_GROUP,
                    (const uint32_t *)a, groups, root, b, (uint8_t *)out);
        uint32_t *const t = a;
        a = b;
        b = t;
        groups = next;
    }
    return rc;
}

#ifndef OMSIG_SIMT
extern "C" int omsig_cuda_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                                        void *scratch, void *out, void *cuda_stream)
{
    return omsig_blake3_launch_with(data, len, base, root, scratch, out,
                                    omsig_cuda_launcher{(cudaStream_t)cuda_stream});
}
#endif
