/* SPDX-License-Identifier: Apache-2.0 */
/* engine_gpu_stub.c - stands in for the CUDA engine in builds without CUDA. */
#include "omsig_internal.h"

int omsig_engine_gpu_probe(void) { return 0; }

const char *omsig_engine_gpu_absent_reason(void)
{
    return "this omsig was built without CUDA (rebuild with -DOMSIG_CUDA=ON on a machine with "
           "the CUDA toolkit)";
}

omsig_status omsig_engine_gpu_run(const omsig_engine_args *a)
{
    return omsig_fail(a->rep, OMSIG_E_NO_DEVICE, "GPU hashing is not available: %s",
                      omsig_engine_gpu_absent_reason());
}

int omsig_gpu_available(void) { return 0; }
