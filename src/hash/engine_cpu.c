/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_cpu.c - hashes streams on CPU cores.  A fixed pool of workers (one per core) takes
 * streams longest first from the queue.  Each worker owns a reader (its ring of slots
 * for the whole run, so many small files cost no allocation and no thread per file), keeps
 * the reader busy with the streams that follow, and hashes two or three SHA-256 streams at
 * once, interleaved on its core (sha256_x86.c), straight from the slots; BLAKE3 streams go
 * through blake3_portable.c, other hashes and CPUs without the SHA extensions through OpenSSL.
 *
 * Verified load: with a sink (omsig_verify_to), each chunk is handed to the caller before it
 * is hashed, from the slot it landed in, and the slot goes back to the reader only once the
 * caller is done with it (piece.c); a stream's chunks come in file order, so each stream is
 * delivered in increasing offset by the one worker that hashes it.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "hooks.h"
#include "piece.h"
#include "reader.h"
#include "blake3.h"
#include "sha256_x86.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOT_BYTES (1u << 20) /* per read; the reference reads 1 MiB, digests do not depend on it */
#define MAX_QUEUE 256u

struct omsig_engine {
    omsig_hash_cfg cfg;
    const EVP_MD *md[2];       /* by omsig_hash: sha256, blake2b512 */
};

typedef struct pool {
    omsig_engine *e;
    omsig_queue *q;
    omsig_reader_cfg cfg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned running;
    size_t max_claim;          /* open streams per worker: bounded by the descriptor limit */
    bool lanes_x86;            /* SHA-256 through the interleaved x86 backend */
    omsig_io io;               /* the workers' reader (pread for a tiny plan) */
} pool;

/* A stream a worker has claimed: opened, handed to its reader, and (once it is one of the
 * worker's lanes) being hashed. */
typedef struct claimed {
    omsig_stream *s;
    int fd;
    int h;
    uint64_t at;              /* file offset of the stream's next chunk (for a sink) */
    EVP_MD_CTX *ctx;          /* OpenSSL path; NULL until the stream becomes a lane */
    omsig_sha256_lane lane;   /* interleaved SHA-256 path */
    omsig_blake3_hasher *b3;  /* BLAKE3 path (blake3_portable.c); NULL otherwise */
    bool started;
} claimed;

typedef struct worker_state {
    const omsig_reader_ops *reader;
    omsig_reader *rd;
    claimed **q;              /* claimed streams in claim order, the first `active` the
                               * lanes; q[qn..] point to the free entries of store, so that a
                               * stream ending moves pointers rather than hashers */
    claimed *store;
    size_t qn;
    bool exhausted;
    EVP_MD_CTX *spare[4];     /* OpenSSL contexts reused from stream to stream */
    unsigned n_spare;
    omsig_blake3_hasher *b3_spare[4]; /* likewise BLAKE3 hashers (kept out of `claimed`,
                                       * which moves as streams finish) */
    unsigned n_b3_spare;
    omsig_piece tokens[4];    /* with a sink: one per lane of a round */
    bool lent[4];             /* tokens[i] is held by the caller */
    bool tokens_ready;
    bool attached;            /* the sink was told of the reader's memory */
} worker_state;

/* Claims the next stream (longest first) and hands it to the reader. 0: claimed, 1: none
 * left, -1: failed (reported). */
static int claim(pool *p, worker_state *w, claimed *c)
{
    omsig_stream *s = omsig_queue_take_longest(p->q);
    if (!s) return 1;
    memset(c, 0, sizeof *c);
    c->s = s;
    c->at = s->offset;
    c->fd = -1;
    if (omsig_queue_reader_opens(p->q, s) && w->reader->add_path) {
        /* the reader opens it: the open goes into its ring with the other reads */
        c->h = w->reader->add_path(w->rd, p->q->model->root_fd, s->file->path, s->offset,
                                   s->length, omsig_queue_inject(p->q, s));
        if (c->h >= 0) return 0;
        if (c->h != -ENOSYS) {
            omsig_queue_fail_read(p->q, s->file, -c->h);
            return -1;
        }
    }
    int inject = 0;
    c->fd = omsig_queue_open(p->q, s, &inject);
    if (c->fd < 0) return -1;
    c->h = w->reader->add(w->rd, c->fd, s->offset, s->length, inject);
    if (c->h < 0) {
        close(c->fd);
        omsig_queue_fail_read(p->q, s->file, -c->h);
        return -1;
    }
    return 0;
}

