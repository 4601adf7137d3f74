/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_gpu.c - the CUDA engine's host side: it takes the queue's shortest streams, packs them
 * into batches (src/hash/gpu_pack.c), reads each batch's bytes straight into place in a
 * reader's memory (io_uring or pread; registered with cudaHostRegister, so there is no second
 * host copy), copies the batch to the device on its own CUDA stream and hashes it with one
 * kernel launch on the compute stream (sha256_kernel.cu), three batches in flight so reads,
 * copies and kernels overlap.  Each stream's state stays on the device between launches.
 *
 * BLAKE3 is a tree, hashed one input at a time in slabs: engine_gpu_blake3.c.
 *
 * Never a wrong digest: at set-up a known-answer test runs on the device and is compared with
 * the host's code; on any mismatch or CUDA error the engine is not created.  A CUDA error
 * mid-run puts every unfinished stream back on the queue and returns OMSIG_E_CUDA.
 *
 * Every CUDA call goes through OMSIG_CUDA_TRY (cuda_check.h).
 */
#define _GNU_SOURCE
#include "engine_gpu.h"
#include "gpu_pack.h"
#include "hooks.h"

#include "blake3.h"
#include "blake3_core.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- probe ----------------------------------------------------------------------------------- */

/* No device, or no driver at all, is an absence; a driver older than this build's runtime, or
 * a runtime that fails to start, is a GPU present but unusable: the reasons say which, the
 * first with both versions. */
static int gpu_probe(char *why, size_t why_len)
{
    int n = 0, driver = 0, runtime = 0;
    const cudaError_t rc = cudaGetDeviceCount(&n);
    if (rc == cudaErrorInsufficientDriver) {
        if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
            snprintf(why, why_len, "no CUDA driver found");
        } else {
            cudaRuntimeGetVersion(&runtime);
            snprintf(why, why_len,
                     "the CUDA driver is too old: it supports CUDA %d.%d (%d), this build's runtime "
                     "needs CUDA %d.%d (%d) or newer",
                     driver / 1000, driver % 1000 / 10, driver, runtime / 1000,
                     runtime % 1000 / 10, runtime);
        }
        return 0;
    }
    if (rc == cudaErrorNoDevice || (rc == cudaSuccess && n <= 0)) {
        snprintf(why, why_len, "no CUDA device found");
        return 0;
    }
    if (rc != cudaSuccess) {
        snprintf(why, why_len, "the CUDA runtime cannot start: %s", cudaGetErrorString(rc));
        return 0;
    }
    return 1;
}

/* ---- set-up and tear-down -------------------------------------------------------------------- */

static void gpu_destroy(omsig_engine *e)
{
    if (!e) return;
    cudaSetDevice(e->device);
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &e->b[k];
        if (b->copy) cudaStreamSynchronize(b->copy);
        if (b->copied) cudaEventDestroy(b->copied);
        if (b->done) cudaEventDestroy(b->done);
        if (b->copy) cudaStreamDestroy(b->copy);
        cudaFree(b->dev);
        cudaFree(b->dev_digests);
        cudaFreeHost(b->host_digests);
        free(b->finishing);
    }
    if (e->compute) {
        cudaStreamSynchronize(e->compute);
        cudaStreamDestroy(e->compute);
    }
    cudaFree(e->dev_states);
    cudaFree(e->dev_b3_scratch);
    if (e->registered) cudaHostUnregister(e->ring);
    if (e->rd) e->rops->destroy(e->rd);
    free(e->active);
    free(e->free_states);
    free(e->jobs);
    free(e->job_active);
    free(e->req);
    free(e);
}

/* Hashes n streams given as (data, len) on the device through the real packer and kernel,
 * chunk bytes per launch, and writes the digests to out (32 bytes each).  Used by the
 * self-test.  Returns 0 or the CUDA error's code with err filled. */
