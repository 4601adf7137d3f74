/* SPDX-License-Identifier: Apache-2.0 */
/* cuda_present.h - the device tests' first step: is there a GPU to test?  A test skips (77)
 * only where the runtime finds no device, or no driver at all (cudaErrorInsufficientDriver with
 * a driver version of 0).  A driver older than the runtime this test was built with, or any
 * other failure, fails the test, naming why. */
#ifndef OMSIG_TEST_CUDA_PRESENT_H
#define OMSIG_TEST_CUDA_PRESENT_H

#include <cuda_runtime_api.h>
#include <stdio.h>

/* 0 when a device can be tested; else the test's exit status (77 or 1), the reason printed. */
static inline int t_cuda_present(void)
{
    int n = 0, driver = 0, runtime = 0;
    const cudaError_t rc = cudaGetDeviceCount(&n);
    if (rc == cudaErrorNoDevice || (rc == cudaSuccess && n == 0)) {
        printf("SKIP: no CUDA device\n");
        return 77;
    }
    if (rc == cudaErrorInsufficientDriver) {
        if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
            printf("SKIP: no CUDA driver\n");
            return 77;
        }
        cudaRuntimeGetVersion(&runtime);
        printf("FAIL: the CUDA driver is too old: it supports CUDA %d.%d (%d), this test's runtime "
               "needs CUDA %d.%d (%d) or newer\n",
               driver / 1000, driver % 1000 / 10, driver, runtime / 1000, runtime % 1000 / 10,
               runtime);
        return 1;
    }
    if (rc != cudaSuccess) {
        printf("FAIL: cudaGetDeviceCount: %s\n", cudaGetErrorString(rc));
        return 1;
    }
    return 0;
}

#endif
