/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_portable.c - BLAKE3 in portable C: chunks of 16 blocks, parent nodes (through the
 * compression function of cuda/blake3_core.h, the code the GPU runs, built for the host),
 * and the stack of subtree chaining values (blake3.h says how pieces combine).  It is also the
 * one dispatch point for the wide backends (blake3_avx2.c, blake3_avx512.c), which the
 * hasher hands whole aligned subtrees of chunks to.
 */
#include "blake3.h"
#include "blake3_core.h"
#include "blake3_tables.h"
#include "hooks.h"

#include <stdatomic.h>
#include <string.h>

static inline void store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The compression function (truncated to the 8 words BLAKE3 keeps) is the one the GPU runs,
 * cuda/blake3_core.h, built here for the host. */
static void compress(const uint32_t cv[8], const uint8_t block[OMSIG_BLAKE3_BLOCK_LEN],
                     uint64_t counter, uint32_t block_len, uint32_t flags, uint32_t out[8])
{
    uint32_t m[16];
    omsig_blake3_core_load_block(m, block);
    omsig_blake3_core_compress(cv, m, counter, block_len, flags, out);
}

/* A node whose last compression is still pending: as a CV, or with ROOT as the digest. */
typedef struct node {
    uint32_t cv[8];
    uint8_t block[OMSIG_BLAKE3_BLOCK_LEN];
    uint64_t counter;
    uint32_t block_len;
    uint32_t flags;
} node;

static void node_cv(const node *n, uint8_t cv[OMSIG_BLAKE3_OUT_LEN])
{
    uint32_t w[8];
    compress(n->cv, n->block, n->counter, n->block_len, n->flags, w);
    for (unsigned i = 0; i < 8; i++) store32(cv + 4 * i, w[i]);
}

/* The root's first output block: output block counter 0 (the root chunk is chunk 0, and a
 * parent's counter is always 0, so this is the same counter as the node's own). */
static void node_root(const node *n, uint8_t out[OMSIG_BLAKE3_OUT_LEN])
{
    uint32_t w[8];
    compress(n->cv, n->block, 0, n->block_len, n->flags | OMSIG_BLAKE3_ROOT, w);
    for (unsigned i = 0; i < 8; i++) store32(out + 4 * i, w[i]);
}

static void parent_node(node *n, const uint8_t left[OMSIG_BLAKE3_OUT_LEN],
                        const uint8_t right[OMSIG_BLAKE3_OUT_LEN])
{
    memcpy(n->cv, omsig_blake3_iv, sizeof n->cv);
    memcpy(n->block, left, OMSIG_BLAKE3_OUT_LEN);
    memcpy(n->block + OMSIG_BLAKE3_OUT_LEN, right, OMSIG_BLAKE3_OUT_LEN);
    n->counter = 0;
    n->block_len = OMSIG_BLAKE3_BLOCK_LEN;
    n->flags = OMSIG_BLAKE3_PARENT;
}

static void parent_cv(const uint8_t left[OMSIG_BLAKE3_OUT_LEN],
                      const uint8_t right[OMSIG_BLAKE3_OUT_LEN], uint8_t out[OMSIG_BLAKE3_OUT_LEN])
{
    node n;
    parent_node(&n, left, right);
    node_cv(&n, out);
}

static size_t chunk_len(const omsig_blake3_hasher *h)
{
    return (size_t)h->blocks * OMSIG_BLAKE3_BLOCK_LEN + h->buf_len;
}

static uint32_t chunk_flags(const omsig_blake3_hasher *h)
{
    return h->blocks == 0 ? OMSIG_BLAKE3_CHUNK_START : 0;
}

static void chunk_reset(omsig_blake3_hasher *h)
{
    memcpy(h->cv, omsig_blake3_iv, sizeof h->cv);
    h->buf_len = 0;
    h->blocks = 0;
}

/* The current chunk's last block, still to be compressed with CHUNK_END. */
static void chunk_node(const omsig_blake3_hasher *h, node *n)
{
    memcpy(n->cv, h->cv, sizeof n->cv);
    memset(n->block, 0, sizeof n->block);
    memcpy(n->block, h->buf, h->buf_len);
    n->counter = h->chunk;
    n->block_len = h->buf_len;
    n->flags = chunk_flags(h) | OMSIG_BLAKE3_CHUNK_END;
}

