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
 * The auto rule's cost model.  An engine hashing n streams of bytes in all runs at its total
 * rate when n fills it (at n/fill of it below that, never below one stream's rate), capped by
 * the host-to-device copy for the GPU, and pays stream_seconds of host time per stream (the
 * open, stats and close) over its host threads.  No choice beats the longest stream's chain
 * at one CPU core's rate, and every GPU batch costs launch_seconds.
 */
static double engine_rate(const omsig_engine_rates *e, uint64_t n, uint64_t bytes)
{
    if (n == 0 || e->total_rate <= 0) return 0;
    double hash = e->total_rate;
    if (e->streams_to_fill && n < e->streams_to_fill)
        hash = e->total_rate * (double)n / (double)e->streams_to_fill;
    if (hash < e->stream_rate) hash = e->stream_rate;
    if (e->copy_rate > 0 && hash > e->copy_rate) hash = e->copy_rate;
    const double avg = (double)bytes / (double)n;
    const double per_byte = 1.0 / hash + e->stream_seconds / (e->workers ? e->workers : 1) / avg;
    return 1.0 / per_byte;
}

static double batches_seconds(const omsig_engine_rates *g, double bytes)
{
    const double batches = g->batch_bytes > 0 ? bytes / g->batch_bytes + 1 : 1;
    return batches * g->launch_seconds;
}

omsig_engine_pick omsig_engine_choose(const omsig_plan *p, const omsig_engine_rates *cpu,
                                      const omsig_engine_rates *gpu, char *why, size_t why_len)
{
    const uint64_t n = p->n_streams, bytes = p->total_bytes;
    const double chain = cpu->stream_rate > 0 ? (double)p->longest / cpu->stream_rate : 0;
    const double r_cpu = engine_rate(cpu, n, bytes);
    const double t_cpu = r_cpu > 0 ? fmax((double)bytes / r_cpu, chain) : 1e30;
    if (!gpu) {
        snprintf(why, why_len, "cpu: no usable GPU");
        return OMSIG_PICK_CPU;
    }
    /* the GPU alone: its own chain is one GPU thread's */
    const double r_gpu = engine_rate(gpu, n, bytes);
    const double g_chain = gpu->stream_rate > 0 ? (double)p->longest / gpu->stream_rate : 1e30;
    const double t_gpu =
        r_gpu > 0 ? fmax((double)bytes / r_gpu, g_chain) + batches_seconds(gpu, (double)bytes)
                  : 1e30;
    /* hybrid: the CPU takes the longest streams, the GPU what the CPU's lanes leave over */
    double t_hyb = t_cpu;
    if (n > cpu->streams_to_fill) {
        const double r_g = engine_rate(gpu, n - cpu->streams_to_fill, bytes);
        const double r = r_cpu + r_g;
        t_hyb = fmax((double)bytes / r, chain) + batches_seconds(gpu, (double)bytes * r_g / r);
    }
    omsig_engine_pick pick = OMSIG_PICK_CPU;
    double best = t_cpu;
    /* the GPU must win by 10%: its estimate has more unknowns than the CPU's */
    if (t_gpu < best * 0.9) pick = OMSIG_PICK_GPU, best = t_gpu;
    if (t_hyb < best * 0.9) pick = OMSIG_PICK_HYBRID, best = t_hyb;
    snprintf(why, why_len,
             "%s: %llu streams, %.3g GB, longest %.3g GB; estimated cpu %.3g s, gpu %.3g s, "
             "hybrid %.3g s",
             pick == OMSIG_PICK_CPU ? "cpu" : pick == OMSIG_PICK_GPU ? "gpu" : "hybrid",
             (unsigned long long)n, (double)bytes / 1e9, (double)p->longest / 1e9, t_cpu, t_gpu,
             t_hyb);
    return pick;
}

/*
 * BLAKE3's auto rule.  A BLAKE3 file is a tree: the CPU engine cuts large files into subtrees
 * for every core, and the GPU hashes one input at a time with a thread per 1 KiB chunk, so
 * both run at their aggregate rate whatever the number of files.  Every byte is first copied
 * from the page cache by a host thread (OMSIG_HOST_READ_RATE each): by every CPU worker side by
 * side, by the GPU feeder's one thread alone.  The CPU then hashes at cores x one core's
 * in-memory rate; the GPU at its kernel rate capped by the host-to-device copy, plus a launch
 * per slab and per stream, and each stream's host time on the feeder's thread.  The GPU must
 * win by 10%.
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
                             : 1e30;
    double t_gpu = 1e30;
    if (gpu && gpu->b3_rate > 0) {
        double rate = gpu->b3_rate;
        if (gpu->copy_rate > 0 && gpu->copy_rate < rate) rate = gpu->copy_rate;
        if (OMSIG_HOST_READ_RATE < rate) rate = OMSIG_HOST_READ_RATE;
        t_gpu = bytes / rate + batches_seconds(gpu, bytes) + n * gpu->launch_seconds +
                n * gpu->stream_seconds;
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
                                                              : OMSIG_DEFAULT_BUFFER};
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
    omsig_engine_pick pick;
    switch (o->hasher) {
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
    if (o->hasher != OMSIG_HASHER_AUTO)
        snprintf(r->engine_reason, sizeof r->engine_reason, "%s: asked for with --hasher",
                 k_pick_name[pick]);
    r->engine = k_pick_name[pick];
    /* BLAKE3: large files are cut into subtrees, so that every core works on them */
    omsig_plan pieces = {0}, *work = plan;
    if (!sha256 && plan->n_streams && plan->streams[0].hash == OMSIG_HASH_BLAKE3) {
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
