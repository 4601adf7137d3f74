/* SPDX-License-Identifier: Apache-2.0 */
/* test_sha256_x86.c - the interleaved SHA-256 backend and the lane hasher against OpenSSL: NIST
 * vectors, every short length, large messages, 1-3 lanes of uneven lengths and split points.
 * The whole suite runs in a child with OMSIG_SHA256=openssl (the portable path), where the CPU
 * takes the AVX-512 form of the kernels in a child with OMSIG_SHA256=sse (the SSE form), then
 * on whatever this CPU offers. */
#include "helpers.h"
#include "sha256_x86.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static size_t rnd_below(size_t n) { return n ? (size_t)(t_rnd(&rng_state) % n) : 0; }

static void ref_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32) {
        fprintf(stderr, "EVP_Digest failed\n");
        exit(T_FAIL);
    }
}

static void lane_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    omsig_sha256_lane l, *lp = &l;
    omsig_sha256_lane_init(&l);
    omsig_sha256_lanes_update(&lp, &p, &n, 1);
    omsig_sha256_lane_final(&l, out);
}

/* Checks one message both in one update and through the lane hasher. */
static int check_msg(const uint8_t *p, size_t n)
{
    uint8_t want[32], got[32];
    ref_sha256(p, n, want);
    lane_sha256(p, n, got);
    return memcmp(want, got, 32) == 0;
}

static void check_hex(const char *msg, size_t n, const char *hex)
{
    uint8_t got[32];
    char s[65];
    lane_sha256((const uint8_t *)msg, n, got);
    for (int i = 0; i < 32; i++) snprintf(s + 2 * i, 3, "%02x", got[i]);
    T_STREQ(s, hex);
}

