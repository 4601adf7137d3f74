/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_gpu.c - the CUDA engine's host side.  One engine holds every device it is given
 * (--gpus; the runtime already applies CUDA_VISIBLE_DEVICES), and each device several reader
 * groups: a host thread each, all taking streams from the one queue.  A group takes the
 * queue's shortest streams, packs them into batches (src/hash/gpu_pack.c), reads each batch's
 * bytes straight into place in its reader's memory (io_uring or pread; registered with
 * cudaHostRegister, so there is no second host copy; allocated on the device's NUMA node
 * where the system says which), copies the batch to the device on its own CUDA stream and
 * hashes it with one kernel launch on its compute stream (sha256_kernel.cu), three batches in
 * flight so reads, copies and kernels overlap.  Each stream's state stays on the device
 * between launches.  A file that fits one job is read whole in one request; a longer one is
 * opened once and read in aligned jobs of at least CHUNK_IO_MIN, its descriptor held until
 * its last job is read (within the descriptor budget).  Waits block (events made with
 * cudaEventBlockingSync): a waiting group leaves its core to the CPU engine's workers.
 *
 * BLAKE3 is a tree, hashed one input at a time per group in slabs: engine_gpu_blake3.c.
 *
 * Never a wrong digest: at set-up a known-answer test runs on the device and is compared with
 * the host's code, on every device; a device that fails it (or its set-up) is not used, with its
 * reason.  A CUDA error mid-run drops that device out (its reason kept for the report) and puts
 * its unfinished streams back on the queue: the other devices, or the CPU, finish them.
 *
 * Every CUDA call goes through OMSIG_CUDA_TRY (cuda_check.h).
 */
#define _GNU_SOURCE
#include "engine_gpu.h"
#include "gpu_driver.h"
#include "gpu_pack.h"
#include "hooks.h"
#include "report.h"

#include "blake3.h"
#include "blake3_core.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- probe ----------------------------------------------------------------------------------- */

/* No device, or no driver at all, is an absence; a driver older than this build's runtime, or
 * a runtime that fails to start, is a GPU present but unusable: the reasons say which, the
 * first with both versions. */
static int gpu_probe(char *why, size_t why_len)
{
    int n = 0;
    /* no driver, or one too old for this build's runtime: said with both versions */
    if (omsig_gpu_driver_check(why, why_len) != OMSIG_GPU_DRIVER_OK) return 0;
    const cudaError_t rc = cudaGetDeviceCount(&n);
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

/* ---- devices: NUMA node, set-up and tear-down ------------------------------------------------ */

/* The NUMA node of a device's PCI function, from /sys; -1 when the system does not say. */
static int numa_node_of(int device)
{
    char bus[32], path[96];
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) return -1;
    for (char *c = bus; *c; c++) *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/numa_node", bus);
    FILE *f = fopen(path, "re");
    int node = -1;
    if (f) {
        if (fscanf(f, "%d", &node) != 1) node = -1;
        fclose(f);
    }
    return node;
}

/* Runs the calling thread on the CPUs of NUMA node `node` (from /sys), so that memory it
 * touches first lands there; *old gets the mask to restore.  false where the node or its CPUs
 * are unknown (the thread is then left as it was). */
static bool run_on_node(int node, cpu_set_t *old)
{
    char path[96], list[4096];
    if (node < 0) return false;
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
    FILE *f = fopen(path, "re");
    if (!f) return false;
    const bool got = fgets(list, sizeof list, f) != NULL;
    fclose(f);
    if (!got) return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (char *p = list; *p && *p != '\n';) {
        char *end;
        const long a = strtol(p, &end, 10);
        long b = a;
        if (end == p) return false;
        if (*end == '-') b = strtol(end + 1, &end, 10);
        for (long c = a; c <= b && c < CPU_SETSIZE; c++) CPU_SET((int)c, &set);
        p = *end == ',' ? end + 1 : end;
    }
    if (CPU_COUNT(&set) == 0 || pthread_getaffinity_np(pthread_self(), sizeof *old, old) != 0)
        return false;
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

static void group_destroy(gpu_group *g)
{
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &g->b[k];
        if (b->copy) cudaStreamSynchronize(b->copy);
        if (b->copied) cudaEventDestroy(b->copied);
        if (b->done) cudaEventDestroy(b->done);
        if (b->copy) cudaStreamDestroy(b->copy);
        cudaFree(b->dev);
        cudaFree(b->dev_digests);
        cudaFreeHost(b->host_digests);
        free(b->finishing);
    }
    if (g->compute) {
        cudaStreamSynchronize(g->compute);
        cudaStreamDestroy(g->compute);
    }
    cudaFree(g->dev_states);
    cudaFree(g->dev_b3_scratch);
    if (g->registered) cudaHostUnregister(g->ring);
    if (g->rd) g->rops->destroy(g->rd);
    free(g->active);
    free(g->active_fd);
    free(g->active_dfd);
    free(g->free_states);
    free(g->jobs);
    free(g->job_active);
    free(g->req);
    memset(g, 0, sizeof *g);
}

static void gpu_destroy(omsig_engine *e)
{
    if (!e) return;
    for (unsigned d = 0; d < e->n_dev; d++) {
        gpu_dev *dv = &e->dev[d];
        if (dv->n_groups) cudaSetDevice(dv->device);
        for (unsigned k = 0; k < dv->n_groups; k++) group_destroy(&dv->g[k]);
        pthread_mutex_destroy(&dv->mu);
    }
    free(e->dev);
    free(e);
}

/* Hashes n streams given as (data, len) on the device through the real packer and kernel,
 * chunk bytes per launch, and writes the digests to out (32 bytes each).  Used by the
 * self-test.  Returns 0 or the CUDA error's code with err filled. */
