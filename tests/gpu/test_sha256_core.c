/* SPDX-License-Identifier: Apache-2.0 */
/* test_sha256_core.c - the GPU SHA-256 core (cuda/sha256_core.h) built for the host, against
 * OpenSSL: NIST vectors, every length 0..300, and large messages fed as whole blocks in chunks
 * of random sizes with the state kept in memory between them, as the GPU keeps it. */
#include "helpers.h"
#include "sha256_core.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static void ref_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32) {
        fprintf(stderr, "EVP_Digest failed\n");
        exit(T_FAIL);
    }
}

/* Hashes whole blocks of p into the state words kept at s. */
static void core_blocks(uint32_t s[8], const uint8_t *p, size_t blocks)
{
    for (size_t b = 0; b < blocks; b++) {
        uint32_t w[16];
        omsig_sha256_core_load_block(w, p + 64 * b);
        omsig_sha256_core_compress(s, w);
    }
}

/* The whole message through the core in one go. */
static void core_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    uint32_t s[8];
    omsig_sha256_core_init(s);
    core_blocks(s, p, n / 64);
    omsig_sha256_core_finish(s, p + n / 64 * 64, (uint32_t)(n % 64), n, out);
}

/* The message in chunks of a random number of blocks; the state goes through a separate
 * array between chunks, and the tail is copied to an odd address before the finish. */
static void core_sha256_chunked(const uint8_t *p, size_t n, size_t max_blocks, uint8_t out[32])
{
    uint32_t kept[8];
    omsig_sha256_core_init(kept);
    const size_t blocks = n / 64;
    size_t b = 0;
    while (b < blocks) {
        size_t take = 1 + (size_t)(t_rnd(&rng_state) % max_blocks);
        if (take > blocks - b) take = blocks - b;
        uint32_t s[8];
        memcpy(s, kept, sizeof s);
        core_blocks(s, p + 64 * b, take);
        memcpy(kept, s, sizeof s);
        b += take;
    }
    uint8_t tail[65];
    memcpy(tail + 1, p + 64 * blocks, n % 64);
    omsig_sha256_core_finish(kept, tail + 1, (uint32_t)(n % 64), n, out);
}

static void check_hex(const char *msg, size_t n, const char *hex)
{
    uint8_t got[32];
    char s[65];
    core_sha256((const uint8_t *)msg, n, got);
    for (int i = 0; i < 32; i++) snprintf(s + 2 * i, 3, "%02x", got[i]);
    T_STREQ(s, hex);
}

static void nist_vectors(void)
{
    check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_hex(m448, strlen(m448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_hex(m896, strlen(m896),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    static char a[1000000];
    memset(a, 'a', sizeof a);
    check_hex(a, sizeof a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void short_lengths(void)
{
    uint8_t buf[301];
    for (size_t n = 0; n <= 300; n++) {
        uint8_t want[32], got[32], got_chunked[32];
        t_fill(&rng_state, buf, n);
        ref_sha256(buf, n, want);
        core_sha256(buf, n, got);
        core_sha256_chunked(buf, n, 2, got_chunked);
        if (memcmp(want, got, 32) != 0 || memcmp(want, got_chunked, 32) != 0) {
            fprintf(stderr, "length %zu differs\n", n);
            T_CHECK(0);
        }
    }
}

static void big_messages(void)
{
    const size_t sizes[] = {(size_t)1 << 20, ((size_t)3 << 20) + 55, ((size_t)4 << 20) + 63};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = malloc(sizes[i]);
        T_CHECK(p != NULL);
        if (!p) return;
        t_fill(&rng_state, p, sizes[i]);
        uint8_t want[32], got[32];
        ref_sha256(p, sizes[i], want);
        for (int round = 0; round < 3; round++) {
            const size_t max_blocks = round == 0 ? 1 : round == 1 ? 7 : 4096;
            core_sha256_chunked(p, sizes[i], max_blocks, got);
            if (memcmp(want, got, 32) != 0) {
                fprintf(stderr, "%zu bytes in chunks of up to %zu blocks differ\n", sizes[i],
                        max_blocks);
                T_CHECK(0);
            }
        }
        free(p);
    }
}

int main(void)
{
    nist_vectors();
    short_lengths();
    big_messages();
    printf("%s: sha256 core (host build) against OpenSSL\n", t_failures ? "FAIL" : "PASS");
    T_DONE();
}
