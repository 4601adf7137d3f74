/* SPDX-License-Identifier: Apache-2.0 */
/* bench_sha256.c - in-memory SHA-256 throughput on one thread: OpenSSL on one stream against
 * the SHA-extensions backend running 1, 2 and 3 interleaved streams (both register-file forms
 * where the CPU has them), and the floors the round instruction sets for each.  Not a test. */
#include "sha256_x86.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t g_bytes; /* per stream */
static uint8_t *g_buf[3];
static uint32_t g_state[3][8];
static int g_runs = 3;
static volatile int g_sink; /* results land here so that no timed call is dropped */

static void run_openssl(void)
{
    uint8_t md[32];
    unsigned int n = 0;
    if (EVP_Digest(g_buf[0], g_bytes, md, &n, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "EVP_Digest failed\n");
        exit(1);
    }
    g_sink = md[0];
}

static void run_portable(void) { omsig_sha256_portable_blocks(g_state[0], g_buf[0], g_bytes / 64); }
static void run_k1(void) { omsig_sha256_x86_blocks1(g_state[0], g_buf[0], g_bytes / 64); }

/* k-stream kernels share one type (state and data arrays of at least k); every run hands them
 * the first k buffers. */
typedef void kernel_fn(uint32_t **state, const uint8_t **data, size_t nblocks);

static void run_kernel(kernel_fn *fn)
{
    uint32_t *st[3] = {g_state[0], g_state[1], g_state[2]};
    const uint8_t *p[3] = {g_buf[0], g_buf[1], g_buf[2]};
    fn(st, p, g_bytes / 64);
}

static void run_k2(void) { run_kernel(omsig_sha256_x86_blocks2); }
static void run_k3(void) { run_kernel(omsig_sha256_x86_blocks3); }

/* The SSE forms by name, beside the AVX-512 ones where sha256_x86.c picks those. */
static void run_k2_sse(void) { run_kernel(omsig_sha256_x86_blocks2_sse); }
static void run_k3_sse(void) { run_kernel(omsig_sha256_x86_blocks3_sse); }

/* The lane API end to end, three lanes fed in 1 MiB pieces: what the engine will see. */
static void run_lanes3(void)
{
    omsig_sha256_lane l[3], *lp[3] = {&l[0], &l[1], &l[2]};
    for (int i = 0; i < 3; i++) omsig_sha256_lane_init(&l[i]);
    const size_t piece = 1u << 20;
    for (size_t off = 0; off < g_bytes; off += piece) {
        const size_t n = g_bytes - off < piece ? g_bytes - off : piece;
        const uint8_t *p[3] = {g_buf[0] + off, g_buf[1] + off, g_buf[2] + off};
        const size_t len[3] = {n, n, n};
        omsig_sha256_lanes_update(lp, p, len, 3);
    }
    uint8_t md[32];
    for (int i = 0; i < 3; i++) omsig_sha256_lane_final(&l[i], md);
}

#if defined(__x86_64__)
/*
 * What bounds the interleaving: ns per SHA256RNDS2 in one dependent chain (latency) and in six
 * independent chains (throughput).  Blocks take 32 of them, so 32 x latency is the floor for
 * one stream and 32 x throughput the floor per block however many streams are interleaved.
 * Each figure is the best of many short runs (well under a scheduler time slice), so that a
 * shared machine's preemptions do not count as instruction time.
 */
#define RNDS2_ITERS 100000L
#define RNDS2_RUNS 100
__attribute__((target("sha"), noinline)) static __m128i rnds2_chain1(__m128i a, __m128i b,
                                                                       __m128i k)
{
    for (long i = 0; i < RNDS2_ITERS; i++) {
        a = _mm_sha256rnds2_epu32(a, b, k);
        __asm__ volatile("" : "+x"(a)); /* no folding the chain */
    }
    return a;
}