static int device_hash(gpu_group *g, const uint8_t *const *data, const uint64_t *len, size_t n,
                       uint64_t chunk, uint8_t *out, omsig_cuda_err *err)
{
    batch *b = &g->b[0];
    omsig_gpu_active *a = g->active;
    for (size_t i = 0; i < n; i++) a[i] = (omsig_gpu_active){.length = len[i], .state = (uint32_t)i};
    const omsig_gpu_batch_cfg cfg = {.chunk = chunk, .data_bytes = g->data_bytes, .max_jobs = MAX_JOBS};
    for (;;) {
        size_t used = 0;
        const size_t nj = omsig_gpu_pack(a, n, &cfg, g->jobs, g->job_active, &used);
        if (nj == 0) break;
        for (size_t j = 0; j < nj; j++)
            memcpy(b->host + g->jobs[j].src, data[g->job_active[j]] + g->jobs[j].done,
                   g->jobs[j].len);
        memcpy(b->host + g->data_bytes, g->jobs, nj * sizeof *g->jobs);
        /* the packed bytes and the jobs, not the whole data area */
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, used, cudaMemcpyHostToDevice, g->compute), err);
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev + g->data_bytes, b->host + g->data_bytes,
                                       nj * sizeof *g->jobs, cudaMemcpyHostToDevice, g->compute),
                       err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + g->data_bytes,
                                                             (uint32_t)nj, g->dev_states,
                                                             b->dev_digests, g->compute),
                       err);
        OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, nj * 32,
                                       cudaMemcpyDeviceToHost, g->compute), err);
        OMSIG_CUDA_TRY(cudaStreamSynchronize(g->compute), err);
        for (size_t j = 0; j < nj; j++)
            if (g->jobs[j].flags & OMSIG_GPU_LAST)
                memcpy(out + 32 * g->job_active[j], b->host_digests + 32 * j, 32);
    }
cleanup:
    return err->code;
}

/* The known-answer test: lengths around the padding boundaries, 1 MiB, and streams spread
 * over several launches, hashed on the device and compared with OpenSSL. */
static bool self_test(gpu_group *g, char *why, size_t why_len)
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
    if (device_hash(g, data, k_len, N, 64u << 10, out, &err) != 0) {
        snprintf(why, why_len, "the GPU self-test failed: %.200s", err.msg);
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

/* Rates of one device for the auto rule, timed with events: the pinned host-to-device copy,
 * the kernel on device-resident data with MAX_JOBS streams of one chunk each, and one stream
 * alone (a GPU thread's rate). */
static void measure_device(gpu_group *g, omsig_engine_rates *r)
{
    batch *b = &g->b[0];
    cudaEvent_t t0 = NULL, t1 = NULL;
    omsig_cuda_err err = {0};
    float ms = 0;
    const size_t bytes = g->data_bytes;
    OMSIG_CUDA_TRY(cudaEventCreate(&t0), &err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t1), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t0, g->compute), &err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, bytes, cudaMemcpyHostToDevice, g->compute), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t1, g->compute), &err);
    OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
    OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
    if (ms > 0) r->copy_rate = (double)bytes / (ms / 1e3);

    /* MAX_JOBS streams read from overlapping places of the one buffer: 4 KiB each first,
     * then, where that took under 10 ms (a real device), 64 KiB each */
    for (size_t per = 4u << 10; per <= (64u << 10); per *= 16) {
        const size_t span = bytes - per;
        for (size_t j = 0; j < MAX_JOBS; j++)
            g->jobs[j] = (omsig_gpu_job){.src = j * 4096 % span / 64 * 64, .len = (uint32_t)per,
                                         .state = (uint32_t)j, .flags = OMSIG_GPU_FIRST};
        OMSIG_CUDA_TRY(cudaMemcpy(b->dev + g->data_bytes, g->jobs, MAX_JOBS * sizeof *g->jobs,
                                  cudaMemcpyHostToDevice), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t0, g->compute), &err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + g->data_bytes,
                                                             MAX_JOBS, g->dev_states,
                                                             b->dev_digests, g->compute), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t1, g->compute), &err);
        OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
        OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
        if (ms <= 0) break;
        r->total_rate = (double)(per * MAX_JOBS) / (ms / 1e3);
        r->streams_to_fill = MAX_JOBS;
        if (ms > 10) break;
    }
    /* one stream alone: a GPU thread's dependent chain (about 50 MB/s; 256 KiB, a few ms) */
    {
        const size_t one = bytes < CHUNK_IO_MIN ? bytes / 64 * 64 : CHUNK_IO_MIN;
        g->jobs[0] = (omsig_gpu_job){.src = 0, .len = (uint32_t)one, .state = 0,
                                     .flags = OMSIG_GPU_FIRST};
        OMSIG_CUDA_TRY(cudaMemcpy(b->dev + g->data_bytes, g->jobs, sizeof *g->jobs,
                                  cudaMemcpyHostToDevice), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t0, g->compute), &err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + g->data_bytes, 1,
                                                             g->dev_states, b->dev_digests,
                                                             g->compute), &err);
        OMSIG_CUDA_TRY(cudaEventRecord(t1, g->compute), &err);
        OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
        OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
        if (ms > 0) r->stream_rate = (double)one / (ms / 1e3);
    }
    /* BLAKE3: one slab-sized input on the device, a thread per chunk */
    OMSIG_CUDA_TRY(cudaEventRecord(t0, g->compute), &err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(b->dev, g->b3_slab, 0, 1,
                                                         g->dev_b3_scratch, b->dev_digests,
                                                         g->compute), &err);
    OMSIG_CUDA_TRY(cudaEventRecord(t1, g->compute), &err);
    OMSIG_CUDA_TRY(cudaEventSynchronize(t1), &err);
    OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), &err);
    if (ms > 0) r->b3_rate = (double)g->b3_slab / (ms / 1e3);
cleanup:
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
}

/* Bytes/s one feeder thread moves into its pinned memory from memory the kernel could serve
 * from the page cache: the best of three copies of 16 MiB (a few milliseconds).  A read from
 * the page cache is this copy plus the system call, so the rate is an upper bound of a
 * group's hot read rate; 0 when it cannot be measured. */
