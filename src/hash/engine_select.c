/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_select.c - the one place that decides which engines hash a plan (--hasher, the auto
 * rule, hybrid), runs them over one queue, and finishes on the CPU what a failed GPU run
 * left.  The auto rule is a cost model in one function, omsig_engine_choose().
 */
#include "context.h"
#include "engine.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The auto rule's cost model.  A set of streams (n streams, B bytes, the longest L) takes:
 *
 *   on the CPU:  max(B / r, L / stream_rate), where
 *                r = 1 / (1/h + 1/(OMSIG_HOST_READ_RATE x workers) + stream_seconds/workers/(B/n))
 *                and h = total_rate x n/streams_to_fill below streams_to_fill streams (never
 *                below stream_rate): the cores' hashing, their reads from the page cache and
 *                each stream's host time (open, stats, close) side by side on the workers, and
 *                no stream faster than one core.
 *   on the GPU:  max(kernel, copy, feeder, chain), the four stages overlapping in batches:
 *                kernel = B / min(total_rate, m x stream_rate): every device's kernel (the
 *                         rates are summed), each stream on one GPU thread, m streams at once:
 *                         n, at most a job each in every group's batch, m = min(n, groups x
 *                         batch_bytes / min(B/n, job_bytes));
 *                copy   = B / copy_rate: every device's PCIe link (summed);
 *                feeder = F / groups, F = B / feed_rate + n x stream_seconds + batches x
 *                         launch_seconds: one host thread's work of reading, opening and
 *                         launching, shared by the reader groups (workers) of every device;
 *                chain  = L / stream_rate: a stream is one GPU thread's, about 50 MB/s, so one
 *                         huge file gains nothing from a GPU.
 *   hybrid:      the CPU takes the k longest streams, the GPU the rest, k chosen so that both
 *                finish together (searched: best_split): max(cpu(k longest) + F(rest) / cpu workers,
 *                gpu(rest)); the feeder's host work F runs on the cores the CPU engine hashes
 *                on, so a slow feeder (its copy costing more core time than hashing there) is
 *                no help.
 *
 * Auto takes the CPU unless the GPU or hybrid is predicted 10% faster, so it never picks a
 * choice predicted slower than the CPU alone.
 */
typedef struct part {
    double n, bytes, longest;
} part;

#define NEVER 1e30

static double batches_seconds(const omsig_engine_rates *g, double bytes)
{
    const double batches = g->batch_bytes > 0 ? bytes / g->batch_bytes + 1 : 1;
    return batches * g->launch_seconds;
}

static double cpu_seconds(const omsig_engine_rates *c, part s)
{
    if (s.n <= 0) return 0;
    if (c->total_rate <= 0) return NEVER;
    double hash = c->total_rate;
    if (c->streams_to_fill && s.n < (double)c->streams_to_fill)
        hash = c->total_rate * s.n / (double)c->streams_to_fill;
    if (hash < c->stream_rate) hash = c->stream_rate;
    const double workers = c->workers ? c->workers : 1;
    const double per_byte = 1.0 / hash + 1.0 / (OMSIG_HOST_READ_RATE * workers) +
                            c->stream_seconds / workers / (s.bytes / s.n);
    const double chain = c->stream_rate > 0 ? s.longest / c->stream_rate : 0;
    return fmax(s.bytes * per_byte, chain);
}

/* One host thread's seconds of the GPU feeder's work on s. */
static double feeder_work(const omsig_engine_rates *g, part s)
{
    const double feed = g->feed_rate > 0 ? g->feed_rate : OMSIG_HOST_READ_RATE;
    return s.bytes / feed + s.n * g->stream_seconds + batches_seconds(g, s.bytes);
}