#define RNDS2_STEP(x) x = _mm_sha256rnds2_epu32(x, b, k);
__attribute__((target("sha"), noinline)) static __m128i rnds2_chain6(__m128i a, __m128i b,
                                                                       __m128i k)
{
    __m128i a1 = _mm_add_epi32(a, b), a2 = _mm_add_epi32(a1, b), a3 = _mm_add_epi32(a2, b);
    __m128i a4 = _mm_add_epi32(a3, b), a5 = _mm_add_epi32(a4, b);
    for (long i = 0; i < RNDS2_ITERS; i++) {
        RNDS2_STEP(a) RNDS2_STEP(a1) RNDS2_STEP(a2) RNDS2_STEP(a3) RNDS2_STEP(a4) RNDS2_STEP(a5)
        __asm__ volatile("" : "+x"(a), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
    }
    return _mm_xor_si128(_mm_xor_si128(_mm_xor_si128(a, a1), _mm_xor_si128(a2, a3)),
                         _mm_xor_si128(a4, a5));
}

/* Floors in GB/s for one stream and for any number, from the instruction's timings. */
static double g_floor1, g_floor_any;

static void instruction_timings(void)
{
    const __m128i b = _mm_set1_epi32(0x1234567), k = _mm_set1_epi32(0x7654321);
    __m128i acc = b;
    double lat = 1e30, tput = 1e30;
    for (int r = 0; r < RNDS2_RUNS * g_runs; r++) {
        double t0 = now();
        acc = _mm_xor_si128(acc, rnds2_chain1(acc, b, k));
        const double l = (now() - t0) / RNDS2_ITERS;
        t0 = now();
        acc = _mm_xor_si128(acc, rnds2_chain6(acc, b, k));
        const double t = (now() - t0) / (6.0 * RNDS2_ITERS);
        if (l < lat) lat = l;
        if (t < tput) tput = t;
    }
    g_sink = _mm_cvtsi128_si32(acc);
    printf("  SHA256RNDS2: latency %.3f ns, throughput one per %.3f ns (6 chains)\n", lat * 1e9,
           tput * 1e9);
    g_floor1 = 64.0 / (32 * lat) / 1e9;
    g_floor_any = 64.0 / (32 * tput) / 1e9;
    printf("  floors: one stream %.2f GB/s, any number of streams %.2f GB/s\n", g_floor1,
           g_floor_any);
}

/*
 * What the message schedule costs three interleaved streams: three chains of SHA256RNDS2 (the
 * 3-stream kernel's critical paths: per 4-round group and stream, two rounds, each waiting on
 * the one before) timed alone and beside the other instructions of a scheduled group (groups
 * 0-11 of a block), which here depend on nothing.  The rounds alone run at the latency floor,
 * so each mix's time against theirs is the most that a kernel issuing that mix can reach of
 * the 3-stream floor in those groups, whatever its order or registers.  Per group and stream:
 * one SHA256MSG1, one SHA256MSG2, the round constants' addition, the schedule's addition and
 * its byte alignment (W[t-7..t-4] from two vectors), and the round words' upper half, by
 * PSHUFD as the kernels take it or by a store and an 8-byte load. */
#define SCH_ITERS 20000L
#define SCH_ROUNDS                                                                               \
    "sha256rnds2 %%xmm0, %%xmm1, %%xmm2\n\t sha256rnds2 %%xmm0, %%xmm3, %%xmm4\n\t"              \
    "sha256rnds2 %%xmm0, %%xmm5, %%xmm6\n\t sha256rnds2 %%xmm0, %%xmm2, %%xmm1\n\t"              \
    "sha256rnds2 %%xmm0, %%xmm4, %%xmm3\n\t sha256rnds2 %%xmm0, %%xmm6, %%xmm5\n\t"
#define SCH_MSG1 "sha256msg1 %%xmm7, %%xmm8\n\t sha256msg1 %%xmm7, %%xmm9\n\t sha256msg1 %%xmm7, %%xmm10\n\t"
#define SCH_MSG2 "sha256msg2 %%xmm7, %%xmm11\n\t sha256msg2 %%xmm7, %%xmm12\n\t sha256msg2 %%xmm7, %%xmm13\n\t"
/* three-operand forms writing xmm15 only: nothing waits on them */
#define SCH_X3(op) op ", %%xmm15\n\t " op ", %%xmm15\n\t " op ", %%xmm15\n\t"
#define SCH_ADD3 SCH_X3("vpaddd %%xmm7, %%xmm14")
#define SCH_ALIGN SCH_X3("vpalignr $4, %%xmm7, %%xmm14")
#define SCH_HI_SHUF SCH_X3("vpshufd $0x0e, %%xmm7")
#define SCH_HI_MEM                                                                               \
    "vmovdqa %%xmm7, (%[m])\n\t vmovq 8(%[m]), %%xmm15\n\t vmovdqa %%xmm7, 16(%[m])\n\t"         \
    "vmovq 24(%[m]), %%xmm15\n\t vmovdqa %%xmm7, 32(%[m])\n\t vmovq 40(%[m]), %%xmm15\n\t"
#define SCH_GROUPS(body) body body body body
#define SCH_CLOBBER                                                                              \
    "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm8", "xmm9", "xmm10",    \
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
/* One probe: ns per group, best of many short runs. */
#define SCH_PROBE(fn, body)                                                                      \
    __attribute__((target("sha,avx"), noinline)) static double fn(void)                         \
    {                                                                                            \
        uint8_t scratch[64] __attribute__((aligned(16)));                                        \
        double best = 1e30;                                                                      \
        for (int r = 0; r < 100 * g_runs; r++) {                                                 \
            const double t0 = now();                                                             \
            for (long i = 0; i < SCH_ITERS; i++)                                                 \
                __asm__ volatile(SCH_GROUPS(body)::[m] "r"(scratch) : SCH_CLOBBER);              \
            const double t = (now() - t0) / (4.0 * SCH_ITERS);                                   \
            if (t < best) best = t;                                                              \
        }                                                                                        \
        return best;                                                                             \
    }
SCH_PROBE(sch_rounds, SCH_ROUNDS)
SCH_PROBE(sch_kernel, SCH_ROUNDS SCH_MSG1 SCH_MSG2 SCH_ADD3 SCH_ADD3 SCH_ALIGN SCH_HI_SHUF)
SCH_PROBE(sch_hi_mem, SCH_ROUNDS SCH_MSG1 SCH_MSG2 SCH_ADD3 SCH_ADD3 SCH_ALIGN SCH_HI_MEM)
SCH_PROBE(sch_no_msg1, SCH_ROUNDS SCH_MSG2 SCH_ADD3 SCH_ADD3 SCH_ALIGN SCH_HI_SHUF)
SCH_PROBE(sch_no_msg2, SCH_ROUNDS SCH_MSG1 SCH_ADD3 SCH_ADD3 SCH_ALIGN SCH_HI_SHUF)
SCH_PROBE(sch_no_align, SCH_ROUNDS SCH_MSG1 SCH_MSG2 SCH_ADD3 SCH_ADD3 SCH_HI_MEM)

/*
 * The schedule off the SHA instructions: W[16..63] of 16 blocks of one stream computed at once
 * with AVX-512, one block per dword lane, and the rounds reading W+K[t..t+1] with one 8-byte
 * load.  Per 3 blocks (one per stream: 16 groups of three chains) that is 3/16 of a 16-block
 * batch: 9 of its 48 schedule steps, 12 of the 64 shuffles that turn 16 loaded blocks into 16
 * word vectors, 3 of the 16 loads and byte swaps, 12 of the 64 additions of K, 12 of the 64
 * unpacks that pair W+K[t] with W+K[t+1] per block, and 12 of the 64 stores.  A step is its
 * two sigmas and three additions, the sigmas in four forms: rotates by two shifts and an OR,
 * then XORs (21 instructions a step); VPRORD and VPTERNLOGD (11); shifts with VPTERNLOGD for
 * the ORs and XORs (17); VPRORD and XORs (13).  As zmm (16 lanes) or ymm (8 lanes, twice the
 * instructions), and with only one or two of the streams so scheduled.  Every instruction
 * depends on nothing outside its step, so each line is again the most any order allows.
 */
#define WS_ROUNDS_LD                                                                             \
    "vmovq (%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm1, %%xmm2\n\t"                            \
    "vmovq 8(%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm3, %%xmm4\n\t"                           \
    "vmovq 16(%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm5, %%xmm6\n\t"                          \
    "vmovq 24(%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm2, %%xmm1\n\t"                          \
    "vmovq 32(%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm4, %%xmm3\n\t"                          \
    "vmovq 40(%[w]), %%xmm0\n\t sha256rnds2 %%xmm0, %%xmm6, %%xmm5\n\t"
/* one sigma of x into d: two rotates, a shift, three-way XOR */
#define WS_SIG_SH(R, x, r1, r2, s, d)                                                            \
    "vpsrld $" #r1 ", %%" R #x ", %%" R "18\n\t vpslld $(32-" #r1 "), %%" R #x ", %%" R "19\n\t"  \
    "vpsrld $" #r2 ", %%" R #x ", %%" R "20\n\t vpslld $(32-" #r2 "), %%" R #x ", %%" R "21\n\t"  \
    "vpsrld $" #s ", %%" R #x ", %%" R #d "\n\t vpord %%" R "18, %%" R "19, %%" R "18\n\t"        \
    "vpord %%" R "20, %%" R "21, %%" R "20\n\t vpxord %%" R "18, %%" R #d ", %%" R #d "\n\t"      \
    "vpxord %%" R "20, %%" R #d ", %%" R #d "\n\t"
#define WS_SIG_ROT(R, x, r1, r2, s, d)                                                           \
    "vprord $" #r1 ", %%" R #x ", %%" R "18\n\t vprord $" #r2 ", %%" R #x ", %%" R "19\n\t"       \
    "vpsrld $" #s ", %%" R #x ", %%" R #d "\n\t"                                                  \
    "vpternlogd $0x96, %%" R "18, %%" R "19, %%" R #d "\n\t"
#define WS_SIG_ROX(R, x, r1, r2, s, d)                                                           \
    "vprord $" #r1 ", %%" R #x ", %%" R "18\n\t vprord $" #r2 ", %%" R #x ", %%" R "19\n\t"       \
    "vpsrld $" #s ", %%" R #x ", %%" R #d "\n\t vpxord %%" R "18, %%" R #d ", %%" R #d "\n\t"     \
    "vpxord %%" R "19, %%" R #d ", %%" R #d "\n\t"
#define WS_SIG_SHT(R, x, r1, r2, s, d)                                                           \
    "vpsrld $" #r1 ", %%" R #x ", %%" R "18\n\t vpslld $(32-" #r1 "), %%" R #x ", %%" R "19\n\t"  \
    "vpsrld $" #r2 ", %%" R #x ", %%" R "20\n\t vpslld $(32-" #r2 "), %%" R #x ", %%" R "21\n\t"  \
    "vpsrld $" #s ", %%" R #x ", %%" R #d "\n\t"                                                  \
    "vpternlogd $0x96, %%" R "18, %%" R "19, %%" R #d "\n\t"                                      \
    "vpternlogd $0x96, %%" R "20, %%" R "21, %%" R #d "\n\t"
/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]: inputs mm16, mm17, mm24, mm25 */
#define WS_STEP(SIG, R)                                                                          \
    SIG(R, 16, 7, 18, 3, 22) SIG(R, 17, 17, 19, 10, 23)                                          \
    "vpaddd %%" R "22, %%" R "24, %%" R "22\n\t vpaddd %%" R "23, %%" R "25, %%" R "23\n\t"      \
    "vpaddd %%" R "22, %%" R "23, %%" R "26\n\t"
