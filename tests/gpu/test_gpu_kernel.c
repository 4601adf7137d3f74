/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_gpu_kernel.c - the SHA-256 kernel on a real device: 100,000 streams of random lengths
 * (the padding boundaries and multi-launch streams among them) cut into batches by the real
 * packer, hashed by the kernel with each stream's state kept on the device, digests compared
 * with OpenSSL.  Exits 77 only where there is no device or no driver at all; a driver too old
 * fails (cuda_present.h).
 */
#include "cuda_check.h"
#include "cuda_present.h"
#include "gpu_job.h"
#include "hash/gpu_pack.h"
#include "helpers.h"

#include <cuda_runtime_api.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_STREAMS 100000u
#define DATA_BYTES (128u << 20)
#define MAX_JOBS 32768u

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
/* Byte off of stream id: computable anywhere, so no stream is kept in memory. */
static uint8_t byte_at(uint64_t id, uint64_t off)
{
    uint64_t x = (id + 1) * 0x9e3779b97f4a7c15ull ^ (off >> 3) * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    x *= 0x94d049bb133111ebull;
    return (uint8_t)(x >> (8 * (off & 7)));
}

static void fill(uint64_t id, uint64_t off, uint8_t *dst, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) dst[i] = byte_at(id, off + i);
}

int main(void)
{
    const int absent = t_cuda_present();
    if (absent) return absent;
    static const uint64_t k_special[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1u << 20};
    omsig_gpu_active *a = calloc(N_STREAMS, sizeof *a);
    uint8_t *want = calloc(N_STREAMS, 32), *got = calloc(N_STREAMS, 32);
    omsig_gpu_job *jobs = calloc(MAX_JOBS, sizeof *jobs);
    uint32_t *job_active = calloc(MAX_JOBS, sizeof *job_active);
    uint8_t *buf = NULL, *host = NULL, *dev = NULL, *ddig = NULL, *hdig = NULL;
    uint32_t *states = NULL;
    omsig_cuda_err err = {0};
    int bad = 0;
    size_t batches = 0;
    if (!a || !want || !got || !jobs || !job_active) return 1;
    uint64_t total = 0;
    for (uint32_t i = 0; i < N_STREAMS; i++) {
        uint64_t len = i < 12 ? k_special[i] : t_rnd(&g_rng) % 5 == 0 ? t_rnd(&g_rng) % 8192 : t_rnd(&g_rng) % 4096;
        if (i % 5000 == 7) len = (1u << 20) + t_rnd(&g_rng) % (3u << 20); /* crosses several launches */
        a[i] = (omsig_gpu_active){.length = len, .state = i, .tag = i};
        total += len;
    }
    /* the expected digests, from OpenSSL */
    buf = malloc(4u << 20);
    if (!buf) return 1;
    for (uint32_t i = 0; i < N_STREAMS; i++) {
        fill(i, 0, buf, a[i].length);
        unsigned int n = 0;
        EVP_Digest(buf, a[i].length, want + 32 * i, &n, EVP_sha256(), NULL);
    }
    OMSIG_CUDA_TRY(cudaMallocHost((void **)&host, DATA_BYTES + MAX_JOBS * sizeof *jobs), &err);
    OMSIG_CUDA_TRY(cudaMallocHost((void **)&hdig, MAX_JOBS * 32), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&dev, DATA_BYTES + MAX_JOBS * sizeof *jobs), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&ddig, MAX_JOBS * 32), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&states, (size_t)N_STREAMS * 32), &err);
    for (;;) {
        /* batches of varying shape: the chunk changes from batch to batch */
        const omsig_gpu_batch_cfg cfg = {.chunk = 64u * (1 + t_rnd(&g_rng) % 4096),
                                         .data_bytes = DATA_BYTES - 64 * (t_rnd(&g_rng) % 1024),
                                         .max_jobs = 1 + t_rnd(&g_rng) % MAX_JOBS};
        size_t used = 0;
        const size_t nj = omsig_gpu_pack(a, N_STREAMS, &cfg, jobs, job_active, &used);
        if (nj == 0) break;
        for (size_t j = 0; j < nj; j++)
            fill(a[job_active[j]].tag, jobs[j].done, host + jobs[j].src, jobs[j].len);
        memcpy(host + DATA_BYTES, jobs, nj * sizeof *jobs);
        OMSIG_CUDA_TRY(cudaMemcpy(dev, host, DATA_BYTES + nj * sizeof *jobs, cudaMemcpyHostToDevice), &err);
        OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_sha256_launch(dev, dev + DATA_BYTES, (uint32_t)nj,
                                                             states, ddig, NULL), &err);
        OMSIG_CUDA_TRY(cudaMemcpy(hdig, ddig, nj * 32, cudaMemcpyDeviceToHost), &err);
        for (size_t j = 0; j < nj; j++)
            if (jobs[j].flags & OMSIG_GPU_LAST) memcpy(got + 32 * job_active[j], hdig + 32 * j, 32);
        batches++;
    }
    for (uint32_t i = 0; i < N_STREAMS; i++)
        if (memcmp(want + 32 * i, got + 32 * i, 32) != 0 && bad++ < 5)
            fprintf(stderr, "stream %u (%llu bytes): wrong digest\n", i, (unsigned long long)a[i].length);
cleanup:
    if (err.code) {
        fprintf(stderr, "CUDA: %s\n", err.msg);
        bad = 1;
    }
    printf("%s: %u streams, %llu bytes, %zu batches, %d wrong\n", bad ? "FAIL" : "PASS", N_STREAMS,
           (unsigned long long)total, batches, bad);
    cudaFreeHost(host);
    cudaFreeHost(hdig);
    cudaFree(dev);
    cudaFree(ddig);
    cudaFree(states);
    free(a), free(want), free(got), free(jobs), free(job_active), free(buf);
    return bad ? 1 : 0;
}