static double feed_rate(gpu_group *g)
{
    const size_t n = 16u << 20 < g->data_bytes ? 16u << 20 : g->data_bytes;
    uint8_t *src = malloc(n);
    double best = 0;
    if (!src) return 0;
    memset(src, 0x3c, n);
    for (int r = 0; r < 3; r++) {
        const double t0 = omsig_now();
        memcpy(g->b[1].host, src, n);
        const double dt = omsig_now() - t0;
        if (dt > 0 && (double)n / dt > best) best = (double)n / dt;
    }
    free(src);
    return best;
}

/* Every usable device's rates, added up: the kernel's, the copy's, BLAKE3's; one GPU thread's
 * rate as the stream rate; one feeder thread's copy rate, and the reader groups of every
 * device as the workers that share the feeder's work (the auto rule's model, engine_select.c). */
static void measure(omsig_engine *e)
{
    omsig_engine_rates sum = {0};
    unsigned groups = 0;
    for (unsigned d = 0; d < e->n_dev; d++) {
        gpu_dev *dv = &e->dev[d];
        if (dv->n_groups == 0 || atomic_load(&dv->failed)) continue;
        omsig_engine_rates r = {0};
        if (cudaSetDevice(dv->device) != cudaSuccess) continue;
        measure_device(&dv->g[0], &r);
        if (sum.devices == 0) {
            sum.stream_rate = r.stream_rate;
            sum.feed_rate = feed_rate(&dv->g[0]);
        }
        sum.total_rate += r.total_rate;
        sum.copy_rate += r.copy_rate;
        sum.b3_rate += r.b3_rate;
        sum.streams_to_fill += r.streams_to_fill;
        sum.devices++;
        groups += dv->n_groups;
    }
    /* a batch costs a launch, two copies' set-up and the host's bookkeeping */
    sum.launch_seconds = 50e-6;
    sum.batch_bytes = e->n_dev ? (double)e->dev[0].g[0].data_bytes : 0;
    sum.stream_seconds = OMSIG_STREAM_HOST_SECONDS; /* a group's open, stats and close */
    sum.job_bytes = CHUNK_IO_MIN;
    sum.workers = groups ? groups : 1;
    e->rates = sum;
}

/* Reader groups per device: OMSIG_GPU_GROUPS (a test hook) or half the cores each device
 * would get, at least four, at most MAX_GROUPS.  A group reads its batch in one wave and then
 * waits on its device, so cold files need several groups to keep requests in flight: on the
 * 2-core development VM, 20,000 cold files of 1 MiB read at 0.63x two cats with two groups and
 * 1.29x with four, while hot ones stay above 0.9x (bench/README-gpu.md). */
static unsigned groups_per_device(const omsig_hash_cfg *cfg, unsigned n_dev)
{
    const char *force = omsig_hook("OMSIG_GPU_GROUPS");
    if (force && atoi(force) >= 1 && atoi(force) <= (int)MAX_GROUPS) return (unsigned)atoi(force);
    long cores = cfg->threads ? (long)cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    long n = cores / (long)(n_dev ? n_dev : 1) / 2;
    if (n < 4) n = 4;
    if (n > (long)MAX_GROUPS) n = MAX_GROUPS;
    return (unsigned)n;
}

/* Sets up one reader group of a device (the device is current): its reader's memory pinned,
 * its device buffers, streams and events.  0, or -1 with the reason in why. */
static int group_create(gpu_group *g, const omsig_hash_cfg *cfg, size_t data_bytes, char *why,
                        size_t why_len)
{
    omsig_cuda_err err = {0};
    g->data_bytes = data_bytes;
    g->batch_bytes = (data_bytes + MAX_JOBS * sizeof(omsig_gpu_job) + 4095) & ~(size_t)4095;
    for (g->b3_slab = OMSIG_BLAKE3_CHUNK_LEN; 2 * g->b3_slab <= g->data_bytes;) g->b3_slab *= 2;
    g->active = calloc(MAX_ACTIVE, sizeof *g->active);
    g->active_fd = calloc(MAX_ACTIVE, sizeof *g->active_fd);
    g->active_dfd = calloc(MAX_ACTIVE, sizeof *g->active_dfd);
    g->free_states = calloc(MAX_ACTIVE, sizeof *g->free_states);
    g->jobs = calloc(MAX_JOBS, sizeof *g->jobs);
    g->job_active = calloc(MAX_JOBS, sizeof *g->job_active);
    g->req = calloc(MAX_JOBS, sizeof *g->req);
    if (!g->active || !g->active_fd || !g->active_dfd || !g->free_states || !g->jobs || !g->job_active || !g->req) {
        snprintf(why, why_len, "out of memory setting up the GPU engine");
        return -1;
    }
    /* the host side of every batch is the reader's own memory, pinned in place */
    const omsig_reader_cfg rc = {.slot_size = g->batch_bytes, .n_slots = N_BATCHES, .lanes = 1,
                                 .queue_depth = 256};
    char rwhy[256];
    if (!(g->rd = omsig_reader_open(cfg->io, &rc, &g->rops, rwhy, sizeof rwhy))) {
        snprintf(why, why_len, "%s", rwhy);
        return -1;
    }
    g->rops->memory(g->rd, &g->ring, &g->ring_len);
    if (g->ring_len < N_BATCHES * g->batch_bytes) {
        snprintf(why, why_len, "the %s reader has too little memory for GPU batches",
                 g->rops->name);
        return -1;
    }
    /* pinning faults the pages in from this thread: on its node */
    OMSIG_CUDA_TRY(cudaHostRegister(g->ring, g->ring_len, cudaHostRegisterDefault), &err);
    g->registered = true;
    OMSIG_CUDA_TRY(cudaStreamCreateWithFlags(&g->compute, cudaStreamNonBlocking), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&g->dev_states, (size_t)MAX_ACTIVE * 32), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&g->dev_b3_scratch, omsig_blake3_scratch_bytes(g->b3_slab)),
                   &err);
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &g->b[k];
        b->host = g->ring + (size_t)k * g->batch_bytes;
        if (!(b->finishing = calloc(MAX_JOBS, sizeof *b->finishing))) {
            snprintf(why, why_len, "out of memory setting up the GPU engine");
            return -1;
        }
        OMSIG_CUDA_TRY(cudaMalloc((void **)&b->dev, g->batch_bytes), &err);
        OMSIG_CUDA_TRY(cudaMalloc((void **)&b->dev_digests, (size_t)MAX_JOBS * 32), &err);
        OMSIG_CUDA_TRY(cudaMallocHost((void **)&b->host_digests, (size_t)MAX_JOBS * 32), &err);
        OMSIG_CUDA_TRY(cudaStreamCreateWithFlags(&b->copy, cudaStreamNonBlocking), &err);
        /* waits on these block instead of spinning: the core stays free for hashing */
        OMSIG_CUDA_TRY(cudaEventCreateWithFlags(&b->copied, cudaEventDisableTiming | cudaEventBlockingSync), &err);
        OMSIG_CUDA_TRY(cudaEventCreateWithFlags(&b->done, cudaEventDisableTiming | cudaEventBlockingSync), &err);
    }
    return 0;
