/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_engine_choose.c - the auto rule as a table: plan shapes against machines whose rates
 * are of the kind the engines measure on first use (the CPU: 1.4 GB/s a stream, twice that per
 * core with streams interleaved; a GPU: an H100 behind PCIe Gen5 as bench/README-gpu.md
 * predicts it, 0.8 TB/s of SHA-256 kernel, 50 MB/s for one thread's stream, 50 GB/s of copy,
 * fed by reader groups at a measured rate each).
 *
 * Each case checks the pick against the table, and checks the estimate against this file's own
 * reading of the cost model stated in engine_select.c: the CPU's and the GPU's times term by
 * term, hybrid's against the best split found by trying every split.  Then the 5% rule: the
 * pick's predicted time is never above 1.05 x the CPU alone's.
 */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GB 1e9
#define MIB (1ull << 20)
#define GIB (1ull << 30)

typedef struct machine {
    const char *name;
    unsigned cores;
    unsigned gpus;          /* 0: no device */
    unsigned groups;        /* reader groups of every device (the engine's default) */
    double feeder;          /* bytes/s of every group together, hot page cache */
} machine;

enum { LAPTOP, SLOW_FEEDER, FAST_FEEDER, DGX, N_MACHINES };

static const machine k_machines[N_MACHINES] = {
    [LAPTOP] = {"laptop, 8 cores, no GPU", 8, 0, 0, 0},
    [SLOW_FEEDER] = {"16 cores + 1 GPU, feeder 2 GB/s", 16, 1, 8, 2 * GB},
    [FAST_FEEDER] = {"16 cores + 1 GPU, feeder 25 GB/s", 16, 1, 8, 25 * GB},
    [DGX] = {"DGX, 112 cores + 8 GPUs", 112, 8, 56, 56 * 6 * GB},
};

#define MAX_RUNS 4
typedef struct shape {
    const char *name;
    omsig_length_run runs[MAX_RUNS]; /* longest first; count 0 ends */
    omsig_engine_pick want[N_MACHINES];
} shape;

#define C OMSIG_PICK_CPU
#define G OMSIG_PICK_GPU
#define H OMSIG_PICK_HYBRID

/*
 * What the model says, and why:
 * - A few huge files, 16 x 1 GiB: a stream is one GPU thread's (50 MB/s), 20 s for 1 GiB
 *   against under a second on a core: the CPU.
 * - 20,000 x 1 MiB and 64 KiB shards: the bytes dominate.  A 2 GB/s feeder adds little and its
 *   copying takes core time the CPU would hash with: the CPU.  A 25 GB/s feeder beside 16 cores'
 *   hashing and reading: hybrid (about 20% faster).  The DGX's 8 devices and 56 groups: hybrid.
 * - 4 KiB files: each file's host time (10 us) bounds both sides, and the feeder's groups pay
 *   it on the same cores as the CPU's workers: hybrid is estimated within 6% of the CPU alone,
 *   under the 10% it must win by: the CPU.
 * - Mixed: with files of 5 GB the CPU's time is its longest stream's, which no share given to
 *   the GPU shortens: the CPU.  With files of 500 MB, on 16 cores the bytes dominate: hybrid
 *   with the fast feeder; on 112 cores the longest stream again: the CPU.
 */
static const shape k_shapes[] = {
    {"4 files of 50 GB", {{50000000000ull, 4}}, {C, C, C, C}},
    {"16 files of 1 GiB", {{GIB, 16}}, {C, C, C, C}},
    {"20,000 files of 1 MiB", {{MIB, 20000}}, {C, C, H, H}},
    {"100,000 files of 4 KiB", {{4096, 100000}}, {C, C, C, C}},
    {"1M files of 4 KiB", {{4096, 1000000}}, {C, C, C, C}},
    {"100 GiB in shards of 64 KiB", {{64u << 10, 100ull * GIB / (64u << 10)}}, {C, C, H, H}},
    {"8 files of 5 GB, 10k of 1 MiB, 50k of 4 KiB",
     {{5000000000ull, 8}, {MIB, 10000}, {4096, 50000}},
     {C, C, C, C}},
    {"4 files of 500 MB, 20k of 1 MiB, 100k of 4 KiB",
     {{500000000ull, 4}, {MIB, 20000}, {4096, 100000}},
     {C, C, H, C}},
};

static omsig_engine_rates cpu_rates(const machine *m)
{
    return (omsig_engine_rates){.stream_rate = 1.4 * GB, .total_rate = 2.8 * GB * m->cores,
                                .streams_to_fill = 3u * m->cores,
                                .stream_seconds = OMSIG_STREAM_HOST_SECONDS, .workers = m->cores};
}

