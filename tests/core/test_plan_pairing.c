/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_plan_pairing.c - verify's pairing of the model's files with the manifest's resources
 * (omsig_plan_expected) against a plain search over every resource: files and shards
 * manifests, listed in order and shuffled, small (binary searches) and large (the hash table),
 * with resources the model lacks, files the manifest lacks, duplicates and wrong shards.  Every
 * stream must pair the file's range with the resource the plain search finds, and the extra
 * and missing counts must agree.
 */
#define _GNU_SOURCE
#include "plan.h"
#include "report.h"
#include "statement.h"
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail;

#define CHECK(c, ...)                                                                            \
    do {                                                                                         \
        if (!(c)) {                                                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                 \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
            g_fail = 1;                                                                          \
        }                                                                                        \
    } while (0)

static unsigned g_seed = 12345;
static unsigned rnd(unsigned n)
{
    g_seed = g_seed * 1103515245u + 12345u;
    return (g_seed >> 8) % n;
}

/* The resource the plain search pairs with range [s, e) of path: the first, in (path, start)
 * order and then listed order, whose path, start and end match and that no earlier range
 * took; SIZE_MAX when none does. */
static size_t plain_find(const omsig_manifest *man, const size_t *sorted, const bool *taken,
                         const char *path, uint64_t s, uint64_t e)
{
    for (size_t j = 0; j < man->n_res; j++) {
        const omsig_resource *x = &man->res[sorted[j]];
        if (strcmp(x->path, path) != 0 || x->start != s) continue;
        if (man->method == OMSIG_SERIAL_SHARDS && x->end != e) continue;
        if (taken[sorted[j]]) return SIZE_MAX; /* a duplicate of a paired shard stays missing */
        return sorted[j];
    }
    return SIZE_MAX;
}

