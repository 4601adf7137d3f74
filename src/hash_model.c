/* SPDX-License-Identifier: Apache-2.0 */
/* hash_model.c - hashes a whole model as the signer records it (files or shards, in the
 * reference signer's order) and computes its root digest: shared by sign and digest. */
#define _GNU_SOURCE
#include "omsig_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

omsig_status omsig_hash_model(const omsig_options *o, omsig_manifest *man, char **model_name,
                              omsig_report *r)
{
    memset(man, 0, sizeof *man);
    man->method = o->serialization;
    man->hash = o->hash;
    man->shard_size = o->serialization == OMSIG_SERIAL_SHARDS ? o->shard_size : 0;
    man->allow_symlinks = o->allow_symlinks != 0;
    if (o->hash == OMSIG_HASH_BLAKE3)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                          "Hash type 'blake3' is not supported by omsig (sha256 and blake2b are)");
    if (man->method == OMSIG_SERIAL_SHARDS && man->shard_size == 0)
        return omsig_fail(r, OMSIG_E_USAGE, "the shard size must be at least 1 byte");

    omsig_model model;
    omsig_plan plan = {0};
    omsig_status st = omsig_model_open(&model, o, r);
    if (st != OMSIG_OK || (st = omsig_model_add_user_ignores(&model, o, r)) != OMSIG_OK ||
        (st = omsig_model_walk(&model, r)) != OMSIG_OK)
        goto out;
    omsig_model_sort(&model); /* component-wise path order; shards by offset below */

    size_t n = 0;
    const bool shards = man->method == OMSIG_SERIAL_SHARDS;
    for (size_t i = 0; i < model.n_files; i++) {
        if (!omsig_utf8_valid(model.files[i].path, strlen(model.files[i].path))) {
            char *d = omsig_model_display(&model, model.files[i].path);
            st = omsig_fail(r, OMSIG_E_MODEL_PATH,
                            "Cannot sign '%s': its name is not valid UTF-8", d ? d : "?");
            free(d);
            goto out;
        }
        n += omsig_range_count(model.files[i].size, man->shard_size);
    }
    if (n > OMSIG_MAX_RESOURCES) {
        st = omsig_fail(r, OMSIG_E_LIMIT, "Too many resources (more than %u)", OMSIG_MAX_RESOURCES);
        goto out;
    }
    man->res = calloc(n ? n : 1, sizeof *man->res);
    if (!man->res || omsig_plan_init(&plan, n) != OMSIG_OK) goto nomem;
    for (size_t i = 0; i < model.n_files; i++) {
        const omsig_file *f = &model.files[i];
        for (uint64_t k = 0; k < omsig_range_count(f->size, man->shard_size); k++) {
            uint64_t s, e;
            omsig_range(f->size, man->shard_size, k, &s, &e);
            omsig_resource *res = &man->res[man->n_res];
            res->path = omsig_strdup(f->path);
            res->start = s;
            res->end = e;
            if (shards) {
                if (asprintf(&res->name, "%s:%llu:%llu", f->path, (unsigned long long)s,
                             (unsigned long long)e) < 0)
                    res->name = NULL;
            } else {
                res->name = omsig_strdup(f->path);
            }
            man->n_res++;
            if (!res->path || !res->name) goto nomem;
            res->digest_len = omsig_hash_size(man->hash);
            plan.streams[man->n_res - 1] =
                (omsig_stream){.file = f, .offset = s, .length = e - s, .hash = man->hash};
        }
    }
    omsig_plan_finish(&plan);
    const double t0 = omsig_now();
    omsig_engine_args args = {.model = &model, .plan = &plan, .opt = o, .rep = r};
    if ((st = omsig_engine_run(&args)) != OMSIG_OK) goto out;
    r->hash_seconds = omsig_now() - t0;
    r->files = n;
    r->bytes = plan.total_bytes;
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
    st = omsig_fail(r, OMSIG_E_NOMEM, "out of memory");
out:
    omsig_plan_free(&plan);
    omsig_model_close(&model);
    return st;
}

omsig_status omsig_digest(const omsig_options *o, omsig_report **out)
{
    omsig_report *r = omsig_report_new();
    if (out) *out = r;
    if (!r) return OMSIG_E_NOMEM;
    const double t0 = omsig_now();
    omsig_manifest man;
    const omsig_status st = o && o->model_path
                                ? omsig_hash_model(o, &man, NULL, r)
                                : omsig_fail(r, OMSIG_E_USAGE, "a model path is required");
    if (o && o->model_path) omsig_manifest_free(&man);
    r->seconds = omsig_now() - t0;
    if (!out) omsig_report_free(r);
    return st;
}
