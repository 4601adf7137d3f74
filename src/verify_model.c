/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify_model.c - the last step of verify: hashes the model against the expected manifest and reports, in the reference's
 * words, which files are extra, missing or different.  Only files both sides name are read.
 */
#define _GNU_SOURCE
#include "context.h"
#include "hooks.h"
#include "model_hash.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NAMES_IN_MESSAGE 200 /* the report keeps them all; the message line stays short */

/* Mismatches (indices into the plan's streams) ordered by resource name. */
static int cmp_mism(const void *a, const void *b, void *ctx)
{
    const omsig_plan *p = ((const void *const *)ctx)[0];
    const omsig_manifest *m = ((const void *const *)ctx)[1];
    return strcmp(m->res[p->streams[*(const size_t *)a].res].name,
                  m->res[p->streams[*(const size_t *)b].res].name);
}

static void digest_repr(omsig_buf *b, const char *alg, const uint8_t *d, size_t n)
{
    omsig_buf_puts(b, "Digest(algorithm=");
    omsig_py_repr_str(b, alg);
    omsig_buf_puts(b, ", digest_value=");
    omsig_py_repr_bytes(b, d, n);
    omsig_buf_puts(b, ")");
}

/* One "Extra files found ..." / "Missing files ..." item: names sorted, joined with ", ". */
static int names_item(omsig_buf *items, const char *what, const char *model, char **names,
                      size_t n)
{
    qsort(names, n, sizeof *names, omsig_str_cmp);
    omsig_buf s = {0};
    omsig_buf_printf(&s, "%s files %s model '%s': ", what,
                     strcmp(what, "Extra") == 0 ? "found in" : "in", model);
    for (size_t i = 0; i < n && i < MAX_NAMES_IN_MESSAGE; i++)
        omsig_buf_printf(&s, "%s%s", i ? ", " : "", names[i]);
    if (n > MAX_NAMES_IN_MESSAGE)
        omsig_buf_printf(&s, ", ... (%zu more)", n - MAX_NAMES_IN_MESSAGE);
    if (items->len > sizeof "Signature mismatch: [" - 1) omsig_buf_puts(items, ", ");
    const int rc = s.data ? omsig_py_repr_str(items, s.data) : -1;
    omsig_buf_free(&s);
    return rc;
}

/* "Signature mismatch: [...]": extra, missing, then each mismatch, as the reference words it. */
static omsig_status mismatch_verdict(const omsig_manifest *man, const omsig_model *model,
                                     const omsig_plan *plan, omsig_plan_diff *d, size_t *mism,
                                     size_t n_mism, omsig_report *r)
{
    const void *ctx[2] = {plan, man};
    omsig_sort(mism, n_mism, sizeof *mism, cmp_mism, ctx);
    char **missing = omsig_reallocarray(NULL, d->n_missing, sizeof *missing);
    if (!missing) return omsig_nomem(r);
    for (size_t i = 0; i < d->n_missing; i++) missing[i] = man->res[d->missing[i]].name;
    char alg[OMSIG_ALGORITHM_MAX];
    omsig_resource_algorithm(man, alg);
    omsig_buf msg = {0};
    omsig_buf_puts(&msg, "Signature mismatch: [");
    if (d->n_extra) names_item(&msg, "Extra", model->name, d->extra, d->n_extra);
    if (d->n_missing) names_item(&msg, "Missing", model->name, missing, d->n_missing);
    omsig_status st = OMSIG_OK;
    for (size_t i = 0; i < d->n_extra && st == OMSIG_OK; i++)
        st = omsig_report_add_problem(r, OMSIG_PROBLEM_EXTRA, d->extra[i], "", "");
    for (size_t i = 0; i < d->n_missing && st == OMSIG_OK; i++)
        st = omsig_report_add_problem(r, OMSIG_PROBLEM_MISSING, missing[i], "", "");
    for (size_t k = 0; k < n_mism && st == OMSIG_OK; k++) {
        const omsig_stream *s = &plan->streams[mism[k]];
        const omsig_resource *x = &man->res[s->res];
        char eh[2 * OMSIG_MAX_DIGEST_BYTES + 1], ah[2 * OMSIG_MAX_DIGEST_BYTES + 1];
        omsig_hex(x->digest, x->digest_len, eh);
        omsig_hex(s->digest, x->digest_len, ah);
        st = omsig_report_add_problem_sized(r, OMSIG_PROBLEM_MISMATCH, x->name, eh, ah,
                                            s->length);
        if (st != OMSIG_OK || k >= MAX_NAMES_IN_MESSAGE) continue;
        omsig_buf item = {0};
        omsig_buf_printf(&item, "Hash mismatch for '%s': Expected '", x->name);
        digest_repr(&item, alg, x->digest, x->digest_len);
        omsig_buf_puts(&item, "', Actual '");
        digest_repr(&item, alg, s->digest, x->digest_len);
        omsig_buf_puts(&item, "'");
        if (msg.len > sizeof "Signature mismatch: [" - 1) omsig_buf_puts(&msg, ", ");
        if (item.data) omsig_py_repr_str(&msg, item.data);
        omsig_buf_free(&item);
    }
    if (n_mism > MAX_NAMES_IN_MESSAGE)
        omsig_buf_printf(&msg, ", '... (%zu more mismatches)'", n_mism - MAX_NAMES_IN_MESSAGE);
    omsig_buf_puts(&msg, "]");
    free(missing);
    if (st == OMSIG_OK)
        st = omsig_fail(r, OMSIG_E_DIGEST_MISMATCH, "%s",
                        msg.data ? msg.data : "Signature mismatch");
    omsig_buf_free(&msg);
    return st;
}

