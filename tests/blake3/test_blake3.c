/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_blake3.c - BLAKE3, on the backend in use (run_blake3.sh forces each one), against known
 * answers and, given the file that blake3_expected.py writes from the PyPI package, against
 * every digest in it: one shot, fed in random pieces, and split into random aligned subtrees
 * whose chaining values are combined.
 */
#include "blake3.h"
#include "helpers.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static void hex(const uint8_t d[OMSIG_BLAKE3_OUT_LEN], char out[2 * OMSIG_BLAKE3_OUT_LEN + 1])
{
    for (unsigned i = 0; i < OMSIG_BLAKE3_OUT_LEN; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* Random piece sizes: mostly small, sometimes a block or chunk edge, sometimes large. */
static void feed(omsig_blake3_hasher *h, const uint8_t *p, size_t len)
{
    while (len > 0) {
        size_t n;
        switch (t_rnd(&g_rng) % 4) {
        case 0: n = t_rnd(&g_rng) % 70; break;
        case 1: n = 64 * (t_rnd(&g_rng) % 20) + t_rnd(&g_rng) % 3; break;
        case 2: n = 1024 * (t_rnd(&g_rng) % 5) + t_rnd(&g_rng) % 2; break;
        default: n = t_rnd(&g_rng) % 100000; break;
        }
        if (n > len) n = len;
        omsig_blake3_update(h, p, n);
        p += n;
        len -= n;
    }
}

/* Hashes p as random aligned subtrees (whole powers of two of chunks, each at a multiple of
 * its size, every one but the last leaving input after it), the last piece either a subtree
 * of its own or bytes given to the combining hasher. */
static void split(const uint8_t *p, size_t len, uint8_t out[OMSIG_BLAKE3_OUT_LEN])
{
    omsig_blake3_hasher root, piece;
    uint8_t cv[OMSIG_BLAKE3_OUT_LEN];
    omsig_blake3_init(&root);
    uint64_t off = 0; /* chunks */
    for (;;) {
        const size_t rem = len - (size_t)off * OMSIG_BLAKE3_CHUNK_LEN;
        const uint64_t rem_chunks = (rem + OMSIG_BLAKE3_CHUNK_LEN - 1) / OMSIG_BLAKE3_CHUNK_LEN;
        uint64_t pow = 1;
        while (pow < rem_chunks) pow <<= 1;
        const bool can_whole = rem > OMSIG_BLAKE3_CHUNK_LEN;
        if (off > 0 && (!can_whole || t_rnd(&g_rng) % 3 == 0)) {
            if (off % pow == 0 && t_rnd(&g_rng) % 2) {
                omsig_blake3_init_at(&piece, off);
                feed(&piece, p + off * OMSIG_BLAKE3_CHUNK_LEN, rem);
                omsig_blake3_final_cv(&piece, cv);
                T_CHECK(omsig_blake3_push_cv(&root, cv, rem_chunks) == 0);
            } else {
                feed(&root, p + off * OMSIG_BLAKE3_CHUNK_LEN, rem);
            }
            break;
        }
        unsigned jmax = 0;
        while ((off == 0 || off % (2ull << jmax) == 0) &&
               ((size_t)2 << jmax) * OMSIG_BLAKE3_CHUNK_LEN < rem)
            jmax++;
        const uint64_t n = 1ull << (t_rnd(&g_rng) % (jmax + 1));
        omsig_blake3_init_at(&piece, off);
        feed(&piece, p + off * OMSIG_BLAKE3_CHUNK_LEN, (size_t)n * OMSIG_BLAKE3_CHUNK_LEN);
        omsig_blake3_final_cv(&piece, cv);
        T_CHECK(omsig_blake3_push_cv(&root, cv, n) == 0);
        off += n;
    }
    T_CHECK(omsig_blake3_final(&root, out) == 0);
}

static void check(const char *what, const uint8_t *p, size_t len, const char *want)
{
    uint8_t d[OMSIG_BLAKE3_OUT_LEN];
    char got[2 * OMSIG_BLAKE3_OUT_LEN + 1];
    omsig_blake3(p, len, d);
    hex(d, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s %zu one shot: %s, expected %s\n", what, len, got, want);
        t_failures++;
    }
    omsig_blake3_hasher h;
    omsig_blake3_init(&h);
    feed(&h, p, len);
    T_CHECK(omsig_blake3_final(&h, d) == 0);
    hex(d, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s %zu in pieces: %s, expected %s\n", what, len, got, want);
        t_failures++;
    }
    if (len > OMSIG_BLAKE3_CHUNK_LEN) {
        const int tries = len < (1u << 20) ? 3 : 1;
        for (int t = 0; t < tries; t++) {
            split(p, len, d);
            hex(d, got);
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "%s %zu split into subtrees: %s, expected %s\n", what, len, got,
                        want);
                t_failures++;
            }
        }
    }
}

static void known_answers(void)
{
    /* the empty input, and model_signing's own test string */
    check("kat", (const uint8_t *)"", 0,
          "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    check("kat", (const uint8_t *)"Test string", 11,
          "f3adfd721502f7d9510368688a392ab4f29dbff47092c0aea25f638d4985a8b1");
    /* a lone pushed CV has no root */
    omsig_blake3_hasher h;
    uint8_t cv[OMSIG_BLAKE3_OUT_LEN] = {0}, d[OMSIG_BLAKE3_OUT_LEN];
    omsig_blake3_init(&h);
    T_CHECK(omsig_blake3_push_cv(&h, cv, 4) == 0);
    T_CHECK(omsig_blake3_final(&h, d) == -1);
    omsig_blake3_update(&h, "x", 1);
    T_CHECK(omsig_blake3_push_cv(&h, cv, 1) == -1);
}

int main(int argc, char **argv)
{
    /* run_blake3.sh forces each backend in turn (OMSIG_BLAKE3) and checks this line */
    printf("blake3 backend: %s\n", omsig_blake3_backend());
    known_answers();
    if (argc < 2) T_DONE();
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return T_FAIL;
    }
    const size_t max = 8u << 20;
    uint8_t *mod = malloc(max), *shake = malloc(max);
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    if (!mod || !shake || !x) return T_FAIL;
    for (size_t i = 0; i < max; i++) mod[i] = (uint8_t)(i % 251);
    if (EVP_DigestInit_ex(x, EVP_shake128(), NULL) != 1 ||
        EVP_DigestUpdate(x, "omsig blake3", 12) != 1 || EVP_DigestFinalXOF(x, shake, max) != 1)
        return T_FAIL;
    EVP_MD_CTX_free(x);
    char pat[16], want[80];
    size_t len;
    unsigned lines = 0;
    while (fscanf(f, "%15s %zu %79s", pat, &len, want) == 3) {
        T_CHECK(len <= max);
        if (len > max) break;
        check(pat, strcmp(pat, "mod") == 0 ? mod : shake, len, want);
        lines++;
    }
    fclose(f);
    free(mod);
    free(shake);
    printf("%u inputs checked against the blake3 package\n", lines);
    T_CHECK(lines > 2000);
    T_DONE();
}
