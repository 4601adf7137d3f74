/* SPDX-License-Identifier: Apache-2.0 */
/* sha256_x86.c - SHA-256 on the x86 SHA extensions with up to three streams interleaved, so
 * that one core overlaps the SHA256RNDS2 latency chains (in an SSE form, and on AMD CPUs with
 * AVX-512 a form using its register file), plus a plain C fallback and the multi-lane
 * streaming hasher on top.  Measurements and limits: bench/README-sha256.md. */
#include "sha256_x86.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define HAVE_SHA_X86 0
#endif

static const uint32_t k_sha256_iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Aligned so that the SIMD code can read four constants with one aligned load. */
static const uint32_t k_sha256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ---- portable compression ---------------------------------------------------------------- */

static inline uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void omsig_sha256_portable_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks)
{
    uint32_t w[64];
    for (; nblocks; nblocks--, data += 64) {
        for (int i = 0; i < 16; i++) w[i] = load_be32(data + 4 * i);
        for (int i = 16; i < 64; i++) {
            const uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++) {
            const uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
                                ((e & f) ^ (~e & g)) + k_sha256[i] + w[i];
            const uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
                                ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

/* ---- SHA extensions ------------------------------------------------------------------------ */

#if HAVE_SHA_X86

static int detect_sha_x86(void)
{
    const char *env = getenv("OMSIG_SHA256");
    if (env && strcmp(env, "openssl") == 0) return 0;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 19)) || !(c & (1u << 9))) return 0; /* SSE4.1, SSSE3 */
    /* __get_cpuid_count checks the highest leaf first, so old CPUs answer "no" here */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1; /* SHA; it uses only XMM state, which every x86-64 OS saves */
}

/*
 * The SHA instructions keep the state as two vectors, ABEF and CDGH (A in the top dword).
 * Each round group below does four rounds with two SHA256RNDS2, whose result feeds the next
 * one directly, so a single stream waits on that latency.  The macros are written per lane and
 * applied to every lane through X_EACH before the next step, so the independent chains sit next
 * to each other in the instruction stream and the core can issue one lane's round while
 * another's is still in flight.  Lane L owns s0_L (ABEF), s1_L (CDGH), the four message
 * vectors w0_L..w3_L (a rolling window of the schedule), t_L (message plus constants) and the
 * block's starting state f0_L, f1_L for the final addition.
 */
#define X_DECL(L, u)                                                                             \
    __m128i s0_##L, s1_##L, f0_##L, f1_##L, w0_##L, w1_##L, w2_##L, w3_##L, t_##L;

#define X_STATE_IN(L, u)                                                                         \
    {                                                                                            \
        const __m128i abcd_ = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)st_##L), 0xB1); \
        const __m128i hgfe_ =                                                                    \
            _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(st_##L + 4)), 0x1B);             \
        s0_##L = _mm_alignr_epi8(abcd_, hgfe_, 8);                                               \
        s1_##L = _mm_blend_epi16(hgfe_, abcd_, 0xF0);                                            \
    }

