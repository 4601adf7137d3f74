/* SPDX-License-Identifier: Apache-2.0 */
/*
 * context.h - what a reusable omsig_ctx keeps between calls: the engines (for the GPU, the
 * device buffers and the self-test's verdict) and what was measured about them.
 */
#ifndef OMSIG_CONTEXT_H
#define OMSIG_CONTEXT_H

#include "hash/engine.h"

#include <stdatomic.h>

struct omsig_ctx {
    omsig_engine *cpu;
    omsig_hash_cfg cpu_cfg;           /* the config cpu was created with */
    bool cpu_rates_known;
    omsig_engine_rates cpu_rates;

    omsig_engine *gpu;
    bool gpu_tried;                   /* gpu set up (or found unusable) once */
    char gpu_why[256];                /* why there is no gpu engine */

    atomic_int cancel;                /* omsig_ctx_cancel(): the hashing queue stops */
};

/* The engines of ctx for this call, created on first use.  NULL with why filled. */
OMSIG_PRIVATE omsig_engine *omsig_ctx_cpu(omsig_ctx *ctx, const omsig_hash_cfg *cfg,
                                          char *why, size_t why_len);
OMSIG_PRIVATE omsig_engine *omsig_ctx_gpu(omsig_ctx *ctx, const omsig_hash_cfg *cfg,
                                          const char **why);
OMSIG_PRIVATE const omsig_engine_rates *omsig_ctx_cpu_rates(omsig_ctx *ctx);

/* Ends a call on ctx: clears a cancel request (omsig_ctx_cancel()); returns st. */
OMSIG_PRIVATE omsig_status omsig_ctx_call_done(omsig_ctx *ctx, omsig_status st);

/* Hashes every stream of plan with the engines the options and the plan call for; fills
 * the report's engine, its reason, files, bytes and hashing time.  With a sink (verified
 * load; NULL otherwise) the CPU engine hashes and hands every piece to it.
 * (hash/engine_select.c) */
OMSIG_PRIVATE omsig_status omsig_hash_plan(omsig_ctx *ctx, const omsig_options *o,
                                           const omsig_model *m, omsig_plan *plan,
                                           const omsig_sink *sink, omsig_report *r);

#endif /* OMSIG_CONTEXT_H */