static double gpu_seconds(const omsig_engine_rates *g, part s, omsig_gpu_bound *bound)
{
    if (s.n <= 0) return 0;
    if (g->total_rate <= 0) return NEVER;
    /* streams hashed at once: a job each in every group's batch */
    double job = s.bytes / s.n;
    if (g->job_bytes > 0 && job > g->job_bytes) job = g->job_bytes;
    const double at_once =
        g->batch_bytes > 0 ? fmin(s.n, fmax(1, (g->workers ? g->workers : 1) * g->batch_bytes /
                                                    fmax(64, job)))
                           : s.n;
    const double kernel_rate = g->stream_rate > 0 ? fmin(g->total_rate, at_once * g->stream_rate)
                                                  : g->total_rate;
    const double t[4] = {
        [OMSIG_GPU_BOUND_KERNEL] = s.bytes / kernel_rate,
        [OMSIG_GPU_BOUND_COPY] = g->copy_rate > 0 ? s.bytes / g->copy_rate : 0,
        [OMSIG_GPU_BOUND_FEEDER] = feeder_work(g, s) / (g->workers ? g->workers : 1),
        [OMSIG_GPU_BOUND_STREAM] = g->stream_rate > 0 ? s.longest / g->stream_rate : NEVER,
    };
    unsigned worst = 0;
    for (unsigned i = 1; i < 4; i++)
        if (t[i] > t[worst]) worst = i;
    if (bound) *bound = (omsig_gpu_bound)worst;
    return t[worst];
}

/* A plan's runs with their running sums, to split it anywhere in O(log runs). */
typedef struct runs_index {
    const omsig_length_run *runs;
    size_t n_runs;
    double *before_n, *before_bytes; /* streams and bytes of the runs before run i (n_runs+1) */
} runs_index;

/* The k longest streams (the CPU's in hybrid) and the rest (the GPU's). */
static void split_at(const runs_index *x, double k, part *cpu, part *gpu)
{
    const double n = x->before_n[x->n_runs], bytes = x->before_bytes[x->n_runs];
    size_t lo = 0, hi = x->n_runs; /* the run holding stream k (0-based): the last r with
                                    * before_n[r] <= k */
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (x->before_n[mid] <= k) lo = mid;
        else hi = mid;
    }
    const double len = (double)x->runs[lo].length;
    *cpu = (part){.n = k, .bytes = x->before_bytes[lo] + (k - x->before_n[lo]) * len,
                  .longest = k > 0 ? (double)x->runs[0].length : 0};
    *gpu = (part){.n = n - k, .bytes = bytes - cpu->bytes, .longest = k < n ? len : 0};
}

/* Hybrid's predicted seconds with the k longest streams on the CPU; *lag: CPU minus GPU. */
static double hybrid_seconds(const runs_index *x, const omsig_engine_rates *cpu,
                             const omsig_engine_rates *gpu, double k, double *lag)
{
    part c, g;
    split_at(x, k, &c, &g);
    const double t_c = cpu_seconds(cpu, c) + (g.n > 0 ? feeder_work(gpu, g) : 0) /
                                                 (cpu->workers ? cpu->workers : 1);
    const double t_g = gpu_seconds(gpu, g, NULL);
    *lag = t_c - t_g;
    return fmax(t_c, t_g);
}

/* Tries hybrid with the CPU taking k streams (0 < k < n); keeps the best in out. */
static void try_split(const runs_index *x, const omsig_engine_rates *cpu,
                      const omsig_engine_rates *gpu, double k, omsig_engine_estimate *out)
{
    double lag;
    if (k < 1 || k > x->before_n[x->n_runs] - 1) return;
    const double t = hybrid_seconds(x, cpu, gpu, k, &lag);
    if (t < out->hybrid) out->hybrid = t, out->hybrid_cpu_streams = (uint64_t)k;
}

/* Hybrid's best split.  The CPU's time mostly grows with its share and the GPU's shrinks, but
 * not always (the CPU's may shrink while its longest stream bounds it, or where the feeder's
 * work on the cores costs more than hashing there), so the split is searched, not solved: every
 * run's end, a grid of 256 steps over the streams, then ternary search around the grid's best. */
