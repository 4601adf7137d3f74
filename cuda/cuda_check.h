/* SPDX-License-Identifier: Apache-2.0 */
/* cuda_check.h - one checked-call macro for CUDA runtime calls in C host code: a failure is
 * recorded (error code, call text, file:line, CUDA's message) and control jumps to the
 * function's cleanup label. Nothing here prints or aborts. */
#ifndef OMSIG_CUDA_CHECK_H
#define OMSIG_CUDA_CHECK_H

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

/* The first CUDA failure of an operation: code is the cudaError_t (0 when none). */
typedef struct omsig_cuda_err {
    int code;
    char msg[256];
} omsig_cuda_err;

/* Records rc in *err ("file:line: call: CUDA's message") unless err already holds a failure,
 * so the first cause survives the cleanup calls that follow it. Returns rc as an int. */
static inline int omsig_cuda_err_set(omsig_cuda_err *err, cudaError_t rc, const char *call,
                                     const char *file, int line)
{
    if (err && err->code == 0) {
        const char *base = strrchr(file, '/');
        err->code = (int)rc;
        snprintf(err->msg, sizeof err->msg, "%s:%d: %s: %s", base ? base + 1 : file, line, call,
                 cudaGetErrorString(rc));
    }
    return (int)rc;
}

/* OMSIG_CUDA_TRY(call, err): runs the CUDA runtime call; on anything but cudaSuccess, records
 * it in err (an omsig_cuda_err *) and does `goto cleanup`. Use it in functions shaped as
 *
 *     omsig_cuda_err e = {0};
 *     OMSIG_CUDA_TRY(cudaMalloc(&d, n), &e);
 *     OMSIG_CUDA_TRY(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s), &e);
 *     ...
 * cleanup:
 *     cudaFree(d);
 *     return e.code ? OMSIG_E_CUDA : OMSIG_OK;
 *
 * The call is evaluated exactly once. */
#define OMSIG_CUDA_TRY(call, err)                                                              \
    do {                                                                                       \
        const cudaError_t omsig_rc_ = (call);                                                  \
        if (omsig_rc_ != cudaSuccess) {                                                        \
            omsig_cuda_err_set((err), omsig_rc_, #call, __FILE__, __LINE__);                   \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

#endif
