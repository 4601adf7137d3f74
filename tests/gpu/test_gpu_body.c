/* SPDX-License-Identifier: Apache-2.0 */
/* test_gpu_body.c - the GPU path without a GPU: many streams cut into batches by the real packer
 * (src/hash/gpu_pack.c), each job run through omsig_gpu_job_run on the host exactly as the kernel
 * runs it, digests compared with OpenSSL. Batches get random shapes, jobs of a batch run in a
 * random order, state slots are recycled; the packer's output is checked against its contract.
 * Usage: test_gpu_body [streams]   (default 100000) */
#include "gpu_job.h"
#include "hash/gpu_pack.h"
#include "helpers.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_ACTIVE 4096
#define MAX_LARGE ((uint64_t)4 << 20)
#define POISON 0xa5

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rnd_below(uint64_t n) { return n ? t_rnd(&rng_state) % n : 0; }

/* ---- stream contents: byte p of stream id, computable at any offset ----------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void stream_bytes(uint64_t id, uint64_t off, uint8_t *dst, size_t len)
{
    const uint64_t key = mix64(id + 1) * 0x9e3779b97f4a7c15ULL;
    while (len > 0) {
        const uint64_t v = mix64(key ^ (off / 8));
        const unsigned skip = (unsigned)(off % 8);
        size_t take = 8 - skip;
        if (take > len) take = len;
        for (size_t t = 0; t < take; t++) dst[t] = (uint8_t)(v >> (8 * (skip + t)));
        dst += take;
        off += take;
        len -= take;
    }
}

static const uint64_t k_special[] = {0,   1,   2,   3,   31,  32,   54,   55,   56,   57,
                                     63,  64,  65,  118, 119, 120,  121,  127,  128,  129,
                                     183, 184, 191, 192, 193, 4095, 4096, 4097, 65536, 65600};

static uint64_t pick_length(uint64_t i)
{
    if (i % 16 == 0) return k_special[(i / 16) % (sizeof k_special / sizeof k_special[0])];
    const uint64_t r = rnd_below(1000);
    if (r < 1) return 1 + rnd_below(MAX_LARGE); /* multi-chunk */
    if (r < 11) return 4096 + rnd_below(256 << 10); /* medium */
    return rnd_below(3073); /* small */
}

/* ---- the reference ------------------------------------------------------------------------ */

static uint8_t *g_scratch; /* MAX_LARGE bytes */