cleanup:
    snprintf(why, why_len, "cannot set up the GPU: %.200s", err.msg);
    return -1;
}

/* Sets up device dv: its groups on its NUMA node, then the known-answer tests on it.  false
 * with the reason in dv->why (the device is then not used). */
static bool device_create(omsig_engine *e, gpu_dev *dv, unsigned groups, size_t data_bytes)
{
    omsig_cuda_err err = {0};
    OMSIG_CUDA_TRY(cudaSetDevice(dv->device), &err);
    OMSIG_CUDA_TRY(cudaDeviceGetAttribute(&dv->sms, cudaDevAttrMultiProcessorCount, dv->device), &err);
    dv->numa_node = numa_node_of(dv->device);
    cpu_set_t old;
    const bool moved = run_on_node(dv->numa_node, &old);
    bool ok = true;
    for (unsigned k = 0; k < groups && ok; k++) {
        dv->g[k].dev = dv;
        dv->n_groups = k + 1;
        ok = group_create(&dv->g[k], &e->cfg, data_bytes, dv->why, sizeof dv->why) == 0;
    }
    if (moved) pthread_setaffinity_np(pthread_self(), sizeof old, &old);
    /* test hook OMSIG_GPU_SKIP_SELF_TEST: the feeder's bench, on a stand-in device that
     * swallows its input (OMSIG_FAKE_CUDA_DISCARD), whose digests mean nothing */
    if (ok && !omsig_hook("OMSIG_GPU_SKIP_SELF_TEST"))
        ok = self_test(&dv->g[0], dv->why, sizeof dv->why) &&
             omsig_gpu_b3_self_test(&dv->g[0], dv->why, sizeof dv->why);
    return ok;
cleanup:
    snprintf(dv->why, sizeof dv->why, "cannot set up the GPU: %.200s", err.msg);
    return false;
}

/* Appends device dv's reason to why at off ("GPU 1: ..." when the engine has several devices,
 * joined by "; "); returns the new length. */
static size_t append_reason(char *why, size_t why_len, size_t off, unsigned n_dev, const gpu_dev *dv)
{
    if (off >= why_len) return off;
    if (n_dev == 1) return off + (size_t)snprintf(why + off, why_len - off, "%s", dv->why);
    return off + (size_t)snprintf(why + off, why_len - off, "%sGPU %d: %s", off ? "; " : "",
                                  dv->device, dv->why);
}

/* The devices cfg asks for, as runtime ordinals; 0 with the reason in why when it names a
 * device that is not there. */
static unsigned chosen_devices(const omsig_hash_cfg *cfg, int visible, int *out, char *why,
                               size_t why_len)
{
    unsigned n = 0;
    if (cfg->gpus) {
        for (size_t i = 0; i < cfg->n_gpus && n < MAX_DEVICES; i++) {
            if (cfg->gpus[i] < 0 || cfg->gpus[i] >= visible) {
                snprintf(why, why_len, "there is no GPU %d: %d visible (0 to %d)", cfg->gpus[i],
                         visible, visible - 1);
                return 0;
            }
            out[n++] = cfg->gpus[i];
        }
        return n;
    }
    const size_t want = cfg->n_gpus && cfg->n_gpus < (size_t)visible ? cfg->n_gpus : (size_t)visible;
    for (; n < want && n < MAX_DEVICES; n++) out[n] = (int)n;
    return n;
}

