/* SPDX-License-Identifier: Apache-2.0 */
/* engine_gpu_stub.c - stands in for the CUDA engine (cuda/engine_gpu.c) in builds without
 * CUDA: the same symbol, whose probe says why there is no GPU engine. */
#include "engine.h"

#include <stdio.h>

static int stub_probe(char *why, size_t why_len)
{
    snprintf(why, why_len,
             "this omsig was built without CUDA (rebuild with -DOMSIG_CUDA=ON on a machine with "
             "the CUDA toolkit)");
    return 0;
}

static omsig_engine *stub_create(const omsig_hash_cfg *cfg, char *why, size_t why_len)
{
    (void)cfg;
    stub_probe(why, why_len);
    return NULL;
}

static omsig_status stub_run(omsig_engine *e, omsig_queue *q, char *why, size_t why_len)
{
    (void)e, (void)q;
    stub_probe(why, why_len);
    return OMSIG_E_NO_DEVICE;
}

static void stub_rates(omsig_engine *e, omsig_engine_rates *out)
{
    (void)e;
    *out = (omsig_engine_rates){0};
}

static void stub_destroy(omsig_engine *e) { (void)e; }

const omsig_engine_ops omsig_engine_gpu = {
    .name = "gpu",
    .probe = stub_probe,
    .create = stub_create,
    .run = stub_run,
    .rates = stub_rates,
    .destroy = stub_destroy,
};
