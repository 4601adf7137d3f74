/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_simt_kernels.cpp - the real kernel sources (cuda/sha256_kernel.cu, cuda/blake3_kernel.cu,
 * their device paths) run by the SIMT runner, every access bounds-checked and every barrier
 * checked:
 *   - SHA-256: streams cut into batches by the real packer (src/hash/gpu_pack.c), lengths
 *     around the padding boundaries and streams that span launches with their state kept in
 *     the state slots between launches, in the launch shapes of devices of 1 to 1000 SMs
 *     (blocks of 256 threads down to 32), against OpenSSL;
 *   - BLAKE3: lengths around block and chunk boundaries, inputs of two and three kernel stages,
 *     aligned pieces of a message (CVs) and pieces joined, against the library's BLAKE3;
 *   - the checks themselves: small kernels that read past a buffer, before one, past a shared
 *     array, misalign a vector load, write into a buffer's slack, exit before a barrier and
 *     wait at two different barriers must each be reported, and the runner must go on working.
 * Usage: test_simt_kernels [streams]   (SHA-256 streams, default 3000; 600 when
 * OMSIG_TEST_SANITIZER is set, as in the sanitizer builds, which also take fewer short inputs)
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "simt.h" /* first: its OMSIG_SHARED_ARRAY serves the test kernels below */
extern "C" {
#include "blake3.h"
#include "hash/gpu_pack.h"
}
#include "blake3_core.h"
#include "helpers.h"
#include "simt_kernels.h"

#define POOL_BYTES ((size_t)8 << 20) /* stream contents: a window into a random pool */
#define MAX_ACTIVE 1024

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint8_t *g_pool;

static uint64_t rnd_below(uint64_t n) { return n ? t_rnd(&g_rng) % n : 0; }

/* Bytes [off, off + len) of stream id: the pool from a start that depends on id, wrapping. */
static void stream_bytes(uint64_t id, uint64_t off, uint8_t *dst, size_t len)
{
    size_t at = (size_t)((id * 0x9e3779b1u + off) % POOL_BYTES);
    while (len > 0) {
        const size_t take = len < POOL_BYTES - at ? len : POOL_BYTES - at;
        memcpy(dst, g_pool + at, take);
        dst += take;
        len -= take;
        at = 0;
    }
}

