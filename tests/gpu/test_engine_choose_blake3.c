/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_engine_choose_blake3.c - BLAKE3's auto rule as a table: plan shapes against machines
 * (one core's in-memory BLAKE3 rate, 2.5 GB/s with AVX2; GPUs as an H100 behind PCIe Gen5,
 * the kernel far above the 50 GB/s copy, fed by reader groups at a measured rate each), with
 * and without a device.  Every byte crosses a host thread first, so the GPU wins where its
 * feeder and links outrun the cores: with few cores, or eight devices and their 56 groups.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

#define CORE_RATE 2.5e9

typedef struct machine {
    const char *name;
    unsigned cores, gpus, groups;
    double feeder; /* bytes/s of every group together */
} machine;

static const machine k_machines[3] = {
    {"2 cores + 1 GPU", 2, 1, 2, 16e9},
    {"16 cores + 1 GPU", 16, 1, 8, 25e9},
    {"DGX, 112 cores + 8 GPUs", 112, 8, 56, 56 * 6e9},
};

typedef struct shape {
    const char *name;
    uint64_t n;                    /* streams */
    uint64_t each;                 /* bytes per stream */
    omsig_engine_pick with_gpu[3]; /* on each machine */
} shape;

static const shape k_shapes[] = {
    {"one file of 50 GB", 1, 50000000000ull, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_GPU}},
    {"30 files of 4.67 GB", 30, 4670000000ull, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_GPU}},
    {"20,000 files of 1 MiB", 20000, 1u << 20, {OMSIG_PICK_GPU, OMSIG_PICK_CPU, OMSIG_PICK_GPU}},
    {"100,000 files of 4 KiB", 100000, 4096, {OMSIG_PICK_CPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
};

static omsig_engine_rates gpu_rates(const machine *m)
{
    return (omsig_engine_rates){.stream_rate = 50e6,
                                .total_rate = 800e9 * m->gpus,
                                .copy_rate = 50e9 * m->gpus,
                                .launch_seconds = 50e-6,
                                .batch_bytes = 16 << 20,
                                .stream_seconds = OMSIG_STREAM_HOST_SECONDS,
                                .workers = m->groups,
                                .streams_to_fill = 65536ull * m->gpus,
                                .b3_rate = 1.6e12 * m->gpus,
                                .feed_rate = m->feeder / m->groups,
                                .devices = m->gpus};
}

static const char *pick_name(omsig_engine_pick p)
{
    return p == OMSIG_PICK_CPU ? "cpu" : p == OMSIG_PICK_GPU ? "gpu" : "hybrid";
}

static int check(const shape *s, const machine *m, const omsig_engine_rates *gpu,
                 omsig_engine_pick want)
{
    const omsig_plan p = {.n_streams = s->n, .total_bytes = s->n * s->each, .longest = s->each};
    const omsig_engine_rates cpu = {.stream_seconds = OMSIG_STREAM_HOST_SECONDS,
                                    .workers = m->cores, .b3_rate = CORE_RATE};
    char why[256];
    const omsig_engine_pick got = omsig_engine_choose_blake3(&p, &cpu, gpu, why, sizeof why);
    const int bad = got != want;
    printf("%s %-24s %-24s %-6s -> %-3s (%s)\n", bad ? "FAIL" : "PASS", s->name, m->name,
           gpu ? "" : "no GPU", pick_name(got), why);
    return bad;
}

int main(void)
{
    int fails = 0;
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        for (unsigned c = 0; c < 3; c++) {
            const omsig_engine_rates g = gpu_rates(&k_machines[c]);
            fails += check(&k_shapes[i], &k_machines[c], &g, k_shapes[i].with_gpu[c]);
            fails += check(&k_shapes[i], &k_machines[c], NULL, OMSIG_PICK_CPU);
        }
    printf("%d failed\n", fails);
    return fails ? 1 : 0;
}