/* sigma0 (of mm16) by VPRORD and sigma1 (of mm17) by shifts, and the other way round */
#define WS_SIG_RS(R, x, r1, r2, s, d) WS_RS_##x(R, x, r1, r2, s, d)
#define WS_RS_16 WS_SIG_ROX
#define WS_RS_17 WS_SIG_SH
#define WS_SIG_SR(R, x, r1, r2, s, d) WS_SR_##x(R, x, r1, r2, s, d)
#define WS_SR_16 WS_SIG_SH
#define WS_SR_17 WS_SIG_ROX
/* the rest of a batch's 3/16 share, spread over the groups: t of 12 */
#define WS_SHUF(R, n)                                                                            \
    "vpunpckldq %%" R "16, %%" R "17, %%" R "27\n\t vpunpcklqdq %%" R "16, %%" R "17, %%" R      \
    "28\n\t vshufi32x4 $0x44, %%" R "16, %%" R "17, %%" R "29\n\t"                               \
    "vshufi32x4 $0xee, %%" R "16, %%" R "17, %%" R "30\n\t"                                      \
    "vpaddd %%" R "31, %%" R "16, %%" R "27\n\t vpaddd %%" R "31, %%" R "17, %%" R "28\n\t"      \
    "vpaddd %%" R "31, %%" R "24, %%" R "29\n\t vpaddd %%" R "31, %%" R "25, %%" R "30\n\t"      \
    "vpunpckldq %%" R "16, %%" R "17, %%" R "27\n\t vpunpckhdq %%" R "16, %%" R "17, %%" R       \
    "28\n\t vpunpckldq %%" R "24, %%" R "25, %%" R "29\n\t vpunpckhdq %%" R "24, %%" R "25, %%"   \
    R "30\n\t"                                                                                   \
    "vmovdqu64 %%" R "16, " #n "*256(%[s])\n\t vmovdqu64 %%" R "17, " #n "*256+64(%[s])\n\t"     \
    "vmovdqu64 %%" R "24, " #n "*256+128(%[s])\n\t vmovdqu64 %%" R "25, " #n "*256+192(%[s])\n\t"
