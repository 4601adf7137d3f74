/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_engine_choose_blake3.c - BLAKE3's auto rule as a table: plan shapes against CPU rates
 * (one core's in-memory BLAKE3 rate, 2.5 GB/s with AVX2, on 2, 16 and 112 cores) and the rates
 * a GPU measures at start-up (an H100/H200 behind PCIe Gen5: the kernel far above the 50 GB/s
 * copy), with and without a device.  The GPU's one feeder thread reads every byte, so it wins
 * only where the cores are few.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct shape {
    const char *name;
    uint64_t n;                    /* streams */
    uint64_t each;                 /* bytes per stream */
    omsig_engine_pick with_gpu[3]; /* on 2, 16 and 112 cores */
} shape;

static const unsigned k_cores[3] = {2, 16, 112};
#define CORE_RATE 2.5e9

static const shape k_shapes[] = {
    {"one file of 50 GB", 1, 50000000000ull, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"30 files of 4.67 GB", 30, 4670000000ull, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"20,000 files of 1 MiB", 20000, 1u << 20, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"100,000 files of 4 KiB", 100000, 4096, {OMSIG_PICK_CPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
};

static const omsig_engine_rates k_gpu = {.stream_rate = 12e6,
                                         .total_rate = 400e9,
                                         .copy_rate = 50e9,
                                         .launch_seconds = 50e-6,
                                         .batch_bytes = 256 << 20,
                                         .stream_seconds = OMSIG_STREAM_HOST_SECONDS,
                                         .workers = 1,
                                         .streams_to_fill = 32768,
                                         .b3_rate = 1e12};

static const char *pick_name(omsig_engine_pick p)
{
    return p == OMSIG_PICK_CPU ? "cpu" : p == OMSIG_PICK_GPU ? "gpu" : "hybrid";
}

static int check(const shape *s, unsigned cores, const omsig_engine_rates *gpu,
                 omsig_engine_pick want)
{
    const omsig_plan p = {.n_streams = s->n, .total_bytes = s->n * s->each, .longest = s->each};
    const omsig_engine_rates cpu = {.stream_seconds = OMSIG_STREAM_HOST_SECONDS, .workers = cores,
                                    .b3_rate = CORE_RATE};
    char why[256];
    const omsig_engine_pick got = omsig_engine_choose_blake3(&p, &cpu, gpu, why, sizeof why);
    const int bad = got != want;
    printf("%s %-24s %3u cores, %-6s -> %-3s (%s)\n", bad ? "FAIL" : "PASS", s->name, cores,
           gpu ? "a GPU" : "no GPU", pick_name(got), why);
    return bad;
}

int main(void)
{
    int fails = 0;
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        for (unsigned c = 0; c < 3; c++) {
            fails += check(&k_shapes[i], k_cores[c], &k_gpu, k_shapes[i].with_gpu[c]);
            fails += check(&k_shapes[i], k_cores[c], NULL, OMSIG_PICK_CPU);
        }
    printf("%d failed\n", fails);
    return fails ? 1 : 0;
}
