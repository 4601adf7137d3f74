/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_gpu.h - what the CUDA engine's two host files share: the engine and its batches
 * (engine_gpu.c: set-up, the SHA-256 feeder) and the BLAKE3 path (engine_gpu_blake3.c): one
 * engine holds every device it was given, each with its reader groups.
 */
#ifndef OMSIG_ENGINE_GPU_H
#define OMSIG_ENGINE_GPU_H

#include "engine.h"
#include "gpu_pack.h"
#include "reader.h"

#include "cuda_check.h"
#include "gpu_job.h"

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define N_BATCHES 3u                 /* per reader group in flight: one read, one copied, one hashed */
#define BATCH_BYTES_MIN (16u << 20)
#define BATCH_BYTES_MAX (512u << 20)
#define MAX_JOBS 65536u              /* threads per launch */
#define MAX_ACTIVE 65536u            /* streams with a state on the device, per group */
#define CHUNK_IO_MIN (256u << 10)    /* a long stream's job: one read of at least this */
#define CHUNK_MAX (16u << 20)
#define IO_ALIGN 4096u               /* long streams' jobs start at multiples of this */
#define B3_READ_BYTES (4u << 20)     /* a BLAKE3 slab is read as requests of this size */
#define MAX_DEVICES 64u
#define MAX_GROUPS 8u                /* reader groups (threads) per device */

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

typedef struct gpu_dev gpu_dev;

/* A reader group: one host thread with its own reader (its memory pinned, on the device's NUMA
 * node where the system says which), its batches, its CUDA streams and its own range of
 * device state slots, so groups of one device and of several devices never share mutable
 * state; they share only the queue. */
typedef struct gpu_group {
    gpu_dev *dev;
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
    /* feeder state, per run */
    omsig_gpu_active *active;
    int *active_fd;                  /* per active stream: its file, held open until its last
                                      * job is read (streams of several jobs), else -1 */
    int *active_dfd;                 /*   and an O_DIRECT descriptor of it for its aligned jobs
                                      * (a long stream mostly not cached), else -1 */
    size_t n_active;
    uint32_t *free_states;
    size_t n_free_states;
    omsig_gpu_job *jobs;             /* packing area (copied into the batch) */
    uint32_t *job_active;
    omsig_read_req *req;
    long fd_budget;                  /* descriptors this group may hold at once */
    long held_fds;                   /* of them, held by active streams */
    uint64_t bytes, streams;         /* hashed in this run */
} gpu_group;

/* One CUDA device and its reader groups. */
struct gpu_dev {
    int device;                      /* the runtime's ordinal (after CUDA_VISIBLE_DEVICES) */
    int sms;                         /* multiprocessors */
    int numa_node;                   /* -1: unknown */
    unsigned n_groups;
    gpu_group g[MAX_GROUPS];
    atomic_long batches;             /* launched in this run, all groups */
    atomic_bool failed;              /* a CUDA error in this run: the device drops out */
    pthread_mutex_t mu;              /* guards why */
    char why[256];
};

struct omsig_engine {
    omsig_hash_cfg cfg;
    unsigned n_dev;
    gpu_dev *dev;
    omsig_engine_rates rates;
    bool measured;
    long fault_batch;                /* test hook OMSIG_FAULT_CUDA: fail at this batch */
    long fault_device;               /*   ... of this device (-1: every device) */
};

typedef struct feeder {
    omsig_engine *e;
    gpu_group *g;
    omsig_queue *q;
    omsig_cuda_err err;
    unsigned next;                   /* the batch to fill next */
    omsig_gpu_batch_cfg cfg;
} feeder;

/* Records a failure of the device of f's group: it drops out of the run, with the reason. */
void omsig_gpu_dev_fail(feeder *f, const char *why);
/* 0, or a CUDA error recorded in f->err: the test hook's forced failure at this batch, or the
 * device already failed in another group. Counts the batch. */
int omsig_gpu_batch_check(feeder *f);

/* BLAKE3's known-answer test on the device (at set-up); false with the reason in why. */
bool omsig_gpu_b3_self_test(gpu_group *g, char *why, size_t why_len);
/* The BLAKE3 feeder of one group: the queue's streams one at a time, each in slabs (the groups
 * of every device hash several at once).  0, -1 after a file failure (reported), 2 on a CUDA
 * error (the stream it was on is back on the queue). */
int omsig_gpu_b3_run(feeder *f);

#endif /* OMSIG_ENGINE_GPU_H */