/* ---- wide backends --------------------------------------------------------------------- */

enum { BACKEND_PORTABLE = 0, BACKEND_AVX2 = 1, BACKEND_AVX512 = 2 };

static const char *const k_backend_names[] = {"portable", "avx2", "avx512"};

static int detect_backend(void)
{
    int have = BACKEND_PORTABLE; /* the widest this CPU runs */
#if OMSIG_BLAKE3_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) have = BACKEND_AVX2;
    if (__builtin_cpu_supports("avx512f")) have = BACKEND_AVX512;
#endif
    /* the widest the CPU runs (the AVX-512 backend passed run_blake3.sh's comparison with
     * the reference on Zen 4); a test build may force a narrower one */
    int pick = have;
    const char *force = omsig_hook("OMSIG_BLAKE3");
    if (force != NULL) {
        for (int b = BACKEND_PORTABLE; b <= have; b++)
            if (strcmp(force, k_backend_names[b]) == 0) pick = b;
    }
    return pick;
}

static int backend(void)
{
    /* chosen once: CPUID is costly in a VM, and every update asks */
    static atomic_int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        v = detect_backend();
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

const char *omsig_blake3_backend(void) { return k_backend_names[backend()]; }

/* Inputs one call of the backend hashes at once (1: no wide backend). */
static size_t backend_width(int b)
{
    return b == BACKEND_AVX512 ? 16 : b == BACKEND_AVX2 ? 8 : 1;
}

static void many(int b, const uint8_t *in, size_t stride, size_t blocks, uint64_t counter,
                 int counter_step, uint32_t flags, uint32_t flags_start, uint32_t flags_end,
                 uint8_t *out)
{
#if OMSIG_BLAKE3_X86
    if (b == BACKEND_AVX512)
        omsig_blake3_many_avx512(in, stride, blocks, counter, counter_step, flags, flags_start,
                                 flags_end, out);
    else
        omsig_blake3_many_avx2(in, stride, blocks, counter, counter_step, flags, flags_start,
                               flags_end, out);
#else
    (void)b, (void)in, (void)stride, (void)blocks, (void)counter, (void)counter_step;
    (void)flags, (void)flags_start, (void)flags_end, (void)out;
#endif
}

/* The CVs of n <= width whole chunks at p (not necessarily a subtree), the first being chunk
 * `counter`: fewer than `width` are copied out and padded, so the backend reads only what
 * belongs to the input. */
static void wide_chunks(int b, size_t width, const uint8_t *p, size_t n, uint64_t counter,
                        uint8_t *cvs)
{
    uint8_t pad[16 * OMSIG_BLAKE3_CHUNK_LEN];
    if (n < width) {
        memcpy(pad, p, n * OMSIG_BLAKE3_CHUNK_LEN);
        memset(pad + n * OMSIG_BLAKE3_CHUNK_LEN, 0, (width - n) * OMSIG_BLAKE3_CHUNK_LEN);
        p = pad;
    }
    many(b, p, OMSIG_BLAKE3_CHUNK_LEN, OMSIG_BLAKE3_CHUNK_LEN / OMSIG_BLAKE3_BLOCK_LEN, counter,
         1, 0, OMSIG_BLAKE3_CHUNK_START, OMSIG_BLAKE3_CHUNK_END, cvs);
}

/* The largest subtree handed to a wide backend at once: 256 chunks keep the few parents below
 * the backend's width (done one at a time) near 2% of the work, and its CVs (8 KiB) on the
 * stack. */
#define WIDE_MAX_CHUNKS 256u

/* The CV of the n whole chunks at p (a power of two, at least the width, an aligned subtree
 * that is not the root), the first being chunk `counter` of the input: chunks `width` at a
 * time, then each level of parents `width` at a time while there are that many. */
static void wide_subtree(int b, size_t width, const uint8_t *p, size_t n, uint64_t counter,
                         uint8_t cv[OMSIG_BLAKE3_OUT_LEN])
{
    uint8_t cvs[WIDE_MAX_CHUNKS * OMSIG_BLAKE3_OUT_LEN];
    for (size_t g = 0; g < n; g += width)
        many(b, p + g * OMSIG_BLAKE3_CHUNK_LEN, OMSIG_BLAKE3_CHUNK_LEN,
             OMSIG_BLAKE3_CHUNK_LEN / OMSIG_BLAKE3_BLOCK_LEN, counter + g, 1, 0,
             OMSIG_BLAKE3_CHUNK_START, OMSIG_BLAKE3_CHUNK_END, cvs + g * OMSIG_BLAKE3_OUT_LEN);
    /* a level's parent i reads CVs 2i, 2i+1 and writes CV i: each call loads its inputs
     * before it stores, and later calls read only what earlier ones did not overwrite */
    for (; n / 2 >= width; n /= 2)
        for (size_t g = 0; g < n / 2; g += width)
            many(b, cvs + 2 * g * OMSIG_BLAKE3_OUT_LEN, OMSIG_BLAKE3_BLOCK_LEN, 1, 0, 0,
                 OMSIG_BLAKE3_PARENT, 0, 0, cvs + g * OMSIG_BLAKE3_OUT_LEN);
    for (; n > 2; n /= 2)
        for (size_t i = 0; i < n / 2; i++)
            parent_cv(cvs + 2 * i * OMSIG_BLAKE3_OUT_LEN, cvs + (2 * i + 1) * OMSIG_BLAKE3_OUT_LEN,
                      cvs + i * OMSIG_BLAKE3_OUT_LEN);
    parent_cv(cvs, cvs + OMSIG_BLAKE3_OUT_LEN, cv);
}

/* Once input is known to follow local chunk `done` (a CV is pushed, or bytes start a chunk),
 * the stack is merged down to one entry per set bit of `done`: the subtrees completed so far.
 * Merging only then (not as soon as a pair completes) keeps the last pair for the final, which
 * may need the ROOT flag. */
static void merge_to(omsig_blake3_hasher *h, uint64_t done)
{
    const unsigned keep = (unsigned)__builtin_popcountll(done);
    while (h->stack_len > keep) {
        uint8_t *left = h->stack[h->stack_len - 2];
        parent_cv(left, h->stack[h->stack_len - 1], left);
        h->stack_len--;
    }
}

static void push(omsig_blake3_hasher *h, const uint8_t cv[OMSIG_BLAKE3_OUT_LEN],
                 uint64_t n_chunks)
{
    merge_to(h, h->chunk - h->base);
    memcpy(h->stack[h->stack_len++], cv, OMSIG_BLAKE3_OUT_LEN);
    h->chunk += n_chunks;
    chunk_reset(h);
}

void omsig_blake3_init_at(omsig_blake3_hasher *h, uint64_t chunk_offset)
{
    h->chunk = chunk_offset;
    h->base = chunk_offset;
    h->stack_len = 0;
    chunk_reset(h);
}

void omsig_blake3_init(omsig_blake3_hasher *h) { omsig_blake3_init_at(h, 0); }

void omsig_blake3_update(omsig_blake3_hasher *h, const void *data, size_t len)
{
    const uint8_t *p = data;
    const size_t width = backend_width(backend());
    while (len > 0) {
        /* a full chunk is closed only once more input shows it is not the last */
        if (chunk_len(h) == OMSIG_BLAKE3_CHUNK_LEN) {
            node n;
            uint8_t cv[OMSIG_BLAKE3_OUT_LEN];
            chunk_node(h, &n);
            node_cv(&n, cv);
            push(h, cv, 1);
        }
        /* at a chunk boundary, whole aligned subtrees with input after them (so none holds
         * the last chunk, which may be the root) go to the wide backend */
        if (width > 1 && chunk_len(h) == 0) {
            const int b = backend();
            while (len > OMSIG_BLAKE3_CHUNK_LEN) {
                const uint64_t done = h->chunk - h->base;
                const size_t avail = (len - 1) / OMSIG_BLAKE3_CHUNK_LEN; /* at least 1 */
                size_t n = WIDE_MAX_CHUNKS;
                while (n > avail || (done & (n - 1)) != 0) n >>= 1;
                if (n >= width) {
                    uint8_t cv[OMSIG_BLAKE3_OUT_LEN];
                    wide_subtree(b, width, p, n, h->chunk, cv);
                    push(h, cv, n);
                } else {
                    /* short of an aligned group of `width` (a piece of input that starts
                     * off a boundary, or the chunks before the last one held back): still
                     * the chunks together, up to the next boundary, each CV pushed alone */
                    n = width - (size_t)(done % width);
                    if (n > avail) n = avail;
                    if (n < 2) break;
                    uint8_t cvs[16 * OMSIG_BLAKE3_OUT_LEN];
                    wide_chunks(b, width, p, n, h->chunk, cvs);
                    for (size_t i = 0; i < n; i++) push(h, cvs + i * OMSIG_BLAKE3_OUT_LEN, 1);
                }
                p += n * OMSIG_BLAKE3_CHUNK_LEN;
                len -= n * OMSIG_BLAKE3_CHUNK_LEN;
            }
        }
        /* input follows the subtrees on the stack: pairs there are no longer the root's */
        if (chunk_len(h) == 0) merge_to(h, h->chunk - h->base);
        /* likewise a full block: the chunk's last block is compressed with CHUNK_END */
        if (h->buf_len == OMSIG_BLAKE3_BLOCK_LEN) {
            compress(h->cv, h->buf, h->chunk, OMSIG_BLAKE3_BLOCK_LEN, chunk_flags(h), h->cv);
            h->blocks++;
            h->buf_len = 0;
        }
        /* whole blocks straight from the input while more input follows in this chunk */
        while (h->buf_len == 0 && len > OMSIG_BLAKE3_BLOCK_LEN && h->blocks < 15) {
            compress(h->cv, p, h->chunk, OMSIG_BLAKE3_BLOCK_LEN, chunk_flags(h), h->cv);
            h->blocks++;
            p += OMSIG_BLAKE3_BLOCK_LEN;
            len -= OMSIG_BLAKE3_BLOCK_LEN;
        }
        size_t take = OMSIG_BLAKE3_BLOCK_LEN - h->buf_len;
        if (take > len) take = len;
        memcpy(h->buf + h->buf_len, p, take);
        h->buf_len = (uint8_t)(h->buf_len + take);
        p += take;
        len -= take;
    }
}

/* The node everything given so far reduces to, with its last compression pending.  Returns
 * -1 when the hasher holds a single pushed CV and nothing else. */
static int final_node(const omsig_blake3_hasher *h, node *n)
{
    size_t i = h->stack_len;
    if (chunk_len(h) > 0 || i == 0) {
        chunk_node(h, n);
    } else if (i == 1) {
        return -1;
    } else {
        parent_node(n, h->stack[i - 2], h->stack[i - 1]);
        i -= 2;
    }
    while (i > 0) {
        uint8_t right[OMSIG_BLAKE3_OUT_LEN];
        node_cv(n, right);
        parent_node(n, h->stack[--i], right);
    }
    return 0;
}

int omsig_blake3_final(const omsig_blake3_hasher *h, uint8_t out[OMSIG_BLAKE3_OUT_LEN])
{
    node n;
    if (final_node(h, &n) != 0) return -1;
    node_root(&n, out);
    return 0;
}

void omsig_blake3_final_cv(const omsig_blake3_hasher *h, uint8_t cv[OMSIG_BLAKE3_OUT_LEN])
{
    node n;
    if (final_node(h, &n) != 0) {
        memcpy(cv, h->stack[0], OMSIG_BLAKE3_OUT_LEN);
        return;
    }
    node_cv(&n, cv);
}

int omsig_blake3_push_cv(omsig_blake3_hasher *h, const uint8_t cv[OMSIG_BLAKE3_OUT_LEN],
                         uint64_t n_chunks)
{
    if (chunk_len(h) != 0) return -1;
    push(h, cv, n_chunks);
    return 0;
}

void omsig_blake3(const void *data, size_t len, uint8_t out[OMSIG_BLAKE3_OUT_LEN])
{
    omsig_blake3_hasher h;
    omsig_blake3_init(&h);
    omsig_blake3_update(&h, data, len);
    (void)omsig_blake3_final(&h, out);
}