static void best_split(const runs_index *x, const omsig_engine_rates *cpu,
                       const omsig_engine_rates *gpu, omsig_engine_estimate *out)
{
    const double n = x->before_n[x->n_runs], step = fmax(1, floor(n / 256));
    for (size_t r = 0; r < x->n_runs; r++) try_split(x, cpu, gpu, x->before_n[r + 1], out);
    for (double k = 1; k < n; k += step) try_split(x, cpu, gpu, k, out);
    try_split(x, cpu, gpu, n - 1, out);
    const double at = (double)out->hybrid_cpu_streams;
    double lo = fmax(1, at - step), hi = fmin(n - 1, at + step), lag;
    while (hi - lo > 2) {
        const double m1 = floor(lo + (hi - lo) / 3), m2 = ceil(hi - (hi - lo) / 3);
        if (hybrid_seconds(x, cpu, gpu, m1, &lag) <= hybrid_seconds(x, cpu, gpu, m2, &lag))
            hi = m2;
        else
            lo = m1;
    }
    for (double k = lo; k <= hi; k++) try_split(x, cpu, gpu, k, out);
}

void omsig_engine_estimate_runs(const omsig_length_run *runs, size_t n_runs,
                                const omsig_engine_rates *cpu, const omsig_engine_rates *gpu,
                                omsig_engine_estimate *out)
{
    runs_index x = {.runs = runs, .n_runs = n_runs,
                    .before_n = malloc((n_runs + 1) * sizeof(double)),
                    .before_bytes = malloc((n_runs + 1) * sizeof(double))};
    part all = {0};
    for (size_t i = 0; i < n_runs; i++) {
        if (x.before_n && x.before_bytes)
            x.before_n[i] = all.n, x.before_bytes[i] = all.bytes;
        all.n += (double)runs[i].count;
        all.bytes += (double)runs[i].count * (double)runs[i].length;
    }
    all.longest = n_runs ? (double)runs[0].length : 0;
    *out = (omsig_engine_estimate){.cpu = cpu_seconds(cpu, all), .gpu = NEVER, .hybrid = NEVER,
                                   .hybrid_cpu_streams = (uint64_t)all.n};
    if (gpu && all.n > 0) {
        out->gpu = gpu_seconds(gpu, all, &out->gpu_bound);
        if (x.before_n && x.before_bytes) { /* else (no memory): no hybrid estimate */
            x.before_n[n_runs] = all.n, x.before_bytes[n_runs] = all.bytes;
            best_split(&x, cpu, gpu, out);
        }
    }
    free(x.before_n);
    free(x.before_bytes);
}

static const char *const k_bound_name[] = {"kernel", "copy", "feeder", "longest stream"};

omsig_engine_pick omsig_engine_choose_runs(const omsig_length_run *runs, size_t n_runs,
                                           const omsig_engine_rates *cpu,
                                           const omsig_engine_rates *gpu,
                                           omsig_engine_estimate *est, char *why, size_t why_len)
{
    omsig_engine_estimate e;
    omsig_engine_estimate_runs(runs, n_runs, cpu, gpu, &e);
    if (est) *est = e;
    if (!gpu) {
        snprintf(why, why_len, "cpu: no usable GPU");
        return OMSIG_PICK_CPU;
    }
    uint64_t n = 0, bytes = 0;
    for (size_t i = 0; i < n_runs; i++) n += runs[i].count, bytes += runs[i].count * runs[i].length;
    omsig_engine_pick pick = OMSIG_PICK_CPU;
    double best = e.cpu;
    /* the GPU must win by 10%: its estimate has more unknowns than the CPU's */
    if (e.gpu < best * 0.9) pick = OMSIG_PICK_GPU, best = e.gpu;
    if (e.hybrid < best * 0.9) pick = OMSIG_PICK_HYBRID, best = e.hybrid;
    char hyb[64] = "none";
    if (e.hybrid < NEVER)
        snprintf(hyb, sizeof hyb, "%.3g s (cpu the %llu longest)", e.hybrid,
                 (unsigned long long)e.hybrid_cpu_streams);
    snprintf(why, why_len,
             "%s: %llu streams, %.3g GB, longest %.3g GB; estimated cpu %.3g s, gpu %.3g s "
             "(%s bound), hybrid %s",
             pick == OMSIG_PICK_CPU ? "cpu" : pick == OMSIG_PICK_GPU ? "gpu" : "hybrid",
             (unsigned long long)n, (double)bytes / 1e9,
             n_runs ? (double)runs[0].length / 1e9 : 0.0, e.cpu, e.gpu,
             k_bound_name[e.gpu_bound], hyb);
    return pick;
}

