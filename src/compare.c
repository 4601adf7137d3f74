/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compare.c - hashes the model against the expected manifest and reports, in the reference's
 * words, which files are extra, missing or different.  Only files both sides name are read.
 */
#define _GNU_SOURCE
#include "omsig_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES_IN_MESSAGE 200 /* the report keeps them all; the message line stays short */

typedef struct match {
    const char *path;
    uint64_t start, end;
    size_t res;        /* index into the manifest */
    size_t file;       /* index into the model's files */
} match;

static int cmp_key(const char *pa, uint64_t sa, const char *pb, uint64_t sb)
{
    const int c = strcmp(pa, pb);
    if (c) return c;
    return sa < sb ? -1 : sa > sb;
}

static const omsig_manifest *g_m; /* qsort context */
static int cmp_res_idx(const void *a, const void *b)
{
    const omsig_resource *x = &g_m->res[*(const size_t *)a], *y = &g_m->res[*(const size_t *)b];
    return cmp_key(x->path, x->start, y->path, y->start);
}

static const match *g_found;
static int cmp_mism(const void *a, const void *b)
{
    return strcmp(g_m->res[g_found[*(const size_t *)a].res].name,
                  g_m->res[g_found[*(const size_t *)b].res].name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *shard_name(const char *path, uint64_t s, uint64_t e)
{
    char *out = NULL;
    if (asprintf(&out, "%s:%llu:%llu", path, (unsigned long long)s, (unsigned long long)e) < 0)
        return NULL;
    return out;
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
    qsort(names, n, sizeof *names, cmp_str);
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

omsig_status omsig_verify_model(const omsig_options *o, const omsig_manifest *man,
                                omsig_report *r)
{
    omsig_model model;
    omsig_plan plan = {0};
    match *found = NULL;
    size_t *by_key = NULL;
    bool *seen = NULL;
    char **extra = NULL, **missing = NULL;
    size_t n_extra = 0, n_missing = 0, n_found = 0, n_shards = 0;
    omsig_buf msg = {0};
    omsig_status st = omsig_model_open(&model, o, r);
    if (st != OMSIG_OK) goto out;
    for (size_t i = 0; i < man->n_ignore_paths && st == OMSIG_OK; i++)
        if (omsig_model_add_ignore(&model, man->ignore_paths[i]) != OMSIG_OK)
            st = omsig_fail(r, OMSIG_E_NOMEM, "out of memory");
    if (st != OMSIG_OK || (st = omsig_model_add_user_ignores(&model, o, r)) != OMSIG_OK) goto out;

    /* expected resources sorted by (path, start) for lookups */
    by_key = malloc((man->n_res ? man->n_res : 1) * sizeof *by_key);
    seen = calloc(man->n_res ? man->n_res : 1, sizeof *seen);
    if (!by_key || !seen) goto nomem;
    for (size_t i = 0; i < man->n_res; i++) by_key[i] = i;
    g_m = man;
    qsort(by_key, man->n_res, sizeof *by_key, cmp_res_idx);
    g_m = NULL;

    if (o->ignore_unsigned_files) {
        const char **paths = malloc((man->n_res ? man->n_res : 1) * sizeof *paths);
        if (!paths) goto nomem;
        size_t n = 0;
        for (size_t i = 0; i < man->n_res; i++) {
            const char *p = man->res[by_key[i]].path;
            if (n == 0 || strcmp(paths[n - 1], p) != 0) paths[n++] = p;
        }
        st = omsig_model_stat_list(&model, paths, n, r);
        free(paths);
    } else {
        st = omsig_model_walk(&model, r);
    }
    if (st != OMSIG_OK) goto out;

    /* A single-file model is "." to the reference and its basename to the OMS spec. */
    if (model.single_name && model.n_files == 1 && man->n_res > 0 &&
        strcmp(man->res[0].path, model.single_name) == 0) {
        char *b = omsig_strdup(model.single_name);
        if (!b) goto nomem;
        free(model.files[0].path);
        model.files[0].path = b;
    }

    /* the actual side: one item per file, or per shard of each file */
    const bool shards = man->method == OMSIG_SERIAL_SHARDS;
    const uint64_t shard_size = shards ? man->shard_size : 0;
    for (size_t i = 0; i < model.n_files; i++)
        n_shards += omsig_range_count(model.files[i].size, shard_size);
    found = malloc((n_shards ? n_shards : 1) * sizeof *found);
    extra = malloc((n_shards ? n_shards : 1) * sizeof *extra);
    missing = malloc((man->n_res ? man->n_res : 1) * sizeof *missing);
    if (!found || !extra || !missing) goto nomem;
    for (size_t i = 0; i < model.n_files; i++) {
        const omsig_file *f = &model.files[i];
        for (uint64_t k = 0; k < omsig_range_count(f->size, shard_size); k++) {
            uint64_t s, e;
            omsig_range(f->size, shard_size, k, &s, &e);
            size_t lo = 0, hi = man->n_res;
            while (lo < hi) {
                const size_t mid = (lo + hi) / 2;
                const omsig_resource *x = &man->res[by_key[mid]];
                if (cmp_key(x->path, x->start, f->path, s) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            const omsig_resource *x = lo < man->n_res ? &man->res[by_key[lo]] : NULL;
            if (x && cmp_key(x->path, x->start, f->path, s) == 0 && (!shards || x->end == e)) {
                found[n_found++] = (match){f->path, s, e, by_key[lo], i};
                seen[by_key[lo]] = true;
            } else {
                char *nm = shards ? shard_name(f->path, s, e) : omsig_strdup(f->path);
                if (!nm) goto nomem;
                extra[n_extra++] = nm;
            }
        }
    }
    for (size_t i = 0; i < man->n_res; i++)
        if (!seen[i] && !(missing[n_missing++] = omsig_strdup(man->res[i].name))) goto nomem;

    /* hash what both sides name */
    if (omsig_plan_init(&plan, n_found) != OMSIG_OK) goto nomem;
    for (size_t i = 0; i < n_found; i++)
        plan.streams[i] = (omsig_stream){.file = &model.files[found[i].file],
                                         .offset = found[i].start,
                                         .length = found[i].end - found[i].start,
                                         .hash = man->hash};
    omsig_plan_finish(&plan);
    const double t0 = omsig_now();
    omsig_engine_args args = {.model = &model, .plan = &plan, .opt = o, .rep = r};
    if ((st = omsig_engine_run(&args)) != OMSIG_OK) goto out;
    r->hash_seconds = omsig_now() - t0;
    r->files = n_found;
    r->bytes = plan.total_bytes;

    /* the verdict, worded and ordered as the reference words and orders it */
    size_t *mism = malloc((n_found ? n_found : 1) * sizeof *mism);
    if (!mism) goto nomem;
    size_t n_mism = 0;
    for (size_t i = 0; i < n_found; i++) {
        const omsig_resource *x = &man->res[found[i].res];
        if (memcmp(x->digest, plan.streams[i].digest, x->digest_len) != 0) mism[n_mism++] = i;
    }
    if (n_extra == 0 && n_missing == 0 && n_mism == 0) {
        free(mism);
        goto out;
    }
    /* sort mismatches by resource name */
    g_found = found;
    g_m = man;
    qsort(mism, n_mism, sizeof *mism, cmp_mism);
    g_m = NULL;
    char alg[OMSIG_ALGORITHM_MAX];
    omsig_resource_algorithm(man, alg);
    omsig_buf_puts(&msg, "Signature mismatch: [");
    if (n_extra) names_item(&msg, "Extra", model.name, extra, n_extra);
    if (n_missing) names_item(&msg, "Missing", model.name, missing, n_missing);
    for (size_t i = 0; i < n_extra; i++)
        omsig_report_add_problem(r, OMSIG_PROBLEM_EXTRA, extra[i], "", "");
    for (size_t i = 0; i < n_missing; i++)
        omsig_report_add_problem(r, OMSIG_PROBLEM_MISSING, missing[i], "", "");
    for (size_t k = 0; k < n_mism; k++) {
        const size_t i = mism[k];
        const omsig_resource *x = &man->res[found[i].res];
        char eh[2 * OMSIG_MAX_DIGEST_BYTES + 1], ah[2 * OMSIG_MAX_DIGEST_BYTES + 1];
        omsig_hex(x->digest, x->digest_len, eh);
        omsig_hex(plan.streams[i].digest, x->digest_len, ah);
        omsig_report_add_problem(r, OMSIG_PROBLEM_MISMATCH, x->name, eh, ah);
        if (k >= MAX_NAMES_IN_MESSAGE) continue;
        omsig_buf item = {0};
        omsig_buf_printf(&item, "Hash mismatch for '%s': Expected '", x->name);
        digest_repr(&item, alg, x->digest, x->digest_len);
        omsig_buf_puts(&item, "', Actual '");
        digest_repr(&item, alg, plan.streams[i].digest, x->digest_len);
        omsig_buf_puts(&item, "'");
        if (msg.len > sizeof "Signature mismatch: [" - 1) omsig_buf_puts(&msg, ", ");
        if (item.data) omsig_py_repr_str(&msg, item.data);
        omsig_buf_free(&item);
    }
    if (n_mism > MAX_NAMES_IN_MESSAGE)
        omsig_buf_printf(&msg, ", '... (%zu more mismatches)'", n_mism - MAX_NAMES_IN_MESSAGE);
    omsig_buf_puts(&msg, "]");
    free(mism);
    st = omsig_fail(r, OMSIG_E_DIGEST_MISMATCH, "%s", msg.data ? msg.data : "Signature mismatch");
    goto out;
nomem:
    st = omsig_fail(r, OMSIG_E_NOMEM, "out of memory");
out:
    omsig_buf_free(&msg);
    for (size_t i = 0; i < n_extra; i++) free(extra[i]);
    for (size_t i = 0; i < n_missing; i++) free(missing[i]);
    free(extra);
    free(missing);
    free(found);
    free(by_key);
    free(seen);
    omsig_plan_free(&plan);
    omsig_model_close(&model);
    return st;
}
