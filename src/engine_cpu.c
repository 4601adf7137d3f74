/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_cpu.c - hashes streams on CPU cores.  A fixed pool of workers (one per core) takes
 * streams longest first from one atomic cursor.  Each worker owns a reader (its ring of slots
 * for the whole run, so many small files cost no allocation and no thread per file), keeps
 * the reader busy with the streams that follow, and hashes two or three SHA-256 streams at
 * once, interleaved on its core (sha256_x86.c), straight from the slots; other hashes and
 * CPUs without the SHA extensions go through OpenSSL.
 */
#define _GNU_SOURCE
#include "omsig_internal.h"
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

typedef struct pool {
    const omsig_engine_args *a;
    const omsig_reader_ops *reader;
    omsig_reader_cfg cfg;
    const EVP_MD *md[2];       /* by omsig_hash: sha256, blake2b512 */
    atomic_size_t next;
    atomic_uint_fast64_t bytes_done;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned running;
    const char *inject_name;   /* test hook: OMSIG_FAULT_READ=<errno|stall|short>:<resource> */
    int inject_errno;
    bool inject_stall;
    size_t max_claim;          /* open streams per worker: bounded by the descriptor limit */
    bool lanes_x86;            /* SHA-256 through the interleaved x86 backend */
} pool;

/* A stream a worker has claimed: opened, handed to its reader, and (once it is one of the
 * worker's lanes) being hashed. */
typedef struct claimed {
    omsig_stream *s;
    int fd;
    int h;
    EVP_MD_CTX *ctx;          /* OpenSSL path; NULL until the stream becomes a lane */
    omsig_sha256_lane lane;   /* interleaved SHA-256 path */
    bool started;
} claimed;

static omsig_status fail_file(pool *p, omsig_status st, const omsig_file *f, const char *what)
{
    char *d = omsig_model_display(p->a->model, f->path);
    pthread_mutex_lock(&p->mu);
    omsig_fail(p->a->rep, st, "%s '%s'%s", st == OMSIG_E_FILE_CHANGED ? "File" : "Cannot read",
               d ? d : f->path, what);
    pthread_mutex_unlock(&p->mu);
    free(d);
    atomic_store(&p->stop, 1);
    return st;
}

static omsig_status fail_errno(pool *p, const omsig_file *f, int err)
{
    if (err == ESTALE)
        return fail_file(p, OMSIG_E_FILE_CHANGED, f,
                         " changed after the model was listed (size, time or identity differs); "
                         "verify again when nothing is writing to the model");
    if (err == ENODATA)
        return fail_file(p, OMSIG_E_FILE_CHANGED, f,
                         " changed while it was being hashed: it became shorter");
    char tail[256];
    snprintf(tail, sizeof tail, ": %s", strerror(err));
    return fail_file(p, OMSIG_E_IO, f, tail);
}

/* Claims the next stream (longest first) and hands it to the reader. 0: claimed, 1: none
 * left, -1: failed (reported). */
static int claim(pool *p, omsig_reader *rd, claimed *c)
{
    const omsig_plan *plan = p->a->plan;
    const size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= plan->n_streams) return 1;
    memset(c, 0, sizeof *c);
    c->s = &plan->streams[plan->order[i]];
    c->fd = omsig_model_open_file(p->a->model, c->s->file);
    if (c->fd < 0) {
        fail_errno(p, c->s->file, -c->fd);
        return -1;
    }
    const bool hooked = p->inject_name && strcmp(p->inject_name, c->s->file->path) == 0;
    if (hooked && p->inject_stall) sleep(2); /* a window for a test to change the file */
    const int inject = hooked ? p->inject_errno : 0;
    c->h = p->reader->add(rd, c->fd, c->s->offset, c->s->length, inject);
    if (c->h < 0) {
        close(c->fd);
        fail_errno(p, c->s->file, -c->h);
        return -1;
    }
    return 0;
}

