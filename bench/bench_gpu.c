/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_gpu.c - the GPU bounds, measured with CUDA events: the pinned host-to-device copy
 * rate, and the SHA-256 kernel's rate on device-resident data for 1, 1k, 16k, 64k and 256k
 * streams of 1 MiB (each stream's state kept on the device between launches, as the engine
 * keeps it).  Prints CSV: what,streams,bytes,seconds,gb_per_s.
 *
 *   bench_gpu [max_streams]
 */
#include "cuda_check.h"
#include "gpu_job.h"

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_BYTES (1u << 20)
#define DEVICE_DATA_MAX (16ull << 30) /* bytes of one launch's data on the device */

static double copy_rate(omsig_cuda_err *err)
{
    const size_t n = 1u << 30;
    void *h = NULL, *d = NULL;
    cudaEvent_t t0 = NULL, t1 = NULL;
    double best = 0;
    OMSIG_CUDA_TRY(cudaMallocHost(&h, n), err);
    OMSIG_CUDA_TRY(cudaMalloc(&d, n), err);
    memset(h, 0x5a, n);
    OMSIG_CUDA_TRY(cudaEventCreate(&t0), err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t1), err);
    for (int rep = 0; rep < 5; rep++) {
        float ms = 0;
        OMSIG_CUDA_TRY(cudaEventRecord(t0, 0), err);
        OMSIG_CUDA_TRY(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, 0), err);
        OMSIG_CUDA_TRY(cudaEventRecord(t1, 0), err);
        OMSIG_CUDA_TRY(cudaEventSynchronize(t1), err);
        OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), err);
        if (ms > 0 && n / (ms / 1e3) > best) best = n / (ms / 1e3);
    }
    printf("h2d_pinned,1,%zu,%.6f,%.2f\n", n, n / best, best / 1e9);
cleanup:
    cudaFreeHost(h);
    cudaFree(d);
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
    return best;
}

/* n streams of 1 MiB, chunk bytes per stream per launch, all launches timed together. */
static int kernel_rate(size_t n, omsig_cuda_err *err)
{
    uint64_t chunk = STREAM_BYTES;
    while (chunk > 4096 && (uint64_t)n * chunk > DEVICE_DATA_MAX) chunk /= 2;
    const unsigned launches = (unsigned)(STREAM_BYTES / chunk);
    uint8_t *data = NULL, *digests = NULL;
    uint32_t *states = NULL;
    omsig_gpu_job *jobs = NULL, *djobs = NULL;
    cudaEvent_t t0 = NULL, t1 = NULL;
    OMSIG_CUDA_TRY(cudaMalloc((void **)&data, n * chunk), err);
    OMSIG_CUDA_TRY(cudaMemset(data, 0xa5, n * chunk), err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&states, n * 32), err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&digests, n * 32), err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&djobs, launches * n * sizeof *jobs), err);
    jobs = malloc(launches * n * sizeof *jobs);
    if (!jobs) OMSIG_CUDA_TRY(cudaErrorMemoryAllocation, err);
    for (unsigned l = 0; l < launches; l++)
        for (size_t i = 0; i < n; i++)
            jobs[l * n + i] = (omsig_gpu_job){
                .src = i * chunk, .done = l * chunk, .len = (uint32_t)chunk, .state = (uint32_t)i,
                .flags = (l == 0 ? OMSIG_GPU_FIRST : 0) | (l + 1 == launches ? OMSIG_GPU_LAST : 0)};
    OMSIG_CUDA_TRY(cudaMemcpy(djobs, jobs, launches * n * sizeof *jobs, cudaMemcpyHostToDevice), err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t0), err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t1), err);
    /* one warm-up launch, then the timed run */
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(data, djobs, (uint32_t)n, states, digests, 0), err);
    OMSIG_CUDA_TRY(cudaDeviceSynchronize(), err);
    OMSIG_CUDA_TRY(cudaEventRecord(t0, 0), err);
    for (unsigned l = 0; l < launches; l++)
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(data, djobs + l * n, (uint32_t)n,
                                                             states, digests, 0), err);
    OMSIG_CUDA_TRY(cudaEventRecord(t1, 0), err);
    OMSIG_CUDA_TRY(cudaEventSynchronize(t1), err);
    float ms = 0;
    OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), err);
    const double bytes = (double)n * STREAM_BYTES;
    printf("kernel,%zu,%.0f,%.6f,%.2f\n", n, bytes, ms / 1e3, bytes / (ms / 1e3) / 1e9);
cleanup:
    free(jobs);
    cudaFree(data);
    cudaFree(states);
    cudaFree(digests);
    cudaFree(djobs);
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
    return err->code;
}

int main(int argc, char **argv)
{
    const size_t max = argc > 1 ? strtoull(argv[1], NULL, 10) : 262144;
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        fprintf(stderr, "bench_gpu: no CUDA device\n");
        return 77;
    }
    omsig_cuda_err err = {0};
    printf("what,streams,bytes,seconds,gb_per_s\n");
    copy_rate(&err);
    static const size_t k_streams[] = {1, 1024, 16384, 65536, 262144};
    for (size_t i = 0; i < sizeof k_streams / sizeof k_streams[0] && !err.code; i++)
        if (k_streams[i] <= max) kernel_rate(k_streams[i], &err);
    if (err.code) fprintf(stderr, "bench_gpu: %s\n", err.msg);
    return err.code ? 1 : 0;
}