static int device_hash(omsig_engine *e, const uint8_t *const *data, const uint64_t *len, size_t n,
                       uint64_t chunk, uint8_t *out, omsig_cuda_err *err)
{
    batch *b = &e->b[0];
    omsig_gpu_active *a = e->active;
    for (size_t i = 0; i < n; i++) a[i] = (omsig_gpu_active){.length = len[i], .state = (uint32_t)i};
    const omsig_gpu_batch_cfg cfg = {.chunk = chunk, .data_bytes = e->data_bytes, .max_jobs = MAX_JOBS};
    for (;;) {
        size_t used = 0;
        const size_t nj = omsig_gpu_pack(a, n, &cfg, e->jobs, e->job_active, &used);
        if (nj == 0) break;
        for (size_t j = 0; j < nj; j++)
            memcpy(b->host + e->jobs[j].src, data[e->job_active[j]] + e->jobs[j].done,
                   e->jobs[j].len);
        memcpy(b->host + e->data_bytes, e->jobs, nj * sizeof *e->jobs);
        /* the packed bytes and the jobs, not the whole data area */
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, used, cudaMemcpyHostToDevice, e->compute), err);
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev + e->data_bytes, b->host + e->data_bytes,
                                       nj * sizeof *e->jobs, cudaMemcpyHostToDevice, e->compute),
                       err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + e->data_bytes,
                                                             (uint32_t)nj, e->dev_states,
                                                             b->dev_digests, e->compute),
                       err);
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, nj * 32,
                                       cudaMemcpyDeviceToHost, e->compute), err);
        OMSIG_CUDA_TRY(cudaStreamSynchronize(e->compute), err);
        for (size_t j = 0; j < nj; j++)
            if (e->jobs[j].flags & OMSIG_GPU_LAST)
                memcpy(out + 32 * e->job_active[j], b->host_digests + 32 * j, 32);
    }
cleanup:
    return err->code;
}

/* The known-answer test: lengths around the padding boundaries, 1 MiB, and streams spread
 * over several launches, hashed on the device and compared with OpenSSL. */
static bool self_test(omsig_engine *e, char *why, size_t why_len)
{
    static const uint64_t k_len[] = {0,   1,   55,  56,  63,        64,        65,
                                     119, 120, 127, 128, 1u << 20, 300001,    (3u << 20) + 17};
    enum { N = sizeof k_len / sizeof k_len[0] };
    uint64_t total = 0;
    for (size_t i = 0; i < N; i++) total += k_len[i];
    uint8_t *buf = malloc(total), out[N * 32];
    const uint8_t *data[N];
    if (!buf) {
        snprintf(why, why_len, "out of memory for the self-test");
        return false;
    }
    for (uint64_t i = 0; i < total; i++) buf[i] = (uint8_t)(i * 2654435761u >> 13);
    uint64_t off = 0;
    for (size_t i = 0; i < N; i++) data[i] = buf + off, off += k_len[i];
    omsig_cuda_err err = {0};
    bool ok = true;
    /* 64 KiB per launch: the long streams cross launches with their state kept on the device */
    if (device_hash(e, data, k_len, N, 64u << 10, out, &err) != 0) {
        snprintf(why, why_len, "the GPU self-test failed: %s", err.msg);
        ok = false;
    }
    for (size_t i = 0; i < N && ok; i++) {
        uint8_t want[32];
        unsigned int wl = 0;
        EVP_Digest(data[i], k_len[i], want, &wl, EVP_sha256(), NULL);
        if (memcmp(want, out + 32 * i, 32) != 0) {
            snprintf(why, why_len,
                     "the GPU self-test gave a wrong SHA-256 for %llu bytes: the device is not "
                     "used",
                     (unsigned long long)k_len[i]);
            ok = false;
        }
    }
    free(buf);
    return ok;
}

/* Rates for the auto rule, timed with events: the pinned host-to-device copy, and the kernel
 * on device-resident data with MAX_JOBS streams of one chunk each. */