typedef struct worker_state {
    omsig_reader *rd;
    claimed *q;               /* claimed streams; the first `active` are the lanes */
    size_t qn;
    bool exhausted;
    EVP_MD_CTX *spare[4];     /* OpenSSL contexts reused from stream to stream */
    unsigned n_spare;
} worker_state;

static bool use_lanes(const pool *p, const claimed *c)
{
    return p->lanes_x86 && c->s->hash == OMSIG_HASH_SHA256;
}

static omsig_status start_lane(pool *p, worker_state *w, claimed *c)
{
    c->started = true;
    if (use_lanes(p, c)) {
        omsig_sha256_lane_init(&c->lane);
        return OMSIG_OK;
    }
    c->ctx = w->n_spare ? w->spare[--w->n_spare] : EVP_MD_CTX_new();
    if (!c->ctx || EVP_DigestInit_ex(c->ctx, p->md[c->s->hash == OMSIG_HASH_BLAKE2B], NULL) != 1)
        return fail_file(p, OMSIG_E_GENERIC, c->s->file, ": the hash cannot be initialised");
    return OMSIG_OK;
}

/* Ends q[i]: digest, the unchanged-file check, and the stream leaves the worker. */
static omsig_status finish_lane(pool *p, worker_state *w, size_t i, bool ok)
{
    claimed *c = &w->q[i];
    omsig_status st = OMSIG_OK;
    if (ok) {
        if (c->ctx) {
            unsigned int len = 0;
            EVP_DigestFinal_ex(c->ctx, c->s->digest, &len);
        } else {
            omsig_sha256_lane_final(&c->lane, c->s->digest);
        }
        const omsig_file *f = c->s->file;
        struct stat sb;
        if (fstat(c->fd, &sb) != 0 || (uint64_t)sb.st_size != f->size ||
            sb.st_mtim.tv_sec != f->mtime_sec || sb.st_mtim.tv_nsec != f->mtime_nsec)
            st = fail_file(p, OMSIG_E_FILE_CHANGED, f,
                           " changed while it was being hashed (size or modification time differs)");
    }
    if (c->ctx) {
        if (w->n_spare < 4)
            w->spare[w->n_spare++] = c->ctx;
        else
            EVP_MD_CTX_free(c->ctx);
    }
    p->reader->remove(w->rd, c->h);
    close(c->fd);
    memmove(&w->q[i], &w->q[i + 1], (w->qn - i - 1) * sizeof *w->q);
    w->qn--;
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
    while (!w->exhausted && w->qn < p->max_claim && p->reader->room(w->rd)) {
        const int rc = claim(p, w->rd, &w->q[w->qn]);
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
        claimed *c = &w->q[i];
        if (!c->started) OMSIG_FORWARD_IF_ERROR(start_lane(p, w, c));
        const ssize_t n = p->reader->next(w->rd, c->h, &data[active]);
        if (n == -EAGAIN && active > 0) break; /* hash and release what is held first */
        if (n < 0) return fail_errno(p, c->s->file, (int)-n);
        if (n == 0) { /* this stream is done; the next claimed one moves up */
            OMSIG_FORWARD_IF_ERROR(finish_lane(p, w, i, true));
            continue;
        }
        len[active] = (size_t)n;
        if (c->ctx) {
            if (!p->a->opt->read_only) EVP_DigestUpdate(c->ctx, data[active], len[active]);
        } else {
            lanes[n_lane] = &c->lane;
            ldata[n_lane] = data[active];
            llen[n_lane++] = len[active];
        }
        active++;
        i++;
    }
    if (n_lane && !p->a->opt->read_only) omsig_sha256_lanes_update(lanes, ldata, llen, n_lane);
    uint64_t bytes = 0;
    for (unsigned j = 0; j < active; j++) {
        p->reader->release(w->rd, w->q[j].h);
        bytes += len[j];
    }
    atomic_fetch_add_explicit(&p->bytes_done, bytes, memory_order_relaxed);
    return OMSIG_OK;
}