static void sha256_ref(uint64_t id, uint64_t length, uint8_t out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
    size_t at = (size_t)(id * 0x9e3779b1u % POOL_BYTES);
    for (uint64_t left = length; ok && left > 0;) {
        const size_t take = left < POOL_BYTES - at ? (size_t)left : POOL_BYTES - at;
        ok = EVP_DigestUpdate(c, g_pool + at, take) == 1;
        left -= take;
        at = 0;
    }
    ok = ok && EVP_DigestFinal_ex(c, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(c);
    if (!ok) {
        fprintf(stderr, "OpenSSL SHA-256 failed\n");
        exit(T_FAIL);
    }
}

/* ---- SHA-256: packer batches through the kernel ------------------------------------------- */

static const uint64_t k_special[] = {0,   1,   2,   3,   31,  32,  54,  55,   56,   57,  63,
                                     64,  65,  118, 119, 120, 121, 127, 128,  129,  183, 184,
                                     191, 192, 193, 447, 448, 449, 4095, 4096, 4097, 65600};

static uint64_t pick_length(uint64_t i)
{
    const size_t ns = sizeof k_special / sizeof k_special[0];
    if (i < 4 * ns) return k_special[i % ns] + 64 * (i / ns) * (i / ns); /* +0, 64, 256, 576 */
    const uint64_t r = rnd_below(100);
    if (r < 2) return 64 * 1024 + rnd_below(1 << 20); /* spans several launches */
    if (r < 12) return 4096 + rnd_below(64 << 10);
    return rnd_below(3073);
}

struct sha_stats {
    uint64_t launches, jobs, continued, bytes, streams, mismatches, launch_failures;
    uint64_t block_sizes; /* bit log2(threads per block) set for each launch shape run */
};

/* Copies n items of host memory into a fresh runner buffer of exactly that size. */
static void *to_device(const void *src, size_t bytes, const char *name, omsig_simt::placement w)
{
    void *d = omsig_simt::alloc(bytes, name, w);
    if (d && bytes) memcpy(d, src, bytes);
    return d;
}

static void sha256_batches(uint64_t n_streams, sha_stats *st)
{
    static omsig_gpu_active act[MAX_ACTIVE];
    static omsig_gpu_job jobs[MAX_ACTIVE];
    static uint32_t job_active[MAX_ACTIVE], free_slots[MAX_ACTIVE];
    uint32_t *states = (uint32_t *)omsig_simt::alloc(32 * MAX_ACTIVE, "states");
    T_CHECK(states != NULL);
    if (!states) return;
    size_t n_free = 0;
    for (uint32_t s = MAX_ACTIVE; s > 0; s--) free_slots[n_free++] = s - 1;

    size_t n = 0;
    uint64_t next = 0;
    while ((next < n_streams || n > 0) && st->launch_failures == 0) {
        while (n < MAX_ACTIVE && next < n_streams) {
            act[n] = omsig_gpu_active{pick_length(next), 0, free_slots[--n_free], 0, next};
            n++, next++;
        }
        omsig_gpu_batch_cfg cfg = {};
        cfg.chunk = 64 * (1 + (rnd_below(4) == 0 ? rnd_below(16) : rnd_below(2048)));
        cfg.data_bytes = 64 + (size_t)rnd_below(4 << 20);
        cfg.max_jobs = 1 + (size_t)rnd_below(MAX_ACTIVE);
        size_t used = 0;
        const size_t k = omsig_gpu_pack(act, n, &cfg, jobs, job_active, &used);
        T_CHECK(k > 0);
        if (k == 0) break;

        /* every buffer the exact size the engine gives the kernel; the placement alternates */
        const omsig_simt::placement where =
            st->launches % 2 ? omsig_simt::FLUSH_START : omsig_simt::FLUSH_END;
        uint8_t *data = (uint8_t *)omsig_simt::alloc(cfg.data_bytes, "data", where);
        void *djobs = to_device(jobs, k * sizeof jobs[0], "jobs", where);
        uint8_t *digests = (uint8_t *)omsig_simt::alloc(32 * k, "digests", where);
        T_CHECK(data && djobs && digests);
        if (!data || !djobs || !digests) break;
        for (size_t q = 0; q < k; q++)
            stream_bytes(act[job_active[q]].tag, jobs[q].done, data + jobs[q].src, jobs[q].len);

        /* the launch shape of a device of so many SMs: blocks of 256 down to one warp */
        static const int k_sms[] = {0, 1, 7, 132, 1000};
        const int sms = k_sms[rnd_below(sizeof k_sms / sizeof k_sms[0])];
        st->block_sizes |= 1ull << __builtin_ctz(omsig_sha256_block_threads((uint32_t)k, sms));
        const int rc = omsig_simt_sha256_launch(data, djobs, (uint32_t)k, states, digests, sms);
        st->launches++;
        if (rc != cudaSuccess) {
            fprintf(stderr, "SHA-256 kernel: %s\n", omsig_simt::last_error().c_str());
            st->launch_failures++;
        }
        for (size_t q = 0; q < k && rc == cudaSuccess; q++) {
            st->jobs++;
            st->bytes += jobs[q].len;
            if (!(jobs[q].flags & OMSIG_GPU_LAST)) { /* its state waits in its slot */
                st->continued++;
                continue;
            }
            const omsig_gpu_active *s = &act[job_active[q]];
            uint8_t want[32];
            sha256_ref(s->tag, s->length, want);
            st->streams++;
            if (memcmp(want, digests + 32 * q, 32) != 0 && st->mismatches++ < 5)
                fprintf(stderr, "SHA-256 stream %llu (%llu bytes): wrong digest\n",
                        (unsigned long long)s->tag, (unsigned long long)s->length);
        }
        omsig_simt::release(data);
        omsig_simt::release(djobs);
        omsig_simt::release(digests);

        size_t kept = 0; /* drop the streams that ended, freeing their slots */
        for (size_t i = 0; i < n; i++)
            if (act[i].flags & OMSIG_GPU_ACTIVE_ENDED)
                free_slots[n_free++] = act[i].state;
            else
                act[kept++] = act[i];
        n = kept;
    }
    omsig_simt::release(states);
}

/* ---- BLAKE3: one input through the stages ------------------------------------------------- */

/* The kernels' result for len bytes of the pool at off, as chunk `base` on; false (counted)
 * when the launch failed. */
static bool blake3_run(size_t off, uint64_t len, uint64_t base, int root, uint8_t out[32])
{
    uint8_t *data = (uint8_t *)to_device(g_pool + off, len, "input", omsig_simt::FLUSH_END);
    void *scratch = omsig_simt::alloc(omsig_blake3_scratch_bytes(len), "scratch");
    uint8_t *dout = (uint8_t *)omsig_simt::alloc(32, "out");
    int rc = cudaErrorLaunchFailure;
    if (data && scratch && dout) rc = omsig_simt_blake3_launch(data, len, base, root, scratch, dout);
    if (rc == cudaSuccess)
        memcpy(out, dout, 32);
    else
        fprintf(stderr, "BLAKE3 kernels, %llu bytes: %s\n", (unsigned long long)len,
                omsig_simt::last_error().c_str());
    omsig_simt::release(data);
    omsig_simt::release(scratch);
    omsig_simt::release(dout);
    return rc == cudaSuccess;
}

static int g_b3_checked, g_b3_bad;

static void blake3_whole(uint64_t len)
{
    uint8_t want[32], got[32];
    const size_t off = (size_t)rnd_below(POOL_BYTES - len + 1);
    omsig_blake3(g_pool + off, len, want);
    g_b3_checked++;
    if (!blake3_run(off, len, 0, 1, got) || memcmp(want, got, 32) != 0) {
        if (g_b3_bad++ < 5)
            fprintf(stderr, "BLAKE3 of %llu bytes: wrong digest\n", (unsigned long long)len);
    }
}

static void blake3_tests(int lighter)
{
    for (uint64_t n = 0; n <= 1100; n += (n < 200 || n > 960) ? 1 + 6 * lighter : 61)
        blake3_whole(n);
    for (uint64_t k = 1; k <= 300; k += k < 8 ? 1 + lighter : 37 + 40 * lighter) {
        blake3_whole(1024 * k - 1);
        blake3_whole(1024 * k);
        blake3_whole(1024 * k + 1);
    }
    blake3_whole(256 * 1024);            /* one whole group: one stage */
    blake3_whole(256 * 1024 + 1);        /* two stages */
    blake3_whole((3u << 20) + 17);       /* 13 groups */

    /* pieces: 2^j chunks at a multiple of 2^j (a last piece shorter), CV against the library */
    for (int r = 0; r < 24; r++) {
        const unsigned j = (unsigned)rnd_below(10);
        uint64_t len = 1024ull << j;
        if (rnd_below(2)) len -= rnd_below(1024);
        const uint64_t base = (1ull << j) * rnd_below(1000);
        const size_t off = (size_t)rnd_below(POOL_BYTES - len + 1);
        uint8_t want[32], got[32];
        omsig_blake3_hasher h;
        omsig_blake3_init_at(&h, base);
        omsig_blake3_update(&h, g_pool + off, len);
        omsig_blake3_final_cv(&h, want);
        g_b3_checked++;
        if (!blake3_run(off, len, base, 0, got) || memcmp(want, got, 32) != 0) {
            if (g_b3_bad++ < 5)
                fprintf(stderr, "BLAKE3 piece of %llu bytes at chunk %llu: wrong CV\n",
                        (unsigned long long)len, (unsigned long long)base);
        }
    }

    /* a message as pieces of 1 MiB joined on the host, as the engine does */
    {
        const uint64_t total = (5u << 20) + 333, piece = 1u << 20;
        uint8_t want[32], got[32], cv[32];
        omsig_blake3_hasher h;
        omsig_blake3_init(&h);
        bool ok = true;
        for (uint64_t off = 0; off < total && ok; off += piece) {
            const uint64_t len = total - off < piece ? total - off : piece;
            ok = blake3_run((size_t)off, len, off / 1024, 0, cv) &&
                 omsig_blake3_push_cv(&h, cv, omsig_blake3_core_chunks(len)) == 0;
        }
        ok = ok && omsig_blake3_final(&h, got) == 0;
        omsig_blake3(g_pool, total, want);
        g_b3_checked++;
        if (!ok || memcmp(want, got, 32) != 0) {
            g_b3_bad++;
            fprintf(stderr, "BLAKE3 of 5 MiB + 333 joined from pieces: wrong digest\n");
        }
    }
    printf("%s: BLAKE3 kernels on %d inputs and pieces, %d wrong\n", g_b3_bad ? "FAIL" : "PASS",
           g_b3_checked, g_b3_bad);
    if (g_b3_bad) t_failures++;

    /* three stages: 64 Ki + 3 chunks and 5 bytes: 257 groups, then 2 nodes, then the root */
#if defined(__SANITIZE_THREAD__)
    printf("SKIP: the 64 MiB three-stage input under ThreadSanitizer (its 2.2 million fiber "
           "switches take minutes there; it runs in every other build)\n");
    return;
#endif
    const uint64_t big = (64u << 20) + 3 * 1024 + 5;
    uint8_t *in = (uint8_t *)malloc(big);
    T_CHECK(in != NULL);
    if (!in) return;
    for (uint64_t off = 0; off < big; off += POOL_BYTES)
        memcpy(in + off, g_pool, big - off < POOL_BYTES ? big - off : POOL_BYTES);
    in[big - 1] ^= 0x5a; /* not a repetition at the end */
    uint8_t want[32];
    omsig_blake3(in, big, want);
    uint8_t *data = (uint8_t *)to_device(in, big, "input", omsig_simt::FLUSH_END);
    void *scratch = omsig_simt::alloc(omsig_blake3_scratch_bytes(big), "scratch");
    uint8_t *dout = (uint8_t *)omsig_simt::alloc(32, "out");
    const uint64_t passes0 = omsig_simt::barrier_passes();
    const int rc = data && scratch && dout
                       ? omsig_simt_blake3_launch(data, big, 0, 1, scratch, dout)
                       : cudaErrorLaunchFailure;
    const uint64_t passes = omsig_simt::barrier_passes() - passes0;
    const bool ok = rc == cudaSuccess && memcmp(dout, want, 32) == 0;
    if (rc != cudaSuccess) fprintf(stderr, "BLAKE3 kernels: %s\n", omsig_simt::last_error().c_str());
    printf("%s: BLAKE3 kernels, %llu bytes in three stages (%llu barrier passes)\n",
           ok ? "PASS" : "FAIL", (unsigned long long)big, (unsigned long long)passes);
    /* 65540 chunks.  A block reducing m nodes passes 1 + 2 ceil(log2 m) barriers, 256 threads
     * each: stage one is 256 blocks of 256 chunks (17) and one of 4 (5), stage two a block of
     * 256 nodes (17) and one of 1 (1), stage three one block of 2 (3). */
    T_CHECK(ok && passes == 256ull * (256 * 17 + 5 + 17 + 1 + 3));
    omsig_simt::release(data);
    omsig_simt::release(scratch);
    omsig_simt::release(dout);
    free(in);
}

/* ---- the checks trip -------------------------------------------------------------------- */

__global__ void read_at(const uint32_t *p, int delta, uint32_t *out)
{
    out[threadIdx.x] = p[(int)threadIdx.x + delta];
}

__global__ void shared_past(uint32_t *out)
{
    OMSIG_SHARED_ARRAY(uint32_t, sh, 64);
    uint32_t *const q = sh; /* through a pointer: UBSan's bounds check would stop it first */
    q[threadIdx.x + 1] = threadIdx.x; /* thread 63 writes sh[64] */
    __syncthreads();
    out[threadIdx.x] = sh[threadIdx.x];
}

__global__ void misaligned_load(const uint32_t *p, uint32_t *out)
{
    const uint4 v = __ldg((const uint4 *)(p + 1));
    out[threadIdx.x] = v.x;
}

__global__ void write_slack(uint8_t *p, uint32_t n) { p[n + threadIdx.x] = 1; }

__global__ void exit_early(uint32_t *out)
{
    if (threadIdx.x == 5) return;
    __syncthreads();
    out[threadIdx.x] = 1;
}

__global__ void two_barriers(uint32_t *out)
{
    if (threadIdx.x < 16)
        __syncthreads();
    else
        __syncthreads();
    out[threadIdx.x] = 1;
}

/* A kernel that reads and writes only its own words and passes two barriers. */
__global__ void well_behaved(const uint32_t *p, uint32_t *out)
{
    OMSIG_SHARED_ARRAY(uint32_t, sh, 64);
    sh[threadIdx.x] = p[threadIdx.x];
    __syncthreads();
    const uint32_t v = sh[63 - threadIdx.x];
    __syncthreads();
    out[64 * blockIdx.x + threadIdx.x] = v + blockIdx.x;
}

/* The launch fails and the reason contains want. */
static void expect_error(const char *what, cudaError_t rc, const char *want)
{
    const std::string &e = omsig_simt::last_error();
    const bool ok = rc == cudaErrorLaunchFailure && e.find(want) != std::string::npos;
    printf("%s: %s is reported (%s)\n", ok ? "PASS" : "FAIL", what,
           rc == cudaSuccess ? "the launch succeeded" : e.c_str());
    if (!ok) t_failures++;
}

static void checks_trip(void)
{
    using namespace omsig_simt;
    uint32_t *p = (uint32_t *)alloc(64 * 4, "p");
    uint32_t *q = (uint32_t *)alloc(64 * 4, "q", FLUSH_START);
    uint32_t *out = (uint32_t *)alloc(7 * 64 * 4, "out");
    uint8_t *odd = (uint8_t *)alloc(20, "odd");
    T_CHECK(p && q && out && odd);
    if (!p || !q || !out || !odd) return;
    for (uint32_t i = 0; i < 64; i++) p[i] = q[i] = i;

    expect_error("a read one past a buffer",
                 launch(1, 64, [=] { read_at(p, 1, out); }),
                 "read at byte 256 of buffer 'p' (256 bytes)");
    expect_error("a read one before a buffer",
                 launch(1, 64, [=] { read_at(q, -1, out); }), "read at byte -4 of buffer 'q'");
    expect_error("a write one past a shared array", launch(3, 64, [=] { shared_past(out); }),
                 "write at byte 256 of shared array 'sh'");
    expect_error("a misaligned vector load", launch(1, 32, [=] { misaligned_load(p, out); }),
                 "not 16-byte aligned");
    expect_error("a write into a buffer's slack", launch(1, 4, [=] { write_slack(odd, 20); }),
                 "'odd' (its canary is overwritten)");
    expect_error("a thread exiting before a barrier", launch(2, 64, [=] { exit_early(out); }),
                 "thread 5 exited while 63 thread(s) wait at __syncthreads");
    expect_error("threads at two different barriers", launch(1, 32, [=] { two_barriers(out); }),
                 "wait at different __syncthreads");

    /* and the runner still works after each of those */
    const cudaError_t rc = launch(7, 64, [=] { well_behaved(p, out); });
    bool ok = rc == cudaSuccess;
    for (uint32_t i = 0; i < 7 * 64 && ok; i++) ok = out[i] == 63 - i % 64 + i / 64;
    printf("%s: a kernel within its buffers and barriers runs after the failures%s%s\n",
           ok ? "PASS" : "FAIL", rc ? ": " : "", rc ? last_error().c_str() : "");
    if (!ok) t_failures++;
    release(p);
    release(q);
    release(out);
    release(odd);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with stderr */
    /* under the sanitizers (ten times slower) fewer short inputs; every kind stays */
    const int lighter = getenv("OMSIG_TEST_SANITIZER") != NULL;
    const uint64_t n_streams = argc > 1 ? strtoull(argv[1], NULL, 10) : lighter ? 600 : 3000;
    g_pool = (uint8_t *)malloc(POOL_BYTES);
    if (!g_pool) return T_FAIL;
    t_fill(&g_rng, g_pool, POOL_BYTES);

    checks_trip();

    /* the launch shape's arithmetic (bench/README-gpu.md) */
    T_CHECK(omsig_sha256_block_threads(20000, 132) == 128); /* 157 blocks, not 79 of 256 */
    T_CHECK(omsig_sha256_block_threads(135168, 132) == 256);
    T_CHECK(omsig_sha256_block_threads(512, 132) == 32);
    T_CHECK(omsig_sha256_block_threads(16, 132) == 32);
    T_CHECK(omsig_sha256_block_threads(20000, 0) == 256);

    sha_stats st = {};
    sha256_batches(n_streams, &st);
    /* blocks of 256 and of one warp at least were run, and a size between */
    const bool shapes = (st.block_sizes & (1u << 8)) && (st.block_sizes & (1u << 5)) &&
                        (st.block_sizes & ((1u << 6) | (1u << 7)));
    /* the sanitizers' lighter run (600 streams) has too few jobs per launch for a block size
     * between 256 and one warp on any of the SM counts; the full run has them */
    const bool ok = st.streams == n_streams && st.mismatches == 0 && st.launch_failures == 0 &&
                    (n_streams < 100 || st.continued > 0) && (n_streams < 1000 || shapes);
    printf("%s: SHA-256 kernel on %llu streams, %llu bytes in %llu launches of %llu jobs (%llu "
           "continued in a later launch; blocks of %s%s%s%s), %llu mismatches\n",
           ok ? "PASS" : "FAIL", (unsigned long long)st.streams, (unsigned long long)st.bytes,
           (unsigned long long)st.launches, (unsigned long long)st.jobs,
           (unsigned long long)st.continued, st.block_sizes & (1u << 8) ? "256 " : "",
           st.block_sizes & (1u << 7) ? "128 " : "", st.block_sizes & (1u << 6) ? "64 " : "",
           st.block_sizes & (1u << 5) ? "32" : "", (unsigned long long)st.mismatches);
    if (!ok) t_failures++;

    blake3_tests(lighter);
    free(g_pool);
    T_DONE();
}