static omsig_engine *gpu_create(const omsig_hash_cfg *cfg, char *why, size_t why_len)
{
    omsig_engine *e = calloc(1, sizeof *e);
    int visible = 0, ids[MAX_DEVICES];
    if (!e || !(e->dev = calloc(MAX_DEVICES, sizeof *e->dev))) {
        free(e);
        snprintf(why, why_len, "out of memory setting up the GPU engine");
        return NULL;
    }
    e->cfg = *cfg;
    e->cfg.gpus = NULL; /* borrowed: the devices are chosen here, once */
    if (cudaGetDeviceCount(&visible) != cudaSuccess || visible <= 0) {
        snprintf(why, why_len, "no CUDA device found");
        goto fail;
    }
    const unsigned n = chosen_devices(cfg, visible, ids, why, why_len);
    if (n == 0) goto fail;
    const unsigned groups = groups_per_device(cfg, n);
    size_t want = (cfg->buffer_size ? cfg->buffer_size : OMSIG_DEFAULT_BUFFER) / (groups * N_BATCHES);
    if (want < BATCH_BYTES_MIN) want = BATCH_BYTES_MIN;
    if (want > BATCH_BYTES_MAX) want = BATCH_BYTES_MAX;
    unsigned usable = 0;
    size_t off = 0;
    for (unsigned d = 0; d < n; d++) {
        gpu_dev *dv = &e->dev[d];
        dv->device = ids[d];
        pthread_mutex_init(&dv->mu, NULL);
        e->n_dev = d + 1;
        if (device_create(e, dv, groups, want & ~(size_t)4095)) {
            usable++;
            continue;
        }
        /* not used: its groups go, its reason stays for the report */
        for (unsigned k = 0; k < dv->n_groups; k++) group_destroy(&dv->g[k]);
        dv->n_groups = 0;
        atomic_store(&dv->failed, true);
        off = append_reason(why, why_len, off, n, dv);
    }
    if (usable == 0) goto fail;
    why[0] = '\0';
    return e;
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

/* ---- the feeder: one per reader group -------------------------------------------------------- */

void omsig_gpu_dev_fail(feeder *f, const char *why)
{
    gpu_dev *dv = f->g->dev;
    pthread_mutex_lock(&dv->mu);
    if (!atomic_load(&dv->failed)) snprintf(dv->why, sizeof dv->why, "%s", why);
    atomic_store(&dv->failed, true);
    pthread_mutex_unlock(&dv->mu);
}

int omsig_gpu_batch_check(feeder *f)
{
    gpu_dev *dv = f->g->dev;
    const long n = atomic_fetch_add(&dv->batches, 1);
    if (atomic_load(&dv->failed))
        OMSIG_CUDA_TRY(cudaErrorLaunchFailure, &f->err); /* another group's sticky error */
    if (f->e->fault_batch >= 0 && n == f->e->fault_batch && /* test hook */
        (f->e->fault_device < 0 || f->e->fault_device == dv->device))
        OMSIG_CUDA_TRY(cudaErrorLaunchFailure, &f->err);
cleanup:
    return f->err.code;
}

/* Bytes of stream a that the group's batches in flight can take: all of a short one, at most a
 * job of CHUNK_IO_MIN per batch of a long one. */
static uint64_t in_flight_share(const omsig_gpu_active *a)
{
    const uint64_t rest = a->length - a->done, most = (uint64_t)N_BATCHES * CHUNK_IO_MIN;
    return rest < most ? rest : most;
}

/* Adds streams from the queue's short end while there are free states and the group holds
 * less than its batches can take (so that the other groups and devices get streams): long
 * streams count for the jobs they can have in the batches in flight, so that a group holds
 * enough of them to give every batch a job per CHUNK_IO_MIN of its data area.  A stream that
 * may take several jobs is opened now and keeps its descriptor until its last job is read,
 * within the group's budget; a shorter one is opened when its batch is read.  -1 when a file
 * failed (reported through the queue). */
static int refill(feeder *f)
{
    gpu_group *g = f->g;
    uint64_t pending = 0;
    for (size_t i = 0; i < g->n_active; i++) pending += in_flight_share(&g->active[i]);
    const uint64_t limit = (uint64_t)N_BATCHES * g->data_bytes;
    while (g->n_active < MAX_ACTIVE && g->n_free_states > 0 && !omsig_queue_stopped(f->q) &&
           pending < limit) {
        omsig_stream *s[256];
        size_t want = MAX_ACTIVE - g->n_active;
        if (want > g->n_free_states) want = g->n_free_states;
        if (want > 256) want = 256;
        /* by whole lengths, at least one stream: the take never overshoots by much */
        const size_t n = omsig_queue_take_shortest(f->q, s, want, limit - pending);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            int fd = -1;
            if (s[i]->length > CHUNK_IO_MIN) { /* may take several jobs */
                if (g->held_fds >= g->fd_budget) { /* no descriptor left: later */
                    omsig_queue_put_back(f->q, s + i, n - i);
                    return 0;
                }
                int inject = 0;
                if ((fd = omsig_queue_open(f->q, s[i], &inject)) < 0) {
                    omsig_queue_put_back(f->q, s + i + 1, n - i - 1);
                    return -1;
                }
                g->held_fds++;
            }
            g->active_fd[g->n_active] = fd;
            /* cold and long: its aligned jobs are read with O_DIRECT, as the CPU's reader
             * would (registered batch memory and the jobs' offsets are 4 KiB-aligned) */
            g->active_dfd[g->n_active] =
                fd >= 0 ? omsig_reader_direct_fd(fd, s[i]->offset, s[i]->length) : -1;
            g->active[g->n_active] = (omsig_gpu_active){
                .length = s[i]->length,
                .state = g->free_states[--g->n_free_states],
                .tag = (uint64_t)(uintptr_t)s[i]};
            pending += in_flight_share(&g->active[g->n_active++]);
        }
    }
    return 0;
}

/* Streams whose LAST job is packed leave the active set; their states are free for reuse
 * (launches run in order on the group's compute stream, so the next owner runs after them). */
static void drop_ended(gpu_group *g)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n_active; i++) {
        if (g->active[i].flags & OMSIG_GPU_ACTIVE_ENDED) {
            g->free_states[g->n_free_states++] = g->active[i].state;
        } else {
            g->active_fd[k] = g->active_fd[i];
            g->active_dfd[k] = g->active_dfd[i];
            g->active[k++] = g->active[i];
        }
    }
    g->n_active = k;
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
            f->g->streams++;
        }
    omsig_queue_hashed(f->q, b->bytes);
    f->g->bytes += b->bytes;
    b->busy = false;
cleanup:
    return f->err.code;
}

/* After job k's read: its stream's descriptor is closed when the group does not hold it, or
 * when this was its last job (after the check that the file is unchanged, when ok).  -1 when
 * that check failed (reported). */
static int after_read(feeder *f, size_t k, bool ok)
{
    gpu_group *g = f->g;
    const uint32_t a = g->job_active[k];
    const omsig_stream *s = (const omsig_stream *)(uintptr_t)g->active[a].tag;
    const bool last = (g->jobs[k].flags & OMSIG_GPU_LAST) != 0;
    int rc = 0;
    if (ok && last && omsig_queue_check_unchanged(f->q, s, g->req[k].fd) != OMSIG_OK) rc = -1;
    if (g->active_fd[a] < 0) {
        close(g->req[k].fd);
    } else if (last) {
        close(g->active_fd[a]);
        g->active_fd[a] = -1;
        g->held_fds--;
        if (g->active_dfd[a] >= 0) close(g->active_dfd[a]);
        g->active_dfd[a] = -1;
    }
    return rc;
}

