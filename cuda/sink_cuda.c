/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sink_cuda.c - a GPU destination for verified load (omsig_sink_cuda_new in omsig.h): each
 * piece is copied with cudaMemcpyAsync from the read slot it was hashed in into the device
 * memory the caller gave, and the slot is held until the copy has run.
 *
 * The CPU engine's workers call the piece callback, which only finds the destination and
 * queues the copy; one completion thread per sink makes every CUDA call of a run on one
 * stream: it issues the queued copies, each followed by an event, then waits on the oldest
 * event (a blocking-sync event: the thread sleeps, no busy wait) and releases that piece's
 * slot (omsig_piece_release), issuing what was queued meanwhile before the next wait.  The
 * copy engine thus always has the copies queued while the workers hash.  Each worker's read
 * buffer is registered with cudaHostRegister when it is attached (so the copies are DMA from
 * pinned memory) and, after every copy out of it has run, unregistered when it is detached.
 */
#define _GNU_SOURCE
#include "omsig.h"
#include "hooks.h"

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct copy_req {
    void *dst;
    const void *src;
    size_t len;
    omsig_piece *token;       /* NULL: already given back (the early-release test hook) */
} copy_req;

typedef struct in_flight {
    cudaEvent_t ev;
    omsig_piece *token;
} in_flight;

struct omsig_sink_cuda {
    omsig_sink sink;
    omsig_cuda_dest dest;
    size_t *by_name;          /* indices of dest.names, sorted by name */
    cudaStream_t stream;

    pthread_mutex_t mu;
    pthread_cond_t work;      /* copies queued, or closing */
    pthread_cond_t drained;   /* nothing queued or in flight */
    copy_req *queue;          /* guarded by mu */
    size_t n_queue, cap_queue;
    size_t n_busy;            /* taken by the thread, not yet released */
    bool closing;
    char error[256];          /* the first failure, guarded by mu */

    pthread_t thread;
    bool early_release;       /* test hook OMSIG_FAULT_SINK_EARLY_RELEASE */
};

/* Records the sink's first failure (omsig_sink_cuda_error). */
static void set_error(omsig_sink_cuda *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(omsig_sink_cuda *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&s->mu);
    if (!s->error[0]) vsnprintf(s->error, sizeof s->error, fmt, ap);
    pthread_mutex_unlock(&s->mu);
    va_end(ap);
}

/* ---- where a piece goes -------------------------------------------------------------------- */

