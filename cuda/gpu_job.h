/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_job.h - the GPU batch format (one job per stream per launch) and the per-job body that
 * every GPU thread runs. Plain C that nvcc also compiles; the host tests run the same body over
 * batches made by the real packer. */
#ifndef OMSIG_GPU_JOB_H
#define OMSIG_GPU_JOB_H

#include <stdint.h>

#include "sha256_core.h"

/* One job: a piece of one stream, placed in the batch's data area.
 * The job's bytes are the stream's bytes [done, done + len); they lie at data + src. */
typedef struct omsig_gpu_job {
    uint64_t src;      /* offset of this job's bytes in the batch's data area; a multiple of 64 */
    uint64_t done;     /* bytes of this stream hashed by earlier jobs (a multiple of 64) */
    uint32_t len;      /* bytes in this job: a multiple of 64 unless OMSIG_GPU_LAST is set */
    uint32_t state;    /* index of the stream's state (8 words) in the device state array */
    uint32_t flags;    /* OMSIG_GPU_FIRST and/or OMSIG_GPU_LAST */
    uint32_t reserved; /* zero */
} omsig_gpu_job;

#define OMSIG_GPU_FIRST 1u /* start from the SHA-256 initial value, not the stored state */
#define OMSIG_GPU_LAST 2u  /* pad, finish and write the digest; the state is not stored */

#ifdef __cplusplus
static_assert(sizeof(omsig_gpu_job) == 32, "omsig_gpu_job is 32 bytes on host and device");
#else
_Static_assert(sizeof(omsig_gpu_job) == 32, "omsig_gpu_job is 32 bytes on host and device");
#endif

/* Runs one job: the body of one GPU thread, and of the host tests.
 * @param data   the batch's data area; on the device 16-byte aligned, in global memory
 * @param job    the job; job->src must keep the job inside the data area
 * @param state  this stream's 8 state words: read unless FIRST, written unless LAST
 * @param digest 32 bytes (16-byte aligned on the device), written only when LAST */
OMSIG_HD void omsig_gpu_job_run(const uint8_t *data, const omsig_gpu_job *job, uint32_t *state,
                                uint8_t *digest)
{
    uint32_t s[8];
    if (job->flags & OMSIG_GPU_FIRST) {
        omsig_sha256_core_init(s);
    } else {
        OMSIG_UNROLL
        for (int j = 0; j < 8; j++) s[j] = state[j];
    }

    const uint8_t *p = data + job->src;
    const uint32_t blocks = job->len / 64;
    OMSIG_NO_UNROLL
    for (uint32_t b = 0; b < blocks; b++) {
        uint32_t w[16];
        omsig_sha256_core_load_block(w, p + (uint64_t)b * 64);
        omsig_sha256_core_compress(s, w);
    }

    if (job->flags & OMSIG_GPU_LAST) {
        const uint32_t whole = blocks * 64;
        omsig_sha256_core_finish(s, p + whole, job->len - whole, job->done + job->len, digest);
        return;
    }
    OMSIG_UNROLL
    for (int j = 0; j < 8; j++) state[j] = s[j];
}

/* Threads per block of a SHA-256 launch: OMSIG_SHA256_BLOCK_MAX (256), halved while the launch
 * would have fewer blocks than the device has multiprocessors (sms; 0: unknown), down to one
 * warp.  A stream is one thread's dependent chain, which a warp alone on a scheduler already
 * runs at about its full rate: a batch of few jobs runs fastest spread over every SM, not
 * packed into a few.  20,000 jobs on 132 SMs: 79 blocks of 256 would leave 53 SMs idle; 157
 * blocks of 128 use them all.  Blocks of 32 still reach the register-bound occupancy (32 blocks
 * of 32 threads per SM, the 1,024 threads that 4 blocks of 256 give). */
#define OMSIG_SHA256_BLOCK_MAX 256u
static inline unsigned omsig_sha256_block_threads(uint32_t n_jobs, int sms)
{
    unsigned t = OMSIG_SHA256_BLOCK_MAX;
    while (t > 32 && sms > 0 && (n_jobs + t - 1) / t < (uint32_t)sms) t /= 2;
    return t;
}

#ifdef __cplusplus
extern "C" {
#endif

/* Launches the batch kernel (cuda/sha256_kernel.cu) on a CUDA stream: one thread per job, in
 * blocks shaped for the current device (omsig_sha256_block_threads).
 * All pointers are device pointers: data (16-byte aligned), jobs (n_jobs entries), states
 * (8 words per state slot), digests (32 bytes per job, 16-byte aligned; entry i belongs to
 * jobs[i]). cuda_stream is a cudaStream_t, or NULL for the default stream.
 * Returns the cudaError_t of the launch (cudaSuccess, 0, when n_jobs is 0); errors during the
 * kernel's run show up at the next synchronisation. */
int omsig_cuda_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs, void *states,
                             void *digests, void *cuda_stream);

#ifdef __cplusplus
}
#endif

#endif
