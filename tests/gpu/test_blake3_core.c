/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_blake3_core.c - the GPU BLAKE3 core (cuda/blake3_core.h) built for the host, against
 * the library's BLAKE3 (src/hash/blake3.h) and a published answer: every length 0..2049,
 * 1024k-1, 1024k and 1024k+1 for k up to 64, a few inputs of several MiB (three kernel stages),
 * and inputs cut into random aligned subtree pieces whose CVs the core computes and the
 * library's hasher joins.  The thread blocks' parallel reduction is replayed step by step
 * (every thread computes, then every thread stores) and compared with the serial form.
 */
#include "blake3.h"
#include "blake3_core.h"
#include "helpers.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* The core's result for len bytes at p (a whole message when root, else a piece at base). */
static void core_input(const uint8_t *p, uint64_t len, uint64_t base, int root, uint8_t out[32])
{
    uint32_t *scratch = malloc(omsig_blake3_core_scratch_words(len) * sizeof *scratch);
    if (!scratch) {
        fprintf(stderr, "out of memory\n");
        exit(T_FAIL);
    }
    omsig_blake3_core_input_serial(p, len, base, root, scratch, out);
    free(scratch);
}

static void hex(const uint8_t *d, char s[65])
{
    for (int i = 0; i < 32; i++) snprintf(s + 2 * i, 3, "%02x", d[i]);
}

