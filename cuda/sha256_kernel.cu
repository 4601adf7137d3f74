/* SPDX-License-Identifier: Apache-2.0 */
/* sha256_kernel.cu - the batch kernel (one thread per job, each running omsig_gpu_job_run) and
 * its C launcher. All hashing logic lives in gpu_job.h and sha256_core.h. */
#include <cuda_runtime.h>

#include "gpu_job.h"

/* Threads per block. A thread needs well under 128 registers, so 256 threads per block sets no
 * register cap that could force spills, and 8 such blocks fill an SM's 2048 threads. */
#define OMSIG_SHA256_BLOCK 256

__global__ void __launch_bounds__(OMSIG_SHA256_BLOCK)
    omsig_sha256_batch_kernel(const uint8_t *__restrict__ data,
                              const omsig_gpu_job *__restrict__ jobs, uint32_t n_jobs,
                              uint32_t *__restrict__ states, uint8_t *__restrict__ digests)
{
    const uint32_t i = blockIdx.x * (uint32_t)OMSIG_SHA256_BLOCK + threadIdx.x;
    if (i >= n_jobs) return;
    const omsig_gpu_job job = jobs[i];
    omsig_gpu_job_run(data, &job, states + 8 * (uint64_t)job.state, digests + 32 * (uint64_t)i);
}

extern "C" int omsig_cuda_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs,
                                        void *states, void *digests, void *cuda_stream)
{
    if (n_jobs == 0) return (int)cudaSuccess;
    const uint32_t blocks = n_jobs / OMSIG_SHA256_BLOCK + (n_jobs % OMSIG_SHA256_BLOCK != 0);
    omsig_sha256_batch_kernel<<<blocks, OMSIG_SHA256_BLOCK, 0, (cudaStream_t)cuda_stream>>>(
        (const uint8_t *)data, (const omsig_gpu_job *)jobs, n_jobs, (uint32_t *)states,
        (uint8_t *)digests);
    return (int)cudaGetLastError();
}