static int find_name(const omsig_sink_cuda *s, const char *name, size_t *index)
{
    size_t lo = 0, hi = s->dest.n_files;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int c = strcmp(s->dest.names[s->by_name[mid]], name);
        if (c == 0) {
            *index = s->by_name[mid];
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void *destination(omsig_sink_cuda *s, const char *name, uint64_t file_size,
                         uint64_t offset, size_t len)
{
    if (s->dest.map) {
        void *d = s->dest.map(s->dest.map_user, name, file_size, offset, len);
        if (!d) set_error(s, "no device address for '%s' (the map returned NULL)", name);
        return d;
    }
    size_t i;
    if (!find_name(s, name, &i)) {
        set_error(s, "no device destination for '%s' (not among the sink's names)", name);
        return NULL;
    }
    const uint64_t at = s->dest.offsets[i];
    if (at + offset < at || at + offset + len < at + offset ||
        (s->dest.size && at + offset + len > s->dest.size)) {
        set_error(s, "'%s' does not fit in the device memory given", name);
        return NULL;
    }
    return (uint8_t *)s->dest.base + at + offset;
}

static int cuda_piece(void *user, const char *name, uint64_t file_size, uint64_t offset,
                      const void *data, size_t len, omsig_piece *token)
{
    omsig_sink_cuda *s = user;
    void *dst = destination(s, name, file_size, offset, len);
    if (!dst) return OMSIG_PIECE_STOP;
    pthread_mutex_lock(&s->mu);
    if (s->error[0]) { /* an earlier copy failed: stop at once */
        pthread_mutex_unlock(&s->mu);
        return OMSIG_PIECE_STOP;
    }
    if (s->n_queue == s->cap_queue) {
        const size_t cap = s->cap_queue ? 2 * s->cap_queue : 64;
        copy_req *q = realloc(s->queue, cap * sizeof *q);
        if (!q) {
            snprintf(s->error, sizeof s->error, "out of memory");
            pthread_mutex_unlock(&s->mu);
            return OMSIG_PIECE_STOP;
        }
        s->queue = q;
        s->cap_queue = cap;
    }
    s->queue[s->n_queue++] = (copy_req){dst, data, len, s->early_release ? NULL : token};
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    /* the test hook hands the slot back before its copy ran: the tests must see wrong bytes */
    return s->early_release ? OMSIG_PIECE_DONE : OMSIG_PIECE_HELD;
}

/* ---- the worker's read buffer --------------------------------------------------------------- */

static void wait_drained(omsig_sink_cuda *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->n_queue || s->n_busy) pthread_cond_wait(&s->drained, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static int cuda_buffers(void *user, void *base, size_t len, int attach)
{
    omsig_sink_cuda *s = user;
    cudaError_t rc = cudaSetDevice(s->dest.device);
    if (attach) {
        if (rc == cudaSuccess) rc = cudaHostRegister(base, len, cudaHostRegisterDefault);
        if (rc != cudaSuccess)
            set_error(s, "cudaHostRegister of a read buffer failed: %s (%d)",
                      cudaGetErrorString(rc), (int)rc);
        return rc == cudaSuccess ? 0 : -1;
    }
    wait_drained(s); /* no copy may still read the buffer */
    if (rc == cudaSuccess) rc = cudaHostUnregister(base);
    return 0;
}

/* ---- the completion thread ------------------------------------------------------------------ */

typedef struct thread_state {
    copy_req *batch;
    size_t n_batch, cap_batch;
    in_flight *fl;            /* issued copies, oldest first: fl[head, head + n_fl) */
    size_t head, n_fl, cap_fl;
    cudaEvent_t *spare;       /* events reused from copy to copy */
    size_t n_spare, cap_spare;
} thread_state;

static void finish_piece(omsig_sink_cuda *s, omsig_piece *token, bool failed)
{
    if (token) omsig_piece_release(token, failed);
    pthread_mutex_lock(&s->mu);
    s->n_busy--;
    if (!s->n_queue && !s->n_busy) pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->mu);
}

static bool grow(void **p, size_t *cap, size_t need, size_t each)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * each);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

/* Issues one copy and its event; false (error recorded, piece released) when CUDA refused. */
static bool issue(omsig_sink_cuda *s, thread_state *t, const copy_req *c)
{
    cudaEvent_t ev = NULL;
    cudaError_t rc = cudaSuccess;
    if (t->n_spare)
        ev = t->spare[--t->n_spare];
    else
        rc = cudaEventCreateWithFlags(&ev, cudaEventBlockingSync | cudaEventDisableTiming);
    if (rc == cudaSuccess)
        rc = cudaMemcpyAsync(c->dst, c->src, c->len, cudaMemcpyHostToDevice, s->stream);
    if (rc == cudaSuccess) rc = cudaEventRecord(ev, s->stream);
    if (rc == cudaSuccess && t->head + t->n_fl == t->cap_fl && t->head > 0) {
        memmove(t->fl, t->fl + t->head, t->n_fl * sizeof *t->fl);
        t->head = 0;
    }
    if (rc == cudaSuccess && !grow((void **)&t->fl, &t->cap_fl, t->head + t->n_fl + 1, sizeof *t->fl))
        rc = cudaErrorMemoryAllocation;
    if (rc != cudaSuccess) {
        if (ev) cudaEventDestroy(ev);
        set_error(s, "a copy to the device failed: %s (%d)", cudaGetErrorString(rc), (int)rc);
        finish_piece(s, c->token, true);
        return false;
    }
    t->fl[t->head + t->n_fl++] = (in_flight){ev, c->token};
    return true;
}

/* Waits for the oldest copy and releases its slot. */
static void complete_oldest(omsig_sink_cuda *s, thread_state *t)
{
    const in_flight f = t->fl[t->head++];
    if (--t->n_fl == 0) t->head = 0;
    if (s->early_release) usleep(10000); /* the hook: a device busy for a while */
    const cudaError_t rc = cudaEventSynchronize(f.ev);
    if (rc != cudaSuccess)
        set_error(s, "a copy to the device failed: %s (%d)", cudaGetErrorString(rc), (int)rc);
    if (grow((void **)&t->spare, &t->cap_spare, t->n_spare + 1, sizeof *t->spare))
        t->spare[t->n_spare++] = f.ev;
    else
        cudaEventDestroy(f.ev);
    finish_piece(s, f.token, rc != cudaSuccess);
}

static void *completion_thread(void *arg)
{
    omsig_sink_cuda *s = arg;
    thread_state t = {0};
    cudaSetDevice(s->dest.device); /* the device is current per host thread */
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->n_queue && !t.n_fl && !s->closing) pthread_cond_wait(&s->work, &s->mu);
        if (!s->n_queue && !t.n_fl) break; /* closing */
        /* take what is queued (swap the arrays: the workers go on queueing into the other) */
        copy_req *q = s->queue;
        const size_t n = s->n_queue, cap = s->cap_queue;
        s->queue = t.batch;
        s->cap_queue = t.cap_batch;
        s->n_queue = 0;
        s->n_busy += n;
        t.batch = q;
        t.cap_batch = cap;
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) issue(s, &t, &t.batch[i]);
        if (t.n_fl) complete_oldest(s, &t);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < t.n_spare; i++) cudaEventDestroy(t.spare[i]);
    free(t.spare);
    free(t.fl);
    free(t.batch);
    return NULL;
}