/* The GPU engine's rates as it sums them over its devices. */
static omsig_engine_rates gpu_rates(const machine *m)
{
    return (omsig_engine_rates){.stream_rate = 50e6,               /* one thread alone */
                                .total_rate = 800 * GB * m->gpus,  /* every device's kernel */
                                .copy_rate = 50 * GB * m->gpus,    /* a PCIe Gen5 link each */
                                .launch_seconds = 50e-6,
                                .batch_bytes = 16 * MIB,
                                .stream_seconds = OMSIG_STREAM_HOST_SECONDS,
                                .workers = m->groups,
                                .streams_to_fill = 65536ull * m->gpus,
                                .feed_rate = m->feeder / m->groups,
                                .devices = m->gpus,
                                .job_bytes = 256 << 10};
}

/* ---- the cost model, as engine_select.c states it, written out again ------------------------ */

typedef struct set {
    double n, bytes, longest;
} set;

static double fill(const omsig_engine_rates *e, double n)
{
    double r = e->total_rate;
    if (n < (double)e->streams_to_fill) r = e->total_rate * n / (double)e->streams_to_fill;
    return r < e->stream_rate ? e->stream_rate : r;
}

static double model_cpu(const omsig_engine_rates *c, set s)
{
    if (s.n == 0) return 0;
    const double r = 1 / (1 / fill(c, s.n) + 1 / (OMSIG_HOST_READ_RATE * c->workers) +
                          c->stream_seconds / c->workers / (s.bytes / s.n));
    return fmax(s.bytes / r, s.longest / c->stream_rate);
}

static double model_feeder_work(const omsig_engine_rates *g, set s)
{
    return s.bytes / g->feed_rate + s.n * g->stream_seconds +
           (s.bytes / g->batch_bytes + 1) * g->launch_seconds;
}

static double model_gpu(const omsig_engine_rates *g, set s)
{
    if (s.n == 0) return 0;
    const double at_once = fmin(s.n, g->workers * g->batch_bytes / fmin(s.bytes / s.n, g->job_bytes));
    const double kernel = s.bytes / fmin(g->total_rate, at_once * g->stream_rate);
    const double copy = s.bytes / g->copy_rate;
    const double feeder = model_feeder_work(g, s) / g->workers;
    const double chain = s.longest / g->stream_rate;
    return fmax(fmax(kernel, copy), fmax(feeder, chain));
}

/* The k longest streams and the rest. */
static void split(const shape *sh, double k, set *cpu, set *gpu)
{
    *cpu = *gpu = (set){0};
    for (const omsig_length_run *r = sh->runs; r < sh->runs + MAX_RUNS && r->count; r++) {
        const double len = (double)r->length, c = (double)r->count;
        const double to_cpu = fmin(c, k - cpu->n);
        if (to_cpu > 0 && cpu->n == 0) cpu->longest = len;
        if (c - to_cpu > 0 && gpu->n == 0) gpu->longest = len;
        cpu->n += to_cpu, cpu->bytes += to_cpu * len;
        gpu->n += c - to_cpu, gpu->bytes += (c - to_cpu) * len;
    }
}

static double model_hybrid(const shape *sh, const omsig_engine_rates *c,
                           const omsig_engine_rates *g, double k)
{
    set sc, sg;
    split(sh, k, &sc, &sg);
    const double t_c = model_cpu(c, sc) + model_feeder_work(g, sg) / c->workers;
    return fmax(t_c, model_gpu(g, sg));
}

/* ---- the checks ---------------------------------------------------------------------------- */

static const char *pick_name(omsig_engine_pick p)
{
    return p == OMSIG_PICK_CPU ? "cpu" : p == OMSIG_PICK_GPU ? "gpu" : "hybrid";
}

static bool near(double a, double b) { return fabs(a - b) <= 1e-6 * fmax(fabs(a), fabs(b)); }