#define WS_LOAD(R, n)                                                                            \
    "vmovdqu64 " #n "*64(%[m]), %%" R "27\n\t vpshufb %%" R "31, %%" R "27, %%" R "27\n\t"
/* 16 groups of rounds with 9 steps, 3 x WS_SHUF (4 of each kind), 3 loads */
#define WS_BODY(SIG, R, D) WS_BODY_OF(SIG, R, D, D)
#define WS_BODY_OF(SIG, R, D, O)                                                                 \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD O(WS_SHUF(R, 0) WS_LOAD(R, 0))                  \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD D(WS_STEP(SIG, R))                              \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD O(WS_LOAD(R, 1))                                \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD O(WS_SHUF(R, 1))                                \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD O(WS_LOAD(R, 2))                                \
    WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD D(WS_STEP(SIG, R))                              \
    WS_ROUNDS_LD O(WS_SHUF(R, 2)) WS_ROUNDS_LD D(WS_STEP(SIG, R)) WS_ROUNDS_LD WS_ROUNDS_LD
/* the steps alone, without the transposes, K, loads and stores */
#define WS_STEPS_ONLY(SIG, R)                                                                    \
    WS_BODY_OF(SIG, R, WS_ONCE, WS_NONE)
#define WS_NONE(a)
#define WS_ONCE(a) a
#define WS_TWICE(a) a a
#define WS_CLOBBER                                                                               \
    "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm8", "xmm11", "xmm12",   \
        "xmm15", "xmm18", "xmm19", "xmm20",  \
        "xmm21", "xmm22", "xmm23", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30"
