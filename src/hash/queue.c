/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue.c - the plan's streams, handed out longest first to CPU workers and shortest first,
 * in batches, to a GPU feeder; plus the opening, the "file unchanged" check, the failure
 * wording and the progress that every engine shares.
 */
#define _GNU_SOURCE
#include "queue.h"
#include "hooks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OMSIG_FAULT_READ=<errno|stall|short>:<resource path>: reads of that file fail with errno,
 * wait two seconds before the first read (a window to change the file), or come back short. */
static void read_fault_hook(omsig_queue *q)
{
    const char *f = omsig_hook("OMSIG_FAULT_READ");
    const char *colon = f ? strchr(f, ':') : NULL;
    if (!colon) return;
    q->inject_stall = strncmp(f, "stall:", 6) == 0;
    q->inject_errno = q->inject_stall ? 0 : strncmp(f, "short:", 6) == 0 ? -1 : atoi(f);
    q->inject_name = colon + 1;
}

omsig_status omsig_queue_init(omsig_queue *q, omsig_plan *plan, const omsig_model *model,
                              const omsig_options *o, omsig_report *rep)
{
    memset(q, 0, sizeof *q);
    q->plan = plan;
    q->model = model;
    q->rep = rep;
    q->progress = o->progress;
    q->progress_user = o->progress_user;
    q->read_only = o->read_only != 0;
    q->back = plan->n_streams;
    q->returned = omsig_reallocarray(NULL, plan->n_streams, sizeof *q->returned);
    if (!q->returned) return omsig_fail(rep, OMSIG_E_NOMEM, "out of memory");
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        free(q->returned);
        return omsig_fail(rep, OMSIG_E_GENERIC, "cannot create a lock");
    }
    q->last_progress = omsig_now();
    read_fault_hook(q);
    return OMSIG_OK;
}

void omsig_queue_destroy(omsig_queue *q)
{
    pthread_mutex_destroy(&q->mu);
    free(q->returned);
    memset(q, 0, sizeof *q);
}

bool omsig_queue_cancelled(const omsig_queue *q)
{
    return q->cancel && atomic_load_explicit(q->cancel, memory_order_relaxed) != 0;
}

bool omsig_queue_stopped(const omsig_queue *q)
{
    return atomic_load_explicit(&q->stop, memory_order_relaxed) != 0 || omsig_queue_cancelled(q);
}

omsig_stream *omsig_queue_take_longest(omsig_queue *q)
{
    omsig_stream *s = NULL;
    pthread_mutex_lock(&q->mu);
    if (!omsig_queue_stopped(q)) {
        if (q->n_returned)
            s = q->returned[--q->n_returned];
        else if (q->front < q->back)
            s = &q->plan->streams[q->plan->order[q->front++]];
    }
    pthread_mutex_unlock(&q->mu);
    return s;
}

size_t omsig_queue_take_shortest(omsig_queue *q, omsig_stream **out, size_t max,
                                 uint64_t max_bytes)
{
    size_t n = 0;
    uint64_t bytes = 0;
    pthread_mutex_lock(&q->mu);
    while (n < max && !omsig_queue_stopped(q)) {
        omsig_stream *s;
        if (q->n_returned)
            s = q->returned[q->n_returned - 1];
        else if (q->front < q->back)
            s = &q->plan->streams[q->plan->order[q->back - 1]];
        else
            break;
        if (n > 0 && s->length > max_bytes - bytes) break;
        if (q->n_returned)
            q->n_returned--;
        else
            q->back--;
        bytes = s->length > max_bytes - bytes ? max_bytes : bytes + s->length;
        out[n++] = s;
    }
    pthread_mutex_unlock(&q->mu);
    return n;
}

void omsig_queue_put_back(omsig_queue *q, omsig_stream *const *s, size_t n)
{
    pthread_mutex_lock(&q->mu);
    /* each stream was taken once, so the put-back ones always fit */
    for (size_t i = 0; i < n && q->n_returned < q->plan->n_streams; i++)
        q->returned[q->n_returned++] = s[i];
    pthread_mutex_unlock(&q->mu);
}