omsig_engine_pick omsig_engine_choose(const omsig_plan *p, const omsig_engine_rates *cpu,
                                      const omsig_engine_rates *gpu, char *why, size_t why_len)
{
    omsig_length_run *runs = p->order ? malloc((p->n_streams ? p->n_streams : 1) * sizeof *runs)
                                      : NULL;
    omsig_length_run two[2];
    size_t n_runs = 0;
    if (runs) {
        for (size_t i = 0; i < p->n_streams; i++) {
            const uint64_t len = p->streams[p->order[i]].length;
            if (n_runs && runs[n_runs - 1].length == len) runs[n_runs - 1].count++;
            else runs[n_runs++] = (omsig_length_run){.length = len, .count = 1};
        }
    } else if (p->n_streams) {
        /* no order (or no memory for the runs): the longest stream, and the rest at their
         * mean length */
        two[n_runs++] = (omsig_length_run){.length = p->longest, .count = 1};
        if (p->n_streams > 1)
            two[n_runs++] = (omsig_length_run){
                .length = (p->total_bytes - p->longest) / (p->n_streams - 1),
                .count = p->n_streams - 1};
    }
    const omsig_engine_pick pick =
        omsig_engine_choose_runs(runs ? runs : two, n_runs, cpu, gpu, NULL, why, why_len);
    free(runs);
    return pick;
}

/*
 * BLAKE3's auto rule.  A BLAKE3 file is a tree: the CPU engine cuts large files into subtrees
 * for every core, and the GPU hashes one input per reader group with a thread per 1 KiB chunk,
 * so both run at their aggregate rate whatever the number of files.  Every byte is first
 * copied from the page cache by a host thread: by every CPU worker side by side
 * (OMSIG_HOST_READ_RATE each), or by the GPU's reader groups (feed_rate each).  The CPU then
 * hashes at cores x one core's in-memory rate, plus each stream's host time over its workers.
 * The GPU takes max(kernel, copy, feeder) as in the SHA-256 model, with the kernel at b3_rate
 * and a launch per stream added to the feeder's work.  The GPU must win by 10%.
 */
omsig_engine_pick omsig_engine_choose_blake3(const omsig_plan *p, const omsig_engine_rates *cpu,
                                             const omsig_engine_rates *gpu, char *why,
                                             size_t why_len)
{
    const double n = (double)p->n_streams, bytes = (double)p->total_bytes;
    const double cpu_core_rate = cpu->b3_rate;
    const unsigned workers = cpu->workers ? cpu->workers : 1;
    const double t_cpu = cpu_core_rate > 0
                             ? bytes / (cpu_core_rate * workers) +
                                   bytes / (OMSIG_HOST_READ_RATE * workers) +
                                   n * cpu->stream_seconds / workers
                             : NEVER;
    double t_gpu = NEVER;
    if (gpu && gpu->b3_rate > 0) {
        const part all = {.n = n, .bytes = bytes, .longest = (double)p->longest};
        const double feeder = (feeder_work(gpu, all) + n * gpu->launch_seconds) /
                              (gpu->workers ? gpu->workers : 1);
        t_gpu = fmax(fmax(bytes / gpu->b3_rate, gpu->copy_rate > 0 ? bytes / gpu->copy_rate : 0),
                     feeder);
    }
    const omsig_engine_pick pick = t_gpu < t_cpu * 0.9 ? OMSIG_PICK_GPU : OMSIG_PICK_CPU;
    snprintf(why, why_len,
             "%s: BLAKE3, %llu streams, %.3g GB; estimated cpu %.3g s (%u cores at %.3g GB/s), "
             "gpu %.3g s",
             pick == OMSIG_PICK_GPU ? "gpu" : "cpu", (unsigned long long)p->n_streams,
             bytes / 1e9, t_cpu, workers, cpu_core_rate / 1e9, t_gpu);
    return pick;
}