static bool use_lanes(const pool *p, const claimed *c)
{
    return p->lanes_x86 && c->s->hash == OMSIG_HASH_SHA256;
}

static omsig_status start_lane(pool *p, worker_state *w, claimed *c)
{
    c->started = true;
    if (c->s->hash == OMSIG_HASH_BLAKE3) {
        c->b3 = w->n_b3_spare ? w->b3_spare[--w->n_b3_spare] : malloc(sizeof *c->b3);
        if (!c->b3) return omsig_queue_fail(p->q, OMSIG_E_NOMEM, "out of memory");
        if (c->s->b3_piece) /* a subtree of a larger file (blake3_split.c) */
            omsig_blake3_init_at(c->b3, c->s->offset / OMSIG_BLAKE3_CHUNK_LEN);
        else
            omsig_blake3_init(c->b3);
        return OMSIG_OK;
    }
    if (use_lanes(p, c)) {
        omsig_sha256_lane_init(&c->lane);
        return OMSIG_OK;
    }
    c->ctx = w->n_spare ? w->spare[--w->n_spare] : EVP_MD_CTX_new();
    if (!c->ctx ||
        EVP_DigestInit_ex(c->ctx, p->e->md[c->s->hash == OMSIG_HASH_BLAKE2B], NULL) != 1)
        return omsig_queue_fail(p->q, OMSIG_E_GENERIC, "the hash cannot be initialised");
    return OMSIG_OK;
}

/* Ends q[i]: digest, the unchanged-file check, and the stream leaves the worker. */
static omsig_status finish_lane(pool *p, worker_state *w, size_t i, bool ok)
{
    claimed *c = w->q[i];
    omsig_status st = OMSIG_OK;
    if (ok) {
        if (c->b3) {
            if (c->s->b3_piece)
                omsig_blake3_final_cv(c->b3, c->s->digest);
            else
                (void)omsig_blake3_final(c->b3, c->s->digest);
        } else if (c->ctx) {
            unsigned int len = 0;
            EVP_DigestFinal_ex(c->ctx, c->s->digest, &len);
        } else {
            omsig_sha256_lane_final(&c->lane, c->s->digest);
        }
        st = omsig_queue_check_unchanged(
            p->q, c->s, c->fd >= 0 ? c->fd : w->reader->stream_fd(w->rd, c->h));
    }
    if (c->ctx) {
        if (w->n_spare < 4)
            w->spare[w->n_spare++] = c->ctx;
        else
            EVP_MD_CTX_free(c->ctx);
    }
    if (c->b3) {
        if (w->n_b3_spare < 4)
            w->b3_spare[w->n_b3_spare++] = c->b3;
        else
            free(c->b3);
    }
    w->reader->remove(w->rd, c->h); /* closes what the reader opened */
    if (c->fd >= 0) close(c->fd);
    /* the entries after it move up, and its own goes to the free end */
    memmove(&w->q[i], &w->q[i + 1], (w->qn - i - 1) * sizeof *w->q);
    w->q[--w->qn] = c;
    return st;
}

/* Hands lane's chunk to the caller's sink before it is hashed (a copy out of the slot then
 * overlaps the hash).  The run stopped meanwhile: nothing more is delivered. */
static omsig_status deliver(pool *p, worker_state *w, claimed *c, unsigned lane,
                            const uint8_t *data, size_t len)
{
    const omsig_sink *sink = p->q->sink;
    if (omsig_queue_stopped(p->q)) return OMSIG_E_CANCELLED;
    omsig_piece *t = &w->tokens[lane];
    omsig_piece_lend(t);
    const int rc = sink->piece(sink->user, omsig_queue_piece_name(p->q, c->s->file),
                               c->s->file->size, c->at, data, len, t);
    c->at += len;
    if (rc == OMSIG_PIECE_HELD) {
        w->lent[lane] = true;
        return OMSIG_OK;
    }
    omsig_piece_take_back(t);
    if (rc != OMSIG_PIECE_DONE)
        return omsig_queue_fail(p->q, OMSIG_E_CANCELLED, "the caller stopped the run");
    return OMSIG_OK;
}

/* Waits until the caller has released every piece it holds, before their slots are reused. */
static omsig_status settle(pool *p, worker_state *w)
{
    omsig_status st = OMSIG_OK;
    for (unsigned i = 0; i < 4; i++) {
        if (!w->lent[i]) continue;
        w->lent[i] = false;
        if (omsig_piece_wait(&w->tokens[i]) && st == OMSIG_OK)
            st = omsig_queue_fail(p->q, OMSIG_E_CANCELLED, "the caller stopped the run");
    }
    return st;
}

