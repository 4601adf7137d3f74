/* SPDX-License-Identifier: Apache-2.0 */
/* simt_kernels.cpp - cuda/sha256_kernel.cu and cuda/blake3_kernel.cu compiled as host code, their
 * device paths selected (__CUDA_ARCH__ 900, sm_90), and their launch sequences
 * (omsig_sha256_launch_with, omsig_blake3_launch_with: the shapes the C launchers use) run
 * through the SIMT runner. */
#define __CUDA_ARCH__ 900
#define OMSIG_SIMT 1
#include "simt.h"

#include "../../cuda/sha256_kernel.cu"
#include "../../cuda/blake3_kernel.cu"

#include "simt_kernels.h"

namespace {

/* The runner's launch, with the signature the kernel files' templates call. */
struct simt_launcher {
    template <typename Kernel, typename... Args>
    int operator()(Kernel kernel, unsigned grid, unsigned block, Args... args) const
    {
        return (int)omsig_simt::launch(grid, block, [=] { kernel(args...); });
    }
};

} // namespace

int omsig_simt_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs, void *states,
                             void *digests, int sms)
{
    return omsig_sha256_launch_with(data, jobs, n_jobs, states, digests, sms, simt_launcher{});
}

int omsig_simt_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                             void *scratch, void *out)
{
    return omsig_blake3_launch_with(data, len, base, root, scratch, out, simt_launcher{});
}
