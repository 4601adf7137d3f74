/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_gpu_blake3.c - the BLAKE3 kernels on a real device against the library's BLAKE3: every
 * length 0..2049, 1024k-1, 1024k and 1024k+1 for k up to 64, inputs of several MiB up to three
 * and four kernel stages (64 MiB + 3 KiB + 5, and 256 MiB + 1), aligned pieces of a message
 * (CVs, with their first chunk's counter) and those pieces joined.  Exits 77 only where there
 * is no device or no driver at all; a driver too old fails (cuda_present.h).
 */
#include "blake3.h"
#include "blake3_core.h"
#include "cuda_check.h"
#include "cuda_present.h"
#include "helpers.h"

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BYTES ((256u << 20) + 1)

static uint64_t g_rng = 0x243f6a8885a308d3ull;
typedef struct dev {
    uint8_t *data, *scratch, *out;
} dev;

/* The device's result for len bytes of host at the device copy's start. */
static int device_input(const dev *d, uint64_t len, uint64_t base, int root, uint8_t out[32],
                        omsig_cuda_err *err)
{
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(d->data, len, base, root, d->scratch,
                                                         d->out, NULL), err);
    OMSIG_CUDA_TRY(cudaMemcpy(out, d->out, 32, cudaMemcpyDeviceToHost), err);
cleanup:
    return err->code;
}

int main(void)
{
    const int absent = t_cuda_present();
    if (absent) return absent;
    omsig_cuda_err err = {0};
    dev d = {0};
    int bad = 0, checked = 0;
    uint8_t *host = malloc(MAX_BYTES);
    if (!host) return 1;
    for (size_t i = 0; i < MAX_BYTES; i++) host[i] = (uint8_t)(t_rnd(&g_rng) >> 56);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&d.data, MAX_BYTES), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&d.scratch, omsig_blake3_scratch_bytes(MAX_BYTES)), &err);
    OMSIG_CUDA_TRY(cudaMalloc((void **)&d.out, 32), &err);
    OMSIG_CUDA_TRY(cudaMemcpy(d.data, host, MAX_BYTES, cudaMemcpyHostToDevice), &err);

    /* whole messages */
    uint64_t lens[2050 + 3 * 64 + 4];
    size_t nl = 0;
    for (uint64_t n = 0; n <= 2049; n++) lens[nl++] = n;
    for (uint64_t k = 1; k <= 64; k++) lens[nl++] = 1024 * k - 1, lens[nl++] = 1024 * k, lens[nl++] = 1024 * k + 1;
    lens[nl++] = (3u << 20) + 17;
    lens[nl++] = (64u << 20);
    lens[nl++] = (64u << 20) + 3 * 1024 + 5;
    lens[nl++] = MAX_BYTES;
    for (size_t i = 0; i < nl; i++) {
        uint8_t want[32], got[32];
        omsig_blake3(host, lens[i], want);
        if (device_input(&d, lens[i], 0, 1, got, &err) != 0) goto cleanup;
        checked++;
        if (memcmp(want, got, 32) != 0 && bad++ < 5)
            fprintf(stderr, "length %llu: wrong digest\n", (unsigned long long)lens[i]);
    }

    /* pieces: 2^j chunks at a multiple of 2^j (or shorter, as a last piece), CV against the
     * library's hasher started at the same chunk */
    for (int r = 0; r < 300; r++) {
        const unsigned j = (unsigned)(t_rnd(&g_rng) % 17);
        uint64_t len = (1024ull << j);
        if (t_rnd(&g_rng) % 2) len -= t_rnd(&g_rng) % 1024;
        const uint64_t base = (1ull << j) * (t_rnd(&g_rng) % 4096);
        uint8_t want[32], got[32];
        omsig_blake3_hasher h;
        omsig_blake3_init_at(&h, base);
        omsig_blake3_update(&h, host, len);
        omsig_blake3_final_cv(&h, want);
        if (device_input(&d, len, base, 0, got, &err) != 0) goto cleanup;
        checked++;
        if (memcmp(want, got, 32) != 0 && bad++ < 5)
            fprintf(stderr, "piece of %llu bytes at chunk %llu: wrong CV\n",
                    (unsigned long long)len, (unsigned long long)base);
    }

    /* a 256 MiB + 1 message as 16 MiB pieces hashed on the device and joined on the host */
    {
        const uint64_t piece = 16u << 20;
        uint8_t want[32], got[32], cv[32];
        omsig_blake3_hasher h;
        omsig_blake3_init(&h);
        for (uint64_t off = 0; off < MAX_BYTES; off += piece) {
            const uint64_t len = MAX_BYTES - off < piece ? MAX_BYTES - off : piece;
            OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(d.data + off, len, off / 1024, 0,
                                                                 d.scratch, d.out, NULL), &err);
            OMSIG_CUDA_TRY(cudaMemcpy(cv, d.out, 32, cudaMemcpyDeviceToHost), &err);
            omsig_blake3_push_cv(&h, cv, omsig_blake3_core_chunks(len));
        }
        omsig_blake3_final(&h, got);
        omsig_blake3(host, MAX_BYTES, want);
        checked++;
        if (memcmp(want, got, 32) != 0 && bad++ < 5) fprintf(stderr, "joined pieces: wrong digest\n");
    }
cleanup:
    if (err.code) {
        fprintf(stderr, "CUDA: %s\n", err.msg);
        bad = 1;
    }
    printf("%s: %d BLAKE3 inputs on the device, %d wrong\n", bad ? "FAIL" : "PASS", checked, bad);
    cudaFree(d.data);
    cudaFree(d.scratch);
    cudaFree(d.out);
    free(host);
    return bad ? 1 : 0;
}