/*
 * One round: every lane gets its next chunk, the chunks are hashed together (the SHA-256
 * lanes interleaved on this core, other hashes one after the other), and handed back.  A lane
 * whose stream ends takes the next claimed stream at once, so the lanes stay full while
 * streams of different lengths come and go.
 */
static omsig_status round_of_lanes(pool *p, worker_state *w)
{
    const unsigned k = p->cfg.lanes;
    /* keep the reader busy: claim following streams while it has room */
    while (!w->exhausted && w->qn < p->max_claim && w->reader->room(w->rd)) {
        const int rc = claim(p, w, w->q[w->qn]);
        if (rc < 0) return OMSIG_E_GENERIC;
        if (rc > 0)
            w->exhausted = true;
        else
            w->qn++;
    }
    const uint8_t *data[4];
    size_t len[4];
    omsig_sha256_lane *lanes[4];
    const uint8_t *ldata[4];
    size_t llen[4];
    unsigned n_lane = 0, active = 0;
    size_t i = 0;
    while (i < w->qn && active < k) {
        claimed *c = w->q[i];
        if (!c->started) OMSIG_FORWARD_IF_ERROR(start_lane(p, w, c));
        const ssize_t n = w->reader->next(w->rd, c->h, &data[active]);
        if (n == -EAGAIN && active > 0) break; /* hash and release what is held first */
        if (n < 0) {
            const int open_err = w->reader->open_error(w->rd, c->h);
            return open_err ? omsig_queue_fail_open(p->q, c->s, -open_err)
                            : omsig_queue_fail_read(p->q, c->s->file, (int)-n);
        }
        if (n == 0) { /* this stream is done; the next claimed one moves up */
            if (p->q->sink && c->s->length == 0) /* an empty file: one piece of no bytes */
                OMSIG_FORWARD_IF_ERROR(deliver(p, w, c, active, (const uint8_t *)"", 0));
            OMSIG_FORWARD_IF_ERROR(finish_lane(p, w, i, true));
            continue;
        }
        len[active] = (size_t)n;
        if (p->q->sink) OMSIG_FORWARD_IF_ERROR(deliver(p, w, c, active, data[active], len[active]));
        if (c->b3) {
            if (!p->q->read_only) omsig_blake3_update(c->b3, data[active], len[active]);
        } else if (c->ctx) {
            if (!p->q->read_only) EVP_DigestUpdate(c->ctx, data[active], len[active]);
        } else {
            lanes[n_lane] = &c->lane;
            ldata[n_lane] = data[active];
            llen[n_lane++] = len[active];
        }
        active++;
        i++;
    }
    if (n_lane && !p->q->read_only) omsig_sha256_lanes_update(lanes, ldata, llen, n_lane);
    if (p->q->sink) OMSIG_FORWARD_IF_ERROR(settle(p, w));
    uint64_t bytes = 0;
    for (unsigned j = 0; j < active; j++) {
        w->reader->release(w->rd, w->q[j]->h);
        bytes += len[j];
    }
    omsig_queue_hashed(p->q, bytes);
    return OMSIG_OK;
}

/* With a sink: the lanes' tokens, and the sink told of the memory its pieces point into. */
static void sink_setup(pool *p, worker_state *w)
{
    for (unsigned i = 0; i < 4; i++) {
        if (omsig_piece_init(&w->tokens[i]) != 0) {
            while (i--) omsig_piece_destroy(&w->tokens[i]);
            omsig_queue_fail(p->q, OMSIG_E_GENERIC, "cannot create a lock");
            return;
        }
    }
    w->tokens_ready = true;
    const omsig_sink *sink = p->q->sink;
    if (!sink->buffers) return;
    uint8_t *base;
    size_t len;
    w->reader->memory(w->rd, &base, &len);
    if (sink->buffers(sink->user, base, len, 1) != 0)
        omsig_queue_fail(p->q, OMSIG_E_CANCELLED, "the caller stopped the run");
    else
        w->attached = true;
}

/* Every held piece released (whatever went wrong), then the sink lets go of the memory. */
static void sink_teardown(pool *p, worker_state *w)
{
    settle(p, w);
    if (w->attached) {
        uint8_t *base;
        size_t len;
        w->reader->memory(w->rd, &base, &len);
        p->q->sink->buffers(p->q->sink->user, base, len, 0);
    }
    if (w->tokens_ready)
        for (unsigned i = 0; i < 4; i++) omsig_piece_destroy(&w->tokens[i]);
}