/* Jobs w0..w1 read through a stream's O_DIRECT descriptor go back to its buffered one, which
 * after_read uses and closes: those the file system refused (EINVAL: tmpfs and others without
 * O_DIRECT) are read again buffered, and their stream reads buffered from here on.  -errno
 * when the reader itself failed. */
static int redo_refused_direct(feeder *f, size_t w0, size_t w1)
{
    gpu_group *g = f->g;
    size_t n = 0;
    omsig_read_req again[64];
    size_t idx[64];
    for (size_t k = w0; k <= w1; k++) {
        if (n == 64 || (k == w1 && n > 0)) { /* a wave of refused reads, read buffered */
            const int rc = g->rops->read_batch(g->rd, again, n);
            if (rc < 0) return rc;
            for (size_t i = 0; i < n; i++) g->req[idx[i]].res = again[i].res;
            n = 0;
        }
        if (k == w1) break;
        const uint32_t a = g->job_active[k];
        if (g->active_dfd[a] < 0 || g->req[k].fd != g->active_dfd[a]) continue;
        g->req[k].fd = g->active_fd[a];
        if (g->req[k].res != -EINVAL) continue;
        close(g->active_dfd[a]);
        g->active_dfd[a] = -1;
        idx[n] = k;
        again[n] = g->req[k];
        again[n].res = 0;
        again[n].got = 0;
        n++;
    }
    return 0;
}

/* Reads every job's bytes into place, in one reader call per wave of descriptors: a stream the
 * group holds open is read from its descriptor; the others are opened (and checked to be the
 * file listed) for their one job.  -1 when a file failed (reported through the queue). */
static int read_batch(feeder *f, batch *b, size_t nj)
{
    gpu_group *g = f->g;
    const size_t wave = g->fd_budget > 16 ? (size_t)g->fd_budget : 16;
    for (size_t w0 = 0; w0 < nj;) {
        size_t w1 = w0, opened = 0;
        int rc = 0;
        for (; w1 < nj && opened < wave; w1++) {
            const omsig_gpu_job *j = &g->jobs[w1];
            const uint32_t a = g->job_active[w1];
            const omsig_stream *s = (const omsig_stream *)(uintptr_t)g->active[a].tag;
            int inject = 0, fd = g->active_fd[a];
            if (fd < 0) {
                if ((fd = omsig_queue_open(f->q, s, &inject)) < 0) {
                    rc = -1;
                    break;
                }
                opened++;
            } else if (f->q->inject_name && strcmp(f->q->inject_name, s->file->path) == 0) {
                inject = f->q->inject_errno; /* test hook, as omsig_queue_open gives it */
            }
            /* a whole-aligned job of a stream with an O_DIRECT descriptor is read through it */
            const int dfd = g->active_dfd[a];
            const bool direct = dfd >= 0 && j->len % IO_ALIGN == 0 && j->src % IO_ALIGN == 0 &&
                                (s->offset + j->done) % IO_ALIGN == 0;
            g->req[w1] = (omsig_read_req){.fd = direct ? dfd : fd, .off = s->offset + j->done,
                                          .len = j->len, .dst = b->host + j->src,
                                          .inject = inject};
        }
        if (rc == 0 && g->rops->read_batch(g->rd, g->req + w0, w1 - w0) < 0) {
            omsig_queue_fail(f->q, OMSIG_E_IO, "the %s reader failed", g->rops->name);
            rc = -1;
        }
        if (rc == 0 && redo_refused_direct(f, w0, w1) != 0) {
            omsig_queue_fail(f->q, OMSIG_E_IO, "the %s reader failed", g->rops->name);
            rc = -1;
        }
        for (size_t k = w0; k < w1; k++) {
            const omsig_stream *s = (const omsig_stream *)(uintptr_t)g->active[g->job_active[k]].tag;
            if (rc == 0 && g->req[k].res < 0) {
                omsig_queue_fail_read(f->q, s->file, -g->req[k].res);
                rc = -1;
            }
            if (after_read(f, k, rc == 0) != 0) rc = -1;
        }
        if (rc < 0) return -1;
        w0 = w1;
    }
    return 0;
}

/* Copies batch b to the device and launches its kernel after the copy, on the compute
 * stream; the slot is free for the next read once its copy's event has fired. */
static int launch(feeder *f, batch *b, size_t nj, size_t used)
{
    gpu_group *g = f->g;
    memcpy(b->host + g->data_bytes, g->jobs, nj * sizeof *g->jobs);
    if (omsig_gpu_batch_check(f) != 0) goto cleanup;
    /* the device buffer is free once the kernel that read it last is done */
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(b->copy, b->done, 0), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, used, cudaMemcpyHostToDevice, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev + g->data_bytes, b->host + g->data_bytes,
                                   nj * sizeof *g->jobs, cudaMemcpyHostToDevice, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->copied, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(g->compute, b->copied, 0), &f->err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(b->dev, b->dev + g->data_bytes,
                                                         (uint32_t)nj, g->dev_states,
                                                         b->dev_digests, g->compute), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, nj * 32,
                                   cudaMemcpyDeviceToHost, g->compute), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->done, g->compute), &f->err);
    b->busy = true;
    b->n_jobs = nj;
cleanup:
    return f->err.code;
}

/*
 * Bytes per job for streams of several jobs, chosen before each batch from the batch and the
 * streams the group holds.  A stream's jobs run one after another (each continues the last
 * one's state), so a batch holds at most one job per active stream, and a batch of long
 * streams runs as many GPU threads as it has jobs, each at one thread's rate (about 50 MB/s):
 * the batch's data area is shared among the active streams, so that each gets a job in it, in
 * jobs never below CHUNK_IO_MIN (one read of a file must stay large), a multiple of IO_ALIGN,
 * at most CHUNK_MAX.  The launch then spreads those jobs over every SM
 * (omsig_sha256_block_threads).
 */
