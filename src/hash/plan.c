/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plan.c - builds the streams to hash (whole files or shards) for sign, digest and verify, and
 * orders them longest first, so the longest chain starts at once and short ones fill the gaps
 * (LPT).  Verify pairs the model's ranges with the manifest's resources in time and memory
 * bounded by the number of files and resources, whatever size the files claim to have.
 */
#define _GNU_SOURCE
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXTRA_RUN_LISTED 16u /* a longer run of extra shards is reported as one name */

static omsig_status nomem(omsig_report *r) { return omsig_fail(r, OMSIG_E_NOMEM, "out of memory"); }

static omsig_status plan_alloc(omsig_plan *p, size_t n, omsig_report *r)
{
    memset(p, 0, sizeof *p);
    p->streams = omsig_reallocarray(NULL, n, sizeof *p->streams);
    p->order = omsig_reallocarray(NULL, n, sizeof *p->order);
    if (!p->streams || !p->order) {
        omsig_plan_free(p);
        return nomem(r);
    }
    return OMSIG_OK;
}

/* A stream's place in the longest-first order: sorted as a compact pair, not through the
 * streams (100,000 streams of 112 bytes each are 11 MB to reach into at random). */
typedef struct order_key {
    uint64_t length;
    size_t index;
} order_key;

static int cmp_longest(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const order_key *x = a, *y = b;
    if (x->length != y->length) return x->length > y->length ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void plan_finish(omsig_plan *p)
{
    p->total_bytes = 0;
    p->longest = 0;
    bool sorted = true; /* longest first already (every file the same size, say) */
    for (size_t i = 0; i < p->n_streams; i++) {
        const uint64_t len = p->streams[i].length;
        p->order[i] = i;
        /* sparse files can claim 2^63 bytes each: the total saturates instead of wrapping */
        p->total_bytes = p->total_bytes > UINT64_MAX - len ? UINT64_MAX : p->total_bytes + len;
        if (len > p->longest) p->longest = len;
        if (i && len > p->streams[i - 1].length) sorted = false;
    }
    if (sorted) return;
    order_key *k = omsig_reallocarray(NULL, p->n_streams, sizeof *k);
    if (!k) return; /* any order hashes the same, only less evenly spread over the cores */
    for (size_t i = 0; i < p->n_streams; i++) k[i] = (order_key){p->streams[i].length, i};
    omsig_sort(k, p->n_streams, sizeof *k, cmp_longest, NULL);
    for (size_t i = 0; i < p->n_streams; i++) p->order[i] = k[i].index;
    free(k);
}

static void add_stream(omsig_plan *p, const omsig_file *f, uint64_t start, uint64_t end,
                       omsig_hash hash, size_t res)
{
    p->streams[p->n_streams++] = (omsig_stream){
        .file = f, .offset = start, .length = end - start, .hash = hash, .res = res};
}

omsig_status omsig_plan_all(omsig_plan *p, const omsig_model *m, uint64_t shard_size,
                            omsig_hash hash, omsig_report *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->n_files; i++) {
        const uint64_t k = omsig_range_count(m->files[i].size, shard_size);
        if (k > OMSIG_MAX_RESOURCES || (n += k) > OMSIG_MAX_RESOURCES) {
            memset(p, 0, sizeof *p);
            return omsig_fail(r, OMSIG_E_LIMIT, "Too many resources (more than %u)",
                              OMSIG_MAX_RESOURCES);
        }
    }
    OMSIG_FORWARD_IF_ERROR(plan_alloc(p, (size_t)n, r));
    for (size_t i = 0; i < m->n_files; i++) {
        const omsig_file *f = &m->files[i];
        const uint64_t k_end = omsig_range_count(f->size, shard_size);
        for (uint64_t k = 0; k < k_end; k++) {
            uint64_t s, e;
            omsig_range(f->size, shard_size, k, &s, &e);
            add_stream(p, f, s, e, hash, p->n_streams);
        }
    }
    plan_finish(p);
    return OMSIG_OK;
}

/* ---- verify: pairing the model with the manifest ------------------------------------------ */