static void *worker(void *arg)
{
    pool *p = arg;
    int err = 0;
    worker_state w = {0};
    w.rd = p->reader->create(&p->cfg, &err);
    w.q = calloc(p->max_claim + 1, sizeof *w.q);
    if (!w.rd || !w.q) {
        pthread_mutex_lock(&p->mu);
        omsig_fail(p->a->rep, OMSIG_E_NOMEM, "cannot set up the %s reader: %s", p->reader->name,
                   strerror(err ? -err : ENOMEM));
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->stop, 1);
    }
    while (w.rd && w.q && !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        if (w.qn == 0) {
            if (w.exhausted) break;
            const int rc = claim(p, w.rd, &w.q[0]);
            if (rc < 0) break;
            if (rc > 0) {
                w.exhausted = true;
                break;
            }
            w.qn = 1;
        }
        if (round_of_lanes(p, &w) != OMSIG_OK) break;
    }
    while (w.qn) finish_lane(p, &w, w.qn - 1, false);
    free(w.q);
    for (unsigned i = 0; i < w.n_spare; i++) EVP_MD_CTX_free(w.spare[i]);
    if (w.rd) p->reader->destroy(w.rd);
    pthread_mutex_lock(&p->mu);
    p->running--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static unsigned thread_count(const omsig_options *o, size_t n_streams)
{
    long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    if ((size_t)n > n_streams) n = (long)(n_streams ? n_streams : 1);
    return (unsigned)n;
}

/* Slots of each worker's ring.  The ring never needs to be larger than the model, and small
 * files want many small slots rather than a few large ones: slots are pinned, so their size
 * is memory.  64 MiB in flight per worker keeps a fast NVMe device busy (fio reaches its rate
 * with 16 reads of 1 MiB in flight); more only costs pinning time. */
static void size_ring(const omsig_engine_args *a, unsigned threads, omsig_reader_cfg *cfg)
{
    const size_t buf = a->opt->buffer_size ? a->opt->buffer_size : OMSIG_DEFAULT_BUFFER;
    const omsig_plan *plan = a->plan;
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
    if (slots > 4096) slots = 4096;
    if (slots < 2 * cfg->lanes) slots = 2 * cfg->lanes;
    cfg->slot_size = slot;
    cfg->n_slots = (unsigned)slots;
}

/* Streams hashed at once per core: one SHA-256 stream is bound by the latency of the round
 * instruction, so two or three interleaved do more work (sha256_x86.c).  With fewer streams
 * than cores x lanes, lanes shrink so that no core idles while another interleaves.
 * OMSIG_SHA256=openssl (or a CPU without the SHA extensions) keeps OpenSSL, one stream per
 * core; OMSIG_LANES=1..3 forces the count. */
static unsigned choose_lanes(const omsig_plan *plan, unsigned threads, bool *x86)
{
    *x86 = omsig_sha256_x86_available() != 0;
    unsigned lanes = *x86 ? 3 : 1;
    const uint64_t per_core = (plan->n_streams + threads - 1) / threads;
    if (per_core < lanes) lanes = per_core ? (unsigned)per_core : 1;
    const char *force = getenv("OMSIG_LANES");
    if (force && atoi(force) >= 1 && atoi(force) <= 3) lanes = (unsigned)atoi(force);
    if (lanes == 1) *x86 = false; /* one stream gains nothing from interleaving */
    return lanes;
}

/* Test hooks, read once: OMSIG_FAULT_READ=<errno|stall|short>:<resource path> makes reads of
 * that file fail, wait two seconds before the first read, or come back short. */
static void read_fault_hook(pool *p)
{
    const char *f = getenv("OMSIG_FAULT_READ");
    const char *colon = f ? strchr(f, ':') : NULL;
    if (!colon) return;
    p->inject_stall = strncmp(f, "stall:", 6) == 0;
    p->inject_errno = p->inject_stall ? 0 : strncmp(f, "short:", 6) == 0 ? -1 : atoi(f);
    p->inject_name = colon + 1;
}

