/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_gpu.h - what the CUDA engine's two host files share: the engine and its batches
 * (engine_gpu.c: set-up, the SHA-256 feeder) and the BLAKE3 path (engine_gpu_blake3.c).
 */
#ifndef OMSIG_ENGINE_GPU_H
#define OMSIG_ENGINE_GPU_H

#include "engine.h"
#include "gpu_pack.h"
#include "reader.h"

#include "cuda_check.h"
#include "gpu_job.h"

#include <cuda_runtime_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define N_BATCHES 3u                 /* in flight: one read, one copied, one hashed */
#define BATCH_BYTES_MIN (64u << 20)
#define BATCH_BYTES_MAX (512u << 20)
#define MAX_JOBS 32768u              /* threads per launch */
#define MAX_ACTIVE 65536u            /* streams with a state on the device */
#define CHUNK_MIN (16u << 10)
#define CHUNK_MAX (1u << 20)
#define B3_READ_BYTES (4u << 20)     /* a BLAKE3 slab is read as requests of this size */

typedef struct batch {
    uint8_t *host;                   /* data area, then the jobs: inside the reader's memory */
    uint8_t *dev;                    /* the same layout on the device */
    uint8_t *dev_digests, *host_digests; /* 32 bytes per job */
    cudaStream_t copy;
    cudaEvent_t copied, done;
    bool busy;
    size_t n_jobs;
    omsig_stream **finishing;        /* per job: the stream whose LAST job it is, else NULL */
    uint64_t bytes;
    uint64_t b3_chunks;              /* BLAKE3: chunks of the slab in this batch */
} batch;

struct omsig_engine {
    omsig_hash_cfg cfg;
    int device;
    const omsig_reader_ops *rops;
    omsig_reader *rd;
    uint8_t *ring;                   /* the reader's memory, registered with the device */
    size_t ring_len;
    bool registered;
    size_t batch_bytes;              /* data area + jobs */
    size_t data_bytes;               /* data area of one batch */
    uint32_t *dev_states;            /* MAX_ACTIVE x 8 words */
    uint64_t b3_slab;                /* BLAKE3: bytes per slab, a power of two of chunks */
    uint8_t *dev_b3_scratch;         /* BLAKE3: the kernels' nodes for one slab */
    cudaStream_t compute;
    batch b[N_BATCHES];
    omsig_engine_rates rates;
    bool measured;
    /* feeder state, per run */
    omsig_gpu_active *active;
    size_t n_active;
    uint32_t *free_states;
    size_t n_free_states;
    omsig_gpu_job *jobs;             /* packing area (copied into the batch) */
    uint32_t *job_active;
    omsig_read_req *req;
    long fd_budget;                  /* descriptors one wave of reads may hold */
    long fault_batch;                /* test hook OMSIG_FAULT_CUDA: fail at this batch */
};

typedef struct feeder {
    omsig_engine *e;
    omsig_queue *q;
    omsig_cuda_err err;
    unsigned next;                   /* the batch to fill next */
    long batches;
    omsig_gpu_batch_cfg cfg;
} feeder;

/* BLAKE3's known-answer test on the device (at set-up); false with the reason in why. */
bool omsig_gpu_b3_self_test(omsig_engine *e, char *why, size_t why_len);
/* The BLAKE3 feeder: the queue's streams one at a time, each in slabs. */
omsig_status omsig_gpu_b3_run(feeder *f, char *why, size_t why_len);

#endif /* OMSIG_ENGINE_GPU_H */