static const char *const k_pick_name[] = {"cpu", "gpu", "hybrid"};

typedef struct gpu_job {
    omsig_engine *e;
    omsig_queue *q;
    omsig_status st;
    char why[256];
} gpu_job;

static void *gpu_thread(void *arg)
{
    gpu_job *j = arg;
    j->st = omsig_engine_gpu.run(j->e, j->q, j->why, sizeof j->why);
    return NULL;
}

/* The GPU gave up (its streams are back on the queue): the CPU finishes, or with --hasher gpu
 * the run fails with the GPU's reason. */
static omsig_status after_gpu_failure(omsig_queue *q, const omsig_options *o, const char *why)
{
    if (omsig_queue_stopped(q)) return q->rep->status; /* a stream failed: that is the verdict */
    if (o->hasher == OMSIG_HASHER_GPU)
        return omsig_fail(q->rep, OMSIG_E_CUDA, "GPU hashing failed: %s", why);
    omsig_warn(q->rep, "GPU hashing stopped (%s); the CPU hashes the rest", why);
    return OMSIG_OK;
}

static omsig_status run_engines(omsig_engine *cpu, omsig_engine *gpu, omsig_queue *q,
                                const omsig_options *o)
{
    char why[256] = "";
    omsig_status st = OMSIG_OK;
    if (!cpu) { /* gpu alone */
        st = omsig_engine_gpu.run(gpu, q, why, sizeof why);
        return st == OMSIG_OK ? OMSIG_OK : after_gpu_failure(q, o, why);
    }
    if (gpu) { /* hybrid: the GPU feeder in its own thread, CPU workers from here */
        gpu_job j = {.e = gpu, .q = q};
        pthread_t t;
        const bool threaded = pthread_create(&t, NULL, gpu_thread, &j) == 0;
        if (!threaded) {
            j.st = OMSIG_E_GENERIC;
            snprintf(j.why, sizeof j.why, "cannot start its thread");
        }
        st = omsig_engine_cpu.run(cpu, q, why, sizeof why);
        if (threaded) pthread_join(t, NULL);
        if (st != OMSIG_OK) return st;
        if (j.st != OMSIG_OK && (st = after_gpu_failure(q, o, j.why)) != OMSIG_OK) return st;
        if (omsig_queue_left(q) == 0) return OMSIG_OK;
    }
    /* cpu alone, or what a GPU left */
    return omsig_engine_cpu.run(cpu, q, why, sizeof why);
}

/* --hasher auto: the CPU, unless a device is worth setting up (a plan with enough streams for
 * it, or for BLAKE3 enough bytes) and the cost model gives it the plan or a share; *gpu is the
 * engine set up for it, and r->engine_reason says why. */
