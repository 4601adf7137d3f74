/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_cuda.c - a stand-in for the CUDA runtime, for testing the GPU engine's host side
 * (cuda/engine_gpu.c: the feeder, the batches, the digests' way back, the put-back after an
 * error) on a machine without a GPU.  "Device" memory is host memory; the kernel launchers run
 * the code the GPU threads run on the host: omsig_gpu_job_run for SHA-256, and for BLAKE3
 * omsig_blake3_core_input_serial, the kernels' stages one thread at a time.
 *
 * It is asynchronous as a device is, so that the engine's ordering mistakes give wrong digests
 * the tests see: every CUDA stream (and each device's legacy default stream) has a host thread
 * that runs its queue of copies, kernels, event records, event waits and host functions in
 * order, after a small random delay per operation.  A copy reads its source when it runs, not
 * when it is issued; an event completes when its stream's thread gets to it;
 * cudaStreamWaitEvent holds the waiting stream's thread until the event completes; the
 * synchronising calls block; cudaEventQuery and cudaStreamQuery say cudaErrorNotReady until
 * then.  The legacy default stream waits for the blocking streams' earlier work and they for
 * its.  cudaFree, cudaFreeHost and cudaHostUnregister synchronise, as CUDA's do.  Device memory
 * starts filled with 0xa5, not zeros.
 *
 * The environment (read once) makes the device lie or break:
 *   OMSIG_FAKE_CUDA_DEVICES=N      N devices (default 1); OMSIG_FAKE_CUDA_NO_DEVICE: none.
 *                                  The current device is per host thread; streams, events and
 *                                  allocations belong to the device current when made.
 *   OMSIG_FAKE_CUDA_CORRUPT=N      one bit flipped in the N-th digest the kernels write
 *                                  (counted over every launch, SHA-256 and BLAKE3, from 1).
 *   OMSIG_FAKE_CUDA_FAIL=CALL:N[@D]  the N-th call of the function CALL (on device D when
 *                                  given) fails: allocations, registrations and creations with
 *                                  cudaErrorMemoryAllocation; launches, copies, memsets, event
 *                                  records and waits, host functions, queries and
 *                                  synchronisations with a sticky error (every later call on
 *                                  that device fails with it, and its queued work is dropped);
 *                                  anything else with cudaErrorUnknown.  The kernel launchers
 *                                  are omsig_cuda_sha256_launch and omsig_cuda_blake3_launch.
 *   OMSIG_FAKE_CUDA_DRIVER=V       the driver's version (cudaDriverGetVersion; 12020 is 12.2).
 *                                  0 is no driver at all; a major version below the runtime's
 *                                  (CUDART_VERSION) makes every call fail with
 *                                  cudaErrorInsufficientDriver, as the real runtime does.
 *   OMSIG_FAKE_CUDA_DISCARD=N      copies and kernels do nothing from the N-th launch on (1:
 *                                  from the start; a copy goes with the last launch issued
 *                                  before it): a device that swallows bytes, for measuring the
 *                                  feeder.  Digests are then meaningless: the engine's
 *                                  self-tests refuse the device unless N lies after their
 *                                  launches (49 SHA-256 and 20 BLAKE3 with 64 MiB batches).
 *   OMSIG_FAKE_CUDA_SEED=S         the delays' seed (default 1, so a failure replays);
 *   OMSIG_FAKE_CUDA_DELAY_US=U     the longest delay in microseconds (default 300; 0: none).
 *   OMSIG_FAKE_CUDA_TOUCHED=PATH   the file PATH is created at the first call into the runtime:
 *                                  the tests' proof that a run never set CUDA up.
 * A malformed value stops the program with a message: it is a test's mistake.
 */
#define _GNU_SOURCE
#include "blake3_core.h"
#include "gpu_job.h"
#include "helpers.h"

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEVICES 64

/* ---- the switches ---------------------------------------------------------------------------- */

typedef struct config {
    int devices;
    int driver;
    uint64_t corrupt;
    char fail_call[64];
    uint64_t fail_n;
    int fail_device; /* -1: any */
    uint64_t discard; /* the first launch discarded; 0: none */
    uint64_t seed;
    unsigned delay_us;
} config;

static config g_cfg;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t g_digests;   /* digests the kernels have written */
static atomic_uint_fast64_t g_fail_seen; /* calls of g_cfg.fail_call so far */
static atomic_uint g_streams_made;
static atomic_uint_fast64_t g_launches;  /* kernel launches issued */

static _Noreturn void bad_env(const char *name, const char *value)
{
    fprintf(stderr, "fake CUDA runtime: bad %s=%s\n", name, value);
    abort();
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    if (!v) return dflt;
    char *end;
    const unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end) bad_env(name, v);
    return x;
}