size_t omsig_queue_left(omsig_queue *q)
{
    pthread_mutex_lock(&q->mu);
    const size_t n = q->back - q->front + q->n_returned;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static void vfail_locked(omsig_queue *q, omsig_status st, const char *fmt, va_list ap)
{
    pthread_mutex_lock(&q->mu);
    omsig_vfail(q->rep, st, fmt, ap);
    pthread_mutex_unlock(&q->mu);
    atomic_store(&q->stop, 1);
}

omsig_status omsig_queue_fail(omsig_queue *q, omsig_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_locked(q, st, fmt, ap);
    va_end(ap);
    return st;
}

void omsig_queue_warn(omsig_queue *q, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&q->mu);
    omsig_warn(q->rep, "%s", buf);
    pthread_mutex_unlock(&q->mu);
}

static omsig_status fail_file(omsig_queue *q, omsig_status st, const omsig_file *f,
                              const char *what)
{
    char *d = omsig_model_display(q->model, f->path);
    omsig_queue_fail(q, st, "%s '%s'%s", st == OMSIG_E_FILE_CHANGED ? "File" : "Cannot read",
                     d ? d : f->path, what);
    free(d);
    return st;
}

omsig_status omsig_queue_fail_read(omsig_queue *q, const omsig_file *f, int err)
{
    if (err == ESTALE)
        return fail_file(q, OMSIG_E_FILE_CHANGED, f,
                         " changed after the model was listed (size, time or identity differs); "
                         "verify again when nothing is writing to the model");
    if (err == ENODATA)
        return fail_file(q, OMSIG_E_FILE_CHANGED, f,
                         " changed while it was being hashed: it became shorter");
    char tail[256];
    snprintf(tail, sizeof tail, ": %s", strerror(err));
    return fail_file(q, OMSIG_E_IO, f, tail);
}

/* The one "unchanged" rule: a regular file with the identity, size and modification time
 * the walk saw. */
static bool same_file(const omsig_file *f, const struct stat *st, bool identity)
{
    if ((uint64_t)st->st_size != f->size || st->st_mtim.tv_sec != f->mtime_sec ||
        st->st_mtim.tv_nsec != f->mtime_nsec)
        return false;
    return !identity || (S_ISREG(st->st_mode) && st->st_ino == f->ino && st->st_dev == f->dev);
}

/* Streams up to this long are read in one go (one read, one ring slot), so the check after
 * hashing, which compares the identity too, tells all the check at open would: a small file
 * saves a system call.  Longer streams are checked at open as well, before their reads. */
#define CHECK_AT_OPEN_BYTES (1u << 20)

omsig_status omsig_queue_fail_open(omsig_queue *q, const omsig_stream *s, int err)
{
    if (err != EACCES && err != EPERM) return omsig_queue_fail_read(q, s->file, err);
    /* a file that cannot be opened: in the words of the reference's open() */
    char *d = omsig_model_display(q->model, s->file->path);
    pthread_mutex_lock(&q->mu);
    omsig_fail_open(q->rep, err, d ? d : s->file->path);
    pthread_mutex_unlock(&q->mu);
    atomic_store(&q->stop, 1);
    free(d);
    return q->rep->status;
}

/* Streams up to this long have their files opened by the reader, in its ring.  What that
 * saves (an open and a close as system calls, about a microsecond) counts for small files;
 * hot files of 1 MiB measured 3% slower so (20,000 of them: 3.42 s against 3.33 s), so longer
 * streams keep the system calls. */
#define RING_OPEN_BYTES (256u << 10)

bool omsig_queue_reader_opens(const omsig_queue *q, const omsig_stream *s)
{
    return q->model && !q->model->single_name && !q->model->allow_symlinks && !q->sink &&
           s->length <= RING_OPEN_BYTES;
}

int omsig_queue_inject(omsig_queue *q, const omsig_stream *s)
{
    if (!q->inject_name || strcmp(q->inject_name, s->file->path) != 0) return 0;
    if (q->inject_stall) sleep(2);
    return q->inject_errno;
}