/* The published digest of the empty input (the BLAKE3 team's test vectors). */
static void known_answers(void)
{
    uint8_t got[32];
    char s[65];
    core_input((const uint8_t *)"", 0, 0, 1, got);
    hex(got, s);
    T_STREQ(s, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
}

static int check_whole(const uint8_t *p, uint64_t len)
{
    uint8_t want[32], got[32];
    omsig_blake3(p, (size_t)len, want);
    core_input(p, len, 0, 1, got);
    if (memcmp(want, got, 32) != 0) {
        fprintf(stderr, "length %llu: the core's digest differs\n", (unsigned long long)len);
        t_failures++;
        return 0;
    }
    return 1;
}

static void lengths(void)
{
    const size_t max = 65u * 1024 + 1;
    uint8_t *buf = malloc(max);
    T_CHECK(buf != NULL);
    if (!buf) return;
    t_fill(&rng_state, buf, max);
    for (uint64_t n = 0; n <= 2049; n++) check_whole(buf, n);
    for (uint64_t k = 1; k <= 64; k++)
        for (int d = -1; d <= 1; d++) check_whole(buf, 1024 * k + (uint64_t)(int64_t)d);
    free(buf);
}

/* Joins random aligned pieces of the len bytes at p: each piece is 2^j chunks starting at a
 * multiple of its size (the last may be shorter), its CV from the core, pushed in order into
 * the library's hasher.  A single piece is the whole input: the core's root then. */
static int check_pieces(const uint8_t *p, uint64_t len, unsigned max_log)
{
    const uint64_t n = omsig_blake3_core_chunks(len);
    uint8_t want[32], got[32];
    omsig_blake3(p, (size_t)len, want);
    omsig_blake3_hasher h;
    omsig_blake3_init(&h);
    uint64_t c = 0;
    while (c < n) {
        const uint64_t rest = n - c;
        uint64_t whole = 1; /* the power of two >= rest */
        while (whole < rest) whole <<= 1;
        uint64_t take;
        if (c % whole == 0 && t_rnd(&rng_state) % 3 == 0) {
            take = rest; /* the rest is an aligned subtree here: one last piece */
        } else {
            /* the largest aligned power of two at c that leaves input after it, then a random
             * smaller one */
            unsigned j = 0;
            while (j < max_log && c % (2ull << j) == 0 && (2ull << j) < rest) j++;
            take = 1ull << (unsigned)(t_rnd(&rng_state) % (j + 1));
            if (take > rest) take = rest;
        }
        if (c == 0 && take == n) { /* the whole input: its root */
            core_input(p, len, 0, 1, got);
            goto compare;
        }
        const uint64_t bytes =
            c + take < n ? take * OMSIG_BLAKE3_CORE_CHUNK : len - c * OMSIG_BLAKE3_CORE_CHUNK;
        uint8_t cv[32];
        core_input(p + c * OMSIG_BLAKE3_CORE_CHUNK, bytes, c, 0, cv);
        if (omsig_blake3_push_cv(&h, cv, take) != 0) t_failures++;
        c += take;
    }
    if (omsig_blake3_final(&h, got) != 0) t_failures++;
compare:
    if (memcmp(want, got, 32) != 0) {
        fprintf(stderr, "length %llu in pieces: the joined digest differs\n",
                (unsigned long long)len);
        t_failures++;
        return 0;
    }
    return 1;
}

/* A piece's CV from the core against the library's: init_at(base), the bytes, final_cv. */
static void piece_cvs(const uint8_t *p, uint64_t max_len)
{
    for (int r = 0; r < 200; r++) {
        const unsigned j = (unsigned)(t_rnd(&rng_state) % 10);
        const uint64_t chunks = 1ull << j;
        uint64_t len = chunks * OMSIG_BLAKE3_CORE_CHUNK;
        if (t_rnd(&rng_state) % 2) len -= t_rnd(&rng_state) % OMSIG_BLAKE3_CORE_CHUNK; /* a last piece: short */
        if (len > max_len) continue;
        const uint64_t base = chunks * (1 + t_rnd(&rng_state) % 1000);
        uint8_t want[32], got[32];
        omsig_blake3_hasher h;
        omsig_blake3_init_at(&h, base);
        omsig_blake3_update(&h, p, (size_t)len);
        omsig_blake3_final_cv(&h, want);
        core_input(p, len, base, 0, got);
        if (memcmp(want, got, 32) != 0) {
            fprintf(stderr, "piece of %llu bytes at chunk %llu: CV differs\n",
                    (unsigned long long)len, (unsigned long long)base);
            t_failures++;
        }
    }
}

/* The block reduction as the kernel runs it: for each level, every thread t < next computes
 * node t from the level below into its registers, then (after a barrier) stores it. */
static void parallel_form(void)
{
    uint32_t nodes[OMSIG_BLAKE3_GROUP * 8], copy[OMSIG_BLAKE3_GROUP * 8], tmp[OMSIG_BLAKE3_GROUP][8];
    for (uint32_t m = 1; m <= OMSIG_BLAKE3_GROUP; m++) {
        for (int root = 0; root <= 1; root++) {
            for (uint32_t k = 0; k < 8 * m; k++) nodes[k] = copy[k] = (uint32_t)t_rnd(&rng_state);
            for (uint64_t count = m; count > 1;) {
                const uint64_t next = (count + 1) / 2;
                for (uint64_t t = 0; t < next; t++)
                    omsig_blake3_core_level_node(nodes, count, t, root, tmp[t]);
                for (uint64_t t = 0; t < next; t++) memcpy(nodes + 8 * t, tmp[t], 32);
                count = next;
            }
            omsig_blake3_core_reduce_serial(copy, m, root);
            if (memcmp(nodes, copy, 32) != 0) {
                fprintf(stderr, "group of %u, root %d: parallel and serial reductions differ\n",
                        m, root);
                t_failures++;
            }
        }
    }
}

static void large(void)
{
    /* 1 MiB; 3 MiB + 17; 64 MiB + 3 KiB + 5 (more than 256 x 256 chunks: three stages) */
    const uint64_t sizes[] = {1u << 20, (3u << 20) + 17, (64u << 20) + 3 * 1024 + 5};
    const uint64_t max = sizes[2];
    uint8_t *p = malloc(max);
    T_CHECK(p != NULL);
    if (!p) return;
    t_fill(&rng_state, p, max);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_whole(p, sizes[i]);
        check_pieces(p, sizes[i], 16);
    }
    piece_cvs(p, max);
    free(p);
}

static void small_pieces(void)
{
    const size_t max = 70u * 1024;
    uint8_t *buf = malloc(max);
    T_CHECK(buf != NULL);
    if (!buf) return;
    t_fill(&rng_state, buf, max);
    for (uint64_t n = 0; n <= 2049; n += 1 + n / 64) check_pieces(buf, n, 4);
    for (uint64_t k = 1; k <= 64; k++)
        for (int d = -1; d <= 1; d++)
            for (int r = 0; r < 3; r++) check_pieces(buf, 1024 * k + (uint64_t)(int64_t)d, 6);
    free(buf);
}

int main(void)
{
    known_answers();
    lengths();
    parallel_form();
    small_pieces();
    large();
    printf("%s: blake3 core (host build) against the library's BLAKE3\n",
           t_failures ? "FAIL" : "PASS");
    T_DONE();
}
