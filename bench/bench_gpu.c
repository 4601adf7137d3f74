/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_gpu.c - the GPU bounds, measured with CUDA events: the pinned host-to-device copy
 * rate, the SHA-256 kernel's rate on device-resident data for 1, 1k, 16k, 64k and 256k streams
 * of 1 MiB (each stream's state kept on the device between launches, as the engine keeps it),
 * and the BLAKE3 kernels' rate on one device-resident file of 1 GiB and of 16 GiB (its digest
 * checked against the library's), next to the device's peak memory bandwidth (memory clock x
 * bus width x 2) and its 32-bit integer issue rate (SMs x clock x 64 lanes).
 * Prints CSV: what,streams,bytes,seconds,gb_per_s.
 *
 *   bench_gpu [max_streams]
 */
#include "blake3.h"
#include "blake3_core.h"
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

/* The device's peak memory bandwidth (bytes/s) and 32-bit integer operations per second
 * (64 lanes per SM per clock on sm_80 and sm_90). */
static void device_bounds(omsig_cuda_err *err)
{
    int dev = 0, mem_khz = 0, bus_bits = 0, sms = 0, clk_khz = 0;
    OMSIG_CUDA_TRY(cudaGetDevice(&dev), err);
    OMSIG_CUDA_TRY(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, dev), err);
    OMSIG_CUDA_TRY(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev), err);
    OMSIG_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), err);
    OMSIG_CUDA_TRY(cudaDeviceGetAttribute(&clk_khz, cudaDevAttrClockRate, dev), err);
    const double bw = 2.0 * mem_khz * 1e3 * bus_bits / 8;
    const double ops = (double)sms * clk_khz * 1e3 * 64;
    printf("mem_bandwidth_peak,0,0,0,%.2f\n", bw / 1e9);
    /* in G int32 ops/s, in the GB/s column */
    printf("int32_ops_peak,%d,0,0,%.2f\n", sms, ops / 1e9);
cleanup:
    return;
}

/* BLAKE3 of one device-resident file of `bytes` (every byte 0xa5), best of three timed runs
 * after a warm-up; the digest is compared with the library's when check is set. */
static int blake3_rate(uint64_t bytes, int check, omsig_cuda_err *err)
{
    uint8_t *data = NULL, *scratch = NULL, *out = NULL, *host = NULL;
    cudaEvent_t t0 = NULL, t1 = NULL;
    float best = 0;
    OMSIG_CUDA_TRY(cudaMalloc((void **)&data, bytes), err);
    OMSIG_CUDA_TRY(cudaMemset(data, 0xa5, bytes), err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&scratch, omsig_blake3_scratch_bytes(bytes)), err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&out, 32), err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t0), err);
    OMSIG_CUDA_TRY(cudaEventCreate(&t1), err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(data, bytes, 0, 1, scratch, out, 0), err);
    OMSIG_CUDA_TRY(cudaDeviceSynchronize(), err);
    for (int rep = 0; rep < 3; rep++) {
        float ms = 0;
        OMSIG_CUDA_TRY(cudaEventRecord(t0, 0), err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(data, bytes, 0, 1, scratch, out, 0), err);
        OMSIG_CUDA_TRY(cudaEventRecord(t1, 0), err);
        OMSIG_CUDA_TRY(cudaEventSynchronize(t1), err);
        OMSIG_CUDA_TRY(cudaEventElapsedTime(&ms, t0, t1), err);
        if (ms > 0 && (best == 0 || ms < best)) best = ms;
    }
    if (check) {
        uint8_t got[32], want[32];
        OMSIG_CUDA_TRY(cudaMemcpy(got, out, 32, cudaMemcpyDeviceToHost), err);
        if (!(host = malloc(bytes))) OMSIG_CUDA_TRY(cudaErrorMemoryAllocation, err);
        memset(host, 0xa5, bytes);
        omsig_blake3(host, bytes, want);
        if (memcmp(got, want, 32) != 0) {
            fprintf(stderr, "bench_gpu: BLAKE3 of %llu bytes on the device is WRONG\n",
                    (unsigned long long)bytes);
            OMSIG_CUDA_TRY(cudaErrorUnknown, err);
        }
    }
    printf("blake3_%lluGiB,1,%llu,%.6f,%.2f\n", (unsigned long long)(bytes >> 30),
           (unsigned long long)bytes, best / 1e3, (double)bytes / (best / 1e3) / 1e9);
cleanup:
    free(host);
    cudaFree(data);
    cudaFree(scratch);
    cudaFree(out);
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
    device_bounds(&err);
    copy_rate(&err);
    static const size_t k_streams[] = {1, 1024, 16384, 65536, 262144};
    for (size_t i = 0; i < sizeof k_streams / sizeof k_streams[0] && !err.code; i++)
        if (k_streams[i] <= max) kernel_rate(k_streams[i], &err);
    if (!err.code) blake3_rate(1ull << 30, 1, &err);
    if (!err.code) blake3_rate(16ull << 30, 0, &err);
    if (err.code) fprintf(stderr, "bench_gpu: %s\n", err.msg);
    return err.code ? 1 : 0;
}
