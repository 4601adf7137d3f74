/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_engine_choose.c - the auto rule as a table: plan shapes against CPU and GPU rates of
 * the kind the engines measure at start-up (a DGX-class host: 112 cores with SHA extensions,
 * an H100/H200 behind PCIe Gen5; a laptop: 8 cores), with and without a device.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct shape {
    const char *name;
    uint64_t n;          /* streams */
    uint64_t each;       /* bytes per stream */
    omsig_engine_pick with_gpu[3]; /* on 8, 16 and 112 cores */
} shape;

static const unsigned k_cores[3] = {8, 16, 112};

/* With a device, 20,000 files of 1 MiB go hybrid on hosts of 8 and 16 cores (the lent H200
 * machine has 16).  100,000 files of 4 KiB are bound by the host's opens and closes, not by
 * hashing: the GPU's one feeder thread adds about an eighth of 8 cores' rate (hybrid), less
 * than a tenth of 16 cores' (cpu).  On 112 cores the CPU alone is estimated within 10% of
 * hybrid for both: the CPU keeps them. */
static const shape k_shapes[] = {
    {"30 files of 4.67 GB", 30, 4670000000ull, {OMSIG_PICK_CPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"one file of 50 GB", 1, 50000000000ull, {OMSIG_PICK_CPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"64 shards of 1 GB", 64, 1000000000ull, {OMSIG_PICK_CPU, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
    {"20,000 files of 1 MiB", 20000, 1u << 20,
     {OMSIG_PICK_HYBRID, OMSIG_PICK_HYBRID, OMSIG_PICK_CPU}},
    {"100,000 files of 4 KiB", 100000, 4096, {OMSIG_PICK_HYBRID, OMSIG_PICK_CPU, OMSIG_PICK_CPU}},
};

static omsig_engine_rates cpu_rates(unsigned cores)
{
    /* 1.4 GB/s a stream; about twice that per core with streams interleaved */
    return (omsig_engine_rates){.stream_rate = 1.4e9, .total_rate = 2.8e9 * cores,
                                .streams_to_fill = 3u * cores,
                                .stream_seconds = OMSIG_STREAM_HOST_SECONDS, .workers = cores};
}

static const omsig_engine_rates k_gpu = {.stream_rate = 12e6,     /* one thread, full device */
                                         .total_rate = 400e9,     /* 32k threads */
                                         .copy_rate = 50e9,       /* pinned, PCIe Gen5 */
                                         .launch_seconds = 50e-6,
                                         .batch_bytes = 256 << 20,
                                         .stream_seconds = OMSIG_STREAM_HOST_SECONDS,
                                         .workers = 1, /* one feeder thread */
                                         .streams_to_fill = 32768};

static const char *pick_name(omsig_engine_pick p)
{
    return p == OMSIG_PICK_CPU ? "cpu" : p == OMSIG_PICK_GPU ? "gpu" : "hybrid";
}

static int check(const shape *s, unsigned cores, const omsig_engine_rates *gpu,
                 omsig_engine_pick want)
{
    omsig_stream *st = calloc(s->n, sizeof *st);
    if (!st) return 1;
    for (uint64_t i = 0; i < s->n; i++) st[i].length = s->each;
    const omsig_plan p = {.streams = st, .n_streams = s->n, .total_bytes = s->n * s->each,
                          .longest = s->each};
    const omsig_engine_rates cpu = cpu_rates(cores);
    char why[256];
    const omsig_engine_pick got = omsig_engine_choose(&p, &cpu, gpu, why, sizeof why);
    free(st);
    const int bad = got != want;
    printf("%s %-24s %3u cores, %-9s -> %-6s (%s)\n", bad ? "FAIL" : "PASS", s->name, cores,
           gpu ? "a GPU" : "no GPU", pick_name(got), why);
    return bad;
}

int main(void)
{
    int fails = 0;
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++) {
        const shape *s = &k_shapes[i];
        for (unsigned c = 0; c < 3; c++) {
            fails += check(s, k_cores[c], &k_gpu, s->with_gpu[c]);
            fails += check(s, k_cores[c], NULL, OMSIG_PICK_CPU); /* no device: always the CPU */
        }
    }
    printf("%d failed\n", fails);
    return fails ? 1 : 0;
}