static uint64_t choose_chunk(const gpu_group *g)
{
    size_t live = 0;
    for (size_t i = 0; i < g->n_active; i++) live += !(g->active[i].flags & OMSIG_GPU_ACTIVE_ENDED);
    uint64_t c = g->data_bytes / (live ? live : 1) / IO_ALIGN * IO_ALIGN;
    if (c < CHUNK_IO_MIN) c = CHUNK_IO_MIN;
    if (c > CHUNK_MAX) c = CHUNK_MAX;
    if (c > g->data_bytes / IO_ALIGN * IO_ALIGN) c = g->data_bytes / IO_ALIGN * IO_ALIGN;
    return c;
}

/* The packer marked the streams whose LAST job it packed as ended; when the batch fails before
 * those jobs are recorded as the batch's finishing ones, they are active again, so that
 * put_back_unfinished() gives them back (a stream left ended there would keep no digest). */
static void unend_packed(gpu_group *g, size_t nj)
{
    for (size_t j = 0; j < nj; j++)
        if (g->jobs[j].flags & OMSIG_GPU_LAST)
            g->active[g->job_active[j]].flags &= ~(uint32_t)OMSIG_GPU_ACTIVE_ENDED;
}

/* One batch: pack, read into the slot once its last copy has fired, take the digests of the
 * slot's previous kernel, launch.  1 when there was nothing to pack, 0 after a launch, -1 on
 * a file failure (reported through the queue), 2 on a CUDA error. */
static int one_batch(feeder *f)
{
    gpu_group *g = f->g;
    batch *b = &g->b[f->next];
    size_t used = 0;
    f->cfg.chunk = choose_chunk(g);
    const size_t nj = omsig_gpu_pack(g->active, g->n_active, &f->cfg, g->jobs, g->job_active, &used);
    if (nj == 0) return 1;
    /* the slot is the reader's again once the copy out of it has fired */
    OMSIG_CUDA_TRY(cudaEventSynchronize(b->copied), &f->err);
    if (read_batch(f, b, nj) != 0) {
        unend_packed(g, nj);
        return -1;
    }
    if (complete(f, b) != 0) {
        unend_packed(g, nj);
        return 2;
    }
    b->bytes = 0;
    for (size_t j = 0; j < nj; j++) {
        const omsig_gpu_active *a = &g->active[g->job_active[j]];
        b->finishing[j] = g->jobs[j].flags & OMSIG_GPU_LAST ? (omsig_stream *)(uintptr_t)a->tag : NULL;
        b->bytes += g->jobs[j].len;
    }
    if (launch(f, b, nj, used) != 0) return 2;
    drop_ended(g);
    f->next = (f->next + 1) % N_BATCHES;
    omsig_queue_tick(f->q);
    return 0;
cleanup:
    unend_packed(g, nj);
    return 2;
}

/* Puts back every stream not finished: those still active (their descriptors closed) and
 * those whose last job was in a batch whose digests never came back. */
static void put_back_unfinished(feeder *f)
{
    gpu_group *g = f->g;
    for (size_t i = 0; i < g->n_active; i++) {
        omsig_stream *s = (omsig_stream *)(uintptr_t)g->active[i].tag;
        if (!(g->active[i].flags & OMSIG_GPU_ACTIVE_ENDED)) omsig_queue_put_back(f->q, &s, 1);
    }
    for (unsigned k = 0; k < N_BATCHES; k++) {
        batch *b = &g->b[k];
        for (size_t j = 0; j < MAX_JOBS; j++)
            if (b->finishing[j]) {
                omsig_queue_put_back(f->q, &b->finishing[j], 1);
                b->finishing[j] = NULL;
            }
        b->busy = false;
    }
}

/* Closes what the group still holds and forgets its active streams. */
static void release_active(gpu_group *g)
{
    for (size_t i = 0; i < g->n_active; i++) {
        if (g->active_fd[i] >= 0) close(g->active_fd[i]);
        if (g->active_dfd[i] >= 0) close(g->active_dfd[i]);
    }
    g->n_active = 0;
    g->held_fds = 0;
}

/* The SHA-256 feeder of one group.  0, -1 on a file failure (reported), 2 on a CUDA error
 * (the group's unfinished streams are back on the queue). */
static int sha256_run(feeder *f)
{
    gpu_group *g = f->g;
    g->n_active = 0;
    g->held_fds = 0;
    g->n_free_states = 0;
    for (uint32_t i = 0; i < MAX_ACTIVE; i++) g->free_states[g->n_free_states++] = MAX_ACTIVE - 1 - i;
    for (unsigned k = 0; k < N_BATCHES; k++) g->b[k].busy = false;
    int rc = 0;
    while (rc == 0 && !omsig_queue_stopped(f->q)) {
        if (refill(f) != 0) {
            rc = -1;
            break;
        }
        rc = one_batch(f);
        if (rc == 1) { /* nothing to pack: everything taken is in flight or done */
            rc = 0;
            if (g->n_active == 0 && omsig_queue_left(f->q) == 0) break;
        }
    }
    for (unsigned k = 0; k < N_BATCHES && rc == 0; k++)
        if (complete(f, &g->b[(f->next + k) % N_BATCHES]) != 0) rc = 2;
    if (rc == 2) {
        cudaStreamSynchronize(g->compute);
        put_back_unfinished(f);
    } else {
        /* done, or a file failed (already the run's verdict): let the device settle */
        cudaStreamSynchronize(g->compute);
        for (unsigned k = 0; k < N_BATCHES; k++) {
            cudaStreamSynchronize(g->b[k].copy);
            memset(g->b[k].finishing, 0, MAX_JOBS * sizeof *g->b[k].finishing);
            g->b[k].busy = false;
        }
    }
    release_active(g);
    return rc;
}

