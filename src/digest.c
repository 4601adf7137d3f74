/* SPDX-License-Identifier: Apache-2.0 */
/* digest.c - hashes a whole model as the signer records it (files or shards, in the
 * reference signer's order) and computes its root digest: shared by sign and digest. */
#define _GNU_SOURCE
#include "context.h"
#include "model_hash.h"
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

omsig_status omsig_hash_model(omsig_ctx *ctx, const omsig_options *o, omsig_manifest *man,
                              char **model_name, omsig_report *r)
{
    memset(man, 0, sizeof *man);
    man->method = o->serialization;
    man->hash = o->hash;
    man->shard_size = o->serialization == OMSIG_SERIAL_SHARDS ? o->shard_size : 0;
    man->allow_symlinks = o->allow_symlinks != 0;
    /* as model_signing's use_shard_serialization: blake3 is always files */
    if (man->hash == OMSIG_HASH_BLAKE3 && man->method == OMSIG_SERIAL_SHARDS) {
        man->method = OMSIG_SERIAL_FILES;
        man->shard_size = 0;
    }
    if (man->method == OMSIG_SERIAL_SHARDS && man->shard_size == 0)
        return omsig_fail(r, OMSIG_E_USAGE, "the shard size must be at least 1 byte");

    omsig_model model;
    omsig_plan plan = {0};
    omsig_status st = omsig_model_open(&model, o, r);
    if (st != OMSIG_OK || (st = omsig_model_add_user_ignores(&model, o, r)) != OMSIG_OK ||
        (st = omsig_model_warn_unmatched_ignores(&model, o, r)) != OMSIG_OK ||
        (st = omsig_model_walk(&model, r)) != OMSIG_OK)
        goto out;
    omsig_model_sort(&model); /* component-wise path order; shards by offset below */

    for (size_t i = 0; i < model.n_files; i++) {
        if (!omsig_utf8_valid(model.files[i].path, strlen(model.files[i].path))) {
            char *d = omsig_model_display(&model, model.files[i].path);
            st = omsig_fail(r, OMSIG_E_MODEL_PATH,
                            "Cannot sign '%s': its name is not valid UTF-8", d ? d : "?");
            free(d);
            goto out;
        }
    }
    if ((st = omsig_plan_all(&plan, &model, man->shard_size, man->hash, r)) != OMSIG_OK) goto out;
    if (!(man->res = omsig_reallocarray(NULL, plan.n_streams, sizeof *man->res))) goto nomem;
    memset(man->res, 0, (plan.n_streams ? plan.n_streams : 1) * sizeof *man->res);
    for (size_t i = 0; i < plan.n_streams; i++) {
        const omsig_stream *s = &plan.streams[i];
        omsig_resource *res = &man->res[man->n_res++];
        res->path = omsig_strdup(s->file->path);
        res->start = s->offset;
        res->end = s->offset + s->length;
        if (man->method == OMSIG_SERIAL_SHARDS) {
            if (asprintf(&res->name, "%s:%llu:%llu", s->file->path, (unsigned long long)res->start,
                         (unsigned long long)res->end) < 0)
                res->name = NULL;
        } else {
            res->name = omsig_strdup(s->file->path);
        }
        if (!res->path || !res->name) goto nomem;
        res->digest_len = omsig_hash_size(man->hash);
    }
    if ((st = omsig_hash_plan(ctx, o, &model, &plan, NULL, r)) != OMSIG_OK) goto out;
    for (size_t i = 0; i < man->n_res; i++)
        memcpy(man->res[i].digest, plan.streams[i].digest, man->res[i].digest_len);
    omsig_root_digest(man->res, man->n_res, man->root_hex);
    memcpy(r->root_digest, man->root_hex, sizeof r->root_digest);
    /* record the ignore paths as the signer does (all of them, git defaults included) */
    if (model.n_ignore) {
        man->ignore_paths = calloc(model.n_ignore, sizeof *man->ignore_paths);
        if (!man->ignore_paths) goto nomem;
        for (size_t i = 0; i < model.n_ignore; i++) {
            bool dup = false;
            for (size_t j = 0; j < man->n_ignore_paths && !dup; j++)
                dup = strcmp(man->ignore_paths[j], model.ignore[i]) == 0;
            if (dup) continue;
            if (!(man->ignore_paths[man->n_ignore_paths] = omsig_strdup(model.ignore[i])))
                goto nomem;
            man->n_ignore_paths++;
        }
    }
    if (model_name && !(*model_name = omsig_strdup(model.name))) goto nomem;
    goto out;
nomem:
    st = omsig_nomem(r);
out:
    omsig_plan_free(&plan);
    omsig_model_close(&model);
    return st;
}

omsig_status omsig_ctx_digest(omsig_ctx *ctx, const omsig_options *given, omsig_report **out)
{
    omsig_report *r = omsig_report_begin(out);
    if (!r) return OMSIG_E_NOMEM;
    omsig_manifest man;
    omsig_options o;
    omsig_status st = omsig_options_take(given, &o, r);
    if (st == OMSIG_OK && !o.model_path)
        st = omsig_fail(r, OMSIG_E_USAGE, "a model path is required");
    if (st == OMSIG_OK) {
        st = omsig_hash_model(ctx, &o, &man, NULL, r);
        omsig_manifest_free(&man);
    }
    return omsig_ctx_call_done(ctx, omsig_report_end(r, out, st));
}
