/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_cuda.c - a stand-in for the CUDA runtime, for testing the GPU engine's host side
 * (cuda/engine_gpu.c: the feeder, the batches, the digests' way back, the put-back after an
 * error) on a machine without a GPU.  "Device" memory is host memory; the kernel launchers run
 * the code the GPU threads run on the host: omsig_gpu_job_run for SHA-256, and for BLAKE3
 * omsig_blake3_core_input_serial, the kernels' stages one thread at a time.
 *
 * It is deliberately lazy, to catch the engine's ordering mistakes: an asynchronous copy or
 * launch is queued on its stream and runs only when something waits for it (an event
 * synchronised or waited on, a stream synchronised).  A host buffer refilled before its copy
 * has run, or digests read before their kernel has run, then give wrong digests, which the
 * tests see.  Only the calls the engine makes are here.
 */
#include "blake3_core.h"
#include "gpu_job.h"

#include <cuda_runtime_api.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_OPS 4096

typedef enum { OP_COPY, OP_LAUNCH, OP_BLAKE3 } op_kind;

typedef struct op {
    op_kind kind;
    void *dst;
    const void *src;
    size_t n;
    const void *data, *jobs;
    uint32_t n_jobs;
    void *states, *digests;
    uint64_t len, base; /* OP_BLAKE3: the input at data, its first chunk, root, out */
    int root;
    void *out;
} op;

typedef struct fake_stream {
    op ops[MAX_OPS];
    size_t n_ops;   /* queued so far */
    size_t n_done;  /* run so far */
} fake_stream;

typedef struct fake_event {
    fake_stream *s;
    size_t pos;     /* the stream's op count when recorded */
    double when;    /* when the stream got there (0: not yet) */
} fake_event;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static fake_stream *default_stream(void)
{
    static __thread fake_stream *s; /* the tests drive one engine per thread */
    if (!s) s = calloc(1, sizeof *s);
    return s;
}

static fake_stream *stream_of(cudaStream_t s) { return s ? (fake_stream *)s : default_stream(); }

static void run_op(op *o)
{
    if (o->kind == OP_COPY) {
        memcpy(o->dst, o->src, o->n);
        return;
    }
    if (o->kind == OP_BLAKE3) {
        uint32_t *scratch = malloc(omsig_blake3_core_scratch_words(o->len) * sizeof *scratch);
        if (!scratch) abort();
        omsig_blake3_core_input_serial(o->data, o->len, o->base, o->root, scratch, o->out);
        free(scratch);
        return;
    }
    const omsig_gpu_job *jobs = o->jobs;
    for (uint32_t i = 0; i < o->n_jobs; i++)
        omsig_gpu_job_run(o->data, &jobs[i], (uint32_t *)o->states + 8 * (uint64_t)jobs[i].state,
                          (uint8_t *)o->digests + 32 * (uint64_t)i);
}

static void run_until(fake_stream *s, size_t pos)
{
    while (s->n_done < pos) run_op(&s->ops[s->n_done++ % MAX_OPS]);
}

static cudaError_t enqueue(fake_stream *s, op o)
{
    if (s->n_ops - s->n_done >= MAX_OPS) run_until(s, s->n_done + 1);
    s->ops[s->n_ops++ % MAX_OPS] = o;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int *n)
{
    *n = getenv("OMSIG_FAKE_CUDA_NO_DEVICE") ? 0 : 1;
    return cudaSuccess;
}
const char *cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "fake CUDA error"; }
cudaError_t cudaGetDevice(int *d) { return *d = 0, cudaSuccess; }
cudaError_t cudaSetDevice(int d) { return (void)d, cudaSuccess; }

cudaError_t cudaMalloc(void **p, size_t n)
{
    *p = aligned_alloc(256, (n + 255) / 256 * 256);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaMallocHost(void **p, size_t n) { return cudaMalloc(p, n); }
cudaError_t cudaFree(void *p) { return free(p), cudaSuccess; }
cudaError_t cudaFreeHost(void *p) { return free(p), cudaSuccess; }
cudaError_t cudaHostRegister(void *p, size_t n, unsigned int f) { return (void)p, (void)n, (void)f, cudaSuccess; }
cudaError_t cudaHostUnregister(void *p) { return (void)p, cudaSuccess; }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int flags)
{
    (void)flags;
    *s = calloc(1, sizeof(fake_stream));
    return *s ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaStreamDestroy(cudaStream_t s)
{
    run_until(stream_of(s), stream_of(s)->n_ops);
    free(s);
    return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
    run_until(stream_of(s), stream_of(s)->n_ops);
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = calloc(1, sizeof(fake_event));
    return *e ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned int flags) { return (void)flags, cudaEventCreate(e); }
cudaError_t cudaEventDestroy(cudaEvent_t e) { return free(e), cudaSuccess; }
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
    fake_event *ev = (fake_event *)e;
    ev->s = stream_of(s);
    ev->pos = ev->s->n_ops;
    ev->when = ev->s->n_done >= ev->pos ? now() : 0;
    return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
    fake_event *ev = (fake_event *)e;
    if (ev->s) run_until(ev->s, ev->pos);
    if (ev->when == 0) ev->when = now();
    return cudaSuccess;
}
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    *ms = (float)((((fake_event *)b)->when - ((fake_event *)a)->when) * 1e3);
    return cudaSuccess;
}
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned int flags)
{
    (void)s, (void)flags;
    return cudaEventSynchronize(e); /* the waiting stream's later work runs after it */
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind k,
                            cudaStream_t s)
{
    (void)k;
    return enqueue(stream_of(s), (op){.kind = OP_COPY, .dst = dst, .src = src, .n = n});
}
cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, enum cudaMemcpyKind k)
{
    (void)k;
    memcpy(dst, src, n);
    return cudaSuccess;
}

int omsig_cuda_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs, void *states,
                             void *digests, void *cuda_stream)
{
    if (n_jobs == 0) return cudaSuccess;
    return enqueue(stream_of((cudaStream_t)cuda_stream),
                   (op){.kind = OP_LAUNCH, .data = data, .jobs = jobs, .n_jobs = n_jobs,
                        .states = states, .digests = digests});
}

int omsig_cuda_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                             void *scratch, void *out, void *cuda_stream)
{
    (void)scratch; /* sized for the device's stages; the serial form takes its own */
    if (root && base != 0) return cudaErrorInvalidValue;
    return enqueue(stream_of((cudaStream_t)cuda_stream),
                   (op){.kind = OP_BLAKE3, .data = data, .len = len, .base = base, .root = root,
                        .out = out});
}

/* ---- device attributes the engine's set-up asks for (a stand-in device: 132 SMs, an H100's
 * count; no PCI address, so no NUMA node) ---- */
cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
    (void)device;
    *value = attr == cudaDevAttrMultiProcessorCount ? 132 : 0;
    return cudaSuccess;
}
cudaError_t cudaDeviceGetPCIBusId(char *bus, int len, int device)
{
    (void)bus, (void)len, (void)device;
    return cudaErrorNotSupported;
}
