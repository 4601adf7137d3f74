/* SPDX-License-Identifier: Apache-2.0 */
/*
 * walk_parallel.c - the model tree listed on several threads.
 *
 * A tree of many small files is one stat per file, and a cold stat waits on the inode's block:
 * listed on one thread, 100,000 files take most of a second cold and a tenth hot before the
 * first byte is hashed.  Here the calling thread lists the root, and folders and runs of up
 * to CHUNK names become tasks that up to max(4, 2 x cores) threads (16 at most) take from one
 * queue: each lists a folder, or stats a run of a folder's names, opening the folder again
 * beneath the root (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, as a file is opened
 * for hashing).  Threads start only when a second task is waiting, so a small model is listed
 * on the calling thread alone.
 *
 * Only a clean tree is listed here: regular files and folders, no symlinks (the walk with
 * allow_symlinks stays serial), nothing too deep or too long, every call succeeding.  At the
 * first anything else the threads stop and the serial walk (walk.c) lists the tree again: it
 * meets the problems in the reference's order and names the first in its words, so a
 * parallel listing never changes which problem is reported.
 *
 * The stats stay system calls on these threads rather than io_uring requests: the kernel runs
 * every IORING_OP_STATX on its io-wq worker threads (a statx cannot be issued without
 * blocking), so through a ring the same stats took 1.3-1.5x the wall time hot, and were no
 * faster cold than two threads (bench/README.md, "Many small files").
 */
#define _GNU_SOURCE
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 256u       /* names stat'ed per task */
#define MAX_THREADS 16u

typedef struct task {
    struct task *next;
    char *dir;           /* the folder, relative to the root ("" for the root) */
    unsigned depth;
    char **names;        /* names to stat in dir; NULL: list dir */
    size_t n_names;
    uint32_t dir_id;     /* omsig_file.dir of the files found in it */
} task;

/* One thread's files; the walk's list is made of them all, once, at the end. */
typedef struct found {
    omsig_file *files;
    size_t n, cap;
} found;

struct pwalk;
typedef struct thread_arg {
    struct pwalk *w;
    found *f;
} thread_arg;

typedef struct pwalk {
    omsig_model *m;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    task *head, *tail;
    size_t queued;
    unsigned busy;       /* threads working on a task */
    unsigned n_threads, max_threads;
    pthread_t tid[MAX_THREADS];
    thread_arg arg[MAX_THREADS]; /* [0]: the calling thread */
    found found[MAX_THREADS];
    atomic_int problem;  /* stop: the serial walk lists the tree */
} pwalk;

static void task_free(task *t)
{
    if (!t) return;
    if (t->names) omsig_strv_free(t->names, t->n_names);
    free(t->dir);
    free(t);
}

static void stop(pwalk *w) { atomic_store_explicit(&w->problem, 1, memory_order_relaxed); }

static bool stopped(const pwalk *w)
{
    return atomic_load_explicit(&w->problem, memory_order_relaxed) ||
           (w->m->abandon && atomic_load_explicit(w->m->abandon, memory_order_relaxed));
}

static void *worker(void *arg);