/* ---- the public calls ------------------------------------------------------------------------ */

static int cmp_by_name(const void *a, const void *b, void *ctx)
{
    const omsig_cuda_dest *d = ctx;
    return strcmp(d->names[*(const size_t *)a], d->names[*(const size_t *)b]);
}

omsig_sink_cuda *omsig_sink_cuda_new(const omsig_cuda_dest *dest, char *why, size_t why_len)
{
    if (!dest || (!dest->map && (!dest->base || (dest->n_files && (!dest->names || !dest->offsets))))) {
        snprintf(why, why_len, "a CUDA sink needs a map callback, or a base pointer with names "
                               "and offsets");
        return NULL;
    }
    int n = 0;
    cudaError_t rc = cudaGetDeviceCount(&n);
    if (rc != cudaSuccess || n <= dest->device || dest->device < 0) {
        snprintf(why, why_len, "no CUDA device %d (%s)", dest->device,
                 rc != cudaSuccess ? cudaGetErrorString(rc) : "not present");
        return NULL;
    }
    omsig_sink_cuda *s = calloc(1, sizeof *s);
    if (!s || !(s->by_name = calloc(dest->n_files ? dest->n_files : 1, sizeof *s->by_name))) {
        free(s);
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    s->dest = *dest;
    for (size_t i = 0; i < dest->n_files; i++) s->by_name[i] = i;
    qsort_r(s->by_name, dest->n_files, sizeof *s->by_name, cmp_by_name, &s->dest);
    s->early_release = omsig_hook("OMSIG_FAULT_SINK_EARLY_RELEASE") != NULL;
    if ((rc = cudaSetDevice(dest->device)) != cudaSuccess ||
        (rc = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking)) != cudaSuccess) {
        snprintf(why, why_len, "cannot set up a CUDA stream: %s", cudaGetErrorString(rc));
        free(s->by_name);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->drained, NULL);
    if (pthread_create(&s->thread, NULL, completion_thread, s) != 0) {
        snprintf(why, why_len, "cannot start the completion thread");
        cudaStreamDestroy(s->stream);
        pthread_cond_destroy(&s->drained);
        pthread_cond_destroy(&s->work);
        pthread_mutex_destroy(&s->mu);
        free(s->by_name);
        free(s);
        return NULL;
    }
    s->sink = (omsig_sink){.piece = cuda_piece, .buffers = cuda_buffers, .user = s};
    return s;
}

const omsig_sink *omsig_sink_cuda_sink(omsig_sink_cuda *s) { return s ? &s->sink : NULL; }

const char *omsig_sink_cuda_error(const omsig_sink_cuda *s)
{
    if (!s) return "";
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    const char *e = s->error; /* written once, then never again */
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return e;
}

void omsig_sink_cuda_free(omsig_sink_cuda *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    cudaSetDevice(s->dest.device);
    cudaStreamDestroy(s->stream);
    pthread_cond_destroy(&s->drained);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->mu);
    free(s->queue);
    free(s->by_name);
    free(s);
}
