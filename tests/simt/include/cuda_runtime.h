/* SPDX-License-Identifier: Apache-2.0 */
/* cuda_runtime.h - what the kernel sources get from <cuda_runtime.h> when the SIMT runner
 * compiles them as host code: the runner's stand-ins (simt.h). No CUDA toolkit needed. */
#include "simt.h"