/* ---- devices, streams, events ---------------------------------------------------------------- */

typedef enum { OP_COPY, OP_SET, OP_SHA256, OP_BLAKE3, OP_RECORD, OP_WAIT, OP_HOST } op_kind;

/* A point in a stream: done when the stream's thread has got there.  An event's latest
 * record, and what the waits on it hold; counted references, under g_mark_lock. */
typedef struct mark {
    int refs;
    bool done;
    double when;
} mark;

typedef struct op {
    struct op *next;
    op_kind kind;
    void *dst;
    const void *src;
    size_t n;
    int value;
    const void *data, *jobs;
    uint32_t n_jobs;
    void *states, *digests;
    uint64_t len, base; /* OP_BLAKE3: the input at data, its first chunk, root, out */
    int root;
    void *out;
    bool discard;       /* OMSIG_FAKE_CUDA_DISCARD: a copy or kernel that does nothing */
    mark *m;            /* OP_RECORD, OP_WAIT */
    cudaHostFn_t fn;    /* OP_HOST */
    void *user;
} op;

typedef struct fake_device fake_device;

typedef struct fake_stream {
    fake_device *dev;
    bool blocking;      /* synchronises with the legacy default stream */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* work queued, an operation run, or quit */
    op *head, *tail;
    uint64_t queued, done;
    bool quit;
    uint64_t rng;       /* the delays: this stream's thread only */
    struct fake_stream *next; /* the device's streams */
} fake_stream;

struct fake_device {
    int id;
    atomic_int sticky;  /* 0, or the error every later call on the device returns */
    pthread_mutex_t lock; /* the list of streams, and enqueueing on blocking ones */
    fake_stream *streams;
    fake_stream *legacy; /* created on first use */
};

typedef struct fake_event {
    fake_device *dev;
    unsigned flags;
    mark *m;            /* the latest record; NULL before the first */
} fake_event;

static fake_device g_dev[MAX_DEVICES];
static pthread_mutex_t g_mark_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_mark_cond = PTHREAD_COND_INITIALIZER;
static _Thread_local int t_device;
static _Thread_local cudaError_t t_last;

/* ranges registered with cudaHostRegister: registering one twice is an error in CUDA */
typedef struct reg_range {
    const char *p;
    size_t n;
    struct reg_range *next;
} reg_range;
static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static reg_range *g_reg;

static void configure(void)
{
    const char *touched = getenv("OMSIG_FAKE_CUDA_TOUCHED");
    FILE *touched_file = touched ? fopen(touched, "w") : NULL;
    if (touched_file) fclose(touched_file);
    g_cfg.devices = (int)env_u64("OMSIG_FAKE_CUDA_DEVICES", 1);
    if (g_cfg.devices < 1 || g_cfg.devices > MAX_DEVICES)
        bad_env("OMSIG_FAKE_CUDA_DEVICES", getenv("OMSIG_FAKE_CUDA_DEVICES"));
    if (getenv("OMSIG_FAKE_CUDA_NO_DEVICE")) g_cfg.devices = 0;
    g_cfg.driver = (int)env_u64("OMSIG_FAKE_CUDA_DRIVER", CUDART_VERSION);
    g_cfg.corrupt = env_u64("OMSIG_FAKE_CUDA_CORRUPT", 0);
    g_cfg.discard = env_u64("OMSIG_FAKE_CUDA_DISCARD", 0);
    g_cfg.seed = env_u64("OMSIG_FAKE_CUDA_SEED", 1);
    g_cfg.delay_us = (unsigned)env_u64("OMSIG_FAKE_CUDA_DELAY_US", 300);
    g_cfg.fail_device = -1;
    const char *f = getenv("OMSIG_FAKE_CUDA_FAIL");
    if (f) {
        const char *colon = strchr(f, ':');
        char *end;
        if (!colon || colon == f || (size_t)(colon - f) >= sizeof g_cfg.fail_call)
            bad_env("OMSIG_FAKE_CUDA_FAIL", f);
        memcpy(g_cfg.fail_call, f, (size_t)(colon - f));
        g_cfg.fail_n = strtoull(colon + 1, &end, 10);
        if (end == colon + 1 || g_cfg.fail_n == 0) bad_env("OMSIG_FAKE_CUDA_FAIL", f);
        if (*end == '@') {
            const char *d = end + 1;
            g_cfg.fail_device = (int)strtol(d, &end, 10);
            if (end == d || g_cfg.fail_device < 0) bad_env("OMSIG_FAKE_CUDA_FAIL", f);
        }
        if (*end) bad_env("OMSIG_FAKE_CUDA_FAIL", f);
    }
    for (int i = 0; i < MAX_DEVICES; i++) {
        g_dev[i].id = i;
        pthread_mutex_init(&g_dev[i].lock, NULL);
    }
}

