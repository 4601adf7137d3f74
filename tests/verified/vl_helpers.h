/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vl_helpers.h - verified-load tests: a model of files with known contents written under a
 * temporary directory and signed with a test key, and a collecting sink that checks every
 * piece against those contents (each covered byte delivered once, byte-equal, in increasing
 * offset within each stream) and can hold pieces, releasing them later from another thread.
 */
#ifndef OMSIG_VL_HELPERS_H
#define OMSIG_VL_HELPERS_H

#define _GNU_SOURCE
#include "helpers.h"
#include "omsig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VL_MAX_FILES 16

typedef struct vl_file {
    const char *name;      /* relative path in the model */
    size_t size;
    uint8_t *data;         /* the contents written */
} vl_file;

typedef struct vl_model {
    char dir[512];         /* the temporary directory: model/ and model.sig in it */
    char model[600], sig[600], pub[600], key[600];
    vl_file f[VL_MAX_FILES];
    size_t n;
} vl_model;

static inline int vl_write(const char *path, const void *p, size_t n)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *s = strchr(tmp + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        mkdir(tmp, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    const size_t w = n ? fwrite(p, 1, n, f) : 0;
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Adds a file of n pseudo-random bytes (seeded by its index) to the model on disk. */
static inline int vl_add(vl_model *m, const char *name, size_t n)
{
    vl_file *f = &m->f[m->n];
    f->name = name;
    f->size = n;
    f->data = malloc(n ? n : 1);
    if (!f->data) return -1;
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ (m->n + 1) * 0x100000001b3ull;
    t_fill(&seed, f->data, n);
    m->n++;
    char path[700];
    snprintf(path, sizeof path, "%s/%s", m->model, name);
    return vl_write(path, f->data, n);
}

/* A fresh model directory and the test keys of testdata/pki. */
static inline int vl_begin(vl_model *m, const char *srcdir)
{
    memset(m, 0, sizeof *m);
    const char *tmp = getenv("TMPDIR");
    snprintf(m->dir, sizeof m->dir, "%s/omsig-vl-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(m->dir)) return -1;
    snprintf(m->model, sizeof m->model, "%s/model", m->dir);
    snprintf(m->sig, sizeof m->sig, "%s/model.sig", m->dir);
    snprintf(m->pub, sizeof m->pub, "%s/testdata/pki/p256.pub.pem", srcdir);
    snprintf(m->key, sizeof m->key, "%s/testdata/pki/p256.key.pem", srcdir);
    return mkdir(m->model, 0755);
}

/* Signs the model with serialization shard_size (0: files) and hash h. */
static inline omsig_status vl_sign(vl_model *m, uint64_t shard_size, omsig_hash h)
{
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.model_path = m->model;
    o.signature_path = m->sig;
    o.private_key_path = m->key;
    o.hash = h;
    if (shard_size) {
        o.serialization = OMSIG_SERIAL_SHARDS;
        o.shard_size = shard_size;
    }
    omsig_report *rep = NULL;
    const omsig_status st = omsig_sign(&o, &rep);
    if (st != OMSIG_OK) fprintf(stderr, "sign: %s\n", omsig_report_message(rep));
    omsig_report_free(rep);
    return st;
}

static inline void vl_options(const vl_model *m, omsig_options *o)
{
    omsig_options_init(o);
    o->method = OMSIG_METHOD_KEY;
    o->model_path = m->model;
    o->signature_path = m->sig;
    o->public_key_path = m->pub;
}

static inline void vl_end(vl_model *m)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", m->dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", m->dir);
    for (size_t i = 0; i < m->n; i++) free(m->f[i].data);
}

/* ---- the collecting sink ------------------------------------------------------------------ */

typedef struct vl_held {
    omsig_piece *token;
    const void *data;      /* read only when released: a slot reused early shows here */
    size_t len;
    size_t file;
    uint64_t offset;
} vl_held;

typedef struct vl_sink {
    const vl_model *m;
    uint64_t stream_size;  /* order is checked within [k * stream_size, ...); 0: whole file;
                            * UINT64_MAX: not checked (BLAKE3 parts) */
    bool hold;             /* return OMSIG_PIECE_HELD; a thread compares and releases later */
    unsigned stop_after;   /* return OMSIG_PIECE_STOP on this piece (1-based); 0: never */
    bool stop_on_release;  /* with hold: release the stop_after-th piece with stop set */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *seen[VL_MAX_FILES];   /* bytes delivered, per byte of each file */
    uint64_t *next[VL_MAX_FILES];  /* next offset expected, per stream */
    unsigned pieces, after_stop, errors;
    bool stopped;
    unsigned attached, detached;
    char unknown[256];     /* a name delivered that the model does not cover */
    vl_held *queue;
    size_t qn, qcap;
    bool closing;
    pthread_t releaser;
} vl_sink;

static inline size_t vl_find(const vl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->f[i].name, name) == 0) return i;
    return (size_t)-1;
}

