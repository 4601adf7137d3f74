/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue.h - the streams of a plan waiting to be hashed, longest first, taken from both ends:
 * CPU workers take the longest, a GPU feeder takes batches of the shortest.  The queue also
 * owns what every engine does the same way: opening a stream's file, the check that the file
 * is still the one the walk listed (at open and after hashing), the wording of a failure,
 * progress, and taking back the unfinished streams of an engine that gave up.
 */
#ifndef OMSIG_HASH_QUEUE_H
#define OMSIG_HASH_QUEUE_H

#include "plan.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct omsig_queue {
    omsig_plan *plan;
    const omsig_model *model;
    omsig_report *rep;
    omsig_progress_fn progress;
    void *progress_user;
    bool read_only;             /* read every byte, hash nothing (digest --read-only) */
    bool one_thread;            /* a tiny plan: the CPU engine hashes on the caller's thread */
    const omsig_sink *sink;     /* verified load: the caller's sink for every piece, or NULL
                                 * (then set by omsig_hash_plan after init; CPU engine only) */

    pthread_mutex_t mu;         /* guards front, back, returned, the report */
    size_t front, back;         /* plan->order[front, back) has not been taken */
    omsig_stream **returned;    /* put back by an engine that gave up; taken first */
    size_t n_returned;
    atomic_uint_fast64_t bytes_done;
    atomic_int stop;            /* a stream failed: every engine stops taking */
    const atomic_int *cancel;   /* the context's omsig_ctx_cancel() flag, or NULL */
    double last_progress;       /* guarded by ticking */
    atomic_int ticking;

    /* test hook OMSIG_FAULT_READ=<errno|stall|short>:<resource path> (hooks.h) */
    const char *inject_name;
    int inject_errno;
    bool inject_stall;
} omsig_queue;

OMSIG_PRIVATE omsig_status omsig_queue_init(omsig_queue *q, omsig_plan *plan,
                                            const omsig_model *model, const omsig_options *o,
                                            omsig_report *rep);
OMSIG_PRIVATE void omsig_queue_destroy(omsig_queue *q);

/* The longest stream not yet taken, or NULL when none is left or the run stopped. */
OMSIG_PRIVATE omsig_stream *omsig_queue_take_longest(omsig_queue *q);
/* Up to max streams from the short end whose lengths add up to at most max_bytes (at least
 * one stream when any is left); returns how many were written to out. */
OMSIG_PRIVATE size_t omsig_queue_take_shortest(omsig_queue *q, omsig_stream **out, size_t max,
                                               uint64_t max_bytes);
/* Gives back streams an engine took and did not finish; another engine takes them. */
OMSIG_PRIVATE void omsig_queue_put_back(omsig_queue *q, omsig_stream *const *s, size_t n);
/* Streams not yet taken (put-back ones included). */
OMSIG_PRIVATE size_t omsig_queue_left(omsig_queue *q);
/* A stream failed or the caller cancelled: every engine stops taking and reading. */
OMSIG_PRIVATE bool omsig_queue_stopped(const omsig_queue *q);
/* The caller cancelled (omsig_ctx_cancel()). */
OMSIG_PRIVATE bool omsig_queue_cancelled(const omsig_queue *q);

/* The name a sink is given for f: its path in the model ("/"-separated, as the manifest names
 * it), a single-file model's file name rather than ".". */
OMSIG_PRIVATE const char *omsig_queue_piece_name(const omsig_queue *q, const omsig_file *f);

/* Opens s's file and checks it is the one the walk listed.  Returns the descriptor, or -1
 * after reporting the failure (the run stops).  *inject receives the test hook's fault for
 * this stream (0 normally), for the reader. */
OMSIG_PRIVATE int omsig_queue_open(omsig_queue *q, const omsig_stream *s, int *inject);
/* Whether a reader may open s's file itself (reader.h, add_path), beneath the model's root
 * with the model's path: no check is due before its first read (a short stream, no sink),
 * and the model is a folder whose files are opened without following symlinks. */
OMSIG_PRIVATE bool omsig_queue_reader_opens(const omsig_queue *q, const omsig_stream *s);
/* The test hook's fault for s (0 normally), as omsig_queue_open gives it. */
OMSIG_PRIVATE int omsig_queue_inject(omsig_queue *q, const omsig_stream *s);
/* Reports that s's file could not be opened (err: an errno), in the reference's words where
 * it is refused; stops the run. */
OMSIG_PRIVATE omsig_status omsig_queue_fail_open(omsig_queue *q, const omsig_stream *s,
                                                 int err);
/* After s was hashed from fd: the file must not have changed meanwhile, and its path must
 * still name it (for a file in a watched folder, omsig_queue_check_paths checks that once the
 * engines are done).  Reports and stops the run when not. */
OMSIG_PRIVATE omsig_status omsig_queue_check_unchanged(omsig_queue *q, const omsig_stream *s,
                                                       int fd);
/* After the engines finished: the paths of the files checked by their folders (walk.h) still
 * name them.  Reports and stops the run when one does not. */
OMSIG_PRIVATE omsig_status omsig_queue_check_paths(omsig_queue *q);
/* Reports a failed read of f (-errno from a reader) in the reference's words; stops the run. */
OMSIG_PRIVATE omsig_status omsig_queue_fail_read(omsig_queue *q, const omsig_file *f, int err);
/* Reports a failure that is not about one file (threads, memory); stops the run. */
OMSIG_PRIVATE omsig_status omsig_queue_fail(omsig_queue *q, omsig_status st, const char *fmt,
                                            ...) __attribute__((format(printf, 3, 4)));
OMSIG_PRIVATE void omsig_queue_warn(omsig_queue *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records which reader an engine's thread uses (for the report); any thread. */
OMSIG_PRIVATE void omsig_queue_note_reader(omsig_queue *q, const char *name);

/* Counts hashed bytes; any thread. */
static inline void omsig_queue_hashed(omsig_queue *q, uint64_t bytes)
{
    atomic_fetch_add_explicit(&q->bytes_done, bytes, memory_order_relaxed);
}
/* Calls the user's progress callback, at most five times a second and from one thread at a
 * time; any engine's thread may call it. */
OMSIG_PRIVATE void omsig_queue_tick(omsig_queue *q);

#endif /* OMSIG_HASH_QUEUE_H */