int omsig_queue_open(omsig_queue *q, const omsig_stream *s, int *inject)
{
    *inject = 0;
    int fd = omsig_model_open_file(q->model, s->file);
    if (fd < 0) {
        omsig_queue_fail_open(q, s, -fd);
        return -1;
    }
    struct stat st;
    /* with a sink, every file is checked before its first byte is delivered: a file swapped
     * after the walk is refused unread, not delivered and then failed */
    if ((s->length > CHECK_AT_OPEN_BYTES || q->sink) &&
        (fstat(fd, &st) != 0 || !same_file(s->file, &st, true))) {
        close(fd);
        omsig_queue_fail_read(q, s->file, ESTALE);
        return -1;
    }
    *inject = omsig_queue_inject(q, s);
    return fd;
}

/* The path must still name the file the walk listed. */
static omsig_status check_path(omsig_queue *q, const omsig_file *f)
{
    struct stat st;
    if (omsig_model_stat_path(q->model, f, &st) != 0 || !same_file(f, &st, true))
        return fail_file(q, OMSIG_E_FILE_CHANGED, f,
                         " was replaced (or deleted) while it was being verified; verify again "
                         "when nothing is writing to the model");
    return OMSIG_OK;
}

/*
 * After a stream's last byte: the descriptor's file must be the one the walk listed (not
 * written meanwhile), and the path must still name it: a file renamed over or deleted while it
 * was read leaves the descriptor on the old file, whose bytes hash as signed, but the tree is
 * no longer the one verified.  The one place both checks are made, for every engine.
 */
omsig_status omsig_queue_check_unchanged(omsig_queue *q, const omsig_stream *s, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !same_file(s->file, &st, true))
        return fail_file(q, OMSIG_E_FILE_CHANGED, s->file,
                         " changed while it was being hashed (size, modification time or "
                         "identity differs)");
    omsig_hook_pause("OMSIG_HOOK_PAUSE_AFTER_HASH");
    /* a file in a watched folder has its path checked with the folder's, after hashing */
    return q->model && !s->file->dir ? check_path(q, s->file) : OMSIG_OK;
}

/*
 * After every stream was hashed: each watched folder must still be the one the walk listed,
 * with its change time unchanged, so that no name in it was removed, added or renamed: then
 * every file found in it is still named by its path, and one stat per folder stands for one
 * per file.  The files of a folder that changed have their paths checked one by one, so the
 * failure names the file replaced (a folder may also change for a file added beside them).
 */
omsig_status omsig_queue_check_paths(omsig_queue *q)
{
    const omsig_model *m = q->model;
    if (!m || !m->n_dirs) return OMSIG_OK;
    bool *changed = calloc(m->n_dirs, sizeof *changed);
    if (!changed) return omsig_queue_fail(q, OMSIG_E_NOMEM, "out of memory");
    bool any = false;
    for (size_t i = 0; i < m->n_dirs; i++)
        any |= changed[i] = !omsig_model_dir_unchanged(m, (uint32_t)i + 1);
    omsig_status st = OMSIG_OK;
    for (size_t i = 0; any && i < q->plan->n_streams && st == OMSIG_OK; i++) {
        const omsig_file *f = q->plan->streams[i].file;
        if (f->dir && changed[f->dir - 1]) st = check_path(q, f);
    }
    free(changed);
    return st;
}

const char *omsig_queue_piece_name(const omsig_queue *q, const omsig_file *f)
{
    if (q->model && q->model->single_name && strcmp(f->path, ".") == 0) return q->model->single_name;
    return f->path;
}

void omsig_queue_note_reader(omsig_queue *q, const char *name)
{
    pthread_mutex_lock(&q->mu);
    const char *had = q->rep->reader;
    if (!had || !had[0])
        q->rep->reader = name;
    else if (strcmp(had, name) != 0)
        q->rep->reader = "io_uring and pread";
    pthread_mutex_unlock(&q->mu);
}

void omsig_queue_tick(omsig_queue *q)
{
    if (!q->progress) return;
    /* any engine's thread may call: one at a time reports, the others go on */
    if (atomic_exchange(&q->ticking, 1)) return;
    const double now = omsig_now();
    if (now - q->last_progress >= 0.2) {
        q->last_progress = now;
        q->progress(q->progress_user, atomic_load(&q->bytes_done), q->plan->total_bytes);
    }
    atomic_store(&q->ticking, 0);
}
