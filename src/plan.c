/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c - the streams to hash (whole files or shards) and the order to hash them in:
 * longest first, so the longest chain starts at once and short ones fill the gaps (LPT). */
#include "omsig_internal.h"

#include <stdlib.h>
#include <string.h>

omsig_status omsig_plan_init(omsig_plan *p, size_t n_streams)
{
    memset(p, 0, sizeof *p);
    p->streams = calloc(n_streams ? n_streams : 1, sizeof *p->streams);
    p->order = calloc(n_streams ? n_streams : 1, sizeof *p->order);
    if (!p->streams || !p->order) {
        omsig_plan_free(p);
        return OMSIG_E_NOMEM;
    }
    p->n_streams = n_streams;
    return OMSIG_OK;
}

static const omsig_stream *g_sort_streams; /* qsort has no context argument in C11 */

static int cmp_longest(const void *a, const void *b)
{
    const omsig_stream *x = &g_sort_streams[*(const size_t *)a];
    const omsig_stream *y = &g_sort_streams[*(const size_t *)b];
    if (x->length != y->length) return x->length > y->length ? -1 : 1;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return i < j ? -1 : i > j;
}

void omsig_plan_finish(omsig_plan *p)
{
    p->total_bytes = 0;
    for (size_t i = 0; i < p->n_streams; i++) {
        p->order[i] = i;
        p->total_bytes += p->streams[i].length;
    }
    g_sort_streams = p->streams;
    qsort(p->order, p->n_streams, sizeof *p->order, cmp_longest);
    g_sort_streams = NULL;
}

void omsig_plan_free(omsig_plan *p)
{
    free(p->streams);
    free(p->order);
    memset(p, 0, sizeof *p);
}