static const omsig_manifest *g_man;
static int cmp_res(const void *a, const void *b)
{
    const omsig_resource *x = &g_man->res[*(const size_t *)a], *y = &g_man->res[*(const size_t *)b];
    const int c = strcmp(x->path, y->path);
    if (c) return c;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void run_case(const char *what, size_t n_files, uint64_t shard, bool shuffle)
{
    omsig_model m = {.root_fd = -1};
    m.files = calloc(n_files, sizeof *m.files);
    m.n_files = n_files;
    for (size_t i = 0; i < n_files; i++) {
        if (asprintf(&m.files[i].path, "d%03zu/f%06zu.bin", i % 17, i) < 0) abort();
        m.files[i].size = shard ? rnd(4 * (unsigned)shard) : rnd(1000);
    }
    /* the manifest: most files' ranges, some twice, some wrong, some files left out, some
     * resources naming no file */
    size_t cap = 8 * n_files + 64, n = 0;
    omsig_resource *res = calloc(cap, sizeof *res);
    for (size_t i = 0; i < n_files; i++) {
        const omsig_file *f = &m.files[i];
        if (rnd(10) == 0) continue; /* an extra file */
        const uint64_t k_end = omsig_range_count(f->size, shard);
        for (uint64_t k = 0; k < k_end && n + 3 < cap; k++) {
            uint64_t s, e;
            omsig_range(f->size, shard, k, &s, &e);
            if (shard && rnd(8) == 0) continue;  /* an extra shard */
            if (shard && rnd(12) == 0) e += 1;   /* a wrong shard: missing, and k extra */
            res[n++] = (omsig_resource){.path = f->path, .start = s, .end = e};
            if (rnd(15) == 0) res[n++] = (omsig_resource){.path = f->path, .start = s, .end = e};
        }
    }
    for (size_t i = 0; i < n_files / 10 + 1 && n < cap; i++) { /* not in the model */
        char *p;
        if (asprintf(&p, "gone/%04zu", i) < 0) abort();
        res[n++] = (omsig_resource){.path = p, .start = 0, .end = shard ? 1 : 0};
    }
    omsig_manifest man = {.method = shard ? OMSIG_SERIAL_SHARDS : OMSIG_SERIAL_FILES,
                          .hash = OMSIG_HASH_SHA256, .shard_size = shard, .res = res, .n_res = n};
    size_t *sorted = malloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i] = i;
    g_man = &man;
    qsort(sorted, n, sizeof *sorted, cmp_res);
    if (!shuffle) { /* listed in order, as signers write them */
        omsig_resource *o = malloc(n * sizeof *o);
        for (size_t i = 0; i < n; i++) o[i] = res[sorted[i]];
        memcpy(res, o, n * sizeof *o);
        free(o);
        for (size_t i = 0; i < n; i++) sorted[i] = i;
    } else { /* the model's files in another order too */
        for (size_t i = n_files; i > 1; i--) {
            const size_t j = rnd((unsigned)i);
            const omsig_file t = m.files[i - 1];
            m.files[i - 1] = m.files[j];
            m.files[j] = t;
        }
    }

    omsig_plan plan;
    omsig_plan_diff diff;
    omsig_report rep;
    memset(&rep, 0, sizeof rep);
    /* half the cases with an index built beforehand, as verify builds it during the walk */
    omsig_plan_index ix = {0};
    const bool prebuilt = n_files % 2 == 0 && omsig_plan_index_build(&ix, &man, &rep) == OMSIG_OK;
    const omsig_status st =
        omsig_plan_expected(&plan, &diff, &m, &man, prebuilt ? &ix : NULL, &rep);
    omsig_plan_index_free(&ix);
    CHECK(st == OMSIG_OK, "%s: status %d", what, (int)st);
    if (st != OMSIG_OK) goto out;

    /* the plain search, file by file in the model's order */
    bool *taken = calloc(n, sizeof *taken);
    size_t n_streams = 0, n_extra_ranges = 0;
    for (size_t i = 0; i < n_files; i++) {
        const omsig_file *f = &m.files[i];
        const uint64_t k_end = omsig_range_count(f->size, shard);
        for (uint64_t k = 0; k < k_end; k++) {
            uint64_t s, e;
            omsig_range(f->size, shard, k, &s, &e);
            const size_t want = plain_find(&man, sorted, taken, f->path, s, e);
            if (want == SIZE_MAX) {
                n_extra_ranges++;
                continue;
            }
            taken[want] = true;
            bool found = false;
            for (size_t j = 0; j < plan.n_streams && !found; j++) {
                const omsig_stream *x = &plan.streams[j];
                found = x->file == f && x->offset == s && x->length == e - s;
                if (found) /* the resource itself, or a duplicate of it listed elsewhere */
                    CHECK(x->res < n && strcmp(res[x->res].path, res[want].path) == 0 &&
                              res[x->res].start == res[want].start &&
                              (!shard || res[x->res].end == res[want].end),
                          "%s: %s [%llu, %llu) paired with %zu, not %zu", what, f->path,
                          (unsigned long long)s, (unsigned long long)e, x->res, want);
            }
            CHECK(found, "%s: %s [%llu, %llu) not planned", what, f->path,
                  (unsigned long long)s, (unsigned long long)e);
            n_streams++;
        }
    }
    size_t n_missing = 0;
    for (size_t i = 0; i < n; i++) n_missing += !taken[i];
    CHECK(plan.n_streams == n_streams, "%s: %zu streams, want %zu", what, plan.n_streams,
          n_streams);
    CHECK(diff.n_missing == n_missing, "%s: %zu missing, want %zu", what, diff.n_missing,
          n_missing);
    if (!shard) /* a files manifest names each extra file; shards may be summed up in runs */
        CHECK(diff.n_extra == n_extra_ranges, "%s: %zu extra, want %zu", what, diff.n_extra,
              n_extra_ranges);
    else
        CHECK((diff.n_extra == 0) == (n_extra_ranges == 0), "%s: %zu extra names for %zu ranges",
              what, diff.n_extra, n_extra_ranges);
    free(taken);
    omsig_plan_free(&plan);
    omsig_plan_diff_free(&diff);
out:
    for (size_t i = 0; i < n; i++)
        if (strncmp(res[i].path, "gone/", 5) == 0) free(res[i].path);
    for (size_t i = 0; i < n_files; i++) free(m.files[i].path);
    free(m.files);
    free(res);
    free(sorted);
    printf("%s: %zu files, %zu resources\n", what, n_files, n);
}

int main(void)
{
    run_case("files, 40, in order", 40, 0, false);
    run_case("files, 40, shuffled", 40, 0, true);
    run_case("files, 5000, in order", 5000, 0, false);
    run_case("files, 5000, shuffled", 5000, 0, true);
    run_case("files, 5001, shuffled", 5001, 0, true);
    run_case("shards, 30, in order", 30, 100, false);
    run_case("shards, 30, shuffled", 30, 100, true);
    run_case("shards, 3000, in order", 3000, 100, false);
    run_case("shards, 3000, shuffled", 3000, 100, true);
    if (g_fail) return 1;
    printf("plan pairing: ok\n");
    return 0;
}