/* A group's thread: on its device and its node, the feeder for the plan's hash. */
static void *group_main(void *arg)
{
    feeder *f = arg;
    gpu_dev *dv = f->g->dev;
    cpu_set_t old;
    (void)run_on_node(dv->numa_node, &old);
    int rc;
    if (cudaSetDevice(dv->device) != cudaSuccess) {
        omsig_cuda_err_set(&f->err, cudaErrorInvalidDevice, "cudaSetDevice", __FILE__, __LINE__);
        rc = 2;
    } else if (f->q->plan->n_streams && f->q->plan->streams[0].hash == OMSIG_HASH_BLAKE3) {
        rc = omsig_gpu_b3_run(f); /* a plan holds one hash */
    } else {
        rc = sha256_run(f);
    }
    if (rc == 2) omsig_gpu_dev_fail(f, f->err.code ? f->err.msg : "a CUDA error");
    return NULL;
}

/* The report's line for each device: what it hashed, or why it dropped out. */
static void report_devices(omsig_engine *e, omsig_queue *q)
{
    pthread_mutex_lock(&q->mu);
    omsig_report *r = q->rep;
    for (unsigned d = 0; d < e->n_dev; d++) {
        gpu_dev *dv = &e->dev[d];
        omsig_device_use *u = NULL;
        for (size_t i = 0; i < r->n_devices && !u; i++)
            if (r->devices[i].device == dv->device) u = &r->devices[i];
        if (!u && r->n_devices < OMSIG_REPORT_MAX_DEVICES) {
            u = &r->devices[r->n_devices++];
            *u = (omsig_device_use){.device = dv->device};
        }
        if (!u) break;
        for (unsigned k = 0; k < dv->n_groups; k++) {
            u->bytes += dv->g[k].bytes;
            u->streams += dv->g[k].streams;
        }
        u->readers = dv->n_groups;
        if (atomic_load(&dv->failed)) snprintf(u->dropped, sizeof u->dropped, "%s", dv->why);
    }
    pthread_mutex_unlock(&q->mu);
}

/* Runs every group of every usable device over the queue, each in its own thread, until the
 * queue is empty: when a device drops out mid-run its streams come back to the queue and the
 * devices still usable go on with them.  OMSIG_E_CUDA, with every device's reason, when no
 * device is left, or streams are. */
static omsig_status gpu_run(omsig_engine *e, omsig_queue *q, char *why, size_t why_len)
{
    const char *fault = omsig_hook("OMSIG_FAULT_CUDA"); /* test hook: <batch>[@<device>] */
    e->fault_batch = fault ? atol(fault) : -1;
    e->fault_device = fault && strchr(fault, '@') ? atol(strchr(fault, '@') + 1) : -1;
    struct rlimit rl;
    long fds = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) fds = (long)rl.rlim_cur;
    unsigned n_groups = 0;
    for (unsigned d = 0; d < e->n_dev; d++) {
        e->dev[d].batches = 0;
        for (unsigned k = 0; k < e->dev[d].n_groups; k++) e->dev[d].g[k].bytes = e->dev[d].g[k].streams = 0;
        n_groups += atomic_load(&e->dev[d].failed) ? 0 : e->dev[d].n_groups;
    }
    /* CPU workers in a hybrid run hold descriptors too: the groups share a quarter */
    long budget = fds > 128 ? (fds - 64) / 4 : 16;
    budget /= n_groups ? (long)n_groups : 1;
    if (budget < 4) budget = 4;
    feeder *f = calloc(MAX_DEVICES * MAX_GROUPS, sizeof *f);
    pthread_t *t = calloc(MAX_DEVICES * MAX_GROUPS, sizeof *t);
    bool *started = calloc(MAX_DEVICES * MAX_GROUPS, sizeof *started);
    if (!f || !t || !started) {
        free(f), free(t), free(started);
        return omsig_queue_fail(q, OMSIG_E_NOMEM, "out of memory");
    }
    omsig_queue_note_reader(q, e->dev[0].n_groups ? e->dev[0].g[0].rops->name : "io_uring");
    /* rounds: a device that drops out leaves streams to the others */
    for (unsigned round = 0; round <= e->n_dev && !omsig_queue_stopped(q); round++) {
        size_t n = 0;
        for (unsigned d = 0; d < e->n_dev; d++) {
            gpu_dev *dv = &e->dev[d];
            if (atomic_load(&dv->failed)) continue;
            for (unsigned k = 0; k < dv->n_groups; k++, n++) {
                gpu_group *g = &dv->g[k];
                g->fd_budget = budget;
                f[n] = (feeder){.e = e, .g = g, .q = q};
                f[n].cfg = (omsig_gpu_batch_cfg){.chunk = choose_chunk(g), .data_bytes = g->data_bytes,
                                                 .max_jobs = MAX_JOBS, .align = IO_ALIGN};
                omsig_queue_note_reader(q, g->rops->name);
                started[n] = pthread_create(&t[n], NULL, group_main, &f[n]) == 0;
            }
        }
        if (n == 0) break;
        size_t ran = 0;
        for (size_t i = 0; i < n; i++)
            if (started[i]) pthread_join(t[i], NULL), ran++;
        if (ran == 0) {
            omsig_queue_fail(q, OMSIG_E_GENERIC, "cannot start the GPU feeder's threads");
            break;
        }
        if (omsig_queue_left(q) == 0) break;
    }
    free(f), free(t), free(started);
    report_devices(e, q);
    if (omsig_queue_stopped(q)) return q->rep->status; /* a file failed: that is the verdict */
    size_t off = 0;
    why[0] = '\0';
    for (unsigned d = 0; d < e->n_dev; d++) {
        gpu_dev *dv = &e->dev[d];
        if (atomic_load(&dv->failed)) off = append_reason(why, why_len, off, e->n_dev, dv);
    }
    bool left = false; /* a device still usable after this run */
    for (unsigned d = 0; d < e->n_dev; d++) left |= !atomic_load(&e->dev[d].failed);
    if (!left || omsig_queue_left(q) > 0) return OMSIG_E_CUDA;
    if (why[0]) omsig_queue_warn(q, "a GPU dropped out, the other devices hashed its streams (%s)", why);
    return OMSIG_OK;
}

const omsig_engine_ops omsig_engine_gpu = {
    .name = "gpu",
    .probe = gpu_probe,
    .create = gpu_create,
    .run = gpu_run,
    .rates = gpu_rates,
    .destroy = gpu_destroy,
};