static void *worker(void *arg)
{
    pool *p = arg;
    worker_state w = {0};
    char why[256];
    w.rd = omsig_reader_open(p->io, &p->cfg, &w.reader, why, sizeof why);
    if (w.rd) omsig_queue_note_reader(p->q, w.reader->name);
    w.store = calloc(p->max_claim + 1, sizeof *w.store);
    w.q = w.store ? calloc(p->max_claim + 1, sizeof *w.q) : NULL;
    for (size_t i = 0; w.q && i <= p->max_claim; i++) w.q[i] = &w.store[i];
    if (w.rd && w.q && p->q->sink) sink_setup(p, &w);
    if (!w.rd)
        omsig_queue_fail(p->q, p->io == OMSIG_IO_URING ? OMSIG_E_USAGE : OMSIG_E_NOMEM,
                         "%s", why);
    else if (!w.q)
        omsig_queue_fail(p->q, OMSIG_E_NOMEM, "out of memory");
    while (w.rd && w.q && !omsig_queue_stopped(p->q)) {
        if (w.qn == 0) {
            if (w.exhausted) break;
            const int rc = claim(p, &w, w.q[0]);
            if (rc < 0) break;
            if (rc > 0) {
                w.exhausted = true;
                break;
            }
            w.qn = 1;
        }
        if (round_of_lanes(p, &w) != OMSIG_OK) break;
    }
    if (p->q->sink) sink_teardown(p, &w);
    while (w.qn) finish_lane(p, &w, w.qn - 1, false);
    free(w.q);
    free(w.store);
    for (unsigned i = 0; i < w.n_spare; i++) EVP_MD_CTX_free(w.spare[i]);
    for (unsigned i = 0; i < w.n_b3_spare; i++) free(w.b3_spare[i]);
    if (w.rd) w.reader->destroy(w.rd);
    pthread_mutex_lock(&p->mu);
    p->running--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static unsigned thread_count(const omsig_hash_cfg *cfg, size_t n_streams)
{
    long n = cfg->threads ? (long)cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    if ((size_t)n > n_streams) n = (long)(n_streams ? n_streams : 1);
    return (unsigned)n;
}

/* Slots of each worker's ring.  The ring never needs to be larger than the model, and small
 * files want many small slots rather than a few large ones: slots are pinned, so their size
 * is memory.  64 MiB in flight per worker keeps a fast NVMe device busy (fio reaches its rate
 * with 16 reads of 1 MiB in flight); more only costs pinning time. */
static void size_ring(const omsig_hash_cfg *hc, const omsig_plan *plan, unsigned threads,
                      omsig_reader_cfg *cfg)
{
    const size_t buf = hc->buffer_size ? hc->buffer_size : OMSIG_DEFAULT_BUFFER;
    const uint64_t avg = plan->n_streams ? plan->total_bytes / plan->n_streams : 0;
    size_t slot = SLOT_BYTES;
    while (slot > (16u << 10) && slot / 2 >= avg) slot /= 2;
    uint64_t want = (plan->total_bytes + slot - 1) / slot / threads;
    const uint64_t per_worker = (plan->n_streams + threads - 1) / threads;
    if (want < per_worker) want = per_worker < 128 ? per_worker : 128; /* files in flight */
    want += 2;
    size_t slots = buf / slot / threads;
    if (slots > want) slots = (size_t)want;
    if (slots > 64 && slot == SLOT_BYTES) slots = 64;
    /* a worker claims at most MAX_QUEUE streams, so small files cannot fill more slots than
     * that many streams take (twice it leaves room to read ahead of the lanes): more would
     * only be memory to zero, pin and unmap, 64 MiB per worker for 4 KiB files */
    const uint64_t per_stream = avg > slot ? (avg + slot - 1) / slot : 1;
    if (slots > 2 * MAX_QUEUE * per_stream) slots = (size_t)(2 * MAX_QUEUE * per_stream);
    if (slots > 4096) slots = 4096;
    if (slots < 2 * cfg->lanes) slots = 2 * cfg->lanes;
    cfg->slot_size = slot;
    cfg->n_slots = (unsigned)slots;
}

/* Streams hashed at once per core: one SHA-256 stream is bound by the latency of the round
 * instruction, so two or three interleaved do more work (sha256_x86.c).  The count is the one
 * with the best rate for the kernels this CPU runs (omsig_sha256_x86_best_lanes: three with
 * the AVX-512 form on Zen 4, 1.83, 3.66, 4.47 GB/s for 1, 2, 3 streams, and with the SSE form
 * on Intel, 1.43, 1.89, 1.95; two with the SSE form on AMD, where three lanes lose to two).
 * With fewer streams than cores x lanes, lanes shrink so that no core idles while another
 * interleaves: on Zen 4, four streams on two cores hash at 2 x 3.66 GB/s as two pairs, against
 * 4.47 + 1.83 as three and one.  OMSIG_SHA256=openssl (or a CPU without the SHA extensions)
 * keeps OpenSSL, one stream per core; OMSIG_LANES=1..3 forces the count. */
static unsigned choose_lanes(const omsig_plan *plan, unsigned threads, bool *x86)
{
    *x86 = omsig_sha256_x86_available() != 0;
    unsigned lanes = *x86 ? omsig_sha256_x86_best_lanes() : 1;
    const uint64_t per_core = (plan->n_streams + threads - 1) / threads;
    if (per_core < lanes) lanes = per_core ? (unsigned)per_core : 1;
    const char *force = omsig_hook("OMSIG_LANES");
    if (force && atoi(force) >= 1 && atoi(force) <= 3) lanes = (unsigned)atoi(force);
    if (lanes == 1) *x86 = false; /* one stream gains nothing from interleaving */
    return lanes;
}

/* Ring, lanes and the descriptor budget of this run. */
static void size_pool(pool *p, unsigned threads)
{
    const omsig_plan *plan = p->q->plan;
    p->cfg.lanes = choose_lanes(plan, threads, &p->lanes_x86);
    p->cfg.try_direct = true;
    /* with cores to spare, kernel workers copy from the page cache while workers hash */
    p->cfg.async_copy = (long)threads < sysconf(_SC_NPROCESSORS_ONLN);
    const char *async = omsig_hook("OMSIG_ASYNC_COPY");
    if (async) p->cfg.async_copy = atoi(async) != 0;
    size_ring(&p->e->cfg, plan, threads, &p->cfg);
    /* each claimed stream holds a descriptor (two with O_DIRECT): stay well inside the limit */
    struct rlimit rl;
    size_t fds = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) fds = rl.rlim_cur;
    p->max_claim = fds > 64 + 2 * threads ? (fds - 64) / (2 * threads) : 1;
    if (p->max_claim > MAX_QUEUE) p->max_claim = MAX_QUEUE;
}

