/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_cpu.c - hashes streams on CPU cores with OpenSSL.  A fixed pool of workers takes
 * streams longest first from one atomic cursor; each worker owns one read buffer for the
 * whole run, so many small files cost no allocation and no thread per file.  Each stream is
 * read in large sequential chunks through the reader interface and hashed from the buffer.
 */
#define _GNU_SOURCE
#include "omsig_internal.h"

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
    const char *inject_name;   /* test hook: OMSIG_FAULT_READ=<errno|stall>:<resource path> */
    int inject_errno;
    bool inject_stall;
    size_t max_claim;          /* open streams per worker: bounded by the descriptor limit */
} pool;

/* A stream a worker has claimed: opened and handed to its reader. */
typedef struct claimed {
    omsig_stream *s;
    int fd;
    int h;
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

static void unclaim(pool *p, omsig_reader *rd, claimed *c)
{
    p->reader->remove(rd, c->h);
    close(c->fd);
}

static omsig_status hash_claimed(pool *p, omsig_reader *rd, claimed *q, size_t *qn,
                                 bool *exhausted, EVP_MD_CTX *ctx)
{
    claimed *c = &q[0];
    const omsig_file *f = c->s->file;
    if (EVP_DigestInit_ex(ctx, p->md[c->s->hash == OMSIG_HASH_BLAKE2B], NULL) != 1)
        return fail_file(p, OMSIG_E_GENERIC, f, ": the hash cannot be initialised");
    for (;;) {
        if (atomic_load_explicit(&p->stop, memory_order_relaxed)) return OMSIG_E_GENERIC;
        /* keep the reader busy: claim following streams while it has room */
        while (!*exhausted && *qn < p->max_claim && p->reader->room(rd)) {
            const int rc = claim(p, rd, &q[*qn]);
            if (rc < 0) return OMSIG_E_GENERIC;
            if (rc > 0) *exhausted = true;
            else (*qn)++;
        }
        const uint8_t *chunk = NULL;
        const ssize_t n = p->reader->next(rd, c->h, &chunk);
        if (n < 0) return fail_errno(p, f, (int)-n);
        if (n == 0) break;
        if (!p->a->opt->read_only) EVP_DigestUpdate(ctx, chunk, (size_t)n);
        p->reader->release(rd, c->h);
        atomic_fetch_add_explicit(&p->bytes_done, (uint64_t)n, memory_order_relaxed);
    }
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, c->s->digest, &len);
    struct stat sb;
    if (fstat(c->fd, &sb) != 0 || (uint64_t)sb.st_size != f->size ||
        sb.st_mtim.tv_sec != f->mtime_sec || sb.st_mtim.tv_nsec != f->mtime_nsec)
        return fail_file(p, OMSIG_E_FILE_CHANGED, f,
                         " changed while it was being hashed (size or modification time differs)");
    return OMSIG_OK;
}

static void *worker(void *arg)
{
    pool *p = arg;
    int err = 0;
    omsig_reader *rd = p->reader->create(&p->cfg, &err);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    claimed *q = calloc(MAX_QUEUE, sizeof *q);
    size_t qn = 0;
    bool exhausted = false;
    if (!rd || !ctx || !q) {
        pthread_mutex_lock(&p->mu);
        omsig_fail(p->a->rep, OMSIG_E_NOMEM, "cannot set up the %s reader: %s", p->reader->name,
                   strerror(err ? -err : ENOMEM));
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->stop, 1);
    }
    while (rd && ctx && q && !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        if (qn == 0) {
            if (exhausted) break;
            const int rc = claim(p, rd, &q[0]);
            if (rc != 0) break;
            qn = 1;
        }
        const omsig_status st = hash_claimed(p, rd, q, &qn, &exhausted, ctx);
        unclaim(p, rd, &q[0]);
        memmove(q, q + 1, (qn - 1) * sizeof *q);
        qn--;
        if (st != OMSIG_OK) break;
    }
    for (size_t i = 0; i < qn; i++) unclaim(p, rd, &q[i]);
    free(q);
    if (rd) p->reader->destroy(rd);
    EVP_MD_CTX_free(ctx);
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

/* The ring: --buffer-size split among the workers, 1 MiB slots. io_uring unless it cannot be
 * set up here (old kernel, seccomp: ENOSYS, EPERM) or --io pread says otherwise. */
static omsig_status pick_reader(const omsig_engine_args *a, unsigned threads, pool *p)
{
    /* The ring never needs to be larger than the model, and small files need many small
     * slots rather than a few large ones: the slots are pinned, so their size is memory. */
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
    if (slots < 2) slots = 2;
    if (slots > 4096) slots = 4096;
    p->cfg = (omsig_reader_cfg){.slot_size = slot, .n_slots = (unsigned)slots, .try_direct = true};
    p->reader = &omsig_reader_pread;
    if (a->opt->io != OMSIG_IO_PREAD) {
        /* OMSIG_FAULT_URING (a test hook) stands for a kernel or seccomp without io_uring */
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
    const char *f = getenv("OMSIG_FAULT_READ");
    const char *colon = f ? strchr(f, ':') : NULL;
    if (colon) {
        p->inject_stall = strncmp(f, "stall:", 6) == 0;
        p->inject_errno = p->inject_stall ? 0 : atoi(f);
        p->inject_name = colon + 1;
    }
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