/* ns per 4-round group of three chains; best of many short runs */
#define WS_PROBE(fn, groups, body)                                                               \
    __attribute__((target("sha,avx512f,avx512vl,avx512bw"), noinline)) static double fn(void)   \
    {                                                                                            \
        static uint8_t wk[64] __attribute__((aligned(64)));                                      \
        uint8_t st[832] __attribute__((aligned(64))), in[192] __attribute__((aligned(64)));  \
        memset(in, 1, sizeof in);                                                                \
        double best = 1e30;                                                                      \
        for (int r = 0; r < 20 * g_runs; r++) {                                                  \
            const double t0 = now();                                                             \
            for (long i = 0; i < SCH_ITERS / 4; i++)                                             \
                __asm__ volatile(body::[w] "r"(wk), [s] "r"(st), [m] "r"(in) : WS_CLOBBER);      \
            const double t = (now() - t0) / ((double)(groups) * (SCH_ITERS / 4));                \
            if (t < best) best = t;                                                              \
        }                                                                                        \
        return best;                                                                             \
    }
/* Mixed: some streams scheduled by SHA256MSG1/MSG2 in a group's own vectors (the schedule's
 * and K's additions, the byte alignment, a 16-byte store of W+K), the rest 16 blocks at a
 * time as above; G is one group's rounds with the SHA-scheduled streams' instructions. */
#define WS_SHA1                                                                                  \
    "sha256msg1 %%xmm7, %%xmm8\n\t sha256msg2 %%xmm7, %%xmm11\n\t"                               \
    "vpaddd %%xmm7, %%xmm14, %%xmm15\n\t vpaddd %%xmm7, %%xmm13, %%xmm12\n\t"                     \
    "vpalignr $4, %%xmm7, %%xmm14, %%xmm15\n\t vmovdqa %%xmm12, 800(%[s])\n\t"
#define WS_G1 WS_ROUNDS_LD WS_SHA1
#define WS_G2 WS_ROUNDS_LD WS_SHA1 WS_SHA1
/* one stream by AVX-512, two by the SHA instructions (in 12 of 16 groups, as in a block):
 * 3 steps, one of each other share */
#define WS_MIX1(SIG)                                                                             \
    WS_G2 WS_STEP(SIG, "zmm") WS_G2 WS_G2 WS_SHUF("zmm", 0) WS_G2 WS_G2 WS_G2                    \
    WS_STEP(SIG, "zmm") WS_G2 WS_G2 WS_LOAD("zmm", 0) WS_G2 WS_G2 WS_G2 WS_STEP(SIG, "zmm")      \
    WS_G2 WS_ROUNDS_LD WS_ROUNDS_LD WS_ROUNDS_LD WS_ROUNDS_LD
/* two streams by AVX-512, one by the SHA instructions */
#define WS_MIX2(SIG)                                                                             \
    WS_G1 WS_STEP(SIG, "zmm") WS_G1 WS_G1 WS_STEP(SIG, "zmm") WS_SHUF("zmm", 0) WS_G1            \
    WS_G1 WS_STEP(SIG, "zmm") WS_G1 WS_LOAD("zmm", 0) WS_G1 WS_G1 WS_STEP(SIG, "zmm") WS_G1      \
    WS_G1 WS_SHUF("zmm", 1) WS_G1 WS_STEP(SIG, "zmm") WS_G1 WS_ROUNDS_LD WS_STEP(SIG, "zmm")     \
    WS_ROUNDS_LD WS_LOAD("zmm", 1) WS_ROUNDS_LD WS_ROUNDS_LD