static omsig_engine_pick pick_auto(omsig_ctx *ctx, const omsig_hash_cfg *cfg,
                                   const omsig_plan *plan, omsig_engine **gpu, omsig_report *r)
{
    const char *gpu_why = "";
    const bool sha256 = plan->n_streams == 0 || plan->streams[0].hash == OMSIG_HASH_SHA256;
    const bool blake3 = plan->n_streams > 0 && plan->streams[0].hash == OMSIG_HASH_BLAKE3;
    if (blake3) {
        if (plan->total_bytes >= OMSIG_GPU_B3_MIN_BYTES) *gpu = omsig_ctx_gpu(ctx, cfg, &gpu_why);
    } else if (!sha256) {
        gpu_why = "the GPU engine hashes SHA-256 and BLAKE3 only";
    } else if (plan->n_streams >= OMSIG_GPU_MIN_STREAMS) {
        *gpu = omsig_ctx_gpu(ctx, cfg, &gpu_why);
    }
    if (!*gpu) {
        snprintf(r->engine_reason, sizeof r->engine_reason, "cpu: %s",
                 blake3 ? (plan->total_bytes >= OMSIG_GPU_B3_MIN_BYTES
                               ? gpu_why
                               : "too few bytes of BLAKE3 for a GPU")
                 : !sha256 || plan->n_streams >= OMSIG_GPU_MIN_STREAMS
                     ? gpu_why
                     : "too few streams for a GPU");
        return OMSIG_PICK_CPU;
    }
    /* the rates are measured only when there is a choice to make */
    omsig_engine_rates g = {0};
    omsig_engine_gpu.rates(*gpu, &g);
    if (blake3)
        return omsig_engine_choose_blake3(plan, omsig_ctx_cpu_rates(ctx), &g, r->engine_reason,
                                          sizeof r->engine_reason);
    return omsig_engine_choose(plan, omsig_ctx_cpu_rates(ctx), &g, r->engine_reason,
                               sizeof r->engine_reason);
}

