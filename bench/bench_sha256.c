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

static void schedule_costs(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx")) {
        printf("  no AVX: the schedule probe is not run\n");
        return;
    }
    const double base = sch_rounds();
    const struct {
        const char *what;
        double (*fn)(void);
    } mix[] = {
        {"a block's mix, upper halves by PSHUFD", sch_kernel},
        {"the same, upper halves through memory", sch_hi_mem},
        {"without SHA256MSG1", sch_no_msg1},
        {"without SHA256MSG2", sch_no_msg2},
        {"through memory, without PALIGNR", sch_no_align},
    };
    printf("  three RNDS2 chains, per 4-round group: %.2f ns alone; beside\n", base * 1e9);
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++) {
        const double t = mix[i].fn();
        printf("    %-40s %.2f ns = at most %3.0f%% of the 3-stream floor\n", mix[i].what,
               t * 1e9, 100.0 * base / t);
    }
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
                    "      instructions: what the schedule leaves of the 3-stream floor\n"
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
