/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_blake3.c - libFuzzer target: BLAKE3's chunk and tree code.  The input chooses a message
 * length (0 to 512 KiB: every block, chunk and group edge, two GPU stages), the message's bytes
 * (the rest of the input, repeated), how it is fed in pieces, and a cut into aligned subtree
 * pieces.  One shot, incremental, subtrees joined (each subtree fed in pieces through
 * omsig_blake3_init_at and joined with omsig_blake3_push_cv) and the GPU core built for the
 * host (the whole message, and its subtrees' CVs joined) must all give the same digest.
 */
#include "blake3.h"
#include "blake3_core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEN (512u << 10)

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    /* splitmix64: any seed, zero included, gives a full sequence */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A piece length for feeding: mostly small and around the block and chunk sizes, at times
 * large. */
static size_t feed_len(rng *r, size_t left)
{
    size_t n;
    switch (next(r) % 4) {
    case 0: n = next(r) % 8; break;
    case 1: n = 64 * (next(r) % 20) + next(r) % 3 - 1; break;
    case 2: n = 1024 * (next(r) % 20) + next(r) % 3 - 1; break;
    default: n = next(r) % (left + 1); break;
    }
    return n > left ? left : n;
}

static void feed(omsig_blake3_hasher *h, const uint8_t *p, size_t len, rng *r)
{
    while (len > 0) {
        const size_t n = feed_len(r, len);
        omsig_blake3_update(h, p, n);
        p += n;
        len -= n;
    }
}

static void core_input(const uint8_t *p, uint64_t len, uint64_t base, int root, uint8_t out[32])
{
    uint32_t *scratch = malloc(omsig_blake3_core_scratch_words(len) * sizeof *scratch);
    if (!scratch) abort();
    omsig_blake3_core_input_serial(p, len, base, root, scratch, out);
    free(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 12) return 0;
    const size_t len = ((size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16) % (MAX_LEN + 1);
    rng r = {0};
    memcpy(&r.s, data + 3, 8);
    const uint8_t mode = data[11];
    const uint8_t *tail = data + 12;
    const size_t tail_len = size - 12;
    uint8_t *msg = calloc(len ? len : 1, 1);
    if (!msg) return 0;
    for (size_t i = 0; i < len; i++)
        msg[i] = tail_len ? (uint8_t)(tail[i % tail_len] ^ (i / tail_len)) : (uint8_t)i;

    uint8_t one[32], inc[32], joined[32], core[32], core_joined[32];
    omsig_blake3(msg, len, one);

    omsig_blake3_hasher *h = malloc(sizeof *h), *piece = malloc(sizeof *piece),
                        *hc = malloc(sizeof *hc);
    if (!h || !piece || !hc) abort();
    omsig_blake3_init(h);
    feed(h, msg, len, &r);
    if (omsig_blake3_final(h, inc) != 0) abort();

    core_input(msg, len, 0, 1, core);

    /* aligned subtrees: at chunk c, a power of two dividing c (or the rest, when c is a
     * multiple of the power of two at or above it); `mode` biases toward large or small */
    const uint64_t n = omsig_blake3_core_chunks(len);
    omsig_blake3_init(h);
    omsig_blake3_init(hc);
    uint64_t c = 0;
    int pieces = 0;
    while (c < n) {
        const uint64_t rest = n - c;
        uint64_t whole = 1;
        while (whole < rest) whole <<= 1;
        uint64_t take;
        if (c % whole == 0 && (c > 0 || next(&r) % 4 == 0) && next(&r) % 3 == 0) {
            take = rest;
        } else {
            unsigned j = 0;
            while (c % (2ull << j) == 0 && (2ull << j) < rest) j++;
            const unsigned pick = mode & 1 ? j : (unsigned)(next(&r) % (j + 1));
            take = 1ull << pick;
        }
        const uint64_t off = c * OMSIG_BLAKE3_CHUNK_LEN;
        const uint64_t bytes = c + take < n ? take * OMSIG_BLAKE3_CHUNK_LEN : len - off;
        if (c == 0 && take == n) { /* one piece: the whole message, a root not a CV */
            memcpy(joined, one, 32);
            memcpy(core_joined, core, 32);
            pieces = -1;
            break;
        }
        uint8_t cv[32], cv_core[32];
        omsig_blake3_init_at(piece, c);
        feed(piece, msg + off, (size_t)bytes, &r);
        omsig_blake3_final_cv(piece, cv);
        core_input(msg + off, bytes, c, 0, cv_core);
        if (memcmp(cv, cv_core, 32) != 0) abort(); /* a subtree's CV: library and GPU core */
        if (omsig_blake3_push_cv(h, cv, take) != 0) abort();
        if (omsig_blake3_push_cv(hc, cv_core, take) != 0) abort();
        c += take;
        pieces++;
    }
    if (pieces >= 0) {
        if (omsig_blake3_final(h, joined) != 0) abort();
        if (omsig_blake3_final(hc, core_joined) != 0) abort();
    }
    if (memcmp(one, inc, 32) != 0) abort();         /* incremental */
    if (memcmp(one, core, 32) != 0) abort();        /* the GPU core, whole */
    if (memcmp(one, joined, 32) != 0) abort();      /* subtrees joined */
    if (memcmp(one, core_joined, 32) != 0) abort(); /* the GPU core's subtrees joined */
    free(h);
    free(piece);
    free(hc);
    free(msg);
    return 0;
}

#ifdef OMSIG_FUZZ_SMOKE_MAIN
/* Without libFuzzer (the quick test): a fixed run of generated inputs, every length class. */
#include <stdio.h>

int main(void)
{
    rng r = {42};
    uint8_t in[64];
    for (int i = 0; i < 400; i++) {
        for (size_t k = 0; k < sizeof in; k++) in[k] = (uint8_t)next(&r);
        /* lengths near the block, chunk and group edges, and anything up to the maximum */
        const uint64_t base[] = {0, 64, 1024, 2048, 256 * 1024, 257 * 1024, MAX_LEN};
        uint64_t len = i % 2 ? base[next(&r) % 7] + next(&r) % 3 : next(&r) % (MAX_LEN + 1);
        if (len > MAX_LEN) len = MAX_LEN;
        in[0] = (uint8_t)len, in[1] = (uint8_t)(len >> 8), in[2] = (uint8_t)(len >> 16);
        LLVMFuzzerTestOneInput(in, 12 + next(&r) % (sizeof in - 11));
    }
    printf("PASS: 400 generated inputs\n");
    return 0;
}
#endif