static void ref_digest(uint64_t id, uint64_t length, uint8_t out[32])
{
    unsigned int n = 0;
    stream_bytes(id, 0, g_scratch, (size_t)length);
    if (EVP_Digest(g_scratch, (size_t)length, out, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        fprintf(stderr, "EVP_Digest failed\n");
        exit(T_FAIL);
    }
}

/* ---- checks of one packed batch against the packer's contract ----------------------------- */

static uint64_t align64(uint64_t x) { return (x + 63) / 64 * 64; }

static int check_job(const omsig_gpu_job *j, const omsig_gpu_active *before,
                     const omsig_gpu_active *after, const omsig_gpu_batch_cfg *cfg,
                     uint64_t prev_end)
{
    const int first = !(before->flags & OMSIG_GPU_ACTIVE_STARTED);
    const int last = before->done + j->len == before->length;
    int ok = !(before->flags & OMSIG_GPU_ACTIVE_ENDED);
    ok &= j->done == before->done && j->state == before->state && j->reserved == 0;
    ok &= j->flags == ((first ? OMSIG_GPU_FIRST : 0u) | (last ? OMSIG_GPU_LAST : 0u));
    ok &= j->len <= cfg->chunk && (last || (j->len > 0 && j->len % 64 == 0));
    ok &= j->src % 64 == 0 && j->src >= prev_end;
    ok &= align64(j->src + j->len) <= cfg->data_bytes; /* the final block is inside */
    ok &= after->done == before->done + j->len;
    ok &= after->flags == (before->flags | OMSIG_GPU_ACTIVE_STARTED |
                           (last ? OMSIG_GPU_ACTIVE_ENDED : 0u));
    return ok;
}

/* Checks jobs[0..k) made from before[0..n) (now after[]). */
static int check_batch(const omsig_gpu_job *jobs, const uint32_t *job_active, size_t k,
                       size_t used, const omsig_gpu_active *before,
                       const omsig_gpu_active *after, size_t n, const omsig_gpu_batch_cfg *cfg)
{
    static unsigned char packed[MAX_ACTIVE];
    memset(packed, 0, n);
    uint64_t end = 0;
    int ok = k <= cfg->max_jobs;
    for (size_t q = 0; q < k && ok; q++) {
        const uint32_t i = job_active[q];
        ok &= i < n && (q == 0 || i > job_active[q - 1]);
        if (!ok) break;
        ok &= check_job(&jobs[q], &before[i], &after[i], cfg, end);
        end = jobs[q].src + jobs[q].len;
        packed[i] = 1;
    }
    ok &= used == end;

    /* The packer stops only at max_jobs or a full area, and takes nothing after a stop. */
    const uint64_t space = cfg->data_bytes / 64 * 64 - align64(used);
    int stopped = 0;
    for (size_t i = 0; i < n && ok; i++) {
        if (packed[i]) {
            ok &= !stopped;
            continue;
        }
        ok &= memcmp(&before[i], &after[i], sizeof before[i]) == 0;
        if (before[i].flags & OMSIG_GPU_ACTIVE_ENDED || stopped) continue;
        stopped = 1;
        ok &= k == cfg->max_jobs ||
              (space < 64 && before[i].length - before[i].done > space);
    }
    return ok;
}

/* ---- the feeder: refill, pack, fill, run, compare, retire ---------------------------------- */

typedef struct run_stats {
    uint64_t batches, jobs, bytes, streams_done, mismatches, bad_batches;
} run_stats;

static omsig_gpu_batch_cfg random_cfg(void)
{
    omsig_gpu_batch_cfg c = {0};
    const uint64_t r = rnd_below(8);
    c.chunk = 64 * (1 + (r == 0 ? rnd_below(16) : r < 3 ? rnd_below(1024) : rnd_below(32768)));
    c.data_bytes = rnd_below(4) == 0 ? 64 + (size_t)rnd_below(64 << 10)
                                     : (size_t)(c.chunk + rnd_below(16 << 20));
    c.max_jobs = rnd_below(4) == 0 ? 1 + (size_t)rnd_below(16) : 1 + (size_t)rnd_below(8192);
    return c;
}

/* Places each job's stream bytes at its offset; the bytes after a job, up to its next block
 * boundary, are poison, so a body reading past its tail gets a wrong digest. */
static void fill_data(uint8_t *data, const omsig_gpu_job *jobs, const uint32_t *job_active,
                      size_t k, const omsig_gpu_active *act)
{
    for (size_t q = 0; q < k; q++) {
        const omsig_gpu_job *j = &jobs[q];
        stream_bytes(act[job_active[q]].tag, j->done, data + j->src, j->len);
        const uint64_t end = j->src + j->len;
        memset(data + end, POISON, (size_t)(align64(end) - end));
    }
}

/* Runs the jobs in a random order, as independent threads would. */
static void run_jobs(const uint8_t *data, const omsig_gpu_job *jobs, size_t k, uint32_t *states,
                     uint8_t *digests, uint32_t *order)
{
    for (size_t q = 0; q < k; q++) order[q] = (uint32_t)q;
    for (size_t q = k; q > 1; q--) {
        const size_t r = (size_t)rnd_below(q);
        const uint32_t t = order[q - 1];
        order[q - 1] = order[r];
        order[r] = t;
    }
    memset(digests, POISON, 32 * k);
    for (size_t q = 0; q < k; q++) {
        const uint32_t i = order[q];
        omsig_gpu_job_run(data, &jobs[i], states + 8 * (size_t)jobs[i].state, digests + 32 * i);
    }
}

static void compare_digests(const omsig_gpu_job *jobs, const uint32_t *job_active, size_t k,
                            const omsig_gpu_active *act, const uint8_t *digests,
                            run_stats *st)
{
    static const uint8_t untouched[32] = {POISON, POISON, POISON, POISON, POISON, POISON,
                                          POISON, POISON, POISON, POISON, POISON, POISON,
                                          POISON, POISON, POISON, POISON, POISON, POISON,
                                          POISON, POISON, POISON, POISON, POISON, POISON,
                                          POISON, POISON, POISON, POISON, POISON, POISON,
                                          POISON, POISON};
    for (size_t q = 0; q < k; q++) {
        const omsig_gpu_active *s = &act[job_active[q]];
        if (!(jobs[q].flags & OMSIG_GPU_LAST)) {
            if (memcmp(digests + 32 * q, untouched, 32) != 0) st->mismatches++;
            continue;
        }
        uint8_t want[32];
        ref_digest(s->tag, s->length, want);
        if (memcmp(want, digests + 32 * q, 32) != 0) {
            if (st->mismatches < 10)
                fprintf(stderr, "stream %llu (%llu bytes): digest differs\n",
                        (unsigned long long)s->tag, (unsigned long long)s->length);
            st->mismatches++;
        }
        st->streams_done++;
    }
}

/* Drops ENDED streams (their batch has run), keeping the order, and frees their slots. */
static size_t retire(omsig_gpu_active *act, size_t n, uint32_t *free_slots, size_t *n_free)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (act[i].flags & OMSIG_GPU_ACTIVE_ENDED)
            free_slots[(*n_free)++] = act[i].state;
        else
            act[kept++] = act[i];
    }
    return kept;
}

