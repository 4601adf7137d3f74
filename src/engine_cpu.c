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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_BYTES (1u << 20) /* the reference reads 1 MiB; the digest does not depend on it */

typedef struct pool {
    const omsig_engine_args *a;
    const omsig_reader_ops *reader;
    const EVP_MD *md[2];       /* by omsig_hash: sha256, blake2b512 */
    atomic_size_t next;
    atomic_uint_fast64_t bytes_done;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned running;
} pool;

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
    char tail[256];
    snprintf(tail, sizeof tail, ": %s", strerror(err));
    return fail_file(p, OMSIG_E_IO, f, tail);
}

static omsig_status hash_stream(pool *p, omsig_stream *s, EVP_MD_CTX *ctx, uint8_t *buf)
{
    const omsig_file *f = s->file;
    const int fd = omsig_model_open_file(p->a->model, f);
    if (fd < 0) return fail_errno(p, f, -fd);
    omsig_status st = OMSIG_OK;
    if (s->length) posix_fadvise(fd, (off_t)s->offset, (off_t)s->length, POSIX_FADV_SEQUENTIAL);
    if (EVP_DigestInit_ex(ctx, p->md[s->hash == OMSIG_HASH_BLAKE2B], NULL) != 1) {
        st = fail_file(p, OMSIG_E_GENERIC, f, ": the hash cannot be initialised");
        goto out;
    }
    uint64_t off = s->offset;
    const uint64_t end = s->offset + s->length;
    while (off < end && !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        const size_t want = end - off < CHUNK_BYTES ? (size_t)(end - off) : CHUNK_BYTES;
        const ssize_t n = p->reader->read(NULL, fd, buf, want, off);
        if (n < 0) {
            st = fail_errno(p, f, (int)-n);
            goto out;
        }
        if (n == 0) {
            st = fail_file(p, OMSIG_E_FILE_CHANGED, f,
                           " changed while it was being hashed: it became shorter");
            goto out;
        }
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        off += (uint64_t)n;
        atomic_fetch_add_explicit(&p->bytes_done, (uint64_t)n, memory_order_relaxed);
    }
    if (atomic_load(&p->stop)) goto out;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, s->digest, &len);
    struct stat sb;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size != f->size ||
        sb.st_mtim.tv_sec != f->mtime_sec || sb.st_mtim.tv_nsec != f->mtime_nsec)
        st = fail_file(p, OMSIG_E_FILE_CHANGED, f,
                       " changed while it was being hashed (size or modification time differs)");
out:
    close(fd);
    return st;
}

static void *worker(void *arg)
{
    pool *p = arg;
    const omsig_plan *plan = p->a->plan;
    uint8_t *buf = NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (posix_memalign((void **)&buf, 4096, CHUNK_BYTES) != 0) buf = NULL;
    if (!buf || !ctx) {
        pthread_mutex_lock(&p->mu);
        omsig_fail(p->a->rep, OMSIG_E_NOMEM, "out of memory");
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->stop, 1);
    }
    while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        const size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= plan->n_streams) break;
        if (hash_stream(p, &plan->streams[plan->order[i]], ctx, buf) != OMSIG_OK) break;
    }
    free(buf);
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

omsig_status omsig_engine_cpu_run(const omsig_engine_args *a)
{
    pool p = {.a = a, .reader = &omsig_reader_pread};
    p.md[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    p.md[1] = EVP_MD_fetch(NULL, "BLAKE2B-512", NULL);
    if (!p.md[0] || !p.md[1]) {
        EVP_MD_free((EVP_MD *)p.md[0]);
        EVP_MD_free((EVP_MD *)p.md[1]);
        return omsig_fail(a->rep, OMSIG_E_GENERIC, "OpenSSL has no SHA256 or BLAKE2B-512");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    const unsigned n = thread_count(a->opt, a->plan->n_streams);
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