/* The model's root digest, as a digest of it would give, when it holds exactly the manifest's
 * resources (extra files are not read, so then there is none): the manifest's resources, in
 * its order, with the digests just computed.  When every digest matched, that is the
 * manifest's own root, already computed from the same bytes. */
static omsig_status computed_root(const omsig_manifest *man, const omsig_plan *plan,
                                  const omsig_plan_diff *d, size_t n_mism, omsig_report *r)
{
    if (d->n_extra || d->n_missing || man->n_res == 0) return OMSIG_OK;
    if (n_mism == 0) { /* no resource is missing, so every one was hashed */
        memcpy(r->root_digest, man->root_hex, sizeof r->root_digest);
        return OMSIG_OK;
    }
    omsig_resource *res = omsig_reallocarray(NULL, man->n_res, sizeof *res);
    bool *seen = calloc(man->n_res, sizeof *seen);
    if (!res || !seen) {
        free(res);
        free(seen);
        return omsig_nomem(r);
    }
    memcpy(res, man->res, man->n_res * sizeof *res);
    size_t covered = 0;
    for (size_t i = 0; i < plan->n_streams; i++) {
        const size_t k = plan->streams[i].res;
        memcpy(res[k].digest, plan->streams[i].digest, res[k].digest_len);
        covered += !seen[k];
        seen[k] = true;
    }
    if (covered == man->n_res) omsig_root_digest(res, man->n_res, r->root_digest);
    free(res);
    free(seen);
    return OMSIG_OK;
}

/* The files to compare: the whole tree, or with --ignore_unsigned_files only those the
 * manifest names. */
static omsig_status list_model(omsig_model *model, const omsig_options *o,
                               const omsig_manifest *man, omsig_report *r)
{
    if (!o->ignore_unsigned_files) return omsig_model_walk(model, r);
    const char **paths = omsig_reallocarray(NULL, man->n_res, sizeof *paths);
    if (!paths) return omsig_nomem(r);
    size_t n = 0;
    for (size_t i = 0; i < man->n_res; i++) paths[n++] = man->res[i].path;
    qsort(paths, n, sizeof *paths, omsig_str_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(paths[k - 1], paths[i]) != 0) paths[k++] = paths[i];
    const omsig_status st = omsig_model_stat_list(model, paths, k, r);
    free(paths);
    return st;
}

omsig_status omsig_verify_model(omsig_ctx *ctx, const omsig_options *o,
                                const omsig_manifest *man, omsig_model *walked,
                                const omsig_plan_index *ix, const omsig_sink *sink,
                                omsig_report *r)
{
    omsig_model model;
    omsig_plan plan = {0};
    omsig_plan_diff diff = {0};
    size_t *mism = NULL;
    omsig_status st = OMSIG_OK;
    if (walked) /* listed early with the user's ignore paths: drop what the manifest ignores */
        model = *walked;
    else
        st = omsig_model_open(&model, o, r);
    if (st != OMSIG_OK) goto out;
    const size_t walk_ignores = model.n_ignore; /* what the walk has applied already */
    for (size_t i = 0; i < man->n_ignore_paths && st == OMSIG_OK; i++)
        if (omsig_model_add_ignore(&model, man->ignore_paths[i]) != OMSIG_OK)
            st = omsig_nomem(r);
    if (st != OMSIG_OK) goto out;
    if ((st = omsig_model_warn_unmatched_ignores(&model, o, r)) != OMSIG_OK) goto out;
    if (walked)
        omsig_model_drop_ignored(&model, walk_ignores);
    else if ((st = omsig_model_add_user_ignores(&model, o, r)) != OMSIG_OK ||
             (st = list_model(&model, o, man, r)) != OMSIG_OK)
        goto out;

    /* A single-file model is "." to the reference and its basename to the OMS spec. */
    if (model.single_name && model.n_files == 1 && man->n_res > 0 &&
        strcmp(man->res[0].path, model.single_name) == 0) {
        char *b = omsig_strdup(model.single_name);
        if (!b) goto nomem;
        free(model.files[0].path);
        model.files[0].path = b;
    }
    if ((st = omsig_plan_expected(&plan, &diff, &model, man, ix, r)) != OMSIG_OK) goto out;
    for (size_t i = 0; i < diff.n_empty_unlisted; i++) {
        char *dn = omsig_model_display(&model, diff.empty_unlisted[i]);
        omsig_warn(r, "Empty file '%s' is not covered by the manifest: a shards manifest has no "
                      "entry for an empty file, so it was neither signed nor checked",
                   dn ? dn : diff.empty_unlisted[i]);
        free(dn);
    }
    omsig_hook_pause("OMSIG_HOOK_PAUSE_BEFORE_READ"); /* hooks.h */
    if ((st = omsig_hash_plan(ctx, o, &model, &plan, sink, r)) != OMSIG_OK) goto out;

    /* the verdict, worded and ordered as the reference words and orders it */
    if (!(mism = omsig_reallocarray(NULL, plan.n_streams, sizeof *mism))) goto nomem;
    size_t n_mism = 0;
    for (size_t i = 0; i < plan.n_streams; i++) {
        const omsig_resource *x = &man->res[plan.streams[i].res];
        if (memcmp(x->digest, plan.streams[i].digest, x->digest_len) != 0) mism[n_mism++] = i;
    }
    if ((st = computed_root(man, &plan, &diff, n_mism, r)) != OMSIG_OK) goto out;
    if (diff.n_extra || diff.n_missing || n_mism)
        st = mismatch_verdict(man, &model, &plan, &diff, mism, n_mism, r);
    goto out;
nomem:
    st = omsig_nomem(r);
out:
    free(mism);
    omsig_plan_diff_free(&diff);
    omsig_plan_free(&plan);
    omsig_model_close(&model);
    return st;
}