#define X_STATE_OUT(L, u)                                                                        \
    {                                                                                            \
        const __m128i a_ = _mm_shuffle_epi32(s0_##L, 0x1B);                                      \
        const __m128i c_ = _mm_shuffle_epi32(s1_##L, 0xB1);                                      \
        _mm_storeu_si128((__m128i *)st_##L, _mm_blend_epi16(a_, c_, 0xF0));                      \
        _mm_storeu_si128((__m128i *)(st_##L + 4), _mm_alignr_epi8(c_, a_, 8));                   \
    }

#define X_SAVE(L, u)                                                                             \
    f0_##L = s0_##L;                                                                             \
    f1_##L = s1_##L;

#define X_FEED(L, u)                                                                             \
    s0_##L = _mm_add_epi32(s0_##L, f0_##L);                                                      \
    s1_##L = _mm_add_epi32(s1_##L, f1_##L);                                                      \
    p_##L += 64;

/* The block is big-endian; the shuffle turns each dword around in place. */
#define X_LOAD(L, i)                                                                             \
    w##i##_##L = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p_##L + 16 * (i))), bswap);

#define X_KADD(L, g, a) t_##L = _mm_add_epi32(w##a##_##L, kv);
#define X_RND_LO(L, u) s1_##L = _mm_sha256rnds2_epu32(s1_##L, s0_##L, t_##L);
#define X_T_HI(L, u) t_##L = _mm_shuffle_epi32(t_##L, 0x0E);
#define X_RND_HI(L, u) s0_##L = _mm_sha256rnds2_epu32(s0_##L, s1_##L, t_##L);

/* W[i..i+3] from W[i-16..i-1] held in the window (a = oldest ... d = newest); the result
 * replaces a, whose words the rounds no longer need once t_L holds them. */
#define X_MSG1(L, a, b) w##a##_##L = _mm_sha256msg1_epu32(w##a##_##L, w##b##_##L);
#define X_MSG2(L, a, c, d)                                                                       \
    w##a##_##L = _mm_sha256msg2_epu32(                                                           \
        _mm_add_epi32(w##a##_##L, _mm_alignr_epi8(w##d##_##L, w##c##_##L, 4)), w##d##_##L);

/* Four rounds; with the schedule for group g + 4 when it still has one. */
#define X_GROUP_S(g, a, b, c, d)                                                                 \
    {                                                                                            \
        const __m128i kv = _mm_load_si128((const __m128i *)&k_sha256[4 * (g)]);                  \
        X_EACH(X_KADD, g, a)                                                                     \
        X_EACH(X_MSG1, a, b)                                                                     \
        X_EACH(X_RND_LO, 0)                                                                      \
        X_EACH(X_T_HI, 0)                                                                        \
        X_EACH(X_MSG2, a, c, d)                                                                  \
        X_EACH(X_RND_HI, 0)                                                                      \
    }
#define X_GROUP_N(g, a)                                                                          \
    {                                                                                            \
        const __m128i kv = _mm_load_si128((const __m128i *)&k_sha256[4 * (g)]);                  \
        X_EACH(X_KADD, g, a)                                                                     \
        X_EACH(X_RND_LO, 0)                                                                      \
        X_EACH(X_T_HI, 0)                                                                        \
        X_EACH(X_RND_HI, 0)                                                                      \
    }

/* One block for every lane, written out in full: the window index of each group is fixed, so
 * no vector moves rotate it. */
#define X_BLOCK()                                                                                \
    X_EACH(X_SAVE, 0)                                                                            \
    X_EACH(X_LOAD, 0)                                                                            \
    X_EACH(X_LOAD, 1)                                                                            \
    X_EACH(X_LOAD, 2)                                                                            \
    X_EACH(X_LOAD, 3)                                                                            \
    X_GROUP_S(0, 0, 1, 2, 3)                                                                     \
    X_GROUP_S(1, 1, 2, 3, 0)                                                                     \
    X_GROUP_S(2, 2, 3, 0, 1)                                                                     \
    X_GROUP_S(3, 3, 0, 1, 2)                                                                     \
    X_GROUP_S(4, 0, 1, 2, 3)                                                                     \
    X_GROUP_S(5, 1, 2, 3, 0)                                                                     \
    X_GROUP_S(6, 2, 3, 0, 1)                                                                     \
    X_GROUP_S(7, 3, 0, 1, 2)                                                                     \
    X_GROUP_S(8, 0, 1, 2, 3)                                                                     \
    X_GROUP_S(9, 1, 2, 3, 0)                                                                     \
    X_GROUP_S(10, 2, 3, 0, 1)                                                                    \
    X_GROUP_S(11, 3, 0, 1, 2)                                                                    \
    X_GROUP_N(12, 0)                                                                             \
    X_GROUP_N(13, 1)                                                                             \
    X_GROUP_N(14, 2)                                                                             \
    X_GROUP_N(15, 3)                                                                             \
    X_EACH(X_FEED, 0)

#define X_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The same code given the AVX-512 register file: the SHA instructions still name only XMM0-15,
 * but the loads, shuffles, adds and the saved state may live in XMM16-31 and take three
 * operands, so the compiler moves and spills less.  On Zen 4 that is what lets two streams keep
 * the round instruction's latency chains full; three reach 81% of theirs, held there by
 * SHA256MSG1 and SHA256MSG2 issued beside the rounds (bench_sha256 -s, bench/README-sha256.md). */
#define X_TARGET_EVEX __attribute__((target("sha,sse4.1,ssse3,avx512f,avx512vl")))

#define X_BSWAP_MASK() _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL)

/* Lane L's arguments of a kernel taking `uint32_t *state[n], const uint8_t *data[n]`. */
#define X_ARGS(L, u)                                                                             \
    uint32_t *st_##L = state[L];                                                                 \
    const uint8_t *p_##L = data[L];

/* An n-lane kernel of the form above, for the lanes X_EACH names. */
#define X_KERNEL(name, target, n)                                                                \
    target void name(uint32_t *state[n], const uint8_t *data[n], size_t nblocks)                 \
    {                                                                                            \
        const __m128i bswap = X_BSWAP_MASK();                                                    \
        X_EACH(X_ARGS, 0)                                                                        \
        X_EACH(X_DECL, 0)                                                                        \
        X_EACH(X_STATE_IN, 0)                                                                    \
        for (; nblocks; nblocks--) {                                                             \
            X_BLOCK()                                                                            \
        }                                                                                        \
        X_EACH(X_STATE_OUT, 0)                                                                   \
    }

#define X_EACH(S, ...) S(0, __VA_ARGS__)
X_TARGET void omsig_sha256_x86_blocks1(uint32_t state[8], const uint8_t *data, size_t nblocks)
{
    const __m128i bswap = X_BSWAP_MASK();
    uint32_t *st_0 = state;
    const uint8_t *p_0 = data;
    X_EACH(X_DECL, 0)
    X_EACH(X_STATE_IN, 0)
    for (; nblocks; nblocks--) {
        X_BLOCK()
    }
    X_EACH(X_STATE_OUT, 0)
}
#undef X_EACH

#define X_EACH(S, ...) S(0, __VA_ARGS__) S(1, __VA_ARGS__)
X_KERNEL(omsig_sha256_x86_blocks2_sse, X_TARGET, 2)
X_KERNEL(omsig_sha256_x86_blocks2_evex, X_TARGET_EVEX, 2)
#undef X_EACH

/* Three lanes in the form above: with 32 vector registers it needs no spill on the RNDS2
 * chains (with 16 see the form below). */
#define X_EACH(S, ...) S(0, __VA_ARGS__) S(1, __VA_ARGS__) S(2, __VA_ARGS__)
X_KERNEL(omsig_sha256_x86_blocks3_evex, X_TARGET_EVEX, 3)
#undef X_EACH

/*
 * Three lanes hold 18 live vectors in the form above (two state and four schedule vectors
 * each) against 16 XMM registers, one of them the fixed RNDS2 operand, and the compiler then
 * spills the state itself, putting a store and a reload on the RNDS2 chain.  So here the
 * schedule is computed one lane at a time, a block ahead, into a stack buffer of W+K, spread
 * over the rounds of the block before it; the rounds read their operand from that buffer, and
 * only the six state vectors stay in registers across a block.
 */

/* RNDS2 reads only the low two words of its message operand; the second pair of a group is
 * loaded straight from the upper half rather than shuffled down. */
#define Y_WK_HI(L, g) ((const __m128i *)((const uint32_t *)&cur[L][g] + 2))
#define Y_ROUND_LO(L, g)                                                                         \
    s1_##L = _mm_sha256rnds2_epu32(s1_##L, s0_##L, _mm_load_si128(&cur[L][g]));
#define Y_ROUND_HI(L, g)                                                                         \
    s0_##L = _mm_sha256rnds2_epu32(s0_##L, s1_##L, _mm_loadl_epi64(Y_WK_HI(L, g)));
#define Y_GROUP(g) X_EACH(Y_ROUND_LO, g) X_EACH(Y_ROUND_HI, g)

/* Schedule steps for lane L of the next block, window w0..w3 shared by the lanes in turn. */
#define Y_KSTORE(L, i, w)                                                                        \
    nxt[L][i] = _mm_add_epi32(w, _mm_load_si128((const __m128i *)&k_sha256[4 * (i)]));
#define Y_LD(L, i)                                                                               \
    w##i = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(q_##L + 16 * (i))), bswap);        \
    Y_KSTORE(L, i, w##i)
#define Y_ST(L, i, a, b, c, d)                                                                   \
    w##a = _mm_sha256msg2_epu32(                                                                 \
        _mm_add_epi32(_mm_sha256msg1_epu32(w##a, w##b), _mm_alignr_epi8(w##d, w##c, 4)), w##d);  \
    Y_KSTORE(L, i, w##a)
#define Y_U0(L) Y_LD(L, 0)
#define Y_U1(L) Y_LD(L, 1)
#define Y_U2(L) Y_LD(L, 2)
#define Y_U3(L) Y_LD(L, 3)
#define Y_U4(L) Y_ST(L, 4, 0, 1, 2, 3)
#define Y_U5(L) Y_ST(L, 5, 1, 2, 3, 0)
#define Y_U6(L) Y_ST(L, 6, 2, 3, 0, 1)
#define Y_U7(L) Y_ST(L, 7, 3, 0, 1, 2)
#define Y_U8(L) Y_ST(L, 8, 0, 1, 2, 3)
#define Y_U9(L) Y_ST(L, 9, 1, 2, 3, 0)
#define Y_U10(L) Y_ST(L, 10, 2, 3, 0, 1)
#define Y_U11(L) Y_ST(L, 11, 3, 0, 1, 2)
#define Y_U12(L) Y_ST(L, 12, 0, 1, 2, 3)
#define Y_U13(L) Y_ST(L, 13, 1, 2, 3, 0)
#define Y_U14(L) Y_ST(L, 14, 2, 3, 0, 1)
#define Y_U15(L) Y_ST(L, 15, 3, 0, 1, 2)
#define Y_SCHED_LANE(L)                                                                          \
    Y_U0(L) Y_U1(L) Y_U2(L) Y_U3(L) Y_U4(L) Y_U5(L) Y_U6(L) Y_U7(L)                              \
    Y_U8(L) Y_U9(L) Y_U10(L) Y_U11(L) Y_U12(L) Y_U13(L) Y_U14(L) Y_U15(L)

#define Y_SAVE(L, u) f_##L[0] = s0_##L; f_##L[1] = s1_##L;
#define Y_FEED(L, u)                                                                             \
    s0_##L = _mm_add_epi32(s0_##L, f_##L[0]);                                                    \
    s1_##L = _mm_add_epi32(s1_##L, f_##L[1]);

#define X_EACH(S, ...) S(0, __VA_ARGS__) S(1, __VA_ARGS__) S(2, __VA_ARGS__)
X_TARGET void omsig_sha256_x86_blocks3_sse(uint32_t *state[3], const uint8_t *data[3],
                                           size_t nblocks)
{
    if (!nblocks) return;
    const __m128i bswap = X_BSWAP_MASK();
    uint32_t *st_0 = state[0], *st_1 = state[1], *st_2 = state[2];
    const uint8_t *q_0 = data[0], *q_1 = data[1], *q_2 = data[2];
    __m128i wk[2][3][16]; /* W+K of this block and the next, per lane */
    __m128i(*cur)[16] = wk[0], (*nxt)[16] = wk[0]; /* block 0 is scheduled where it is read */
    __m128i s0_0, s1_0, s0_1, s1_1, s0_2, s1_2, w0, w1, w2, w3;
    __m128i f_0[2], f_1[2], f_2[2];
    X_EACH(X_STATE_IN, 0)

    Y_SCHED_LANE(0)
    Y_SCHED_LANE(1)
    Y_SCHED_LANE(2)
    for (size_t b = 0; b < nblocks; b++) {
        cur = wk[b & 1];
        nxt = wk[(b & 1) ^ 1];
        /* the last block schedules itself again rather than reading past the data */
        const size_t step = b + 1 < nblocks ? 64 : 0;
        q_0 += step;
        q_1 += step;
        q_2 += step;
        X_EACH(Y_SAVE, 0)
        Y_GROUP(0) Y_U0(0) Y_U1(0) Y_U2(0)
        Y_GROUP(1) Y_U3(0) Y_U4(0) Y_U5(0)
        Y_GROUP(2) Y_U6(0) Y_U7(0) Y_U8(0)
        Y_GROUP(3) Y_U9(0) Y_U10(0) Y_U11(0)
        Y_GROUP(4) Y_U12(0) Y_U13(0) Y_U14(0)
        Y_GROUP(5) Y_U15(0) Y_U0(1) Y_U1(1)
        Y_GROUP(6) Y_U2(1) Y_U3(1) Y_U4(1)
        Y_GROUP(7) Y_U5(1) Y_U6(1) Y_U7(1)
        Y_GROUP(8) Y_U8(1) Y_U9(1) Y_U10(1)
        Y_GROUP(9) Y_U11(1) Y_U12(1) Y_U13(1)
        Y_GROUP(10) Y_U14(1) Y_U15(1) Y_U0(2)
        Y_GROUP(11) Y_U1(2) Y_U2(2) Y_U3(2)
        Y_GROUP(12) Y_U4(2) Y_U5(2) Y_U6(2)
        Y_GROUP(13) Y_U7(2) Y_U8(2) Y_U9(2)
        Y_GROUP(14) Y_U10(2) Y_U11(2) Y_U12(2)
        Y_GROUP(15) Y_U13(2) Y_U14(2) Y_U15(2)
        X_EACH(Y_FEED, 0)
    }
    X_EACH(X_STATE_OUT, 0)
}
#undef X_EACH

#else /* !HAVE_SHA_X86: same symbols, so callers link everywhere; available() says 0 */

static int detect_sha_x86(void) { return 0; }

void omsig_sha256_x86_blocks1(uint32_t state[8], const uint8_t *data, size_t nblocks)
{
    omsig_sha256_portable_blocks(state, data, nblocks);
}

static void portable_lanes(uint32_t **state, const uint8_t **data, unsigned n, size_t nblocks)
{
    for (unsigned i = 0; i < n; i++) omsig_sha256_portable_blocks(state[i], data[i], nblocks);
}

void omsig_sha256_x86_blocks2_sse(uint32_t *state[2], const uint8_t *data[2], size_t nblocks)
{
    portable_lanes(state, data, 2, nblocks);
}

void omsig_sha256_x86_blocks2_evex(uint32_t *state[2], const uint8_t *data[2], size_t nblocks)
{
    portable_lanes(state, data, 2, nblocks);
}

void omsig_sha256_x86_blocks3_sse(uint32_t *state[3], const uint8_t *data[3], size_t nblocks)
{
    portable_lanes(state, data, 3, nblocks);
}

void omsig_sha256_x86_blocks3_evex(uint32_t *state[3], const uint8_t *data[3], size_t nblocks)
{
    portable_lanes(state, data, 3, nblocks);
}

#endif

/*
 * The register file of the 2- and 3-lane kernels: the AVX-512 one on AMD CPUs that have it
 * (measured on Zen 4), the SSE one elsewhere.  Intel cores keep the SSE form, whose figures
 * were measured there; OMSIG_SHA256=sse forces it on any CPU (tests, comparisons).
 */
static int detect_evex(void)
{
#if HAVE_SHA_X86
    const char *env = getenv("OMSIG_SHA256");
    if (env && strcmp(env, "sse") == 0) return 0;
    __builtin_cpu_init();
    /* libgcc's checks include the OS's saving of the AVX-512 state (XCR0) */
    return __builtin_cpu_is("amd") && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/* 0: no SHA extensions, 1: SSE kernels, 2: EVEX kernels; decided once. */
static int kernels(void)
{
    /* CPUID traps to the hypervisor in a VM, which costs far more than the load */
    static atomic_int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        v = detect_sha_x86() ? 1 + detect_evex() : 0;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

int omsig_sha256_x86_available(void) { return kernels() != 0; }

int omsig_sha256_x86_evex(void) { return kernels() == 2; }

/*
 * Rate of 1, 2 and 3 interleaved lanes over one lane's, best of 300 runs of 1 MiB per lane
 * (bench/README-sha256.md): the AVX-512 form on AMD Zen 4 (1.83, 3.66, 4.47 GB/s); the SSE
 * form on AMD, measured on Zen 4 (1.83, 3.40, 3.07: three lanes lose to two there); the SSE
 * form elsewhere, measured on Intel Emerald Rapids (1.43, 1.89, 1.95).
 */
static const double k_gain_evex[3] = {1.0, 2.00, 2.44};
static const double k_gain_sse_amd[3] = {1.0, 1.86, 1.68};
static const double k_gain_sse[3] = {1.0, 1.32, 1.36};

static const double *gain_table(void)
{
    /* decided once, like kernels(): the vendor check runs CPUID */
    static _Atomic(const double *) cached;
    const double *t = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!t) {
        if (kernels() == 2) {
            t = k_gain_evex;
        } else {
#if HAVE_SHA_X86
            __builtin_cpu_init();
            t = __builtin_cpu_is("amd") ? k_gain_sse_amd : k_gain_sse;
#else
            t = k_gain_sse;
#endif
        }
        atomic_store_explicit(&cached, t, memory_order_relaxed);
    }
    return t;
}

double omsig_sha256_x86_gain(unsigned k)
{
    if (k <= 1 || !omsig_sha256_x86_available()) return 1.0;
    return gain_table()[k > 3 ? 2 : k - 1];
}

unsigned omsig_sha256_x86_best_lanes(void)
{
    unsigned best = 1;
    for (unsigned k = 2; k <= 3; k++)
        if (omsig_sha256_x86_gain(k) > omsig_sha256_x86_gain(best)) best = k;
    return best;
}

void omsig_sha256_x86_blocks2(uint32_t *state[2], const uint8_t *data[2], size_t nblocks)
{
    if (kernels() == 2)
        omsig_sha256_x86_blocks2_evex(state, data, nblocks);
    else
        omsig_sha256_x86_blocks2_sse(state, data, nblocks);
}

void omsig_sha256_x86_blocks3(uint32_t *state[3], const uint8_t *data[3], size_t nblocks)
{
    if (kernels() == 2)
        omsig_sha256_x86_blocks3_evex(state, data, nblocks);
    else
        omsig_sha256_x86_blocks3_sse(state, data, nblocks);
}

/* ---- multi-lane streaming hasher ------------------------------------------------------------ */

/* Compresses nblocks for each of n lanes (1..3) on whichever backend is in use. */
static void compress_lanes(uint32_t **st, const uint8_t **p, unsigned n, size_t nblocks)
{
    if (!omsig_sha256_x86_available()) {
        for (unsigned i = 0; i < n; i++) omsig_sha256_portable_blocks(st[i], p[i], nblocks);
        return;
    }
    switch (n) {
    case 1: omsig_sha256_x86_blocks1(st[0], p[0], nblocks); break;
    case 2: omsig_sha256_x86_blocks2(st, p, nblocks); break;
    default: omsig_sha256_x86_blocks3(st, p, nblocks); break;
    }
}

void omsig_sha256_lane_init(omsig_sha256_lane *l)
{
    memcpy(l->h, k_sha256_iv, sizeof l->h);
    l->buf_len = 0;
    l->total = 0;
}

static void update_upto3(omsig_sha256_lane *const *lanes, const uint8_t *const *data,
                         const size_t *len, unsigned k)
{
    const uint8_t *p[3];
    size_t n[3];

    /* Top up partial buffers first: their block precedes everything in this call. */
    for (unsigned i = 0; i < k; i++) {
        omsig_sha256_lane *l = lanes[i];
        p[i] = data[i];
        n[i] = len[i];
        l->total += n[i];
        if (l->buf_len && n[i]) {
            const size_t take = n[i] < 64 - l->buf_len ? n[i] : 64 - l->buf_len;
            memcpy(l->buf + l->buf_len, p[i], take);
            l->buf_len += take;
            p[i] += take;
            n[i] -= take;
            if (l->buf_len == 64) {
                uint32_t *st = l->h;
                const uint8_t *b = l->buf;
                compress_lanes(&st, &b, 1, 1);
                l->buf_len = 0;
            }
        }
    }

    /* Run the lanes that still have whole blocks together until the shortest runs out; at
     * most k rounds, each dropping at least one lane. */
    for (;;) {
        uint32_t *st[3];
        const uint8_t *bp[3];
        unsigned idx[3], na = 0;
        size_t m = SIZE_MAX;
        for (unsigned i = 0; i < k; i++) {
            if (n[i] < 64) continue;
            idx[na] = i;
            st[na] = lanes[i]->h;
            bp[na] = p[i];
            na++;
            if (n[i] / 64 < m) m = n[i] / 64;
        }
        if (!na) break;
        compress_lanes(st, bp, na, m);
        for (unsigned j = 0; j < na; j++) {
            p[idx[j]] += 64 * m;
            n[idx[j]] -= 64 * m;
        }
    }

    for (unsigned i = 0; i < k; i++) {
        if (n[i]) {
            memcpy(lanes[i]->buf + lanes[i]->buf_len, p[i], n[i]);
            lanes[i]->buf_len += n[i];
        }
    }
}

void omsig_sha256_lanes_update(omsig_sha256_lane *const *lanes, const uint8_t *const *data,
                               const size_t *len, unsigned k)
{
    for (unsigned i = 0; i < k; i += 3)
        update_upto3(lanes + i, data + i, len + i, k - i < 3 ? k - i : 3);
}

void omsig_sha256_lane_final(omsig_sha256_lane *l, uint8_t out[32])
{
    uint32_t *st = l->h;
    const uint8_t *b = l->buf;
    const uint64_t bits = l->total * 8;

    l->buf[l->buf_len++] = 0x80;
    if (l->buf_len > 56) {
        memset(l->buf + l->buf_len, 0, 64 - l->buf_len);
        compress_lanes(&st, &b, 1, 1);
        l->buf_len = 0;
    }
    memset(l->buf + l->buf_len, 0, 56 - l->buf_len);
    for (int i = 0; i < 8; i++) l->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress_lanes(&st, &b, 1, 1);
    l->buf_len = 0;
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, l->h[i]);
}
