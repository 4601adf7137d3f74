/* SPDX-License-Identifier: Apache-2.0 */
/* simt_kernels.h - the project's kernels run by the SIMT runner (simt_kernels.cpp): the same
 * arguments as omsig_cuda_sha256_launch and omsig_cuda_blake3_launch, without a stream, run to
 * completion. Pointers are runner buffers (omsig_simt::alloc). Returns a cudaError_t as an int;
 * on a launch failure omsig_simt::last_error() says what the kernel did wrong. */
#ifndef OMSIG_SIMT_KERNELS_H
#define OMSIG_SIMT_KERNELS_H

#include <stdint.h>

/* sms: the multiprocessors of the device whose launch shape to run (0: unknown). */
int omsig_simt_sha256_launch(const void *data, const void *jobs, uint32_t n_jobs, void *states,
                             void *digests, int sms);
int omsig_simt_blake3_launch(const void *data, uint64_t len, uint64_t base, int root,
                             void *scratch, void *out);

#endif