static void init(void) { pthread_once(&g_once, configure); }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool driver_too_old(void) { return g_cfg.driver / 1000 < CUDART_VERSION / 1000; }

/* ---- calls, failures and sticky errors ------------------------------------------------------- */

/* What a call does when OMSIG_FAKE_CUDA_FAIL picks it. */
typedef enum { CALL_ALLOC, CALL_WORK, CALL_COPY, CALL_OTHER } call_kind;

static cudaError_t ret(cudaError_t e)
{
    if (e != cudaSuccess) t_last = e;
    return e;
}

/* Every call's first step: no driver, no device, the device's sticky error, or the failure
 * OMSIG_FAKE_CUDA_FAIL asks for.  d is the device the call acts on (NULL: none). */
static cudaError_t enter(const char *call, fake_device *d, call_kind kind)
{
    init();
    if (g_cfg.driver == 0 || driver_too_old()) return ret(cudaErrorInsufficientDriver);
    if (g_cfg.devices == 0) return ret(cudaErrorNoDevice);
    if (d) {
        const int sticky = atomic_load(&d->sticky);
        if (sticky) return ret((cudaError_t)sticky);
    }
    if (!g_cfg.fail_call[0] || strcmp(call, g_cfg.fail_call) != 0) return cudaSuccess;
    if (g_cfg.fail_device >= 0 && (!d || d->id != g_cfg.fail_device)) return cudaSuccess;
    if (atomic_fetch_add(&g_fail_seen, 1) + 1 != g_cfg.fail_n) return cudaSuccess;
    switch (kind) {
    case CALL_ALLOC: return ret(cudaErrorMemoryAllocation);
    case CALL_OTHER: return ret(cudaErrorUnknown);
    case CALL_WORK:
    case CALL_COPY: {
        const cudaError_t e = kind == CALL_COPY ? cudaErrorIllegalAddress : cudaErrorLaunchFailure;
        int none = 0;
        if (d) atomic_compare_exchange_strong(&d->sticky, &none, (int)e);
        return ret(e);
    }
    }
    return cudaSuccess;
}

static fake_device *current(void) { return &g_dev[t_device]; }

static fake_stream *stream_new(fake_device *d, bool blocking);

static bool is_legacy(cudaStream_t h)
{
    return !h || h == cudaStreamLegacy || h == cudaStreamPerThread;
}

/* The device a stream handle belongs to: the current one for the legacy stream. */
static fake_device *dev_of(cudaStream_t h)
{
    return is_legacy(h) ? current() : ((fake_stream *)h)->dev;
}

/* NULL, cudaStreamLegacy and cudaStreamPerThread: the current device's legacy stream, made
 * on first use.  NULL when it cannot be made. */
static fake_stream *stream_of(cudaStream_t h)
{
    if (!is_legacy(h)) return (fake_stream *)h;
    fake_device *d = current();
    pthread_mutex_lock(&d->lock);
    if (!d->legacy) d->legacy = stream_new(d, true);
    fake_stream *l = d->legacy;
    pthread_mutex_unlock(&d->lock);
    return l;
}

/* A call that queues work on stream h: its checks, then the stream. */
static cudaError_t on_stream(const char *call, cudaStream_t h, call_kind kind, fake_stream **s)
{
    cudaError_t e = enter(call, dev_of(h), kind);
    if (e != cudaSuccess) return e;
    *s = stream_of(h);
    return *s ? cudaSuccess : ret(cudaErrorMemoryAllocation);
}

/* ---- the streams' threads -------------------------------------------------------------------- */

static void mark_unref(mark *m)
{
    if (!m) return;
    pthread_mutex_lock(&g_mark_lock);
    const bool last = --m->refs == 0;
    pthread_mutex_unlock(&g_mark_lock);
    if (last) free(m);
}

static void mark_wait(mark *m)
{
    pthread_mutex_lock(&g_mark_lock);
    while (!m->done) pthread_cond_wait(&g_mark_cond, &g_mark_lock);
    pthread_mutex_unlock(&g_mark_lock);
}

/* The digests a launch writes pass here: the OMSIG_FAKE_CUDA_CORRUPT-th is changed. */
static void written(uint8_t *digest)
{
    if (atomic_fetch_add(&g_digests, 1) + 1 == g_cfg.corrupt) digest[7] ^= 0x10;
}

