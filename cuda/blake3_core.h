/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_core.h - BLAKE3 (hash mode, 32-byte output) as the GPU computes it, in one header that
 * builds both as plain C11 on the host and as CUDA __host__ __device__ code, so the host tests
 * run the very code each GPU thread runs.  Written from the BLAKE3 specification; the constants
 * come from src/hash/blake3_tables.h as literal lists, so every message-word index and every IV
 * word is an immediate after expansion and the 16-word state stays in registers.
 *
 * The shape of the work (blake3_kernel.cu): an input is its chunks (1 KiB, the last one
 * shorter, an empty input one empty chunk).  Stage one gives each chunk to a thread
 * (omsig_blake3_core_chunk) and each group of OMSIG_BLAKE3_GROUP chunks to a thread block,
 * which reduces its chaining values (CVs) level by level in shared memory to one node.  Each
 * further stage reduces the previous stage's nodes, a group per block, until one is left.
 *
 * Why levels give BLAKE3's tree: BLAKE3 puts the largest power of two of chunks on the left of
 * every parent.  Pairing each level's nodes from the left (node i of the next level is the
 * parent of nodes 2i and 2i+1) and carrying an odd last node up unchanged builds exactly that
 * tree: at every level, nodes cover aligned runs of 2^level chunks except the last, which
 * covers what is left.  Groups start at multiples of OMSIG_BLAKE3_GROUP nodes, so reducing each
 * group on its own gives the same nodes as the whole level would.  The final compression
 * carries ROOT when the input is a whole message (a lone chunk: on its last block); an input
 * that is a subtree of a larger message (blake3.h: a piece starting at chunk `base`, aligned)
 * gives its CV instead, which the host pushes into omsig_blake3_push_cv.
 */
#ifndef OMSIG_BLAKE3_CORE_H
#define OMSIG_BLAKE3_CORE_H

#include <stdint.h>

#include "blake3_tables.h"
#include "gpu_hd.h"

#define OMSIG_BLAKE3_CORE_CHUNK 1024u
#define OMSIG_BLAKE3_GROUP 256u /* nodes one thread block reduces; the block's thread count */

enum {
    OMSIG_BLAKE3_CHUNK_START = 1u << 0,
    OMSIG_BLAKE3_CHUNK_END = 1u << 1,
    OMSIG_BLAKE3_PARENT = 1u << 2,
    OMSIG_BLAKE3_ROOT = 1u << 3,
};

/* ---- the compression function -------------------------------------------------------------- */

OMSIG_HD uint32_t omsig_blake3_core_rotr(uint32_t x, unsigned n)
{
#ifdef __CUDA_ARCH__
    return __funnelshift_r(x, x, n);
#else
    return (x >> n) | (x << (32u - n)); /* n is 7, 8, 12 or 16 */
#endif
}

#define OMSIG_BLAKE3_G(a, b, c, d, x, y)                                                      \
    do {                                                                                      \
        v[a] = v[a] + v[b] + (x);                                                             \
        v[d] = omsig_blake3_core_rotr(v[d] ^ v[a], 16);                                       \
        v[c] = v[c] + v[d];                                                                   \
        v[b] = omsig_blake3_core_rotr(v[b] ^ v[c], 12);                                       \
        v[a] = v[a] + v[b] + (y);                                                             \
        v[d] = omsig_blake3_core_rotr(v[d] ^ v[a], 8);                                        \
        v[c] = v[c] + v[d];                                                                   \
        v[b] = omsig_blake3_core_rotr(v[b] ^ v[c], 7);                                        \
    } while (0);

/* One round, its message-word order given as 16 literals (a row of OMSIG_BLAKE3_SCHEDULE). */
#define OMSIG_BLAKE3_ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
    OMSIG_BLAKE3_G(0, 4, 8, 12, m[s0], m[s1])                                                 \
    OMSIG_BLAKE3_G(1, 5, 9, 13, m[s2], m[s3])                                                 \
    OMSIG_BLAKE3_G(2, 6, 10, 14, m[s4], m[s5])                                                \
    OMSIG_BLAKE3_G(3, 7, 11, 15, m[s6], m[s7])                                                \
    OMSIG_BLAKE3_G(0, 5, 10, 15, m[s8], m[s9])                                                \
    OMSIG_BLAKE3_G(1, 6, 11, 12, m[s10], m[s11])                                              \
    OMSIG_BLAKE3_G(2, 7, 8, 13, m[s12], m[s13])                                               \
    OMSIG_BLAKE3_G(3, 4, 9, 14, m[s14], m[s15])