static void measure(omsig_engine *e)
{
    batch *b = &e->b[0];
    cudaEvent_t t0 = NULL, t1 = NULL;
    omsig_cuda_err err = {0};
    float ms = 0;
    const size_t bytes = e->data_bytes;
    OMSIG_CUDA_TRY(cudaEventCreate(&t0), &err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t1), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t0, e->compute), &err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, bytes, cudaMemcpyHostToDevice, e->compute), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t1, e->compute), &err);
    OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
    OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
    if (ms > 0) e->rates.copy_rate = (double)bytes / (ms / 1e3);

    /* MAX_JOBS streams read from overlapping places of the one buffer: 4 KiB each first,
     * then, where that took under 10 ms (a real device), 64 KiB each */
    for (size_t per = 4u << 10; per <= (64u << 10); per *= 16) {
        const size_t span = bytes - per;
        for (size_t j = 0; j < MAX_JOBS; j++)
            e->jobs[j] = (omsig_gpu_job){.src = j * 4096 % span / 64 * 64, .len = (uint32_t)per,
                                         .state = (uint32_t)j, .flags = OMSIG_GPU_FIRST};
        OMSIG_CUDA_TRY(cudaMemcpy(b->dev + e->data_bytes, e->jobs, MAX_JOBS * sizeof *e->jobs,
                                  cudaMemcpyHostToDevice), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t0, e->compute), &err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + e->data_bytes,
                                                             MAX_JOBS, e->dev_states,
                                                             b->dev_digests, e->compute), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t1, e->compute), &err);
        OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
        OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
        if (ms <= 0) break;
        e->rates.total_rate = (double)(per * MAX_JOBS) / (ms / 1e3);
        e->rates.stream_rate = (double)per / (ms / 1e3);
        e->rates.streams_to_fill = MAX_JOBS;
        if (ms > 10) break;
    }
    /* BLAKE3: one slab-sized input on the device, a thread per chunk */
    OMSIG_CUDA_TRY(cudaEventRecord(t0, e->compute), &err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(b->dev, e->b3_slab, 0, 1,
                                                         e->dev_b3_scratch, b->dev_digests,
                                                         e->compute), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t1, e->compute), &err);
    OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
    OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
    if (ms > 0) e->rates.b3_rate = (double)e->b3_slab / (ms / 1e3);
    /* a batch costs a launch, two copies' set-up and the host's bookkeeping */
    e->rates.launch_seconds = 50e-6;
    e->rates.batch_bytes = (double)e->data_bytes;
    e->rates.stream_seconds = OMSIG_STREAM_HOST_SECONDS; /* the feeder's opens and closes */
    e->rates.workers = 1;
cleanup:
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
}

static omsig_engine *gpu_create(const omsig_hash_cfg *cfg, char *why, size_t why_len)
{
    omsig_engine *e = calloc(1, sizeof *e);
    omsig_cuda_err err = {0};
    if (!e) goto nomem;
    e->cfg = *cfg;
    size_t want = cfg->buffer_size ? cfg->buffer_size : OMSIG_DEFAULT_BUFFER;
    if (want < BATCH_BYTES_MIN) want = BATCH_BYTES_MIN;
    if (want > BATCH_BYTES_MAX) want = BATCH_BYTES_MAX;
    e->data_bytes = want & ~(size_t)4095; /* the jobs that follow stay aligned */
    e->batch_bytes = (want + MAX_JOBS * sizeof(omsig_gpu_job) + 4095) & ~(size_t)4095;
    for (e->b3_slab = OMSIG_BLAKE3_CHUNK_LEN; 2 * e->b3_slab <= e->data_bytes;) e->b3_slab *= 2;
    e->active = calloc(MAX_ACTIVE, sizeof *e->active);
    e->free_states = calloc(MAX_ACTIVE, sizeof *e->free_states);
    e->jobs = calloc(MAX_JOBS, sizeof *e->jobs);
    e->job_active = calloc(MAX_JOBS, sizeof *e->job_active);
    e->req = calloc(MAX_JOBS, sizeof *e->req);
    if (!e->active || !e->free_states || !e->jobs || !e->job_active || !e->req) goto nomem;

    /* the host side of every batch is the reader's own memory, pinned in place */
    const omsig_reader_cfg rc = {.slot_size = e->batch_bytes, .n_slots = N_BATCHES, .lanes = 1,
                                 .queue_depth = 256};
    char rwhy[256];
    if (!(e->rd = omsig_reader_open(cfg->io, &rc, &e->rops, rwhy, sizeof rwhy))) {
        snprintf(why, why_len, "%s", rwhy);
        goto fail;
    }
    e->rops->memory(e->rd, &e->ring, &e->ring_len);
    if (e->ring_len < N_BATCHES * e->batch_bytes) {
        snprintf(why, why_len, "the %s reader has too little memory for GPU batches",
                 e->rops->name);
        goto fail;
    }
    OMSIG_CUDA_TRY(cudaGetDevice(&e->device), &err);
    OMSIG_CUDA_TRY(cudaHostRegister(e->ring, e->ring_len, cudaHostRegisterDefault), &err);
    e->registered = true;
    OMSIG_CUDA_TRY(cudaStreamCreateWithFlags(&e->compute, cudaStreamNonBlocking), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&e->dev_states, (size_t)MAX_ACTIVE * 32), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&e->dev_b3_scratch, omsig_blake3_scratch_bytes(e->b3_slab)),
                   &err);
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &e->b[k];
        b->host = e->ring + (size_t)k * e->batch_bytes;
        if (!(b->finishing = calloc(MAX_JOBS, sizeof *b->finishing))) goto nomem;
        OMSIG_CUDA_TRY(cudaMalloc((void **)&b->dev, e->batch_bytes), &err);
        OMSIG_CUDA_TRY(cudaMalloc((void **)&b->dev_digests, (size_t)MAX_JOBS * 32), &err);
        OMSIG_CUDA_TRY(cudaMallocHost((void **)&b->host_digests, (size_t)MAX_JOBS * 32), &err);
        OMSIG_CUDA_TRY(cudaStreamCreateWithFlags(&b->copy, cudaStreamNonBlocking), &err);
        OMSIG_CUDA_TRY(cudaEventCreateWithFlags(&b->copied, cudaEventDisableTiming), &err);
        OMSIG_CUDA_TRY(cudaEventCreateWithFlags(&b->done, cudaEventDisableTiming), &err);
    }
    if (!self_test(e, why, why_len) || !omsig_gpu_b3_self_test(e, why, why_len)) goto fail;
    return e;