static void run_kernel(op *o)
{
    if (o->kind == OP_BLAKE3) {
        uint32_t *scratch = malloc(omsig_blake3_core_scratch_words(o->len) * sizeof *scratch);
        if (!scratch) abort();
        omsig_blake3_core_input_serial(o->data, o->len, o->base, o->root, scratch, o->out);
        free(scratch);
        written(o->out);
        return;
    }
    const omsig_gpu_job *jobs = o->jobs;
    for (uint32_t i = 0; i < o->n_jobs; i++) {
        uint8_t *digest = (uint8_t *)o->digests + 32 * (uint64_t)i;
        omsig_gpu_job_run(o->data, &jobs[i], (uint32_t *)o->states + 8 * (uint64_t)jobs[i].state,
                          digest);
        if (jobs[i].flags & OMSIG_GPU_LAST) written(digest);
    }
}

/* Runs one operation on its stream's thread.  After a sticky error the device does nothing
 * more (events still complete, so nothing waits for ever), and host functions are not called,
 * as cudaLaunchHostFunc documents. */
static void run_op(fake_stream *s, op *o)
{
    const bool dead = atomic_load(&s->dev->sticky) != 0;
    switch (o->kind) {
    case OP_COPY:
        if (!dead && !o->discard) memcpy(o->dst, o->src, o->n);
        break;
    case OP_SET:
        if (!dead && !o->discard) memset(o->dst, o->value, o->n);
        break;
    case OP_SHA256:
    case OP_BLAKE3:
        if (!dead && !o->discard) run_kernel(o);
        break;
    case OP_RECORD:
        pthread_mutex_lock(&g_mark_lock);
        o->m->done = true;
        o->m->when = now();
        pthread_cond_broadcast(&g_mark_cond);
        pthread_mutex_unlock(&g_mark_lock);
        break;
    case OP_WAIT:
        if (!dead) mark_wait(o->m);
        break;
    case OP_HOST:
        if (!dead) o->fn(o->user);
        break;
    }
    if (o->kind == OP_RECORD || o->kind == OP_WAIT) mark_unref(o->m);
}

/* A small random delay before each operation: the device runs late, by varying amounts. */
static void lag(fake_stream *s)
{
    if (g_cfg.delay_us == 0) return;
    const uint64_t r = t_rnd(&s->rng);
    if (r % 4 == 0) {
        const struct timespec t = {0, (long)((r >> 8) % g_cfg.delay_us) * 1000};
        nanosleep(&t, NULL);
    } else if (r % 4 == 1) {
        sched_yield();
    }
}

static void *stream_main(void *arg)
{
    fake_stream *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->head && !s->quit) pthread_cond_wait(&s->cond, &s->lock);
        op *o = s->head;
        if (!o) break;
        s->head = o->next;
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->lock);
        lag(s);
        run_op(s, o);
        free(o);
        pthread_mutex_lock(&s->lock);
        s->done++;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* A stream and its thread, listed on the device (whose lock the caller holds). */
static fake_stream *stream_new(fake_device *d, bool blocking)
{
    fake_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->dev = d;
    s->blocking = blocking;
    s->rng = (g_cfg.seed + 1) * 0x9e3779b97f4a7c15ull ^ (atomic_fetch_add(&g_streams_made, 1) + 1);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, stream_main, s) != 0) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
        return NULL;
    }
    s->next = d->streams;
    d->streams = s;
    return s;
}