typedef struct pairing {
    const omsig_manifest *man;
    const omsig_plan_index *ix;
    bool *seen;
    omsig_plan *p;
    omsig_plan_diff *d;
    size_t cap_extra;
    omsig_report *r;
} pairing;

static int cmp_key(const void *a, const void *b, void *ctx)
{
    const omsig_resource *res = ctx;
    const omsig_resource *x = &res[*(const size_t *)a], *y = &res[*(const size_t *)b];
    const int c = strcmp(x->path, y->path);
    if (c) return c;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The resource at sorted place i. */
static inline size_t ix_key(const omsig_plan_index *ix, size_t i)
{
    return ix->by_key ? ix->by_key[i] : i;
}
static inline size_t key(const pairing *pr, size_t i) { return ix_key(pr->ix, i); }

/* First index of by_key whose path is >= path (or > path with after). */
static size_t path_bound(const pairing *pr, const char *path, bool after)
{
    size_t lo = 0, hi = pr->man->n_res;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int c = strcmp(pr->man->res[key(pr, mid)].path, path);
        if (c < 0 || (after && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * A table from path to its run in by_key, so that pairing a model's file costs a hash and one
 * comparison rather than two binary searches.  Its hash is not keyed, so a manifest could be
 * made of colliding names: a probe longer than PROBE_LIMIT gives the table up for the binary
 * searches, which bounds the work whatever the names.
 */
#define PROBE_LIMIT 64

/* Eight bytes at a time: a path of 20 bytes is three multiplies rather than twenty. */
static size_t hash_path(const char *s)
{
    const size_t n = strlen(s);
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    return (size_t)(h ^ (h >> 29));
}

static uint64_t slot_tag(size_t h) { return (uint64_t)h & ~(uint64_t)UINT32_MAX; }

static void build_table(omsig_plan_index *ix)
{
    const size_t n = ix->man->n_res;
    if (n < 64 || n > UINT32_MAX / 4) return;
    size_t slots = 1;
    while (slots < 2 * n) slots *= 2;
    if (!(ix->table = calloc(slots, sizeof *ix->table))) return; /* binary searches */
    ix->mask = slots - 1;
    const omsig_resource *res = ix->man->res;
    for (size_t i = 0; i < n; i++) {
        const char *path = res[ix_key(ix, i)].path;
        if (i && strcmp(res[ix_key(ix, i - 1)].path, path) == 0) continue; /* same run */
        const size_t hv = hash_path(path);
        size_t h = hv & ix->mask, probes = 0;
        while (ix->table[h]) {
            if (++probes > PROBE_LIMIT) {
                free(ix->table);
                ix->table = NULL;
                return;
            }
            h = (h + 1) & ix->mask;
        }
        ix->table[h] = slot_tag(hv) | ((uint64_t)i + 1);
    }
}

omsig_status omsig_plan_index_build(omsig_plan_index *ix, const omsig_manifest *man,
                                    omsig_report *r)
{
    memset(ix, 0, sizeof *ix);
    ix->man = man;
    bool sorted = true; /* as signers write them: no sort needed */
    for (size_t i = 1; i < man->n_res && sorted; i++) {
        const size_t a = i - 1;
        sorted = cmp_key(&a, &i, man->res) <= 0;
    }
    if (!sorted) {
        if (!(ix->by_key = omsig_reallocarray(NULL, man->n_res, sizeof *ix->by_key)))
            return nomem(r);
        for (size_t i = 0; i < man->n_res; i++) ix->by_key[i] = i;
        omsig_sort(ix->by_key, man->n_res, sizeof *ix->by_key, cmp_key, man->res);
    }
    build_table(ix);
    return OMSIG_OK;
}

void omsig_plan_index_free(omsig_plan_index *ix)
{
    free(ix->by_key);
    free(ix->table);
    memset(ix, 0, sizeof *ix);
}

/* The run [*lo, *hi) of by_key that carries path, for a path whose hash_path is hv.  A files
 * manifest pairs a file with the first resource of its run only, so there (with_hi false) the
 * run's end is not looked for and *hi is *lo + 1 when listed. */
static void path_run(const pairing *pr, const char *path, size_t hv, bool with_hi, size_t *lo,
                     size_t *hi)
{
    const omsig_resource *res = pr->man->res;
    const omsig_plan_index *ix = pr->ix;
    if (ix->table) {
        size_t h = hv & ix->mask, probes = 0;
        for (; ix->table[h] && probes <= PROBE_LIMIT; h = (h + 1) & ix->mask, probes++) {
            if (slot_tag(ix->table[h]) != slot_tag(hv)) continue;
            const size_t i = (size_t)(ix->table[h] & UINT32_MAX) - 1;
            if (strcmp(res[key(pr, i)].path, path) != 0) continue;
            size_t j = i + 1;
            while (with_hi && j < pr->man->n_res && strcmp(res[key(pr, j)].path, path) == 0)
                j++;
            *lo = i;
            *hi = j;
            return;
        }
        *lo = *hi = 0; /* not listed (every run is in the table) */
        return;
    }
    *lo = path_bound(pr, path, false);
    *hi = with_hi ? path_bound(pr, path, true) : *lo + (*lo < pr->man->n_res &&
                                                        strcmp(res[key(pr, *lo)].path,
                                                               path) == 0);
}

/* Files looked up at a time: their table slots are fetched ahead, so that the lookups' cache
 * misses overlap instead of following one another. */
#define LOOKUP_BATCH 16

static omsig_status push_name(pairing *pr, char ***v, size_t *n, size_t *cap, char *name)
{
    if (!name) return nomem(pr->r);
    if (*n == *cap) {
        const size_t nc = *cap ? *cap * 2 : 16;
        char **g = omsig_reallocarray(*v, nc, sizeof *g);
        if (!g) {
            free(name);
            return nomem(pr->r);
        }
        *v = g;
        *cap = nc;
    }
    (*v)[(*n)++] = name;
    return OMSIG_OK;
}

static char *shard_name(const char *path, uint64_t s, uint64_t e)
{
    char *out = NULL;
    return asprintf(&out, "%s:%llu:%llu", path, (unsigned long long)s, (unsigned long long)e) < 0
               ? NULL
               : out;
}

/* Shards [a, b) of f are in the model only: a few are named one by one, more as one run. */
static omsig_status add_extra_run(pairing *pr, const omsig_file *f, uint64_t shard, uint64_t a,
                                  uint64_t b)
{
    if (a >= b) return OMSIG_OK;
    uint64_t s, e, s2, e2;
    omsig_range(f->size, shard, a, &s, &e);
    if (b - a > EXTRA_RUN_LISTED) {
        omsig_range(f->size, shard, b - 1, &s2, &e2);
        char *nm = NULL;
        if (asprintf(&nm, "%s:%llu:%llu (%llu shards)", f->path, (unsigned long long)s,
                     (unsigned long long)e2, (unsigned long long)(b - a)) < 0)
            nm = NULL;
        return push_name(pr, &pr->d->extra, &pr->d->n_extra, &pr->cap_extra, nm);
    }
    for (uint64_t k = a; k < b; k++) {
        omsig_range(f->size, shard, k, &s, &e);
        OMSIG_FORWARD_IF_ERROR(push_name(pr, &pr->d->extra, &pr->d->n_extra, &pr->cap_extra,
                                         shard_name(f->path, s, e)));
    }
    return OMSIG_OK;
}

static void pair(pairing *pr, const omsig_file *f, uint64_t s, uint64_t e, size_t res)
{
    pr->seen[res] = true;
    add_stream(pr->p, f, s, e, pr->man->hash, res);
}

/* One file against the resources [lo, hi) of by_key that carry its path. */
static omsig_status pair_file(pairing *pr, const omsig_file *f, size_t lo, size_t hi,
                              size_t *cap_empty)
{
    const omsig_manifest *man = pr->man;
    if (man->method != OMSIG_SERIAL_SHARDS) {
        if (lo < hi) {
            pair(pr, f, 0, f->size, key(pr, lo));
            return OMSIG_OK;
        }
        return push_name(pr, &pr->d->extra, &pr->d->n_extra, &pr->cap_extra,
                         omsig_strdup(f->path));
    }
    const uint64_t shard = man->shard_size;
    const uint64_t n = omsig_range_count(f->size, shard);
    if (n == 0 && lo == hi) /* an empty file has no shard: nothing lists it, nothing can */
        return push_name(pr, &pr->d->empty_unlisted, &pr->d->n_empty_unlisted, cap_empty,
                         omsig_strdup(f->path));
    uint64_t next = 0; /* shards below next are paired or already reported */
    for (size_t j = lo; j < hi; j++) {
        const size_t ri = key(pr, j);
        const omsig_resource *x = &man->res[ri];
        if (x->start % shard != 0) continue;
        const uint64_t k = x->start / shard;
        if (k >= n || k < next) continue; /* beyond the file, or a duplicate: stays missing */
        uint64_t s, e;
        omsig_range(f->size, shard, k, &s, &e);
        if (e != x->end) continue;        /* a different shard: missing, and k is extra */
        OMSIG_FORWARD_IF_ERROR(add_extra_run(pr, f, shard, next, k));
        pair(pr, f, s, e, ri);
        next = k + 1;
    }
    return add_extra_run(pr, f, shard, next, n);
}

omsig_status omsig_plan_expected(omsig_plan *p, omsig_plan_diff *d, const omsig_model *m,
                                 const omsig_manifest *man, const omsig_plan_index *ix,
                                 omsig_report *r)
{
    memset(d, 0, sizeof *d);
    pairing pr = {.man = man, .p = p, .d = d, .r = r};
    omsig_plan_index own = {0};
    OMSIG_FORWARD_IF_ERROR(plan_alloc(p, man->n_res, r));
    omsig_status st = OMSIG_OK;
    size_t cap_empty = 0;
    pr.seen = calloc(man->n_res ? man->n_res : 1, sizeof *pr.seen);
    if (!pr.seen) {
        st = nomem(r);
        goto out;
    }
    if (!ix || ix->man != man) {
        if ((st = omsig_plan_index_build(&own, man, r)) != OMSIG_OK) goto out;
        ix = &own;
    }
    pr.ix = ix;
    const bool with_hi = man->method == OMSIG_SERIAL_SHARDS;
    for (size_t b = 0; b < m->n_files && st == OMSIG_OK; b += LOOKUP_BATCH) {
        const size_t nb = m->n_files - b < LOOKUP_BATCH ? m->n_files - b : LOOKUP_BATCH;
        size_t hv[LOOKUP_BATCH];
        for (size_t k = 0; k < nb; k++) {
            hv[k] = hash_path(m->files[b + k].path);
            if (ix->table) __builtin_prefetch(&ix->table[hv[k] & ix->mask]);
        }
        for (size_t k = 0; k < nb && st == OMSIG_OK; k++) {
            const omsig_file *f = &m->files[b + k];
            size_t lo, hi;
            path_run(&pr, f->path, hv[k], with_hi, &lo, &hi);
            st = pair_file(&pr, f, lo, hi, &cap_empty);
        }
    }
    if (st != OMSIG_OK) goto out;
    size_t n_missing = 0;
    for (size_t i = 0; i < man->n_res; i++) n_missing += !pr.seen[i];
    if (n_missing) {
        if (!(d->missing = omsig_reallocarray(NULL, n_missing, sizeof *d->missing))) {
            st = nomem(r);
            goto out;
        }
        for (size_t i = 0; i < man->n_res; i++)
            if (!pr.seen[i]) d->missing[d->n_missing++] = i;
    }
    plan_finish(p);
out:
    omsig_plan_index_free(&own);
    free(pr.seen);
    return st;
}

void omsig_plan_free(omsig_plan *p)
{
    free(p->streams);
    free(p->order);
    memset(p, 0, sizeof *p);
}

void omsig_plan_diff_free(omsig_plan_diff *d)
{
    for (size_t i = 0; i < d->n_extra; i++) free(d->extra[i]);
    for (size_t i = 0; i < d->n_empty_unlisted; i++) free(d->empty_unlisted[i]);
    free(d->extra);
    free(d->empty_unlisted);
    free(d->missing);
    memset(d, 0, sizeof *d);
}