/* What the chains leave: each group's rounds beside n independent instructions of one kind */
#define WS_Z2(op) op " %%zmm16, %%zmm17, %%zmm18\n\t " op " %%zmm16, %%zmm17, %%zmm19\n\t"
#define WS_Y2(op) op " %%ymm16, %%ymm17, %%ymm18\n\t " op " %%ymm16, %%ymm17, %%ymm19\n\t"
#define WS_Z2I(op) op " %%zmm16, %%zmm18\n\t " op " %%zmm17, %%zmm19\n\t"
#define WS_Y2I(op) op " %%ymm16, %%ymm18\n\t " op " %%ymm17, %%ymm19\n\t"
#define WS_X4(a) a a a a
#define WS_EACH(extra) WS_X4(WS_X4(WS_ROUNDS_LD extra))
WS_PROBE(ws_rounds, 16, WS_EACH(""))
WS_PROBE(ws_add8, 16, WS_EACH(WS_X4(WS_Z2("vpaddd"))))
WS_PROBE(ws_add12, 16, WS_EACH(WS_X4(WS_Z2("vpaddd")) WS_Z2("vpaddd") WS_Z2("vpaddd")))
WS_PROBE(ws_srl6add6, 16, WS_EACH(WS_Z2I("vpsrld $5,") WS_Z2I("vpsrld $9,") WS_Z2I("vpsrld $3,")
                                  WS_Z2("vpaddd") WS_Z2("vpaddd") WS_Z2("vpaddd")))
WS_PROBE(ws_ror2, 16, WS_EACH(WS_Z2I("vprord $7,")))
WS_PROBE(ws_ror4, 16, WS_EACH(WS_Z2I("vprord $7,") WS_Z2I("vprord $9,")))
WS_PROBE(ws_tern4, 16, WS_EACH(WS_Z2("vpternlogd $0x96,") WS_Z2("vpternlogd $0x96,")))
WS_PROBE(ws_ror8y, 16, WS_EACH(WS_X4(WS_Y2I("vprord $7,"))))
WS_PROBE(ws_add16y, 16, WS_EACH(WS_X4(WS_Y2("vpaddd")) WS_X4(WS_Y2("vpaddd"))))
WS_PROBE(ws_shift_z, 16, WS_BODY(WS_SIG_SH, "zmm", WS_ONCE))
WS_PROBE(ws_rot_z, 16, WS_BODY(WS_SIG_ROT, "zmm", WS_ONCE))
WS_PROBE(ws_sht_z, 16, WS_BODY(WS_SIG_SHT, "zmm", WS_ONCE))
WS_PROBE(ws_shift_y, 16, WS_BODY(WS_SIG_SH, "ymm", WS_TWICE))
WS_PROBE(ws_rot_y, 16, WS_BODY(WS_SIG_ROT, "ymm", WS_TWICE))
WS_PROBE(ws_sht_y, 16, WS_BODY(WS_SIG_SHT, "ymm", WS_TWICE))
WS_PROBE(ws_rox_z, 16, WS_BODY(WS_SIG_ROX, "zmm", WS_ONCE))
WS_PROBE(ws_rox_z_steps, 16, WS_STEPS_ONLY(WS_SIG_ROX, "zmm"))
WS_PROBE(ws_rs_z, 16, WS_BODY(WS_SIG_RS, "zmm", WS_ONCE))
WS_PROBE(ws_sr_z, 16, WS_BODY(WS_SIG_SR, "zmm", WS_ONCE))
WS_PROBE(ws_rox_y, 16, WS_BODY(WS_SIG_ROX, "ymm", WS_TWICE))
WS_PROBE(ws_mix1_rot, 16, WS_MIX1(WS_SIG_ROT))
WS_PROBE(ws_mix1_sh, 16, WS_MIX1(WS_SIG_SH))
WS_PROBE(ws_mix2_rot, 16, WS_MIX2(WS_SIG_ROT))
WS_PROBE(ws_mix2_sh, 16, WS_MIX2(WS_SIG_SH))

/* One line of a probe: its label and its timing in ns per group. */
struct probe_line {
    const char *what;
    double (*fn)(void);
};

