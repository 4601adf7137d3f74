/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_launch.h - the <<<>>> launch the kernels' C launchers use. Each kernel file computes its
 * launch shape (and, for BLAKE3, its sequence of stages) in a template that takes the launch as
 * an argument, so the host SIMT runner (tests/simt) runs the same shapes with its own launch.
 * nvcc only. */
#ifndef OMSIG_GPU_LAUNCH_H
#define OMSIG_GPU_LAUNCH_H

#include <cuda_runtime.h>

/* launch(kernel, grid, block, args...): kernel<<<grid, block, 0, stream>>>(args...), giving
 * the cudaError_t of the launch as an int. */
struct omsig_cuda_launcher {
    cudaStream_t stream;
    template <typename Kernel, typename... Args>
    int operator()(Kernel kernel, unsigned grid, unsigned block, Args... args) const
    {
        kernel<<<grid, block, 0, stream>>>(args...);
        return (int)cudaGetLastError();
    }
};

#endif