cleanup:
    snprintf(why, why_len, "cannot set up the GPU: %s", err.msg);
    goto fail;
nomem:
    snprintf(why, why_len, "out of memory setting up the GPU engine");
fail:
    gpu_destroy(e);
    return NULL;
}

/* Measured on first use: only the auto rule needs them. */
static void gpu_rates(omsig_engine *e, omsig_engine_rates *out)
{
    if (!e->measured) {
        measure(e);
        e->measured = true;
    }
    *out = e->rates;
}

/* ---- the feeder ------------------------------------------------------------------------------ */

/* Adds streams from the queue's short end while there are free states. */
static void refill(feeder *f)
{
    omsig_engine *e = f->e;
    while (e->n_active < MAX_ACTIVE && e->n_free_states > 0 && !omsig_queue_stopped(f->q)) {
        omsig_stream *s[256];
        size_t want = MAX_ACTIVE - e->n_active;
        if (want > e->n_free_states) want = e->n_free_states;
        if (want > 256) want = 256;
        const size_t n = omsig_queue_take_shortest(f->q, s, want, UINT64_MAX);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++)
            e->active[e->n_active++] = (omsig_gpu_active){
                .length = s[i]->length,
                .state = e->free_states[--e->n_free_states],
                .tag = (uint64_t)(uintptr_t)s[i]};
    }
}

/* Streams whose LAST job is packed leave the active set; their states are free for reuse
 * (launches run in order on one compute stream, so the next owner runs after them). */
static void drop_ended(omsig_engine *e)
{
    size_t k = 0;
    for (size_t i = 0; i < e->n_active; i++) {
        if (e->active[i].flags & OMSIG_GPU_ACTIVE_ENDED)
            e->free_states[e->n_free_states++] = e->active[i].state;
        else
            e->active[k++] = e->active[i];
    }
    e->n_active = k;
}

/* Waits for batch b's kernel and takes its digests. */
static int complete(feeder *f, batch *b)
{
    if (!b->busy) return 0;
    OMSIG_CUDA_TRY(cudaEventSynchronize(b->done), &f->err);
    for (size_t j = 0; j < b->n_jobs; j++)
        if (b->finishing[j]) {
            memcpy(b->finishing[j]->digest, b->host_digests + 32 * j, 32);
            b->finishing[j] = NULL;
        }
    omsig_queue_hashed(f->q, b->bytes);
    b->busy = false;
cleanup:
    return f->err.code;
}

/* Reads every job's bytes into place, a wave of descriptors at a time.  A stream's file is
 * opened (and checked to be the file listed) for each of its jobs, and checked unchanged
 * after its last one.  -1 when a file failed (reported through the queue). */