static int check(const shape *sh, const machine *m, omsig_engine_pick want)
{
    size_t n_runs = 0;
    double n = 0;
    while (n_runs < MAX_RUNS && sh->runs[n_runs].count) n += (double)sh->runs[n_runs++].count;
    const omsig_engine_rates cpu = cpu_rates(m), gpu = gpu_rates(m);
    const omsig_engine_rates *g = m->gpus ? &gpu : NULL;
    omsig_engine_estimate est;
    char why[256];
    const omsig_engine_pick got =
        omsig_engine_choose_runs(sh->runs, n_runs, &cpu, g, &est, why, sizeof why);
    int bad = 0;
    const char *what = "";
    set all, none;
    split(sh, n, &all, &none);
    if (got != want) bad = 1, what = "wrong pick";
    if (!near(est.cpu, model_cpu(&cpu, all))) bad = 1, what = "cpu estimate off the model";
    if (g) {
        if (!near(est.gpu, model_gpu(g, all))) bad = 1, what = "gpu estimate off the model";
        /* hybrid: the best of every split (the CPU takes 1 to n-1 streams); a million
         * streams are tried in steps, and around the engine's own split one by one */
        double best = 1e30;
        const double step = n > 200000 ? floor(n / 100000) : 1;
        for (double k = 1; k < n; k += step) best = fmin(best, model_hybrid(sh, &cpu, g, k));
        const double k0 = (double)est.hybrid_cpu_streams;
        for (double k = fmax(1, k0 - 2 * step); k <= fmin(n - 1, k0 + 2 * step); k++)
            best = fmin(best, model_hybrid(sh, &cpu, g, k));
        if (n > 1 && !near(est.hybrid, model_hybrid(sh, &cpu, g, k0)))
            bad = 1, what = "hybrid estimate off the model at its own split";
        if (n > 1 && est.hybrid > best * 1.01)
            bad = 1, what = "hybrid's split is not the best one";
    }
    /* never a pick predicted slower than the CPU alone; the 5% rule in this file's model */
    const double t_pick = got == OMSIG_PICK_CPU    ? est.cpu
                          : got == OMSIG_PICK_GPU ? est.gpu
                                                  : est.hybrid;
    if (t_pick > est.cpu) bad = 1, what = "a pick predicted slower than the CPU alone";
    const double m_pick = got == OMSIG_PICK_CPU ? model_cpu(&cpu, all)
                          : got == OMSIG_PICK_GPU
                              ? model_gpu(&gpu, all)
                              : model_hybrid(sh, &cpu, &gpu, (double)est.hybrid_cpu_streams);
    if (m_pick > 1.05 * model_cpu(&cpu, all))
        bad = 1, what = "more than 5% slower than the CPU alone";
    if (strchr(why, '\n') || strlen(why) >= sizeof why - 1 || strncmp(why, pick_name(got), strlen(pick_name(got))) != 0 ||
        (g && !strstr(why, "estimated cpu")))
        bad = 1, what = "reason not one line naming the pick and the estimates";
    printf("%s %-42s %-34s -> %-6s %s(%s)\n", bad ? "FAIL" : "PASS", sh->name, m->name,
           pick_name(got), what, why);
    return bad;
}

/* omsig_engine_choose on a plan gives what the runs of its lengths give (here hybrid). */
static int check_plan(void)
{
    enum { N = 20000 };
    omsig_stream *st = calloc(N, sizeof *st);
    size_t *order = calloc(N, sizeof *order);
    if (!st || !order) return 1;
    uint64_t total = 0;
    for (size_t i = 0; i < N; i++) { /* longest first in order: 10 of 200 MB, then 1 MiB */
        order[i] = N - 1 - i;
        st[order[i]].length = i < 10 ? 200000000ull : MIB;
        total += st[order[i]].length;
    }
    const omsig_plan p = {.streams = st, .n_streams = N, .order = order, .total_bytes = total,
                          .longest = 200000000ull};
    const omsig_length_run runs[2] = {{200000000ull, 10}, {MIB, N - 10}};
    const machine *m = &k_machines[FAST_FEEDER];
    const omsig_engine_rates cpu = cpu_rates(m), gpu = gpu_rates(m);
    char a[256], b[256];
    const omsig_engine_pick pa = omsig_engine_choose(&p, &cpu, &gpu, a, sizeof a);
    const omsig_engine_pick pb = omsig_engine_choose_runs(runs, 2, &cpu, &gpu, NULL, b, sizeof b);
    free(st);
    free(order);
    const int bad = pa != pb || strcmp(a, b) != 0 || pa != OMSIG_PICK_HYBRID;
    printf("%s a plan and its runs give one answer (%s | %s)\n", bad ? "FAIL" : "PASS", a, b);
    return bad;
}

int main(void)
{
    int fails = 0;
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        for (unsigned m = 0; m < N_MACHINES; m++)
            fails += check(&k_shapes[i], &k_machines[m], k_shapes[i].want[m]);
    fails += check_plan();
    printf("%d failed\n", fails);
    return fails ? 1 : 0;
}