/* Queues t (owned by the queue from here); starts a thread when work is waiting. */
static void push(pwalk *w, task *t)
{
    pthread_mutex_lock(&w->mu);
    t->next = NULL;
    if (w->tail)
        w->tail->next = t;
    else
        w->head = t;
    w->tail = t;
    w->queued++;
    if (w->queued > 1 && w->n_threads + 1 < w->max_threads) {
        thread_arg *a = &w->arg[w->n_threads + 1];
        *a = (thread_arg){w, &w->found[w->n_threads + 1]};
        if (pthread_create(&w->tid[w->n_threads], NULL, worker, a) == 0) w->n_threads++;
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static task *new_task(pwalk *w, const char *dir, size_t dir_len, unsigned depth)
{
    task *t = calloc(1, sizeof *t);
    if (t && (t->dir = malloc(dir_len + 1))) {
        memcpy(t->dir, dir, dir_len);
        t->dir[dir_len] = '\0';
        t->depth = depth;
        return t;
    }
    free(t);
    stop(w);
    return NULL;
}

/* The folder rel, opened beneath the root without following any symlink; < 0 when it cannot
 * be (the serial walk then says why). */
static int open_dir(const omsig_model *m, const char *rel)
{
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    return rel[0] ? omsig_model_open_beneath(m, rel, flags) : openat(m->root_fd, ".", flags);
}

/* rel = dir "/" name (or name at the root) in b; false when too long or out of memory. */
static bool join(omsig_buf *b, const char *dir, const char *name)
{
    b->len = 0;
    if ((dir[0] && (omsig_buf_puts(b, dir) || omsig_buf_puts(b, "/"))) || omsig_buf_puts(b, name))
        return false;
    return b->len <= OMSIG_MAX_PATH_BYTES;
}

static bool keep_file(found *f, const char *rel, const struct stat *st, uint32_t dir_id)
{
    if (f->n == f->cap) {
        const size_t nc = f->cap ? 2 * f->cap : 256;
        omsig_file *g = omsig_reallocarray(f->files, nc, sizeof *g);
        if (!g) return false;
        f->files = g;
        f->cap = nc;
    }
    omsig_file *x = &f->files[f->n];
    if (!(x->path = omsig_strdup(rel))) return false;
    omsig_file_from_stat(x, st, dir_id);
    f->n++;
    return true;
}

/* Stats t's names in the open folder dfd: files are kept, folders queued, anything else stops
 * the walk. */
static void stat_names(pwalk *w, int dfd, const task *t, found *f, omsig_buf *rel)
{
    for (size_t i = 0; i < t->n_names && !stopped(w); i++) {
        struct stat st;
        if (fstatat(dfd, t->names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !join(rel, t->dir, t->names[i])) {
            stop(w);
        } else if (S_ISREG(st.st_mode)) {
            if (!keep_file(f, rel->data, &st, t->dir_id)) stop(w);
        } else if (S_ISDIR(st.st_mode) && t->depth < OMSIG_MAX_DEPTH) {
            task *sub = new_task(w, rel->data, rel->len, t->depth + 1);
            if (sub) push(w, sub);
        } else {
            stop(w); /* a symlink, a special file, or too deep: the serial walk names it */
        }
    }
}

/* Lists the folder t->dir: its names, in runs of CHUNK, go to the queue but the last, which
 * this thread stats itself. */
static void list_dir(pwalk *w, int dfd, task *t, found *f, omsig_buf *rel)
{
    pthread_mutex_lock(&w->mu);
    t->dir_id = omsig_model_add_dir(w->m, t->dir, dfd);
    pthread_mutex_unlock(&w->mu);
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        stop(w);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (stopped(w)) break;
        errno = 0;
        const struct dirent *e = readdir(d);
        if (!e) {
            if (errno) stop(w);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (!join(rel, t->dir, e->d_name)) {
            stop(w);
            break;
        }
        if (omsig_model_ignored(w->m, rel->data)) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **g = omsig_reallocarray(names, cap, sizeof *g);
            if (!g) {
                stop(w);
                break;
            }
            names = g;
        }
        if (!(names[n] = omsig_strdup(e->d_name))) {
            stop(w);
            break;
        }
        if (++n == CHUNK) { /* a full run: another thread stats it while this one reads on */
            task *c = new_task(w, t->dir, strlen(t->dir), t->depth);
            if (!c) break;
            c->names = names;
            c->n_names = n;
            c->dir_id = t->dir_id;
            push(w, c);
            names = NULL;
            n = cap = 0;
        }
    }
    if (!stopped(w)) {
        t->names = names;
        t->n_names = n;
        stat_names(w, dirfd(d), t, f, rel);
    } else {
        omsig_strv_free(names, n);
    }
    closedir(d);
}

static void run_task(pwalk *w, task *t, found *f, omsig_buf *rel)
{
    const int dfd = open_dir(w->m, t->dir);
    if (dfd < 0) {
        stop(w);
    } else if (!t->names) {
        list_dir(w, dfd, t, f, rel);
    } else {
        stat_names(w, dfd, t, f, rel);
        close(dfd);
    }
    task_free(t);
}

static void found_free(found *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->files[i].path);
    free(f->files);
    memset(f, 0, sizeof *f);
}

static void *worker(void *arg)
{
    pwalk *w = ((thread_arg *)arg)->w;
    found *f = ((thread_arg *)arg)->f;
    omsig_buf rel = {0};
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && w->busy > 0 && !stopped(w)) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head || stopped(w)) break;
        task *t = w->head;
        if (!(w->head = t->next)) w->tail = NULL;
        w->queued--;
        w->busy++;
        pthread_mutex_unlock(&w->mu);
        run_task(w, t, f, &rel);
        pthread_mutex_lock(&w->mu);
        w->busy--;
        if ((!w->head && w->busy == 0) || stopped(w)) pthread_cond_broadcast(&w->cv);
    }
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    omsig_buf_free(&rel);
    return NULL;
}

bool omsig_model_walk_parallel(omsig_model *m)
{
    if (m->allow_symlinks || m->single_name || m->ignore_all || m->n_files || m->n_dirs)
        return false;
    pwalk w = {.m = m};
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 && cores < MAX_THREADS ? 2 * (unsigned)cores : MAX_THREADS;
    if (threads < 4) threads = 4;
    w.max_threads = threads > MAX_THREADS ? MAX_THREADS : threads; /* the caller's included */
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    task *root = new_task(&w, "", 0, 0);
    if (root) push(&w, root);
    w.arg[0] = (thread_arg){&w, &w.found[0]};
    worker(&w.arg[0]);
    for (unsigned i = 0; i < w.n_threads; i++) pthread_join(w.tid[i], NULL);
    while (w.head) {
        task *t = w.head;
        w.head = t->next;
        task_free(t);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    /* the list is the largest thread's, grown in place (a large block moves without a copy)
     * to take the others' */
    size_t n = 0;
    unsigned big = 0;
    for (unsigned i = 0; i <= w.n_threads; i++) {
        n += w.found[i].n;
        if (w.found[i].n > w.found[big].n) big = i;
    }
    omsig_file *files =
        stopped(&w) ? NULL : omsig_reallocarray(w.found[big].files, n, sizeof *files);
    if (!files) {
        for (unsigned i = 0; i <= w.n_threads; i++) found_free(&w.found[i]);
        for (size_t i = 0; i < m->n_dirs; i++) free(m->dirs[i].path);
        m->n_dirs = 0;
        return false;
    }
    size_t at = w.found[big].n;
    for (unsigned i = 0; i <= w.n_threads; i++) {
        if (i == big) continue;
        if (w.found[i].n) memcpy(files + at, w.found[i].files, w.found[i].n * sizeof *files);
        at += w.found[i].n;
        free(w.found[i].files);
    }
    free(m->files);
    m->files = files;
    m->n_files = n;
    return true;
}
