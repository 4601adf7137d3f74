/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_driver.h - whether the installed NVIDIA driver can run this build's CUDA runtime
 * (gpu_driver.c), asked by the GPU engine's probe before anything else touches the device. */
#ifndef OMSIG_GPU_DRIVER_H
#define OMSIG_GPU_DRIVER_H

#include <stddef.h>

typedef enum omsig_gpu_driver {
    OMSIG_GPU_DRIVER_OLD = -1,  /* a driver, too old for this build's runtime */
    OMSIG_GPU_DRIVER_NONE = 0,  /* no NVIDIA driver at all */
    OMSIG_GPU_DRIVER_OK = 1,
} omsig_gpu_driver;

/* The CUDA version (1000 * major + 10 * minor) a driver must support to run a runtime of
 * version runtime: the first release of the runtime's major version (CUDA's minor version
 * compatibility: a 12.x runtime runs on any 12.0 driver, R525 or newer). */
int omsig_gpu_driver_floor(int runtime);

/* The oldest driver branch (R525, R580...) that supports CUDA version cuda, or 0 if unknown. */
int omsig_gpu_driver_branch(int cuda);

/* Writes the one-line reason a driver that supports CUDA version driver cannot run a runtime
 * of version runtime, naming both ("the NVIDIA driver supports CUDA 12.2 (driver 535) but this
 * build's GPU engine needs CUDA 13.0 (driver 580 or newer): ..."); installed, when not NULL,
 * is the driver's own version string.  Pure: for the tests. */
void omsig_gpu_driver_reason(int driver, int runtime, const char *installed, char *why,
                             size_t why_len);

/* Asks the CUDA runtime which CUDA version the installed driver supports and compares it with
 * the runtime this build links (CUDART_VERSION); on anything but OMSIG_GPU_DRIVER_OK, why
 * says what was found and what is needed. */
omsig_gpu_driver omsig_gpu_driver_check(char *why, size_t why_len);

#endif