/* A tiny plan (q->one_thread, decided in engine_select.c): the one worker runs on the
 * caller's thread with the pread reader and a ring no larger than the model, so hashing a
 * few files costs no thread, no io_uring ring and no pinned memory. */
static omsig_status run_inline(pool *p)
{
    p->io = OMSIG_IO_PREAD;
    size_pool(p, 1);
    p->cfg.async_copy = false;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->running = 1;
    worker(p);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    return omsig_queue_stopped(p->q) ? p->q->rep->status : OMSIG_OK;
}

/*
 * Grows the process's descriptor table to hold the descriptors the workers may open, before
 * they start.  The kernel grows the table by doubling, and while other threads share it each
 * growth waits for an RCU grace period (expand_files: synchronize_rcu): 64 to 512 descriptors
 * cost the workers 10 to 15 ms of waiting, all of them at once, at the start of a run of small
 * files.  Grown here, from the one thread left after the walk, it is done at once and usually
 * without the wait.  One descriptor duplicated high and closed again; the table keeps its size.
 */
static void reserve_descriptors(const omsig_queue *q, size_t n)
{
    if (!q->model || q->model->root_fd < 0) return;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && n > rl.rlim_cur)
        n = (size_t)rl.rlim_cur;
    if (n <= 64 || n > 65536) return; /* the table starts with 64 */
    const int d = fcntl(q->model->root_fd, F_DUPFD_CLOEXEC, (int)n - 1);
    if (d >= 0) close(d);
}