static void run_streams(uint64_t n_streams, run_stats *st)
{
    static omsig_gpu_active act[MAX_ACTIVE], before[MAX_ACTIVE];
    static uint32_t free_slots[MAX_ACTIVE], states[8 * MAX_ACTIVE];
    static omsig_gpu_job jobs[8192];
    static uint32_t job_active[8192], order[8192];
    static uint8_t digests[32 * 8192];

    uint64_t *lengths = malloc(n_streams * sizeof *lengths);
    T_CHECK(lengths != NULL);
    if (!lengths) return;
    for (uint64_t i = 0; i < n_streams; i++) lengths[i] = pick_length(i);

    memset(states, 0x5c, sizeof states); /* FIRST must not read a slot's old contents */
    size_t n_free = 0;
    for (uint32_t s = MAX_ACTIVE; s > 0; s--) free_slots[n_free++] = s - 1;

    size_t n = 0;
    uint64_t next = 0;
    while (next < n_streams || n > 0) {
        const size_t target = rnd_below(4) == 0 ? 1 + (size_t)rnd_below(MAX_ACTIVE) : MAX_ACTIVE;
        while (n < target && next < n_streams) {
            act[n++] = (omsig_gpu_active){
                .length = lengths[next], .state = free_slots[--n_free], .tag = next};
            next++;
        }

        const omsig_gpu_batch_cfg cfg = random_cfg();
        uint8_t *data = malloc(cfg.data_bytes); /* exact size: ASan sees any overrun */
        T_CHECK(data != NULL);
        if (!data) break;
        memcpy(before, act, n * sizeof act[0]);
        size_t used;
        const size_t k = omsig_gpu_pack(act, n, &cfg, jobs, job_active, &used);
        if (k == 0 || !check_batch(jobs, job_active, k, used, before, act, n, &cfg)) {
            st->bad_batches++;
            free(data);
            break;
        }

        fill_data(data, jobs, job_active, k, act);
        run_jobs(data, jobs, k, states, digests, order);
        compare_digests(jobs, job_active, k, act, digests, st);
        free(data);

        st->batches++;
        st->jobs += k;
        for (size_t q = 0; q < k; q++) st->bytes += jobs[q].len;
        n = retire(act, n, free_slots, &n_free);
    }
    free(lengths);
    T_CHECK(st->streams_done == n_streams);
}

/* ---- packer edge cases -------------------------------------------------------------------- */

