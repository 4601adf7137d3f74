/* SPDX-License-Identifier: Apache-2.0 */
/* sink_cuda_stub.c - stands in for the CUDA sink of verified load (cuda/sink_cuda.c) in
 * builds without CUDA: the same symbols; omsig_sink_cuda_new says why there is none. */
#include "omsig.h"

#include <stdio.h>

omsig_sink_cuda *omsig_sink_cuda_new(const omsig_cuda_dest *dest, char *why, size_t why_len)
{
    (void)dest;
    snprintf(why, why_len,
             "this omsig was built without CUDA (rebuild with -DOMSIG_CUDA=ON on a machine with "
             "the CUDA toolkit)");
    return NULL;
}

const omsig_sink *omsig_sink_cuda_sink(omsig_sink_cuda *s) { return (void)s, NULL; }
const char *omsig_sink_cuda_error(const omsig_sink_cuda *s) { return (void)s, ""; }
void omsig_sink_cuda_free(omsig_sink_cuda *s) { (void)s; }