static void push(fake_stream *s, op *o)
{
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = o;
    else
        s->head = o;
    s->tail = o;
    s->queued++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static bool pending(fake_stream *s)
{
    pthread_mutex_lock(&s->lock);
    const bool p = s->done < s->queued;
    pthread_mutex_unlock(&s->lock);
    return p;
}

static mark *mark_new(int refs)
{
    mark *m = calloc(1, sizeof *m);
    if (m) m->refs = refs;
    return m;
}

/* Makes `waiter` wait for what `on` has queued so far (legacy stream semantics). */
static void order_after(fake_stream *waiter, fake_stream *on)
{
    if (!pending(on)) return;
    mark *m = mark_new(2);
    op *rec = calloc(1, sizeof *rec), *wait = calloc(1, sizeof *wait);
    if (!m || !rec || !wait) abort();
    *rec = (op){.kind = OP_RECORD, .m = m};
    *wait = (op){.kind = OP_WAIT, .m = m};
    push(on, rec);
    push(waiter, wait);
}

/* Queues o (copied) on s.  Work on the legacy stream waits for the blocking streams' earlier
 * work, and a blocking stream's for the legacy stream's. */
static cudaError_t enqueue(fake_stream *s, op o)
{
    op *p = malloc(sizeof *p);
    if (!p) return ret(cudaErrorMemoryAllocation);
    *p = o;
    p->next = NULL;
    const bool kernel = o.kind == OP_SHA256 || o.kind == OP_BLAKE3;
    if (g_cfg.discard && (kernel || o.kind == OP_COPY || o.kind == OP_SET)) {
        /* a kernel counts itself; a copy or memset goes with the last launch before it */
        uint64_t k = kernel ? atomic_fetch_add(&g_launches, 1) + 1 : atomic_load(&g_launches);
        if (k == 0) k = 1;
        p->discard = k >= g_cfg.discard;
    }
    if (!s->blocking) {
        push(s, p);
        return cudaSuccess;
    }
    fake_device *d = s->dev;
    pthread_mutex_lock(&d->lock);
    if (s == d->legacy) {
        for (fake_stream *b = d->streams; b; b = b->next)
            if (b != s && b->blocking) order_after(s, b);
    } else if (d->legacy) {
        order_after(s, d->legacy);
    }
    push(s, p);
    pthread_mutex_unlock(&d->lock);
    return cudaSuccess;
}

/* Blocks until s has run what was queued on it before the call. */
static void drain(fake_stream *s)
{
    pthread_mutex_lock(&s->lock);
    const uint64_t target = s->queued;
    while (s->done < target) pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

static void drain_device(fake_device *d)
{
    pthread_mutex_lock(&d->lock);
    for (fake_stream *s = d->streams; s; s = s->next) drain(s);
    pthread_mutex_unlock(&d->lock);
}

/* cudaFree and its kind synchronise with every device (CUDA: the pointer's own). */
static void drain_all(void)
{
    for (int i = 0; i < g_cfg.devices; i++) drain_device(&g_dev[i]);
}

/* After a wait: the device's sticky error, if it has one now. */
static cudaError_t settled(fake_device *d)
{
    const int sticky = atomic_load(&d->sticky);
    return ret(sticky ? (cudaError_t)sticky : cudaSuccess);
}

/* ---- devices and versions -------------------------------------------------------------------- */

cudaError_t cudaGetDeviceCount(int *n)
{
    *n = 0;
    const cudaError_t e = enter("cudaGetDeviceCount", NULL, CALL_OTHER);
    if (e == cudaSuccess) *n = g_cfg.devices;
    return e;
}

cudaError_t cudaDriverGetVersion(int *v)
{
    init();
    *v = g_cfg.driver;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int *v)
{
    *v = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int *d)
{
    const cudaError_t e = enter("cudaGetDevice", NULL, CALL_OTHER);
    if (e == cudaSuccess) *d = t_device;
    return e;
}

cudaError_t cudaSetDevice(int d)
{
    cudaError_t e = enter("cudaSetDevice", NULL, CALL_OTHER);
    if (e != cudaSuccess) return e;
    if (d < 0 || d >= g_cfg.devices) return ret(cudaErrorInvalidDevice);
    t_device = d;
    return cudaSuccess;
}

cudaError_t cudaSetDeviceFlags(unsigned int flags)
{
    (void)flags; /* scheduling hints (cudaDeviceScheduleBlockingSync): waits here always block */
    return enter("cudaSetDeviceFlags", current(), CALL_OTHER);
}

static fake_device *device_arg(int d) { return d >= 0 && d < g_cfg.devices ? &g_dev[d] : NULL; }

cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
    init();
    fake_device *d = device_arg(device);
    cudaError_t e = enter("cudaDeviceGetAttribute", d, CALL_OTHER);
    if (e != cudaSuccess) return e;
    if (!d) return ret(cudaErrorInvalidDevice);
    switch (attr) {
    case cudaDevAttrMultiProcessorCount: *value = 132; break;
    case cudaDevAttrComputeCapabilityMajor: *value = 9; break;
    case cudaDevAttrComputeCapabilityMinor: *value = 0; break;
    case cudaDevAttrMaxThreadsPerBlock: *value = 1024; break;
    case cudaDevAttrWarpSize: *value = 32; break;
    case cudaDevAttrPciBusId: *value = device + 1; break;
    case cudaDevAttrAsyncEngineCount: *value = 2; break;
    default: return ret(cudaErrorInvalidValue);
    }
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *p, int device)
{
    init();
    fake_device *d = device_arg(device);
    cudaError_t e = enter("cudaGetDeviceProperties", d, CALL_OTHER);
    if (e != cudaSuccess) return e;
    if (!d) return ret(cudaErrorInvalidDevice);
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "omsig stand-in device %d", device);
    p->totalGlobalMem = (size_t)80 << 30;
    p->multiProcessorCount = 132;
    p->major = 9;
    p->minor = 0;
    p->maxThreadsPerBlock = 1024;
    p->warpSize = 32;
    p->asyncEngineCount = 2;
    p->pciBusID = device + 1;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetPCIBusId(char *id, int len, int device)
{
    init();
    fake_device *d = device_arg(device);
    cudaError_t e = enter("cudaDeviceGetPCIBusId", d, CALL_OTHER);
    if (e != cudaSuccess) return e;
    if (!d) return ret(cudaErrorInvalidDevice);
    snprintf(id, (size_t)len, "0000:%02x:00.0", device + 1);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total)
{
    cudaError_t e = enter("cudaMemGetInfo", current(), CALL_OTHER);
    if (e != cudaSuccess) return e;
    *total = (size_t)80 << 30;
    *free_bytes = (size_t)79 << 30;
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
    cudaError_t e = enter("cudaDeviceSynchronize", current(), CALL_WORK);
    if (e != cudaSuccess) return e;
    drain_device(current());
    return settled(current());
}

/* The sticky error of the current device, if any, else this thread's last error. */
static cudaError_t last_error(void)
{
    init();
    const int sticky = g_cfg.devices > 0 ? atomic_load(&current()->sticky) : 0;
    return sticky ? (cudaError_t)sticky : t_last;
}

cudaError_t cudaPeekAtLastError(void) { return last_error(); }

cudaError_t cudaGetLastError(void)
{
    const cudaError_t e = last_error();
    t_last = cudaSuccess;
    return e;
}

const char *cudaGetErrorName(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorHostMemoryAlreadyRegistered: return "cudaErrorHostMemoryAlreadyRegistered";
    case cudaErrorHostMemoryNotRegistered: return "cudaErrorHostMemoryNotRegistered";
    default: return "cudaErrorUnknown";
    }
}

