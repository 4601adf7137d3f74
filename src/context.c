/* SPDX-License-Identifier: Apache-2.0 */
/*
 * context.c - the opt-in reusable context, and the one-shot calls as wrappers around it.  A
 * program that verifies many models keeps one context per thread (or uses the one-shot
 * calls), so the GPU's device buffers and self-test, and the measured rates, are paid once.
 */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

omsig_ctx *omsig_ctx_new(void) { return calloc(1, sizeof(omsig_ctx)); }

void omsig_ctx_free(omsig_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->cpu) omsig_engine_cpu.destroy(ctx->cpu);
    if (ctx->gpu) omsig_engine_gpu.destroy(ctx->gpu);
    free(ctx);
}

void omsig_ctx_cancel(omsig_ctx *ctx)
{
    if (ctx) atomic_store(&ctx->cancel, 1);
}

omsig_status omsig_ctx_call_done(omsig_ctx *ctx, omsig_status st)
{
    if (ctx) atomic_store(&ctx->cancel, 0);
    return st;
}

omsig_engine *omsig_ctx_cpu(omsig_ctx *ctx, const omsig_hash_cfg *cfg, char *why,
                            size_t why_len)
{
    if (ctx->cpu && memcmp(&ctx->cpu_cfg, cfg, sizeof *cfg) != 0) {
        omsig_engine_cpu.destroy(ctx->cpu);
        ctx->cpu = NULL;
        ctx->cpu_rates_known = false;
    }
    if (!ctx->cpu && (ctx->cpu = omsig_engine_cpu.create(cfg, why, why_len)))
        ctx->cpu_cfg = *cfg;
    return ctx->cpu;
}

const omsig_engine_rates *omsig_ctx_cpu_rates(omsig_ctx *ctx)
{
    if (!ctx->cpu_rates_known && ctx->cpu) {
        omsig_engine_cpu.rates(ctx->cpu, &ctx->cpu_rates);
        ctx->cpu_rates_known = true;
    }
    return &ctx->cpu_rates;
}

omsig_engine *omsig_ctx_gpu(omsig_ctx *ctx, const omsig_hash_cfg *cfg, const char **why)
{
    if (!ctx->gpu_tried) {
        ctx->gpu_tried = true;
        if (omsig_engine_gpu.probe(ctx->gpu_why, sizeof ctx->gpu_why))
            ctx->gpu = omsig_engine_gpu.create(cfg, ctx->gpu_why, sizeof ctx->gpu_why);
    }
    *why = ctx->gpu_why;
    return ctx->gpu;
}

/* ---- one-shot calls ------------------------------------------------------------------------ */

typedef omsig_status (*ctx_call)(omsig_ctx *, const omsig_options *, omsig_report **);

static omsig_status one_shot(ctx_call call, const omsig_options *o, omsig_report **rep)
{
    omsig_ctx *ctx = omsig_ctx_new();
    if (!ctx) {
        if (rep) *rep = NULL;
        return OMSIG_E_NOMEM;
    }
    const omsig_status st = call(ctx, o, rep);
    omsig_ctx_free(ctx);
    return st;
}

omsig_status omsig_verify(const omsig_options *o, omsig_report **rep)
{
    return one_shot(omsig_ctx_verify, o, rep);
}

omsig_status omsig_verify_to(const omsig_options *o, const omsig_sink *sink, omsig_report **rep)
{
    omsig_ctx *ctx = omsig_ctx_new();
    if (!ctx) {
        if (rep) *rep = NULL;
        return OMSIG_E_NOMEM;
    }
    const omsig_status st = omsig_ctx_verify_to(ctx, o, sink, rep);
    omsig_ctx_free(ctx);
    return st;
}

omsig_status omsig_sign(const omsig_options *o, omsig_report **rep)
{
    return one_shot(omsig_ctx_sign, o, rep);
}

omsig_status omsig_digest(const omsig_options *o, omsig_report **rep)
{
    return one_shot(omsig_ctx_digest, o, rep);
}