omsig_status omsig_hash_plan(omsig_ctx *ctx, const omsig_options *o, const omsig_model *m,
                             omsig_plan *plan, const omsig_sink *sink, omsig_report *r)
{
    const omsig_hash_cfg cfg = {.threads = o->threads,
                                .io = o->io,
                                .buffer_size = o->buffer_size ? o->buffer_size
                                                              : OMSIG_DEFAULT_BUFFER,
                                .gpus = o->gpus,
                                .n_gpus = o->n_gpus};
    char why[256];
    omsig_engine *cpu = NULL, *gpu = NULL;
    const char *gpu_why = "";
    /* the GPU kernels are SHA-256 and BLAKE3; a plan holds one hash */
    const bool sha256 = plan->n_streams == 0 || plan->streams[0].hash == OMSIG_HASH_SHA256;
    const bool blake3 = plan->n_streams > 0 && plan->streams[0].hash == OMSIG_HASH_BLAKE3;
    /* a sink takes its pieces from the CPU workers' slots, a slot per stream; the GPU
     * engine's batches pack many files into one buffer */
    if (sink && (o->hasher == OMSIG_HASHER_GPU || o->hasher == OMSIG_HASHER_HYBRID))
        return omsig_fail(r, OMSIG_E_USAGE,
                          "a verified load is hashed by the CPU engine, whose read slots feed "
                          "the sink; use hasher auto or cpu");
    if ((o->hasher == OMSIG_HASHER_GPU || o->hasher == OMSIG_HASHER_HYBRID) && !sha256 && !blake3)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                          "the GPU engine hashes SHA-256 and BLAKE3 only, and this model's hash "
                          "is %s; use --hasher cpu or auto",
                          omsig_hash_name(plan->streams[0].hash));
    if (o->hasher == OMSIG_HASHER_GPU || o->hasher == OMSIG_HASHER_HYBRID) {
        if (!(gpu = omsig_ctx_gpu(ctx, &cfg, &gpu_why)))
            return omsig_fail(r, OMSIG_E_NO_DEVICE, "GPU hashing is not available: %s", gpu_why);
    }
    if (o->hasher != OMSIG_HASHER_GPU && !(cpu = omsig_ctx_cpu(ctx, &cfg, why, sizeof why)))
        return omsig_fail(r, OMSIG_E_GENERIC, "cannot set up the CPU engine: %s", why);
    /* a tiny plan: one thread, the caller's, whatever the GPU (unless one was asked for) */
    const bool tiny = (o->hasher == OMSIG_HASHER_AUTO || o->hasher == OMSIG_HASHER_CPU) &&
                      o->io != OMSIG_IO_URING && o->threads <= 1 &&
                      plan->total_bytes <= OMSIG_TINY_PLAN_BYTES &&
                      plan->n_streams <= OMSIG_TINY_PLAN_STREAMS;
    omsig_engine_pick pick;
    switch (tiny ? OMSIG_HASHER_CPU : o->hasher) {
    case OMSIG_HASHER_GPU: pick = OMSIG_PICK_GPU; break;
    case OMSIG_HASHER_HYBRID: pick = OMSIG_PICK_HYBRID; break;
    case OMSIG_HASHER_CPU: pick = OMSIG_PICK_CPU; break;
    default:
        if (sink) {
            pick = OMSIG_PICK_CPU;
            snprintf(r->engine_reason, sizeof r->engine_reason,
                     "cpu: a verified load's pieces come from the CPU engine's read slots");
        } else {
            pick = pick_auto(ctx, &cfg, plan, &gpu, r);
        }
        break;
    }
    if (tiny)
        snprintf(r->engine_reason, sizeof r->engine_reason,
                 "cpu: one thread, the caller's, with plain reads (a small model: %zu files, "
                 "%llu bytes)%s",
                 plan->n_streams, (unsigned long long)plan->total_bytes,
                 o->hasher == OMSIG_HASHER_CPU ? "; asked for with --hasher" : "");
    else if (o->hasher != OMSIG_HASHER_AUTO)
        snprintf(r->engine_reason, sizeof r->engine_reason, "%s: asked for with --hasher",
                 k_pick_name[pick]);
    r->engine = k_pick_name[pick];
    /* BLAKE3: large files are cut into subtrees, so that every core works on them */
    omsig_plan pieces = {0}, *work = plan;
    if (!sha256 && plan->n_streams && plan->streams[0].hash == OMSIG_HASH_BLAKE3 && !tiny) {
        const long cores = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
        OMSIG_FORWARD_IF_ERROR(
            omsig_plan_split_blake3(plan, cores > 0 ? (unsigned)cores : 1, &pieces, r));
        if (pieces.n_streams) work = &pieces;
    }
    omsig_queue q;
    if (omsig_queue_init(&q, work, m, o, r) != OMSIG_OK) {
        omsig_plan_free(&pieces);
        return r->status;
    }
    q.cancel = &ctx->cancel;
    q.one_thread = tiny;
    q.sink = sink;
    const double t0 = omsig_now();
    omsig_status st;
    if (pick == OMSIG_PICK_CPU) {
        st = run_engines(cpu, NULL, &q, o);
    } else if (pick == OMSIG_PICK_HYBRID) {
        st = run_engines(cpu, gpu, &q, o);
    } else {
        /* the GPU alone; under auto the CPU finishes what a failed device leaves */
        st = run_engines(NULL, gpu, &q, o);
        if (st == OMSIG_OK && cpu && omsig_queue_left(&q) > 0) st = run_engines(cpu, NULL, &q, o);
    }
    if (st == OMSIG_OK && !omsig_queue_stopped(&q)) st = omsig_queue_check_paths(&q);
    r->hash_seconds = omsig_now() - t0;
    /* the engines stop taking and reading when cancelled, and say OK for what they did */
    if (st == OMSIG_OK && omsig_queue_cancelled(&q))
        st = omsig_fail(r, OMSIG_E_CANCELLED, "the caller stopped the run");
    if (st == OMSIG_OK && o->progress)
        o->progress(o->progress_user, plan->total_bytes, plan->total_bytes);
    omsig_queue_destroy(&q);
    if (st == OMSIG_OK && work != plan) omsig_plan_join_blake3(plan, &pieces);
    omsig_plan_free(&pieces);
    r->files = plan->n_streams;
    r->bytes = plan->total_bytes;
    return st;
}

int omsig_gpu_probe(char *why, size_t why_len) { return omsig_engine_gpu.probe(why, why_len); }

int omsig_gpu_available(void)
{
    char why[256];
    return omsig_gpu_probe(why, sizeof why);
}