/* The compression function, truncated to the 8 words BLAKE3 keeps (a CV, or the 32-byte root
 * output): out[i] = v[i] ^ v[i + 8].  out may be cv. */
OMSIG_HD void omsig_blake3_core_compress(const uint32_t cv[8], const uint32_t m[16],
                                         uint64_t counter, uint32_t block_len, uint32_t flags,
                                         uint32_t out[8])
{
    const uint32_t iv[8] = {OMSIG_BLAKE3_IV_LIST};
    uint32_t v[16];
    OMSIG_UNROLL
    for (int i = 0; i < 8; i++) v[i] = cv[i];
    OMSIG_UNROLL
    for (int i = 0; i < 4; i++) v[8 + i] = iv[i];
    v[12] = (uint32_t)counter;
    v[13] = (uint32_t)(counter >> 32);
    v[14] = block_len;
    v[15] = flags;
    OMSIG_BLAKE3_SCHEDULE(OMSIG_BLAKE3_ROUND)
    OMSIG_UNROLL
    for (int i = 0; i < 8; i++) out[i] = v[i] ^ v[i + 8];
}

#undef OMSIG_BLAKE3_ROUND
#undef OMSIG_BLAKE3_G

/* ---- loads and stores ---------------------------------------------------------------------- */

/* One whole 64-byte block as 16 little-endian words.
 * @pre on the device, p is 16-byte aligned and in global memory (four 16-byte read-only
 *      loads); on the host any alignment is fine. */
OMSIG_HD void omsig_blake3_core_load_block(uint32_t m[16], const uint8_t *p)
{
#ifdef __CUDA_ARCH__
    const uint4 *q = (const uint4 *)p;
    OMSIG_UNROLL
    for (int j = 0; j < 4; j++) {
        const uint4 w = __ldg(q + j);
        m[4 * j + 0] = w.x; /* the device is little-endian, as BLAKE3's words are */
        m[4 * j + 1] = w.y;
        m[4 * j + 2] = w.z;
        m[4 * j + 3] = w.w;
    }
#else
    OMSIG_UNROLL
    for (int j = 0; j < 16; j++)
        m[j] = (uint32_t)p[4 * j] | (uint32_t)p[4 * j + 1] << 8 | (uint32_t)p[4 * j + 2] << 16 |
               (uint32_t)p[4 * j + 3] << 24;
#endif
}

/* The last, short block of an input: n (< 64) bytes, then zeros.  Each byte is read on its
 * own, so p may have any alignment and nothing at or past p[n] is read. */
OMSIG_HD void omsig_blake3_core_load_partial(uint32_t m[16], const uint8_t *p, uint32_t n)
{
    OMSIG_UNROLL
    for (uint32_t j = 0; j < 16; j++) {
        uint32_t w = 0;
        OMSIG_UNROLL
        for (uint32_t t = 0; t < 4; t++) {
            const uint32_t at = 4 * j + t;
            w |= (at < n ? (uint32_t)p[at] : 0u) << (8 * t);
        }
        m[j] = w;
    }
}

/* The 8 words as 32 bytes, little-endian: a CV or the digest.
 * @pre on the device, out is 16-byte aligned (two 16-byte stores). */
OMSIG_HD void omsig_blake3_core_store(const uint32_t w[8], uint8_t out[32])
{
#ifdef __CUDA_ARCH__
    uint4 *q = (uint4 *)out;
    q[0] = make_uint4(w[0], w[1], w[2], w[3]);
    q[1] = make_uint4(w[4], w[5], w[6], w[7]);
#else
    for (int j = 0; j < 8; j++) {
        out[4 * j + 0] = (uint8_t)w[j];
        out[4 * j + 1] = (uint8_t)(w[j] >> 8);
        out[4 * j + 2] = (uint8_t)(w[j] >> 16);
        out[4 * j + 3] = (uint8_t)(w[j] >> 24);
    }
#endif
}