static int read_batch(feeder *f, batch *b, size_t nj)
{
    omsig_engine *e = f->e;
    for (size_t w0 = 0; w0 < nj; w0 += (size_t)e->fd_budget) {
        const size_t w1 = nj - w0 < (size_t)e->fd_budget ? nj : w0 + (size_t)e->fd_budget;
        size_t opened = w0;
        int rc = 0;
        for (; opened < w1; opened++) {
            const omsig_gpu_job *j = &e->jobs[opened];
            const omsig_stream *s = (const omsig_stream *)(uintptr_t)e->active[e->job_active[opened]].tag;
            int inject = 0;
            const int fd = omsig_queue_open(f->q, s, &inject);
            if (fd < 0) {
                rc = -1;
                break;
            }
            e->req[opened] = (omsig_read_req){.fd = fd, .off = s->offset + j->done,
                                              .len = j->len, .dst = b->host + j->src,
                                              .inject = inject};
        }
        if (rc == 0 && e->rops->read_batch(e->rd, e->req + w0, w1 - w0) < 0) {
            omsig_queue_fail(f->q, OMSIG_E_IO, "the %s reader failed", e->rops->name);
            rc = -1;
        }
        for (size_t k = w0; k < opened; k++) {
            const omsig_stream *s = (const omsig_stream *)(uintptr_t)e->active[e->job_active[k]].tag;
            if (rc == 0 && e->req[k].res < 0) {
                omsig_queue_fail_read(f->q, s->file, -e->req[k].res);
                rc = -1;
            }
            if (rc == 0 && (e->jobs[k].flags & OMSIG_GPU_LAST) &&
                omsig_queue_check_unchanged(f->q, s, e->req[k].fd) != OMSIG_OK)
                rc = -1;
            close(e->req[k].fd);
        }
        if (rc < 0) return -1;
    }
    return 0;
}

/* Copies batch b to the device and launches its kernel after the copy, on the compute
 * stream; the slot is free for the next read once its copy's event has fired. */
static int launch(feeder *f, batch *b, size_t nj, size_t used)
{
    omsig_engine *e = f->e;
    memcpy(b->host + e->data_bytes, e->jobs, nj * sizeof *e->jobs);
    if (f->e->fault_batch >= 0 && f->batches == f->e->fault_batch) /* test hook */
        OMSIG_CUDA_TRY(cudaErrorLaunchFailure, &f->err);
    /* the device buffer is free once the kernel that read it last is done */
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(b->copy, b->done, 0), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, used, cudaMemcpyHostToDevice, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev + e->data_bytes, b->host + e->data_bytes,
                                   nj * sizeof *e->jobs, cudaMemcpyHostToDevice, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->copied, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(e->compute, b->copied, 0), &f->err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + e->data_bytes,
                                                         (uint32_t)nj, e->dev_states,
                                                         b->dev_digests, e->compute), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, nj * 32,
                                   cudaMemcpyDeviceToHost, e->compute), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->done, e->compute), &f->err);
    b->busy = true;
    b->n_jobs = nj;
    f->batches++;
cleanup:
    return f->err.code;
}

/* One batch: pack, read into the slot once its last copy has fired, take the digests of the
 * slot's previous kernel, launch.  1 when there was nothing to pack, 0 after a launch, -1 on
 * a file failure (reported through the queue), 2 on a CUDA error. */
static int one_batch(feeder *f)
{
    omsig_engine *e = f->e;
    batch *b = &e->b[f->next];
    size_t used = 0;
    const size_t nj = omsig_gpu_pack(e->active, e->n_active, &f->cfg, e->jobs, e->job_active, &used);
    if (nj == 0) return 1;
    /* the slot is the reader's again once the copy out of it has fired */
    OMSIG_CUDA_TRY(cudaEventSynchronize(b->copied), &f->err);
    if (read_batch(f, b, nj) != 0) return -1;
    if (complete(f, b) != 0) return 2;
    b->bytes = 0;
    for (size_t j = 0; j < nj; j++) {
        const omsig_gpu_active *a = &e->active[e->job_active[j]];
        b->finishing[j] = e->jobs[j].flags & OMSIG_GPU_LAST ? (omsig_stream *)(uintptr_t)a->tag : NULL;
        b->bytes += e->jobs[j].len;
    }
    if (launch(f, b, nj, used) != 0) return 2;
    drop_ended(e);
    f->next = (f->next + 1) % N_BATCHES;
    omsig_queue_tick(f->q);
    return 0;
cleanup:
    return 2;
}