static void print_probe_lines(double base, const struct probe_line *line, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double t = line[i].fn();
        printf("    %-40s %.2f ns = at most %3.0f%% of the 3-stream floor\n", line[i].what,
               t * 1e9, 100.0 * base / t);
    }
}

static void schedule_costs(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx")) {
        printf("  no AVX: the schedule probe is not run\n");
        return;
    }
    const double base = sch_rounds();
    static const struct probe_line mix[] = {
        {"a block's mix, upper halves by PSHUFD", sch_kernel},
        {"the same, upper halves through memory", sch_hi_mem},
        {"without SHA256MSG1", sch_no_msg1},
        {"without SHA256MSG2", sch_no_msg2},
        {"through memory, without PALIGNR", sch_no_align},
    };
    printf("  three RNDS2 chains, per 4-round group: %.2f ns alone; beside\n", base * 1e9);
    print_probe_lines(base, mix, sizeof mix / sizeof mix[0]);
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl") ||
        !__builtin_cpu_supports("avx512bw")) {
        printf("  no AVX-512: the 16-block schedule probe is not run\n");
        return;
    }
    static const struct probe_line cap[] = {
        {"8 VPADDD zmm", ws_add8},
        {"12 VPADDD zmm", ws_add12},
        {"6 VPSRLD + 6 VPADDD zmm", ws_srl6add6},
        {"2 VPRORD zmm", ws_ror2},
        {"4 VPRORD zmm", ws_ror4},
        {"4 VPTERNLOGD zmm", ws_tern4},
        {"8 VPRORD ymm", ws_ror8y},
        {"16 VPADDD ymm", ws_add16y},
    };
    static const struct probe_line wide[] = {
        {"zmm, shifts and XORs", ws_shift_z},
        {"zmm, VPRORD and VPTERNLOGD", ws_rot_z},
        {"zmm, shifts and VPTERNLOGD", ws_sht_z},
        {"ymm, shifts and XORs", ws_shift_y},
        {"ymm, VPRORD and VPTERNLOGD", ws_rot_y},
        {"ymm, shifts and VPTERNLOGD", ws_sht_y},
        {"zmm, VPRORD and XORs", ws_rox_z},
        {"ymm, VPRORD and XORs", ws_rox_y},
        {"zmm, VPRORD and XORs, the steps only", ws_rox_z_steps},
        {"zmm, sigma0 by VPRORD, sigma1 by shifts", ws_rs_z},
        {"zmm, sigma0 by shifts, sigma1 by VPRORD", ws_sr_z},
        {"1 stream so, zmm VPRORD; 2 by MSG1/2", ws_mix1_rot},
        {"1 stream so, zmm shifts; 2 by MSG1/2", ws_mix1_sh},
        {"2 streams so, zmm VPRORD; 1 by MSG1/2", ws_mix2_rot},
        {"2 streams so, zmm shifts; 1 by MSG1/2", ws_mix2_sh},
    };
    const double wbase = ws_rounds();
    printf("  the same chains with 8-byte loads of W+K: %.2f ns alone; per group beside\n",
           wbase * 1e9);
    print_probe_lines(wbase, cap, sizeof cap / sizeof cap[0]);
    printf("  beside 3/16 of a 16-block AVX-512 schedule per 3 blocks (one block per lane),\n"
           "  sigmas by\n");
    print_probe_lines(wbase, wide, sizeof wide / sizeof wide[0]);
}

/* k streams cannot beat k one-stream floors (each is a latency chain) nor the unit's rate. */
static void print_floor_share(const char *what, int k, double rate)
{
    double floor = k * g_floor1;
    if (floor > g_floor_any) floor = g_floor_any;
    printf("  %-30s %5.2f GB/s = %3.0f%% of the %d-stream floor %.2f (%3.0f%% of the unit's)\n",
           what, rate, 100.0 * rate / floor, k, floor, 100.0 * rate / g_floor_any);
}
#endif