/* ---- chunks and parents ------------------------------------------------------------------- */

/* Chunks in an input of len bytes: an empty input is one empty chunk. */
OMSIG_HD uint64_t omsig_blake3_core_chunks(uint64_t len)
{
    return len == 0 ? 1 : len / OMSIG_BLAKE3_CORE_CHUNK + (len % OMSIG_BLAKE3_CORE_CHUNK != 0);
}

/* Bytes of chunk i of an input of len bytes. */
OMSIG_HD uint32_t omsig_blake3_core_chunk_len(uint64_t len, uint64_t i)
{
    const uint64_t rest = len - i * OMSIG_BLAKE3_CORE_CHUNK;
    return rest < OMSIG_BLAKE3_CORE_CHUNK ? (uint32_t)rest : OMSIG_BLAKE3_CORE_CHUNK;
}

/* One chunk: len (0..1024) bytes at p, chunk number `counter` of the message.  Gives its CV,
 * or with root (the chunk is the whole message, so counter is 0) the ROOT flag on its last
 * block and the digest's words.  The body of one stage-one GPU thread. */
OMSIG_HD void omsig_blake3_core_chunk(const uint8_t *p, uint32_t len, uint64_t counter, int root,
                                      uint32_t out[8])
{
    uint32_t cv[8] = {OMSIG_BLAKE3_IV_LIST};
    const uint32_t blocks = len == 0 ? 1 : (len + 63) / 64;
    OMSIG_NO_UNROLL
    for (uint32_t b = 0; b < blocks; b++) {
        uint32_t m[16];
        const uint32_t block_len = b + 1 < blocks ? 64u : len - 64 * b;
        if (block_len == 64)
            omsig_blake3_core_load_block(m, p + 64 * b);
        else
            omsig_blake3_core_load_partial(m, p + 64 * b, block_len);
        uint32_t flags = b == 0 ? OMSIG_BLAKE3_CHUNK_START : 0u;
        if (b + 1 == blocks) flags |= OMSIG_BLAKE3_CHUNK_END | (root ? OMSIG_BLAKE3_ROOT : 0u);
        omsig_blake3_core_compress(cv, m, counter, block_len, flags, cv);
    }
    OMSIG_UNROLL
    for (int i = 0; i < 8; i++) out[i] = cv[i];
}

/* The parent of two CVs; with root, the digest's words. */
OMSIG_HD void omsig_blake3_core_parent(const uint32_t left[8], const uint32_t right[8], int root,
                                       uint32_t out[8])
{
    const uint32_t iv[8] = {OMSIG_BLAKE3_IV_LIST};
    uint32_t m[16];
    OMSIG_UNROLL
    for (int i = 0; i < 8; i++) m[i] = left[i], m[8 + i] = right[i];
    omsig_blake3_core_compress(iv, m, 0, 64, OMSIG_BLAKE3_PARENT | (root ? OMSIG_BLAKE3_ROOT : 0u),
                               out);
}

/* Node i (< (count + 1) / 2) of the level above `count` nodes (8 words each, node k at
 * in + 8k): the parent of nodes 2i and 2i+1, or node 2i carried up when it is the last of an
 * odd count.  With root, the parent of a level of two is the root: the digest's words. */
OMSIG_HD void omsig_blake3_core_level_node(const uint32_t *in, uint64_t count, uint64_t i,
                                           int root, uint32_t out[8])
{
    if (2 * i + 1 < count) {
        omsig_blake3_core_parent(in + 16 * i, in + 16 * i + 8, root && count == 2, out);
    } else {
        OMSIG_UNROLL
        for (int k = 0; k < 8; k++) out[k] = in[16 * i + k];
    }
}

/* Reduces count >= 1 nodes at `nodes` (8 words each) in place, level by level, to the one node
 * of their tree, left in nodes[0..8): the serial form of what a thread block does in parallel
 * (thread i computes node i of each level, with a barrier between computing and storing).
 * Node i of a level reads nodes 2i and 2i+1 of the level below, never one already replaced. */