static void packer_limits(void)
{
    omsig_gpu_job jobs[4];
    uint32_t ja[4];
    size_t used = 1;

    /* configurations it refuses */
    const omsig_gpu_batch_cfg bad[] = {
        {0, 4096, 4, 0}, {100, 4096, 4, 0}, {(uint64_t)OMSIG_GPU_CHUNK_MAX + 64, 4096, 4, 0},
        {64, 63, 4, 0}, {64, 4096, 0, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        omsig_gpu_active a = {.length = 1000};
        T_CHECK(!omsig_gpu_batch_cfg_ok(&bad[i]));
        T_CHECK(omsig_gpu_pack(&a, 1, &bad[i], jobs, ja, &used) == 0 && used == 0);
        T_CHECK(a.done == 0 && a.flags == 0);
    }

    /* lengths at the top of the range: no sum wraps */
    omsig_gpu_active top[2] = {
        {.length = UINT64_MAX, .done = UINT64_MAX - 64 * 11 + 1, .state = 7,
         .flags = OMSIG_GPU_ACTIVE_STARTED},
        {.length = (uint64_t)1 << 63, .state = 9}};
    omsig_gpu_batch_cfg cfg = {OMSIG_GPU_CHUNK_MAX, SIZE_MAX, 4, 0};
    size_t k = omsig_gpu_pack(top, 2, &cfg, jobs, ja, &used);
    T_CHECK(k == 2 && ja[0] == 0 && ja[1] == 1);
    T_CHECK(jobs[0].len == 64 * 11 - 1 && jobs[0].flags == OMSIG_GPU_LAST && jobs[0].src == 0);
    T_CHECK(jobs[0].done == UINT64_MAX - 64 * 11 + 1 && top[0].done == UINT64_MAX);
    T_CHECK(jobs[1].len == OMSIG_GPU_CHUNK_MAX && jobs[1].flags == OMSIG_GPU_FIRST);
    T_CHECK(jobs[1].src == 64 * 11 && top[1].done == OMSIG_GPU_CHUNK_MAX);
    T_CHECK(used == 64 * 11 + (size_t)OMSIG_GPU_CHUNK_MAX);
    T_CHECK(top[0].flags & OMSIG_GPU_ACTIVE_ENDED && !(top[1].flags & OMSIG_GPU_ACTIVE_ENDED));

    /* a full area still takes an empty stream, then stops; a cut job keeps whole blocks */
    omsig_gpu_active s[4] = {{.length = 1000}, {.length = 0}, {.length = 64}, {.length = 5}};
    cfg = (omsig_gpu_batch_cfg){1024, 1024 + 63, 4, 0};
    k = omsig_gpu_pack(s, 4, &cfg, jobs, ja, &used);
    T_CHECK(k == 2 && used == 1024);
    T_CHECK(jobs[0].len == 1000 && jobs[0].flags == (OMSIG_GPU_FIRST | OMSIG_GPU_LAST));
    T_CHECK(jobs[1].len == 0 && jobs[1].src == 1024 && ja[1] == 1);
    T_CHECK(s[2].flags == 0 && s[3].flags == 0);
    k = omsig_gpu_pack(s, 4, &cfg, jobs, ja, &used); /* ended streams are skipped */
    T_CHECK(k == 2 && ja[0] == 2 && ja[1] == 3 && jobs[1].src == 64 && used == 69);

    omsig_gpu_active big[2] = {{.length = 100}, {.length = 4096}};
    cfg = (omsig_gpu_batch_cfg){4096, 1000, 4, 0};
    k = omsig_gpu_pack(big, 2, &cfg, jobs, ja, &used);
    T_CHECK(k == 2 && jobs[1].src == 128 && jobs[1].len == 832 && jobs[1].flags == OMSIG_GPU_FIRST);

    /* a corrupt entry (done past length, or not whole blocks) is never packed */
    omsig_gpu_active odd[2] = {{.length = 10, .done = 64, .flags = 1}, {.length = 200, .done = 3}};
    cfg = (omsig_gpu_batch_cfg){64, 4096, 4, 0};
#ifdef NDEBUG
    T_CHECK(omsig_gpu_pack(odd, 2, &cfg, jobs, ja, &used) == 0);
#else
    (void)odd;
#endif

    printf("%s: packer limits\n", t_failures ? "FAIL" : "PASS");
}

int main(int argc, char **argv)
{
    const uint64_t n_streams = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    g_scratch = malloc(MAX_LARGE);
    if (!g_scratch) return T_FAIL;

    packer_limits();

    run_stats st = {0};
    run_streams(n_streams, &st);
    const int ok = st.mismatches == 0 && st.bad_batches == 0 && st.streams_done == n_streams;
    printf("%s: %llu streams, %llu bytes in %llu batches of %llu jobs, %llu mismatches, "
           "%llu bad batches\n",
           ok ? "PASS" : "FAIL", (unsigned long long)st.streams_done,
           (unsigned long long)st.bytes, (unsigned long long)st.batches,
           (unsigned long long)st.jobs, (unsigned long long)st.mismatches,
           (unsigned long long)st.bad_batches);
    if (!ok) t_failures++;
    free(g_scratch);
    T_DONE();
}
