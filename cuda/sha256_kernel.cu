/* SPDX-License-Identifier: Apache-2.0 */
/* sha256_kernel.cu - the batch kernel (one thread per job, each running omsig_gpu_job_run) and
 * its C launcher. All hashing logic lives in gpu_job.h and sha256_core.h. */
#include <cuda_runtime.h>

#include "gpu_job.h"
#ifndef OMSIG_SIMT
#include "gpu_launch.h"
#endif

/* Threads per block: at most OMSIG_SHA256_BLOCK_MAX (gpu_job.h), fewer when a batch's jobs are
 * too few to give every SM a block (omsig_sha256_block_threads).  A thread needs well under 128
 * registers, so 256 threads per block sets no register cap that could force spills.  Occupancy
 * is set by registers, not threads: at the 56 registers ptxas reports for sm_90 (allocated in
 * units of 8 per thread), a block of 256 takes 256 x 56 = 14336 of an SM's 65536
 * registers, so 4 blocks (1024 threads, 32 warps, half the SM's 2048 threads) fit per SM, not
 * 8; in blocks of 32, the 32 blocks an SM holds are the same 1024 threads. */
__global__ void __launch_bounds__(OMSIG_SHA256_BLOCK_MAX)
    omsig_sha256_batch_kernel(const uint8_t *__restrict__ data,
                              const omsig_gpu_job *__restrict__ jobs, uint32_t n_jobs,
                              uint32_t *__restrict__ states, uint8_t *__restrict__ digests)
{
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n_jobs) return;
    const omsig_gpu_job job = jobs[i];
    omsig_gpu_job_run(data, &job, states + 8 * (uint64_t)job.state, digests + 32 * (uint64_t)i);
}

/* The launch of a batch on a device of sms multiprocessors (0: unknown): `launch(kernel, grid,
 * block, args...)` runs the kernel (gpu_launch.h on the device; the host SIMT runner in
 * tests/simt runs the same shape). */
template <typename Launch>
static int omsig_sha256_launch_with(const void *data, const void *jobs, uint32_t n_jobs,
                                    void *states, void *digests, int sms, const Launch &launch)
{
    if (n_jobs == 0) return (int)cudaSuccess;
    const uint32_t block = omsig_sha256_block_threads(n_jobs, sms);
    const uint32_t blocks = n_jobs / block + (n_jobs % block != 0);
    return launch(omsig_sha256_batch_kernel, blocks, block, (const uint8_t *)data,
                  (const omsig_gpu_job *)jobs, n_jobs, (uint32_t *)states, (uint8_t *)digests);
}

#ifndef OMSIG_SIMT
extern "C" int omsig_cuda_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs,
                                        void *states, void *digests, void *cuda_stream)
{
    /* the current device's SMs (the runtime keeps its properties: no round trip) */
    int device = 0, sms = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess)
        sms = 0;
    return omsig_sha256_launch_with(data, jobs, n_jobs, states, digests, sms,
                                    omsig_cuda_launcher{(cudaStream_t)cuda_stream});
}
#endif