OMSIG_HD void omsig_blake3_core_reduce_serial(uint32_t *nodes, uint64_t count, int root)
{
    while (count > 1) {
        const uint64_t next = (count + 1) / 2;
        for (uint64_t i = 0; i < next; i++) {
            uint32_t w[8];
            omsig_blake3_core_level_node(nodes, count, i, root, w);
            for (int k = 0; k < 8; k++) nodes[8 * i + k] = w[k];
        }
        count = next;
    }
}

/* ---- a whole input, serially --------------------------------------------------------------- */

/* Words of scratch omsig_blake3_core_input_serial needs for an input of len bytes. */
OMSIG_HD uint64_t omsig_blake3_core_scratch_words(uint64_t len)
{
    const uint64_t groups =
        (omsig_blake3_core_chunks(len) + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
    return 8 * (groups + OMSIG_BLAKE3_GROUP);
}

/* The tree of an input of len bytes at data whose first chunk is chunk `base` of its message,
 * computed in the kernels' order (stage one per group of chunks, then stages of groups of
 * nodes), one thread at a time: the host tests' and the stand-in runtime's form of
 * omsig_cuda_blake3_launch.  With root (base 0: the input is the message) the digest, else
 * the input's CV, as 32 bytes to out.  scratch: omsig_blake3_core_scratch_words(len) words. */
OMSIG_HD void omsig_blake3_core_input_serial(const uint8_t *data, uint64_t len, uint64_t base,
                                             int root, uint32_t *scratch, uint8_t out[32])
{
    const uint64_t n = omsig_blake3_core_chunks(len);
    uint64_t groups = (n + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
    uint32_t *level = scratch, *group = scratch + 8 * groups;
    for (uint64_t g = 0; g < groups; g++) {
        const uint64_t first = g * OMSIG_BLAKE3_GROUP;
        const uint64_t m = n - first < OMSIG_BLAKE3_GROUP ? n - first : OMSIG_BLAKE3_GROUP;
        for (uint64_t t = 0; t < m; t++)
            omsig_blake3_core_chunk(data + (first + t) * OMSIG_BLAKE3_CORE_CHUNK,
                                    omsig_blake3_core_chunk_len(len, first + t), base + first + t,
                                    root && n == 1, group + 8 * t);
        omsig_blake3_core_reduce_serial(group, m, root && groups == 1);
        for (int k = 0; k < 8; k++) level[8 * g + k] = group[k];
    }
    while (groups > 1) {
        const uint64_t next = (groups + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
        for (uint64_t g = 0; g < next; g++) {
            const uint64_t first = g * OMSIG_BLAKE3_GROUP;
            const uint64_t m =
                groups - first < OMSIG_BLAKE3_GROUP ? groups - first : OMSIG_BLAKE3_GROUP;
            for (uint64_t k = 0; k < 8 * m; k++) group[k] = level[8 * first + k];
            omsig_blake3_core_reduce_serial(group, m, root && next == 1);
            for (int k = 0; k < 8; k++) level[8 * g + k] = group[k];
        }
        groups = next;
    }
    omsig_blake3_core_store(level, out);
}

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of device scratch omsig_cuda_blake3_launch needs for an input of len bytes. */
static inline uint64_t omsig_blake3_scratch_bytes(uint64_t len)
{
    const uint64_t groups =
        (omsig_blake3_core_chunks(len) + OMSIG_BLAKE3_GROUP - 1) / OMSIG_BLAKE3_GROUP;
    return 2 * 32 * groups;
}

/* Launches the BLAKE3 kernels (cuda/blake3_kernel.cu) for one input on a CUDA stream: len
 * bytes at data (device, 16-byte aligned), its first chunk being chunk `base` of the message.
 * With root (base must be 0) out gets the message's digest, else the input's CV (32 bytes,
 * device, 16-byte aligned).  scratch: omsig_blake3_scratch_bytes(len) bytes of device memory.
 * cuda_stream is a cudaStream_t, or NULL for the default stream.
 * Returns the cudaError_t of the launches; errors during the run show up at the next
 * synchronisation. */
int omsig_cuda_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                             void *scratch, void *out, void *cuda_stream);

#ifdef __cplusplus
}
#endif

#endif