/* Checks one piece against the file's contents (called with mu held). */
static inline void vl_check(vl_sink *s, size_t i, uint64_t off, const void *data, size_t len)
{
    const vl_file *f = &s->m->f[i];
    if (off > f->size || len > f->size - off || (len == 0 && f->size != 0)) {
        fprintf(stderr, "%s: piece [%llu, +%zu) outside the file\n", f->name,
                (unsigned long long)off, len);
        s->errors++;
        return;
    }
    if (memcmp(f->data + off, data, len) != 0) {
        fprintf(stderr, "%s: piece at %llu differs from the file\n", f->name,
                (unsigned long long)off);
        s->errors++;
    }
    if (len == 0 && s->seen[i][0]++) { /* an empty file's one piece */
        fprintf(stderr, "%s: empty file delivered twice\n", f->name);
        s->errors++;
    }
    for (size_t k = 0; k < len; k++)
        if (s->seen[i][off + k]++) {
            fprintf(stderr, "%s: byte %llu delivered twice\n", f->name,
                    (unsigned long long)(off + k));
            s->errors++;
            break;
        }
}

static inline void vl_order(vl_sink *s, size_t i, uint64_t off, size_t len)
{
    if (s->stream_size == UINT64_MAX) return;
    const uint64_t k = s->stream_size ? off / s->stream_size : 0;
    if (s->next[i][k] != off) {
        fprintf(stderr, "%s: piece at %llu, expected %llu next in its stream\n", s->m->f[i].name,
                (unsigned long long)off, (unsigned long long)s->next[i][k]);
        s->errors++;
    }
    s->next[i][k] = off + len;
}

static inline void *vl_releaser(void *arg)
{
    vl_sink *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->qn == 0 && !s->closing) pthread_cond_wait(&s->cv, &s->mu);
        if (s->qn == 0) break;
        vl_held h = s->queue[0];
        memmove(s->queue, s->queue + 1, --s->qn * sizeof *s->queue);
        pthread_mutex_unlock(&s->mu);
        usleep(300); /* later than the worker's hash of a small piece: the worker waits */
        pthread_mutex_lock(&s->mu);
        vl_check(s, h.file, h.offset, h.data, h.len);
        const bool stop = s->stop_on_release && s->stop_after && s->pieces >= s->stop_after &&
                          !s->stopped;
        if (stop) s->stopped = true;
        pthread_mutex_unlock(&s->mu);
        omsig_piece_release(h.token, stop);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static inline int vl_piece(void *user, const char *name, uint64_t file_size, uint64_t offset,
                    const void *data, size_t len, omsig_piece *token)
{
    vl_sink *s = user;
    pthread_mutex_lock(&s->mu);
    int rc = OMSIG_PIECE_DONE;
    s->pieces++;
    if (s->stopped) s->after_stop++;
    const size_t i = vl_find(s->m, name);
    if (i == (size_t)-1 || file_size != s->m->f[i].size) {
        snprintf(s->unknown, sizeof s->unknown, "%s", name);
        s->errors++;
    } else {
        vl_order(s, i, offset, len);
        if (s->hold && s->qn < s->qcap) {
            s->queue[s->qn++] = (vl_held){token, data, len, i, offset};
            pthread_cond_signal(&s->cv);
            rc = OMSIG_PIECE_HELD;
        } else {
            vl_check(s, i, offset, data, len);
        }
    }
    if (!s->stop_on_release && s->stop_after && s->pieces == s->stop_after) {
        s->stopped = true;
        if (rc == OMSIG_PIECE_HELD) { /* a stopping piece is not held */
            s->qn--;
            vl_check(s, i, offset, data, len);
        }
        rc = OMSIG_PIECE_STOP;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static inline int vl_buffers(void *user, void *base, size_t len, int attach)
{
    vl_sink *s = user;
    pthread_mutex_lock(&s->mu);
    if (!base || !len) s->errors++;
    if (attach)
        s->attached++;
    else
        s->detached++;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static inline int vl_sink_init(vl_sink *s, const vl_model *m, uint64_t stream_size)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->stream_size = stream_size;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (size_t i = 0; i < m->n; i++) {
        const uint64_t k = stream_size && stream_size != UINT64_MAX ? m->f[i].size / stream_size + 1 : 1;
        s->seen[i] = calloc(m->f[i].size + 1, 1);
        s->next[i] = calloc(k, sizeof *s->next[i]);
        if (!s->seen[i] || !s->next[i]) return -1;
        for (uint64_t j = 0; j < k; j++) s->next[i][j] = j * (stream_size == UINT64_MAX ? 0 : stream_size);
    }
    s->qcap = 4096;
    s->queue = calloc(s->qcap, sizeof *s->queue);
    if (!s->queue) return -1;
    return pthread_create(&s->releaser, NULL, vl_releaser, s) == 0 ? 0 : -1;
}

static inline void vl_sink_end(vl_sink *s)
{
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->releaser, NULL);
    for (size_t i = 0; i < s->m->n; i++) free(s->seen[i]), free(s->next[i]);
    free(s->queue);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* Bytes of file i the sink received. */
static inline uint64_t vl_covered(const vl_sink *s, size_t i)
{
    uint64_t n = 0;
    for (size_t k = 0; k < s->m->f[i].size; k++) n += s->seen[i][k] != 0;
    return n;
}

/* Whether the empty file i got its one piece of no bytes. */
static inline bool vl_empty_delivered(const vl_sink *s, size_t i)
{
    return s->m->f[i].size == 0 && s->seen[i][0] != 0;
}

static inline omsig_sink vl_as_sink(vl_sink *s)
{
    return (omsig_sink){.piece = vl_piece, .buffers = vl_buffers, .user = s};
}

#endif