/* CUDA's own messages, for the codes this runtime gives. */
const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInsufficientDriver:
        return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorHostMemoryAlreadyRegistered:
        return "part or all of the requested memory range is already mapped";
    case cudaErrorHostMemoryNotRegistered:
        return "pointer does not correspond to a registered memory region";
    default: return "unknown error";
    }
}

/* ---- memory ---------------------------------------------------------------------------------- */

static cudaError_t host_alloc(const char *call, void **p, size_t n)
{
    *p = NULL;
    cudaError_t e = enter(call, current(), CALL_ALLOC);
    if (e != cudaSuccess) return e;
    if (n == 0) return cudaSuccess;
    *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);
    return *p ? cudaSuccess : ret(cudaErrorMemoryAllocation);
}

cudaError_t cudaMalloc(void **p, size_t n)
{
    *p = NULL;
    cudaError_t e = enter("cudaMalloc", current(), CALL_ALLOC);
    if (e != cudaSuccess) return e;
    if (n == 0) return cudaSuccess;
    *p = aligned_alloc(256, (n + 255) / 256 * 256);
    if (!*p) return ret(cudaErrorMemoryAllocation);
    memset(*p, 0xa5, n); /* device memory is not zeroed */
    return cudaSuccess;
}

cudaError_t cudaMallocHost(void **p, size_t n) { return host_alloc("cudaMallocHost", p, n); }

cudaError_t cudaHostAlloc(void **p, size_t n, unsigned int flags)
{
    (void)flags;
    return host_alloc("cudaHostAlloc", p, n);
}

/* The releases synchronise first and release even after a sticky error, which they report. */
static cudaError_t release(const char *call, void *p)
{
    init();
    if (g_cfg.devices > 0) drain_all();
    free(p);
    return g_cfg.devices > 0 ? enter(call, current(), CALL_OTHER) : cudaSuccess;
}

cudaError_t cudaFree(void *p) { return release("cudaFree", p); }
cudaError_t cudaFreeHost(void *p) { return release("cudaFreeHost", p); }

cudaError_t cudaHostRegister(void *p, size_t n, unsigned int flags)
{
    (void)flags;
    cudaError_t e = enter("cudaHostRegister", current(), CALL_ALLOC);
    if (e != cudaSuccess) return e;
    if (!p || n == 0) return ret(cudaErrorInvalidValue);
    reg_range *r = malloc(sizeof *r);
    if (!r) return ret(cudaErrorMemoryAllocation);
    *r = (reg_range){.p = p, .n = n};
    pthread_mutex_lock(&g_reg_lock);
    for (reg_range *o = g_reg; o; o = o->next)
        if ((const char *)p < o->p + o->n && o->p < (const char *)p + n) {
            pthread_mutex_unlock(&g_reg_lock);
            free(r);
            return ret(cudaErrorHostMemoryAlreadyRegistered);
        }
    r->next = g_reg;
    g_reg = r;
    pthread_mutex_unlock(&g_reg_lock);
    return cudaSuccess;
}

cudaError_t cudaHostUnregister(void *p)
{
    init();
    if (g_cfg.devices > 0) drain_all();
    reg_range *found = NULL;
    pthread_mutex_lock(&g_reg_lock);
    for (reg_range **o = &g_reg; *o; o = &(*o)->next)
        if ((*o)->p == p) {
            found = *o;
            *o = found->next;
            break;
        }
    pthread_mutex_unlock(&g_reg_lock);
    free(found);
    cudaError_t e = enter("cudaHostUnregister", current(), CALL_OTHER);
    if (e != cudaSuccess) return e;
    return found ? cudaSuccess : ret(cudaErrorHostMemoryNotRegistered);
}