/* Puts back every stream not finished: those still active and those whose last job was in
 * a batch whose digests never came back. */
static void put_back_unfinished(feeder *f)
{
    omsig_engine *e = f->e;
    for (size_t i = 0; i < e->n_active; i++) {
        omsig_stream *s = (omsig_stream *)(uintptr_t)e->active[i].tag;
        if (!(e->active[i].flags & OMSIG_GPU_ACTIVE_ENDED)) omsig_queue_put_back(f->q, &s, 1);
    }
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &e->b[k];
        for (size_t j = 0; j < MAX_JOBS; j++)
            if (b->finishing[j]) {
                omsig_queue_put_back(f->q, &b->finishing[j], 1);
                b->finishing[j] = NULL;
            }
        b->busy = false;
    }
    e->n_active = 0;
}

/* Bytes per job for long streams: enough jobs per launch to fill the device, enough bytes per
 * job to pay for a launch. */
static uint64_t choose_chunk(const omsig_engine *e)
{
    uint64_t c = e->data_bytes / (MAX_JOBS / 2);
    if (c < CHUNK_MIN) c = CHUNK_MIN;
    if (c > CHUNK_MAX) c = CHUNK_MAX;
    return c / 64 * 64;
}

static omsig_status gpu_run(omsig_engine *e, omsig_queue *q, char *why, size_t why_len)
{
    feeder f = {.e = e, .q = q};
    omsig_queue_note_reader(q, e->rops->name);
    f.cfg = (omsig_gpu_batch_cfg){.chunk = choose_chunk(e), .data_bytes = e->data_bytes,
                                  .max_jobs = MAX_JOBS};
    const char *fault = omsig_hook("OMSIG_FAULT_CUDA");
    e->fault_batch = fault ? atol(fault) : -1;
    struct rlimit rl;
    long fds = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) fds = (long)rl.rlim_cur;
    /* CPU workers in a hybrid run hold descriptors too: take a quarter */
    e->fd_budget = fds > 128 ? (fds - 64) / 4 : 16;
    if (e->fd_budget > (long)MAX_JOBS) e->fd_budget = MAX_JOBS;
    e->n_active = 0;
    e->n_free_states = 0;
    for (uint32_t i = 0; i < MAX_ACTIVE; i++) e->free_states[e->n_free_states++] = MAX_ACTIVE - 1 - i;
    for (unsigned k = 0; k < N_BATCHES; k++) e->b[k].busy = false;
    /* a plan holds one hash: BLAKE3's is a tree, hashed one input at a time */
    if (q->plan->n_streams && q->plan->streams[0].hash == OMSIG_HASH_BLAKE3)
        return omsig_gpu_b3_run(&f, why, why_len);
    int rc = cudaSetDevice(e->device) == cudaSuccess ? 0 : 2;
    while (rc == 0 && !omsig_queue_stopped(q)) {
        refill(&f);
        rc = one_batch(&f);
        if (rc == 1) { /* nothing to pack: everything taken is in flight or done */
            rc = 0;
            if (e->n_active == 0 && omsig_queue_left(q) == 0) break;
        }
    }
    for (unsigned k = 0; k < N_BATCHES && rc == 0; k++)
        if (complete(&f, &e->b[(f.next + k) % N_BATCHES]) != 0) rc = 2;
    if (rc == 0 || rc == -1) {
        /* done, or a file failed (already the run's verdict): let the device settle */
        cudaStreamSynchronize(e->compute);
        for (unsigned k = 0; k < N_BATCHES; k++) {
            cudaStreamSynchronize(e->b[k].copy);
            memset(e->b[k].finishing, 0, MAX_JOBS * sizeof *e->b[k].finishing);
        }
        return rc == 0 ? OMSIG_OK : q->rep->status;
    }
    snprintf(why, why_len, "%s", f.err.code ? f.err.msg : "a CUDA error");
    cudaStreamSynchronize(e->compute);
    put_back_unfinished(&f);
    return OMSIG_E_CUDA;
}

const omsig_engine_ops omsig_engine_gpu = {
    .name = "gpu",
    .probe = gpu_probe,
    .create = gpu_create,
    .run = gpu_run,
    .rates = gpu_rates,
    .destroy = gpu_destroy,
};