/* Best of g_runs, in GB/s (10^9 bytes) over all streams of the run. */
static double measure(void (*fn)(void), int streams)
{
    double best = 1e30;
    for (int r = 0; r < g_runs; r++) {
        const double t0 = now();
        fn();
        const double dt = now() - t0;
        if (dt < best) best = dt;
    }
    return (double)g_bytes * streams / best / 1e9;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-m MiB per stream (256)] [-r runs (3)] [-p] [-i]\n"
                    "  -p  also time the portable C compression (slow)\n"
                    "  -i  also time SHA256RNDS2 itself: latency and throughput, and each\n"
                    "      rate as a share of the floor they set for its stream count\n"
                    "  -s  also time three RNDS2 chains beside the message schedule's other\n"
                    "      instructions: what the schedule leaves of the 3-stream floor, with\n"
                    "      SHA256MSG1/MSG2 and with 16 blocks' schedules in AVX-512\n"
                    "  on a shared machine, many short runs (-m 1 -r 300) keep preemptions out\n",
            argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    long mib = 256;
    int portable = 0, insn = 0, sched = 0, opt;
    while ((opt = getopt(argc, argv, "m:r:pis")) != -1) {
        switch (opt) {
        case 'm': mib = strtol(optarg, NULL, 10); break;
        case 'r': g_runs = atoi(optarg); break;
        case 'p': portable = 1; break;
        case 'i': insn = 1; break;
        case 's': sched = 1; break;
        default: usage(argv[0]);
        }
    }
    if (mib <= 0 || g_runs <= 0) usage(argv[0]);
    g_bytes = (size_t)mib << 20;

    for (int i = 0; i < 3; i++) {
        g_buf[i] = malloc(g_bytes);
        if (!g_buf[i]) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        /* distinct contents, and every page touched before any timing */
        uint64_t x = 0x2545f4914f6cdd1dULL * (uint64_t)(i + 1);
        for (size_t j = 0; j < g_bytes; j += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(g_buf[i] + j, &x, 8);
        }
    }

    const int x86 = omsig_sha256_x86_available();
    printf("SHA-256, one thread, %ld MiB per stream, best of %d runs, GB/s = 10^9 bytes/s\n", mib,
           g_runs);
    const double ossl = measure(run_openssl, 1);
    printf("  OpenSSL EVP, 1 stream         %6.2f GB/s\n", ossl);
    if (portable) printf("  portable C,  1 stream         %6.2f GB/s\n", measure(run_portable, 1));
    if (!x86) {
        printf("  SHA extensions missing or OMSIG_SHA256=openssl: nothing more to time\n");
        return 0;
    }

    /* the interleaved lanes must agree with the single-stream code before their speed counts */
    uint32_t ref[3][8];
    for (int i = 0; i < 3; i++) {
        memset(ref[i], 0, sizeof ref[i]);
        omsig_sha256_x86_blocks1(ref[i], g_buf[i], 64);
        memset(g_state[i], 0, sizeof g_state[i]);
    }
    {
        uint32_t *st[3] = {g_state[0], g_state[1], g_state[2]};
        const uint8_t *p[3] = {g_buf[0], g_buf[1], g_buf[2]};
        omsig_sha256_x86_blocks3(st, p, 64);
        if (memcmp(g_state, ref, sizeof ref) != 0) {
            fprintf(stderr, "3-lane result differs from 1-lane: not timing\n");
            return 1;
        }
    }

    const int evex = omsig_sha256_x86_evex();
    const double k1 = measure(run_k1, 1);
    const double k2 = measure(run_k2, 2);
    const double k3 = measure(run_k3, 3);
    const double l3 = measure(run_lanes3, 3);
    /* the form not in use, for comparison (only where the CPU runs it) */
    const double k2o = evex ? measure(run_k2_sse, 2) : 0, k3o = evex ? measure(run_k3_sse, 3) : 0;
    /* each rate line ends in "GB/s": bench/bench.py reads the first k=3 line */
    printf("  kernels for k=2 and k=3: the %s form\n", evex ? "AVX-512 register" : "SSE");
    printf("  x86 SHA, k=1                  %6.2f GB/s\n", k1);
    printf("  x86 SHA, k=2 (both streams)   %6.2f GB/s\n", k2);
    printf("  x86 SHA, k=3 (all streams)    %6.2f GB/s\n", k3);
    if (evex) {
        printf("  x86 SHA, k=2, SSE form        %6.2f GB/s\n", k2o);
        printf("  x86 SHA, k=3, SSE form        %6.2f GB/s\n", k3o);
    }
    printf("  lane API, 3 lanes, 1 MiB feeds %5.2f GB/s\n", l3);
    printf("  k=1/OpenSSL %.2fx   k=2/OpenSSL %.2fx   k=3/OpenSSL %.2fx\n", k1 / ossl, k2 / ossl,
           k3 / ossl);
#if defined(__x86_64__)
    if (insn) {
        instruction_timings();
        print_floor_share("k=1", 1, k1);
        print_floor_share("k=2", 2, k2);
        print_floor_share("k=3", 3, k3);
    }
    if (sched) schedule_costs();
#else
    (void)insn;
    (void)sched;
#endif
    return 0;
}