/* ---- streams --------------------------------------------------------------------------------- */

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *out, unsigned int flags)
{
    *out = NULL;
    fake_device *d = current();
    cudaError_t e = enter("cudaStreamCreateWithFlags", d, CALL_ALLOC);
    if (e != cudaSuccess) return e;
    pthread_mutex_lock(&d->lock);
    fake_stream *s = stream_new(d, !(flags & cudaStreamNonBlocking));
    pthread_mutex_unlock(&d->lock);
    if (!s) return ret(cudaErrorMemoryAllocation);
    *out = (cudaStream_t)s;
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t *out)
{
    return cudaStreamCreateWithFlags(out, cudaStreamDefault);
}

/* Runs what is queued, then ends the stream's thread (CUDA returns at once and finishes the
 * work later; waiting here is the same to the caller). */
cudaError_t cudaStreamDestroy(cudaStream_t h)
{
    init();
    if (is_legacy(h)) return ret(cudaErrorInvalidResourceHandle);
    fake_stream *s = (fake_stream *)h;
    fake_device *d = s->dev;
    pthread_mutex_lock(&d->lock);
    for (fake_stream **o = &d->streams; *o; o = &(*o)->next)
        if (*o == s) {
            *o = s->next;
            break;
        }
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
    return enter("cudaStreamDestroy", d, CALL_OTHER);
}

cudaError_t cudaStreamSynchronize(cudaStream_t h)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaStreamSynchronize", h, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    drain(s);
    return settled(s->dev);
}

cudaError_t cudaStreamQuery(cudaStream_t h)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaStreamQuery", h, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    if (pending(s)) return cudaErrorNotReady; /* not an error: t_last keeps its value */
    return settled(s->dev);
}

cudaError_t cudaLaunchHostFunc(cudaStream_t h, cudaHostFn_t fn, void *user)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaLaunchHostFunc", h, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    if (!fn) return ret(cudaErrorInvalidValue);
    return enqueue(s, (op){.kind = OP_HOST, .fn = fn, .user = user});
}

/* ---- events ---------------------------------------------------------------------------------- */

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *out, unsigned int flags)
{
    *out = NULL;
    fake_device *d = current();
    cudaError_t e = enter("cudaEventCreateWithFlags", d, CALL_ALLOC);
    if (e != cudaSuccess) return e;
    fake_event *ev = calloc(1, sizeof *ev);
    if (!ev) return ret(cudaErrorMemoryAllocation);
    ev->dev = d;
    ev->flags = flags; /* cudaEventBlockingSync: waits here always block */
    *out = (cudaEvent_t)ev;
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t *out)
{
    return cudaEventCreateWithFlags(out, cudaEventDefault);
}

/* The event goes at once; a record or wait still queued keeps its mark. */
cudaError_t cudaEventDestroy(cudaEvent_t h)
{
    init();
    fake_event *ev = (fake_event *)h;
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    fake_device *d = ev->dev;
    mark_unref(ev->m);
    free(ev);
    return enter("cudaEventDestroy", d, CALL_OTHER);
}

/* The event's latest mark with a reference the caller drops, or NULL when never recorded. */
static mark *mark_of(fake_event *ev)
{
    pthread_mutex_lock(&g_mark_lock);
    mark *m = ev->m;
    if (m) m->refs++;
    pthread_mutex_unlock(&g_mark_lock);
    return m;
}

cudaError_t cudaEventRecord(cudaEvent_t h, cudaStream_t sh)
{
    fake_event *ev = (fake_event *)h;
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaEventRecord", sh, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    if (!ev || ev->dev != s->dev) return ret(cudaErrorInvalidResourceHandle);
    mark *m = mark_new(2), *old;
    if (!m) return ret(cudaErrorMemoryAllocation);
    pthread_mutex_lock(&g_mark_lock);
    old = ev->m;
    ev->m = m;
    pthread_mutex_unlock(&g_mark_lock);
    mark_unref(old);
    return enqueue(s, (op){.kind = OP_RECORD, .m = m});
}

cudaError_t cudaEventSynchronize(cudaEvent_t h)
{
    fake_event *ev = (fake_event *)h;
    cudaError_t e = enter("cudaEventSynchronize", ev ? ev->dev : NULL, CALL_WORK);
    if (e != cudaSuccess) return e;
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    mark *m = mark_of(ev);
    if (m) {
        mark_wait(m);
        mark_unref(m);
    }
    return settled(ev->dev);
}