static void nist_vectors(void)
{
    check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_hex(m448, strlen(m448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* one million 'a', fed in uneven pieces so the buffer path is used too */
    static uint8_t a[1000000];
    memset(a, 'a', sizeof a);
    omsig_sha256_lane l, *lp = &l;
    omsig_sha256_lane_init(&l);
    size_t off = 0;
    while (off < sizeof a) {
        size_t n = 1 + rnd_below(5000);
        if (n > sizeof a - off) n = sizeof a - off;
        const uint8_t *p = a + off;
        omsig_sha256_lanes_update(&lp, &p, &n, 1);
        off += n;
    }
    uint8_t got[32];
    char s[65];
    omsig_sha256_lane_final(&l, got);
    for (int i = 0; i < 32; i++) snprintf(s + 2 * i, 3, "%02x", got[i]);
    T_STREQ(s, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    lane_sha256(a, sizeof a, got);
    for (int i = 0; i < 32; i++) snprintf(s + 2 * i, 3, "%02x", got[i]);
    T_STREQ(s, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void short_lengths(void)
{
    uint8_t buf[301];
    for (size_t n = 0; n <= 300; n++) {
        t_fill(&rng_state, buf, n);
        if (!check_msg(buf, n)) {
            fprintf(stderr, "length %zu differs\n", n);
            T_CHECK(0);
        }
    }
}

static void big_messages(void)
{
    const size_t sizes[] = {1u << 20, 3u << 20, (5u << 20) + 37};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = malloc(sizes[i]);
        T_CHECK(p != NULL);
        if (!p) return;
        t_fill(&rng_state, p, sizes[i]);
        T_CHECK(check_msg(p, sizes[i]));
        free(p);
    }
}

/* The raw block functions on their own, against the portable one, at several block counts and
 * with the lanes' data misaligned differently. */
static void raw_blocks(void)
{
    if (!omsig_sha256_x86_available()) return;
    enum { MAXB = 37 };
    static uint8_t data[3][MAXB * 64 + 8];
    t_fill(&rng_state, &data[0][0], sizeof data);
    for (size_t nb = 0; nb <= MAXB; nb += 1 + nb / 4) {
        uint32_t ref[3][8], got[3][8];
        const uint8_t *p[3];
        for (int i = 0; i < 3; i++) {
            p[i] = data[i] + 1 + i * 2;
            for (int j = 0; j < 8; j++) ref[i][j] = got[i][j] = (uint32_t)t_rnd(&rng_state);
            omsig_sha256_portable_blocks(ref[i], p[i], nb);
        }
        uint32_t g1[8];
        memcpy(g1, got[0], sizeof g1);
        omsig_sha256_x86_blocks1(g1, p[0], nb);
        T_CHECK(memcmp(g1, ref[0], sizeof g1) == 0);

        uint32_t g2[2][8], *s2[2] = {g2[0], g2[1]};
        memcpy(g2, got, sizeof g2);
        omsig_sha256_x86_blocks2(s2, p, nb);
        T_CHECK(memcmp(g2, ref, sizeof g2) == 0);

        uint32_t *s3[3] = {got[0], got[1], got[2]};
        uint32_t start[3][8];
        memcpy(start, got, sizeof start);
        omsig_sha256_x86_blocks3(s3, p, nb);
        T_CHECK(memcmp(got, ref, sizeof got) == 0);

        /* both register-file forms by name, whichever the CPU was given */
        const int forms = omsig_sha256_x86_evex() ? 2 : 1;
        for (int f = 0; f < forms; f++) {
            memcpy(g2, start, sizeof g2);
            (f ? omsig_sha256_x86_blocks2_evex : omsig_sha256_x86_blocks2_sse)(s2, p, nb);
            if (memcmp(g2, ref, sizeof g2) != 0) {
                fprintf(stderr, "2 lanes, %s form, %zu blocks differ\n", f ? "EVEX" : "SSE", nb);
                T_CHECK(0);
            }
            memcpy(got, start, sizeof got);
            (f ? omsig_sha256_x86_blocks3_evex : omsig_sha256_x86_blocks3_sse)(s3, p, nb);
            if (memcmp(got, ref, sizeof got) != 0) {
                fprintf(stderr, "3 lanes, %s form, %zu blocks differ\n", f ? "EVEX" : "SSE", nb);
                T_CHECK(0);
            }
        }
    }
}

/*
 * k lanes of different lengths updated together in chunks of uneven, random sizes, where a
 * lane that has run out is finalised at once while the others keep going (fed with length 0
 * or dropped from the call).
 */
static void multi_lane_round(unsigned k, size_t maxlen)
{
    uint8_t *msg[3] = {0};
    size_t mlen[3], off[3] = {0};
    uint8_t want[3][32], got[3][32];
    omsig_sha256_lane lanes[3];
    int done[3] = {0};

    for (unsigned i = 0; i < k; i++) {
        mlen[i] = rnd_below(maxlen + 1);
        msg[i] = malloc(mlen[i] + 1);
        t_fill(&rng_state, msg[i], mlen[i]);
        ref_sha256(msg[i], mlen[i], want[i]);
        omsig_sha256_lane_init(&lanes[i]);
    }
    const size_t chunk_max = 1 + rnd_below(t_rnd(&rng_state) & 1 ? 200 : 70000);
    unsigned left = k;
    while (left) {
        omsig_sha256_lane *lp[3];
        const uint8_t *dp[3];
        size_t dn[3];
        unsigned nk = 0;
        const int keep_idle = (int)(t_rnd(&rng_state) & 1); /* idle lanes in the call with length 0 */
        for (unsigned i = 0; i < k; i++) {
            if (done[i]) continue;
            size_t n = rnd_below(chunk_max + 1);
            if (n > mlen[i] - off[i]) n = mlen[i] - off[i];
            if (n == 0 && !keep_idle) continue;
            lp[nk] = &lanes[i];
            dp[nk] = n ? msg[i] + off[i] : NULL;
            dn[nk] = n;
            nk++;
            off[i] += n;
        }
        if (nk) omsig_sha256_lanes_update(lp, dp, dn, nk);
        for (unsigned i = 0; i < k; i++) {
            if (!done[i] && off[i] == mlen[i] && (t_rnd(&rng_state) & 3) != 0) {
                omsig_sha256_lane_final(&lanes[i], got[i]);
                done[i] = 1;
                left--;
                if (memcmp(got[i], want[i], 32) != 0) {
                    fprintf(stderr, "k=%u lane %u length %zu chunk<=%zu differs\n", k, i,
                            mlen[i], chunk_max);
                    T_CHECK(0);
                }
            }
        }
    }
    for (unsigned i = 0; i < k; i++) free(msg[i]);
}

/* Two updates per lane split at a random point, lanes in one call each time. */
static void split_points(unsigned k)
{
    enum { LEN = 2000 };
    static uint8_t msg[3][LEN];
    for (int round = 0; round < 300; round++) {
        omsig_sha256_lane lanes[3], *lp[3];
        const uint8_t *dp[3];
        size_t len[3], cut[3], dn[3];
        uint8_t want[32], got[32];
        for (unsigned i = 0; i < k; i++) {
            len[i] = rnd_below(LEN + 1);
            cut[i] = rnd_below(len[i] + 1);
            t_fill(&rng_state, msg[i], len[i]);
            omsig_sha256_lane_init(&lanes[i]);
            lp[i] = &lanes[i];
            dp[i] = msg[i];
            dn[i] = cut[i];
        }
        omsig_sha256_lanes_update(lp, dp, dn, k);
        for (unsigned i = 0; i < k; i++) {
            dp[i] = msg[i] + cut[i];
            dn[i] = len[i] - cut[i];
        }
        omsig_sha256_lanes_update(lp, dp, dn, k);
        for (unsigned i = 0; i < k; i++) {
            ref_sha256(msg[i], len[i], want);
            omsig_sha256_lane_final(&lanes[i], got);
            if (memcmp(want, got, 32) != 0) {
                fprintf(stderr, "split k=%u lane %u len %zu cut %zu differs\n", k, i, len[i],
                        cut[i]);
                T_CHECK(0);
            }
        }
    }
}

/* Lanes with the same message must agree with each other and with one lane alone. */
static void more_than_three(void)
{
    enum { K = 7 };
    static uint8_t msg[K][5000];
    omsig_sha256_lane lanes[K], *lp[K];
    const uint8_t *dp[K];
    size_t dn[K];
    uint8_t want[32], got[32];
    for (unsigned i = 0; i < K; i++) {
        dn[i] = rnd_below(sizeof msg[i] + 1);
        t_fill(&rng_state, msg[i], dn[i]);
        dp[i] = msg[i];
        omsig_sha256_lane_init(&lanes[i]);
        lp[i] = &lanes[i];
    }
    omsig_sha256_lanes_update(lp, dp, dn, K);
    for (unsigned i = 0; i < K; i++) {
        ref_sha256(msg[i], dn[i], want);
        omsig_sha256_lane_final(&lanes[i], got);
        T_CHECK(memcmp(want, got, 32) == 0);
    }
}

/* The lane-count table the CPU engine schedules by: one lane gains nothing, the best count is one
 * that the lane API runs and no count does better, and without the extensions (OMSIG_SHA256=
 * openssl) interleaving gains nothing, so one lane per core. */
static void lane_gains(void)
{
    const unsigned best = omsig_sha256_x86_best_lanes();
    T_CHECK(best >= 1 && best <= 3);
    T_CHECK(omsig_sha256_x86_gain(1) == 1.0);
    for (unsigned k = 1; k <= 3; k++) {
        T_CHECK(omsig_sha256_x86_gain(k) >= 1.0 && omsig_sha256_x86_gain(k) <= k);
        T_CHECK(omsig_sha256_x86_gain(k) <= omsig_sha256_x86_gain(best));
    }
    if (!omsig_sha256_x86_available()) T_CHECK(best == 1);
    else T_CHECK(best > 1);
}

static int suite(const char *which)
{
    t_failures = 0;
    nist_vectors();
    short_lengths();
    big_messages();
    raw_blocks();
    for (unsigned k = 1; k <= 3; k++) {
        for (int r = 0; r < 60; r++) multi_lane_round(k, r % 3 == 0 ? 300000 : 3000);
        split_points(k);
    }
    more_than_three();
    lane_gains();
    fprintf(stderr, "%s: %s\n", which, t_failures ? "FAILED" : "ok");
    return t_failures ? T_FAIL : T_PASS;
}

/* The suite in a child with OMSIG_SHA256=value: 1 passed, 0 not run, -1 failed. */
static int suite_in_child(const char *value, const char *which)
{
    fflush(NULL);
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("OMSIG_SHA256", value, 1);
        /* the switch must do what it says */
        if (strcmp(value, "openssl") == 0 && omsig_sha256_x86_available()) _exit(T_FAIL);
        if (strcmp(value, "sse") == 0 && omsig_sha256_x86_evex()) _exit(T_FAIL);
        _exit(suite(which));
    }
    int status = 0;
    if (pid < 0) {
        fprintf(stderr, "fork: the %s is not tested\n", which);
        return 0;
    }
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == T_PASS)
        return 1;
    fprintf(stderr, "%s failed\n", which);
    return -1;
}

/* The CPU says whether it runs the AVX-512 form, asked in a child so that this process still
 * decides afresh after the children below. */
static int cpu_takes_evex(void)
{
    fflush(NULL);
    const pid_t pid = fork();
    if (pid == 0) _exit(omsig_sha256_x86_evex() ? 1 : 0);
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 1;
}

int main(void)
{
    /* The choice of backend is made once per process, so each forced path needs its own;
     * fork before anything here has asked. */
    int ran = 0, failed = 0;
    const int portable = suite_in_child("openssl", "portable path");
    ran += portable > 0;
    failed += portable < 0;
    if (cpu_takes_evex()) {
        const int sse = suite_in_child("sse", "SSE form on an AVX-512 CPU");
        ran += sse > 0;
        failed += sse < 0;
    }

    if (omsig_sha256_x86_available()) {
        ran++;
        failed += suite("SHA extensions path") != T_PASS;
    } else {
        fprintf(stderr, "SHA extensions missing or turned off: that path is not tested\n");
    }
    if (failed) return T_FAIL;
    return ran ? T_PASS : T_SKIP;
}
