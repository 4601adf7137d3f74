/* SPDX-License-Identifier: Apache-2.0 */
/* version.c - what this build of the library holds. */
#include "omsig.h"

#ifdef OMSIG_HAVE_CUDA
#define FEATURE_CUDA "cuda "
#else
#define FEATURE_CUDA ""
#endif
#ifdef OMSIG_HAVE_URING
#define FEATURE_URING "io_uring "
#else
#define FEATURE_URING ""
#endif
#ifdef OMSIG_HAVE_PKCS11
#define FEATURE_PKCS11 "pkcs11 "
#else
#define FEATURE_PKCS11 ""
#endif
#ifdef OMSIG_TEST_HOOKS
#define FEATURE_HOOKS "test-hooks "
#else
#define FEATURE_HOOKS ""
#endif

const char *omsig_build_features(void)
{
    /* words separated by spaces, each followed by one; "" for a build with none */
    return FEATURE_CUDA FEATURE_URING FEATURE_PKCS11 FEATURE_HOOKS;
}