static omsig_status cpu_run(omsig_engine *e, omsig_queue *q, char *why, size_t why_len)
{
    (void)why, (void)why_len;
    pool p = {.e = e, .q = q, .io = e->cfg.io};
    if (q->one_thread) return run_inline(&p);
    const unsigned n = thread_count(&e->cfg, omsig_queue_left(q));
    size_pool(&p, n);
    /* each claimed stream holds one descriptor, two with O_DIRECT (size_pool) */
    reserve_descriptors(q, 64 + 2 * (size_t)n * p.max_claim);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t *tid = calloc(n, sizeof *tid);
    unsigned started = 0;
    if (tid) {
        for (; started < n; started++) {
            pthread_mutex_lock(&p.mu);
            p.running++;
            pthread_mutex_unlock(&p.mu);
            if (pthread_create(&tid[started], NULL, worker, &p) != 0) {
                pthread_mutex_lock(&p.mu);
                p.running--;
                pthread_mutex_unlock(&p.mu);
                break;
            }
        }
    }
    if (started == 0) {
        omsig_queue_fail(q, OMSIG_E_NOMEM, "cannot start hashing threads");
    } else {
        /* the caller's thread reports progress until the workers are done */
        pthread_mutex_lock(&p.mu);
        while (p.running > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&p.cv, &p.mu, &ts);
            if (p.running > 0) omsig_queue_tick(q);
        }
        pthread_mutex_unlock(&p.mu);
        for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
    }
    free(tid);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return omsig_queue_stopped(q) ? q->rep->status : OMSIG_OK;
}

static int cpu_probe(char *why, size_t why_len) { return (void)why, (void)why_len, 1; }

static omsig_engine *cpu_create(const omsig_hash_cfg *cfg, char *why, size_t why_len)
{
    omsig_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    e->md[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    e->md[1] = EVP_MD_fetch(NULL, "BLAKE2B-512", NULL);
    if (!e->md[0] || !e->md[1]) {
        snprintf(why, why_len, "OpenSSL has no SHA256 or BLAKE2B-512");
        EVP_MD_free((EVP_MD *)e->md[0]);
        EVP_MD_free((EVP_MD *)e->md[1]);
        free(e);
        return NULL;
    }
    return e;
}

static void cpu_destroy(omsig_engine *e)
{
    if (!e) return;
    EVP_MD_free((EVP_MD *)e->md[0]);
    EVP_MD_free((EVP_MD *)e->md[1]);
    free(e);
}

/* One core's in-memory BLAKE3 rate (bytes/s): the best of three 1 MiB hashes, about a
 * millisecond; 0 when it cannot be measured. */
static double blake3_core_rate(void)
{
    const size_t n = 1u << 20;
    uint8_t *buf = malloc(n), out[OMSIG_BLAKE3_OUT_LEN];
    if (!buf) return 0;
    memset(buf, 0x5a, n);
    double best = 0;
    for (int r = 0; r < 3; r++) {
        const double t0 = omsig_now();
        omsig_blake3(buf, n, out);
        const double dt = omsig_now() - t0;
        if (dt > 0 && (double)n / dt > best) best = (double)n / dt;
    }
    free(buf);
    return best;
}

static void cpu_rates(omsig_engine *e, omsig_engine_rates *out)
{
    memset(out, 0, sizeof *out);
    long cores = e->cfg.threads ? (long)e->cfg.threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    const bool x86 = omsig_sha256_x86_available() != 0;
    /* one stream runs at the single-stream rate; each core fills with its best lane count,
     * which gains what the kernels measured on this CPU's kind (sha256_x86.h) */
    const unsigned lanes = x86 ? omsig_sha256_x86_best_lanes() : 1;
    out->stream_rate = omsig_cpu_sha256_rate(16u << 20);
    out->total_rate = out->stream_rate * omsig_sha256_x86_gain(lanes) * (double)cores;
    out->streams_to_fill = (uint64_t)cores * lanes;
    out->stream_seconds = OMSIG_STREAM_HOST_SECONDS;
    out->workers = (unsigned)cores;
    out->b3_rate = blake3_core_rate();
}

const omsig_engine_ops omsig_engine_cpu = {
    .name = "cpu",
    .probe = cpu_probe,
    .create = cpu_create,
    .run = cpu_run,
    .rates = cpu_rates,
    .destroy = cpu_destroy,
};

double omsig_cpu_sha256_rate(size_t bytes)
{
    if (bytes < (1u << 20)) bytes = 1u << 20;
    uint8_t *buf = malloc(bytes);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    double best = 0;
    if (buf && ctx) {
        memset(buf, 0xa5, bytes);
        uint8_t md[32];
        for (int run = 0; run < 3; run++) {
            const double t0 = omsig_now();
            EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
            EVP_DigestUpdate(ctx, buf, bytes);
            EVP_DigestFinal_ex(ctx, md, NULL);
            const double dt = omsig_now() - t0;
            if (dt > 0 && (double)bytes / dt > best) best = (double)bytes / dt;
        }
    }
    free(buf);
    EVP_MD_CTX_free(ctx);
    return best;
}