cudaError_t cudaEventQuery(cudaEvent_t h)
{
    fake_event *ev = (fake_event *)h;
    cudaError_t e = enter("cudaEventQuery", ev ? ev->dev : NULL, CALL_WORK);
    if (e != cudaSuccess) return e;
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    pthread_mutex_lock(&g_mark_lock);
    const bool done = !ev->m || ev->m->done;
    pthread_mutex_unlock(&g_mark_lock);
    return done ? settled(ev->dev) : cudaErrorNotReady;
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    fake_event *ea = (fake_event *)a, *eb = (fake_event *)b;
    cudaError_t e = enter("cudaEventElapsedTime", ea ? ea->dev : NULL, CALL_OTHER);
    if (e != cudaSuccess) return e;
    if (!ea || !eb || (ea->flags | eb->flags) & cudaEventDisableTiming)
        return ret(cudaErrorInvalidResourceHandle);
    pthread_mutex_lock(&g_mark_lock);
    const mark *ma = ea->m, *mb = eb->m;
    e = !ma || !mb                ? cudaErrorInvalidResourceHandle
        : !ma->done || !mb->done ? cudaErrorNotReady
                                 : cudaSuccess;
    if (e == cudaSuccess) *ms = (float)((mb->when - ma->when) * 1e3);
    pthread_mutex_unlock(&g_mark_lock);
    return ret(e);
}

/* The waiting stream's thread holds its later work until the event's current record is
 * reached (an event never recorded: nothing to wait for). */
cudaError_t cudaStreamWaitEvent(cudaStream_t sh, cudaEvent_t h, unsigned int flags)
{
    (void)flags;
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaStreamWaitEvent", sh, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    if (!h) return ret(cudaErrorInvalidResourceHandle);
    mark *m = mark_of((fake_event *)h);
    if (!m) return cudaSuccess;
    return enqueue(s, (op){.kind = OP_WAIT, .m = m});
}

/* ---- copies ---------------------------------------------------------------------------------- */

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind k,
                            cudaStream_t sh)
{
    (void)k;
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaMemcpyAsync", sh, CALL_COPY, &s);
    if (e != cudaSuccess) return e;
    if (n == 0) return cudaSuccess;
    return enqueue(s, (op){.kind = OP_COPY, .dst = dst, .src = src, .n = n});
}

/* The synchronous forms: on the legacy stream, waited for. */
static cudaError_t sync_op(fake_stream *s, op o)
{
    cudaError_t e = enqueue(s, o);
    if (e != cudaSuccess) return e;
    drain(s);
    return settled(s->dev);
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, enum cudaMemcpyKind k)
{
    (void)k;
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaMemcpy", NULL, CALL_COPY, &s);
    if (e != cudaSuccess) return e;
    return sync_op(s, (op){.kind = OP_COPY, .dst = dst, .src = src, .n = n});
}

cudaError_t cudaMemsetAsync(void *dst, int value, size_t n, cudaStream_t sh)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaMemsetAsync", sh, CALL_COPY, &s);
    if (e != cudaSuccess) return e;
    return enqueue(s, (op){.kind = OP_SET, .dst = dst, .value = value, .n = n});
}

cudaError_t cudaMemset(void *dst, int value, size_t n)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream("cudaMemset", NULL, CALL_COPY, &s);
    if (e != cudaSuccess) return e;
    return sync_op(s, (op){.kind = OP_SET, .dst = dst, .value = value, .n = n});
}

/* ---- the kernel launchers -------------------------------------------------------------------- */

/* A kernel goes only on a stream of the current device. */
static cudaError_t launch(const char *call, cudaStream_t sh, op o)
{
    fake_stream *s = NULL;
    cudaError_t e = on_stream(call, sh, CALL_WORK, &s);
    if (e != cudaSuccess) return e;
    if (s->dev != current()) return ret(cudaErrorInvalidResourceHandle);
    return enqueue(s, o);
}

int omsig_cuda_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs, void *states,
                             void *digests, void *cuda_stream)
{
    if (n_jobs == 0) return cudaSuccess;
    return launch("omsig_cuda_sha256_launch", (cudaStream_t)cuda_stream,
                  (op){.kind = OP_SHA256, .data = data, .jobs = jobs, .n_jobs = n_jobs,
                       .states = states, .digests = digests});
}

int omsig_cuda_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                             void *scratch, void *out, void *cuda_stream)
{
    (void)scratch; /* sized for the device's stages; the serial form takes its own */
    if (root && base != 0) return ret(cudaErrorInvalidValue);
    return launch("omsig_cuda_blake3_launch", (cudaStream_t)cuda_stream,
                  (op){.kind = OP_BLAKE3, .data = data, .len = len, .base = base, .root = root,
                       .out = out});
}
