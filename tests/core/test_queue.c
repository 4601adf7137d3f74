/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_queue.c - the queue of streams: CPU-like takers take the longest one at a time while
 * GPU-like takers take batches of the shortest, all at once; one GPU-like taker "fails" now
 * and then and puts its unfinished streams back.  Every stream must be finished exactly once,
 * none lost, none handed out twice while held.
 */
#define _GNU_SOURCE
#include "queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_STREAMS 100000
#define LONG_TAKERS 4
#define SHORT_TAKERS 3

static atomic_int g_held[N_STREAMS];     /* 1 while a taker holds the stream */
static atomic_int g_finished[N_STREAMS]; /* times it was finished */
static atomic_int g_errors;

typedef struct taker {
    omsig_queue *q;
    omsig_plan *plan;
    bool batches;
    bool flaky;      /* puts back half of every third batch */
    unsigned seed;
} taker;

static size_t index_of(const taker *t, const omsig_stream *s) { return (size_t)(s - t->plan->streams); }

static void hold(const taker *t, const omsig_stream *s)
{
    if (atomic_exchange(&g_held[index_of(t, s)], 1) != 0) atomic_fetch_add(&g_errors, 1);
}

static void finish(const taker *t, const omsig_stream *s)
{
    atomic_store(&g_held[index_of(t, s)], 0);
    atomic_fetch_add(&g_finished[index_of(t, s)], 1);
}

static void *take(void *arg)
{
    taker *t = arg;
    omsig_stream *batch[512];
    for (unsigned round = 0;; round++) {
        if (!t->batches) {
            omsig_stream *s = omsig_queue_take_longest(t->q);
            if (!s) break;
            hold(t, s);
            finish(t, s);
            continue;
        }
        const size_t n = omsig_queue_take_shortest(t->q, batch, 1 + rand_r(&t->seed) % 512,
                                                   1u << 20);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) hold(t, batch[i]);
        size_t keep = n;
        if (t->flaky && round % 3 == 0) { /* an engine failure: the second half goes back */
            keep = n / 2;
            for (size_t i = keep; i < n; i++) atomic_store(&g_held[index_of(t, batch[i])], 0);
            omsig_queue_put_back(t->q, batch + keep, n - keep);
        }
        for (size_t i = 0; i < keep; i++) finish(t, batch[i]);
    }
    return NULL;
}

static int longest_first(const void *a, const void *b, void *ctx)
{
    const omsig_stream *s = ctx;
    const uint64_t x = s[*(const size_t *)a].length, y = s[*(const size_t *)b].length;
    return x > y ? -1 : x < y;
}

int main(void)
{
    static omsig_file file = {.path = "f"};
    omsig_plan plan = {0};
    plan.streams = calloc(N_STREAMS, sizeof *plan.streams);
    plan.order = calloc(N_STREAMS, sizeof *plan.order);
    if (!plan.streams || !plan.order) return 1;
    unsigned seed = 12345;
    for (size_t i = 0; i < N_STREAMS; i++) {
        plan.streams[i] = (omsig_stream){.file = &file, .length = rand_r(&seed) % 100000};
        plan.order[i] = i;
    }
    plan.n_streams = N_STREAMS;
    qsort_r(plan.order, N_STREAMS, sizeof *plan.order, longest_first, plan.streams);
    omsig_options o;
    omsig_options_init(&o);
    omsig_queue q;
    if (omsig_queue_init(&q, &plan, NULL, &o, NULL) != OMSIG_OK) return 1;

    pthread_t tid[LONG_TAKERS + SHORT_TAKERS];
    taker t[LONG_TAKERS + SHORT_TAKERS];
    for (int i = 0; i < LONG_TAKERS + SHORT_TAKERS; i++) {
        t[i] = (taker){.q = &q, .plan = &plan, .batches = i >= LONG_TAKERS,
                       .flaky = i == LONG_TAKERS, .seed = (unsigned)i * 7919u};
        pthread_create(&tid[i], NULL, take, &t[i]);
    }
    for (int i = 0; i < LONG_TAKERS + SHORT_TAKERS; i++) pthread_join(tid[i], NULL);
    /* what a flaky taker put back after the others stopped is still there: finish it */
    t[0].batches = false;
    take(&t[0]);

    int lost = 0, twice = 0;
    for (size_t i = 0; i < N_STREAMS; i++) {
        lost += g_finished[i] == 0;
        twice += g_finished[i] > 1;
    }
    const int errors = atomic_load(&g_errors);
    printf("%s: %d streams, %d lost, %d finished twice, %d handed out while held, %zu left\n",
           lost || twice || errors ? "FAIL" : "PASS", N_STREAMS, lost, twice, errors,
           omsig_queue_left(&q));
    omsig_queue_destroy(&q);
    free(plan.streams);
    free(plan.order);
    return lost || twice || errors ? 1 : 0;
}