/* io_uring unless it cannot be set up here (old kernel, seccomp: ENOSYS, EPERM) or --io pread
 * says otherwise; OMSIG_FAULT_URING (a test hook) stands for such a kernel. */
static omsig_status pick_reader(const omsig_engine_args *a, unsigned threads, pool *p)
{
    p->cfg.lanes = choose_lanes(a->plan, threads, &p->lanes_x86);
    p->cfg.try_direct = true;
    /* with cores to spare, kernel workers copy from the page cache while workers hash */
    p->cfg.async_copy = (long)threads < sysconf(_SC_NPROCESSORS_ONLN);
    if (getenv("OMSIG_ASYNC_COPY")) p->cfg.async_copy = atoi(getenv("OMSIG_ASYNC_COPY")) != 0;
    size_ring(a, threads, &p->cfg);
    p->reader = &omsig_reader_pread;
    if (a->opt->io != OMSIG_IO_PREAD) {
        if (omsig_io_uring_available() && !getenv("OMSIG_FAULT_URING"))
            p->reader = &omsig_reader_uring;
        else if (a->opt->io == OMSIG_IO_URING)
            return omsig_fail(a->rep, OMSIG_E_USAGE,
                              "io_uring is not available here (kernel, seccomp or build); "
                              "use --io pread or --io auto");
    }
    /* each claimed stream holds a descriptor (two with O_DIRECT): stay well inside the limit */
    struct rlimit rl;
    size_t fds = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) fds = rl.rlim_cur;
    p->max_claim = fds > 64 + 2 * threads ? (fds - 64) / (2 * threads) : 1;
    if (p->max_claim > MAX_QUEUE) p->max_claim = MAX_QUEUE;
    read_fault_hook(p);
    return OMSIG_OK;
}

omsig_status omsig_engine_cpu_run(const omsig_engine_args *a)
{
    pool p = {.a = a};
    const unsigned n = thread_count(a->opt, a->plan->n_streams);
    omsig_status st = pick_reader(a, n, &p);
    if (st != OMSIG_OK) return st;
    p.md[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    p.md[1] = EVP_MD_fetch(NULL, "BLAKE2B-512", NULL);
    if (!p.md[0] || !p.md[1]) {
        EVP_MD_free((EVP_MD *)p.md[0]);
        EVP_MD_free((EVP_MD *)p.md[1]);
        return omsig_fail(a->rep, OMSIG_E_GENERIC, "OpenSSL has no SHA256 or BLAKE2B-512");
    }
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
        omsig_fail(a->rep, OMSIG_E_NOMEM, "cannot start hashing threads");
    } else {
        /* the caller's thread reports progress until the workers are done */
        pthread_mutex_lock(&p.mu);
        while (p.running > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&p.cv, &p.mu, &ts);
            if (a->opt->progress && p.running > 0)
                a->opt->progress(a->opt->progress_user, atomic_load(&p.bytes_done),
                                 a->plan->total_bytes);
        }
        pthread_mutex_unlock(&p.mu);
        for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
    }
    free(tid);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    EVP_MD_free((EVP_MD *)p.md[0]);
    EVP_MD_free((EVP_MD *)p.md[1]);
    if (a->opt->progress && a->rep->status == OMSIG_OK)
        a->opt->progress(a->opt->progress_user, a->plan->total_bytes, a->plan->total_bytes);
    return a->rep->status;
}

omsig_status omsig_engine_run(const omsig_engine_args *a)
{
    switch (a->opt->hasher) {
    case OMSIG_HASHER_GPU:
    case OMSIG_HASHER_HYBRID:
        if (!omsig_engine_gpu_probe())
            return omsig_fail(a->rep, OMSIG_E_NO_DEVICE, "GPU hashing is not available: %s",
                              omsig_engine_gpu_absent_reason());
        a->rep->engine = "gpu";
        return omsig_engine_gpu_run(a);
    case OMSIG_HASHER_AUTO:
    case OMSIG_HASHER_CPU:
        break;
    }
    a->rep->engine = "cpu";
    return omsig_engine_cpu_run(a);
}

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
