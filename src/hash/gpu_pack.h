/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_pack.h - the GPU batch packer: cuts the next piece of each active stream into one batch
 * of jobs (cuda/gpu_job.h) laid out in a data area, so the feeder only has to read each job's
 * file range into place and launch. Plain C, no CUDA. */
#ifndef OMSIG_GPU_PACK_H
#define OMSIG_GPU_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "gpu_job.h"

#define OMSIG_GPU_ACTIVE_STARTED 1u /* a FIRST job was packed: the state slot holds the chain */
#define OMSIG_GPU_ACTIVE_ENDED 2u   /* the LAST job was packed: nothing more to pack */

/* The longest job: job.len is 32 bits and a non-last job is whole blocks. */
#define OMSIG_GPU_CHUNK_MAX 0xffffffc0u

/* A stream the feeder is hashing on the GPU. Start one with done = 0 and flags = 0. */
typedef struct omsig_gpu_active {
    uint64_t length; /* the stream's bytes */
    uint64_t done;   /* bytes handed to earlier batches (a multiple of 64 until ENDED) */
    uint32_t state;  /* its device state slot */
    uint32_t flags;  /* OMSIG_GPU_ACTIVE_STARTED, OMSIG_GPU_ACTIVE_ENDED */
    uint64_t tag;    /* the caller's (which stream this is); the packer never reads it */
} omsig_gpu_active;

typedef struct omsig_gpu_batch_cfg {
    uint64_t chunk;    /* bytes per job for long streams: a multiple of 64, 64..CHUNK_MAX */
    size_t data_bytes; /* capacity of the data area; only whole 64-byte blocks of it are used */
    size_t max_jobs;   /* capacity of jobs[] and job_active[] */
    uint32_t align;    /* 0 or 64: jobs as above; a larger power of two (a multiple of 64 that
                        * divides chunk): every job but a stream's whole (FIRST and LAST) starts
                        * at a multiple of align, and is a multiple of align unless LAST, so
                        * long streams are read in aligned pieces (O_DIRECT) */
} omsig_gpu_batch_cfg;

/* Returns 1 if cfg is one omsig_gpu_pack accepts: chunk a multiple of 64 in
 * [64, OMSIG_GPU_CHUNK_MAX], data_bytes >= 64, max_jobs >= 1, align 0 or a power of two
 * >= 64 dividing chunk; else 0. With such a cfg a
 * batch always makes progress while some stream has not ENDED. */
int omsig_gpu_batch_cfg_ok(const omsig_gpu_batch_cfg *cfg);

/* Packs one batch: at most one job per stream of a[0..n) that has not ENDED, in array order.
 * Each job starts at the next 64-byte-aligned offset of the data area. A stream whose rest
 * fits (at most chunk and the space left) gets its LAST job, with the rest; an empty stream
 * gets one FIRST|LAST job of length 0. Otherwise the job is min(chunk, space left) rounded
 * down to whole blocks, so the last job of a batch may be short rather than left out. Packing
 * stops when max_jobs jobs are packed, or when the space left holds neither the next stream's
 * rest nor one block.
 *
 * For job k: job_active[k] is the index into a[] it belongs to, and the stream bytes it needs
 * are the file range [jobs[k].done, jobs[k].done + jobs[k].len), to be placed at data area
 * offset jobs[k].src. The whole 64-byte block holding a job's last byte lies inside the data
 * area. *data_used gets the end of the last job's bytes (0 when no job was packed).
 * Updates a[i].done and a[i].flags for each stream packed.
 *
 * Returns the number of jobs; 0 when nothing is left to pack, or when cfg is not
 * omsig_gpu_batch_cfg_ok. */
size_t omsig_gpu_pack(omsig_gpu_active *a, size_t n, const omsig_gpu_batch_cfg *cfg,
                      omsig_gpu_job *jobs, uint32_t *job_active, size_t *data_used);

#endif
