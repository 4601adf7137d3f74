/* SPDX-License-Identifier: Apache-2.0 */
/*
 * _verified.c - verified load for Python (omsig_ctx_verify_to): the model is read once, and
 * what Python receives is exactly what was hashed.  Two sinks:
 *
 * Ctx.load_into: the safetensors loader's sink.  The Python side has parsed each file's header
 * (read from the file before the run) and passes the header's bytes, the file's size and the
 * size of its data area.  On the library's worker threads, with the GIL released, each piece
 * is compared with the header where it overlaps it (so the header that was parsed is the one
 * that was verified) and copied once into the file's data buffer, allocated when the file's
 * first data piece arrives (a file the manifest does not cover is never delivered, never
 * allocated).  The buffers come back as Buffer objects (writable, freed with their last view)
 * only when the verdict is success; on any failure they are freed before the call returns.
 *
 * Ctx.open_stream: pieces handed to the Python thread.  The sink, on a worker thread, puts
 * each piece in a bounded queue and returns OMSIG_PIECE_HELD; the Python thread takes pieces
 * from the queue (waiting with the GIL released) and gives each out as a memoryview of a Piece
 * object, whose buffer points into the library's slot.  When Python asks for the next piece,
 * the memoryview is released and the piece with it (omsig_piece_release), so the slot is
 * reused only when nothing in Python points into it: a view still in use (a slice, an array
 * made from the memoryview) keeps the slot held until it is gone, and is an error
 * (BufferError) that stops the run, since its worker cannot go on meanwhile.  Closing the
 * stream stops the run: queued pieces are released with stop, later pieces refused, and the
 * run thread joined once no piece is held by Python.
 */
#define _GNU_SOURCE
#include "_omsig.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
#endif

/* ---- Buffer: memory the extension allocated, handed to Python ------------------------------- */

typedef struct {
    PyObject_HEAD
    void *p;
    Py_ssize_t len;
} BufferObject;

static PyTypeObject BufferType;

static void Buffer_dealloc(BufferObject *self)
{
    free(self->p);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Buffer_getbuffer(BufferObject *self, Py_buffer *view, int flags)
{
    return PyBuffer_FillInfo(view, (PyObject *)self, self->p, self->len, 0, flags);
}

static PyBufferProcs Buffer_as_buffer = {.bf_getbuffer = (getbufferproc)Buffer_getbuffer};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "omsig._omsig.Buffer",
    .tp_doc = PyDoc_STR("Verified bytes: a writable buffer, freed with its last view."),
    .tp_basicsize = sizeof(BufferObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_as_buffer = &Buffer_as_buffer,
};

/* Takes ownership of p (len bytes; at least one byte allocated); NULL with an exception. */
static PyObject *buffer_wrap(void *p, size_t len)
{
    BufferObject *b = PyObject_New(BufferObject, &BufferType);
    if (!b) {
        free(p);
        return NULL;
    }
    b->p = p;
    b->len = (Py_ssize_t)len;
    return (PyObject *)b;
}

/* A file's data area, cache-line aligned.  Not asked for huge pages: where the kernel
 * compacts memory to make them (THP defrag "madvise"), a 3 GB load spent two to three times
 * the system time of 4 KiB pages, measured with bench/python_load.sh. */
static void *alloc_data(uint64_t len)
{
    if (len > SIZE_MAX - 64) return NULL;
    void *p = NULL;
    if (posix_memalign(&p, 64, len ? (size_t)len : 1) != 0) return NULL;
    return p;
}

/* ---- Ctx.load_into: the safetensors sink ------------------------------------------------------ */

typedef struct target {
    char *name;                 /* as the manifest names the file */
    char *header;               /* the file's first hdr_len bytes, as parsed */
    uint64_t hdr_len;
    uint64_t size;              /* the file's size the header implies */
    char *error;                /* the header did not parse: this, if the file is delivered */
    pthread_mutex_t mu;         /* guards the allocation of data */
    _Atomic(uint8_t *) data;    /* size - hdr_len bytes, made at the first data piece */
    atomic_uint_fast64_t got;   /* bytes delivered */
} target;

typedef struct fill {
    target *t;
    size_t n;
    pthread_mutex_t mu;         /* guards why */
    char why[1024];             /* the first reason the sink stopped the run */
} fill;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const target *)a)->name, ((const target *)b)->name);
}

static int stop_because(fill *f, const char *fmt, const char *name, uint64_t a, uint64_t b)
{
    pthread_mutex_lock(&f->mu);
    if (!f->why[0]) snprintf(f->why, sizeof f->why, fmt, name, (unsigned long long)a,
                             (unsigned long long)b);
    pthread_mutex_unlock(&f->mu);
    return OMSIG_PIECE_STOP;
}

static bool ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static uint8_t *data_of(target *t)
{
    uint8_t *p = atomic_load_explicit(&t->data, memory_order_acquire);
    if (p) return p;
    pthread_mutex_lock(&t->mu);
    if (!(p = atomic_load_explicit(&t->data, memory_order_relaxed))) {
        p = alloc_data(t->size - t->hdr_len);
        atomic_store_explicit(&t->data, p, memory_order_release);
    }
    pthread_mutex_unlock(&t->mu);
    return p;
}

/* On a worker thread, without the GIL. */
static int fill_piece(void *user, const char *name, uint64_t file_size, uint64_t offset,
                      const void *data, size_t len, omsig_piece *token)
{
    (void)token;
    fill *f = user;
    const target key = {.name = (char *)name};
    target *t = bsearch(&key, f->t, f->n, sizeof *f->t, by_name);
    if (!t) {
        if (!ends_with(name, ".safetensors")) return OMSIG_PIECE_DONE; /* not loaded */
        return stop_because(f, "'%s': a .safetensors file that was not listed before the run",
                            name, 0, 0);
    }
    if (t->error) return stop_because(f, "%s", t->error, 0, 0);
    if (file_size != t->size)
        return stop_because(f, "'%s' is %llu bytes, but its safetensors header describes %llu",
                            name, file_size, t->size);
    const uint8_t *d = data;
    if (offset < t->hdr_len) {
        const uint64_t n = len < t->hdr_len - offset ? len : t->hdr_len - offset;
        if (memcmp(d, t->header + offset, (size_t)n) != 0)
            return stop_because(f, "'%s' changed after its safetensors header was read: the "
                                   "verified header differs from the parsed one",
                                name, 0, 0);
    }
    if (offset + len > t->hdr_len) {
        const uint64_t at = offset > t->hdr_len ? offset : t->hdr_len;
        uint8_t *dst = data_of(t);
        if (!dst)
            return stop_because(f, "'%s': out of memory for %llu bytes of tensors", name,
                                t->size - t->hdr_len, 0);
        memcpy(dst + (at - t->hdr_len), d + (at - offset), (size_t)(offset + len - at));
    }
    atomic_fetch_add_explicit(&t->got, len, memory_order_relaxed);
    return OMSIG_PIECE_DONE;
}

static void fill_free(fill *f)
{
    for (size_t i = 0; i < f->n; i++) {
        target *t = &f->t[i];
        free(t->name);
        free(t->header);
        free(t->error);
        free(atomic_load(&t->data));
        pthread_mutex_destroy(&t->mu);
    }
    free(f->t);
    pthread_mutex_destroy(&f->mu);
}

static char *dup_bytes(const char *p, Py_ssize_t n)
{
    char *s = malloc((size_t)n + 1);
    if (s) {
        memcpy(s, p, (size_t)n);
        s[n] = 0;
    }
    return s;
}

/* The targets from a list of (name: bytes, header: bytes, size: int, error: str | None). */
static int fill_init(fill *f, PyObject *files)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    const Py_ssize_t n = PyList_GET_SIZE(files);
    if (!(f->t = calloc(n ? (size_t)n : 1, sizeof *f->t))) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        target *t = &f->t[f->n];
        const char *name, *hdr;
        Py_ssize_t name_len, hdr_len;
        unsigned long long size;
        PyObject *err;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(files, i), "y#y#KO;a file is (name, header, "
                              "size, error)", &name, &name_len, &hdr, &hdr_len, &size, &err))
            return -1;
        if ((Py_ssize_t)strlen(name) != name_len || (uint64_t)hdr_len > size ||
            (err != Py_None && !PyUnicode_Check(err))) {
            PyErr_SetString(PyExc_ValueError, "load_into: a bad file entry");
            return -1;
        }
        pthread_mutex_init(&t->mu, NULL);
        f->n++;
        t->name = dup_bytes(name, name_len);
        t->header = dup_bytes(hdr, hdr_len);
        t->hdr_len = (uint64_t)hdr_len;
        t->size = size;
        const char *e = err == Py_None ? NULL : PyUnicode_AsUTF8(err);
        if (err != Py_None && !e) return -1;
        if (e) t->error = dup_bytes(e, (Py_ssize_t)strlen(e));
        if (!t->name || !t->header || (e && !t->error)) {
            PyErr_NoMemory();
            return -1;
        }
    }
    qsort(f->t, f->n, sizeof *f->t, by_name);
    for (size_t i = 1; i < f->n; i++)
        if (strcmp(f->t[i - 1].name, f->t[i].name) == 0) {
            PyErr_Format(PyExc_ValueError, "load_into: '%s' listed twice", f->t[i].name);
            return -1;
        }
    return 0;
}

/* After a successful run: for each file given, its Buffer, or None when it was not delivered
 * (the manifest does not cover it).  NULL with why set when a file came in part. */
static PyObject *fill_take(fill *f, PyObject *files)
{
    const Py_ssize_t n = PyList_GET_SIZE(files);
    PyObject *out = PyList_New(n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name = PyBytes_AS_STRING(PyTuple_GET_ITEM(PyList_GET_ITEM(files, i), 0));
        const target key = {.name = (char *)name};
        target *t = bsearch(&key, f->t, f->n, sizeof *f->t, by_name);
        const uint64_t got = atomic_load(&t->got);
        PyObject *v;
        if (got == 0 && t->size > 0) {
            v = Py_NewRef(Py_None);
        } else if (got != t->size) {
            snprintf(f->why, sizeof f->why, "'%s': %llu of its %llu bytes were delivered",
                     name, (unsigned long long)got, (unsigned long long)t->size);
            Py_DECREF(out);
            return NULL;
        } else {
            uint8_t *p = atomic_exchange(&t->data, NULL);
            if (!p && !(p = malloc(1))) {
                Py_DECREF(out);
                return PyErr_NoMemory();
            }
            if (!(v = buffer_wrap(p, t->size - t->hdr_len))) {
                Py_DECREF(out);
                return NULL;
            }
        }
        PyList_SET_ITEM(out, i, v);
    }
    return out;
}

const char Ctx_load_into_doc[] =
    "load_into(options, files, progress) -> (report, buffers, why)\n\n"
    "Verifies with the options' dictionary and copies the data area of each file of files, a\n"
    "list of (name: bytes, header: bytes, size: int, error: str | None), into a buffer of its\n"
    "own, checking each delivered header byte against header and the delivered size against\n"
    "size; a file whose error is set stops the run with that message if it is delivered.\n"
    "On success buffers holds a Buffer (or None: not covered by the manifest) per file; on\n"
    "failure None, and why says why the sink stopped the run ('' when it did not).";

PyObject *Ctx_load_into(CtxObject *self, PyObject *args)
{
    PyObject *d, *files, *progress;
    if (!PyArg_ParseTuple(args, "O!O!O:load_into", &PyDict_Type, &d, &PyList_Type, &files,
                          &progress))
        return NULL;
    if (ctx_claim(self, progress) != 0) return NULL;
    fill f;
    omsig_options o;
    arena a = {0};
    if (fill_init(&f, files) != 0 || options_from_dict(d, &o, &a) != 0) {
        fill_free(&f);
        arena_free(&a);
        return NULL;
    }
    const omsig_sink sink = {.piece = fill_piece, .user = &f};
    omsig_status st;
    omsig_report *rep = NULL;
    PyObject *out = NULL, *buffers = NULL;
    if (ctx_call(self, 0, &o, &sink, progress, &st, &rep) == 0) {
        if (st == OMSIG_OK && !(buffers = fill_take(&f, files)) && PyErr_Occurred()) goto out;
        PyObject *report = report_dict(st, rep);
        if (report) out = Py_BuildValue("(NOs)", report, buffers ? buffers : Py_None, f.why);
    }
out:
    Py_XDECREF(buffers);
    omsig_report_free(rep);
    fill_free(&f);
    arena_free(&a);
    return out;
}

/* ---- Ctx.open_stream: pieces handed to the Python thread ------------------------------------ */

#define QUEUE_CAP 64       /* pieces waiting for Python; a worker holds at most four at once */
#define WAKE_PERIOD 0.1    /* seconds between checks for signals (Ctrl-C) while waiting */

typedef struct item {
    const char *name;      /* the model's, alive while the piece is held */
    uint64_t offset;
    const void *data;
    size_t len;
    omsig_piece *token;
} item;

typedef struct StreamObject StreamObject;

typedef struct {
    PyObject_HEAD
    StreamObject *stream;  /* kept alive while a piece exists: its run waits for the release */
    const void *data;
    size_t len;
    omsig_piece *token;
    int exports;           /* buffers given out and not yet released */
    int retired;           /* Python moved on: no new buffer, release at the last export */
    int released;          /* omsig_piece_release was called */
} PieceObject;

struct StreamObject {
    PyObject_HEAD
    CtxObject *ctx;
    omsig_options o;
    arena a;
    pthread_t thread;
    int started, joined;
    pthread_mutex_t mu;    /* guards what follows, up to the GIL-held fields */
    pthread_cond_t more;   /* a piece was queued or the run finished */
    pthread_cond_t room;   /* a piece was taken or the stream stopped */
    item q[QUEUE_CAP];
    size_t head, count;
    int finished;          /* omsig_ctx_verify_to returned */
    atomic_int stopping;   /* Python stopped the run: pieces are refused (also read without mu) */
    omsig_status st;
    omsig_report *rep;
    atomic_uint_fast64_t done, total;
    atomic_int seen;
    /* with the GIL held */
    PieceObject *cur;      /* the piece last given out, and its memoryview */
    PyObject *cur_view;
    int in_use;            /* pieces retired while Python still had a view of them */
    const char *last_name; /* the str of the last name given out, reused for the next piece */
    PyObject *last_name_obj;
};

static PyTypeObject PieceType, StreamType;

static void release_piece(PieceObject *p)
{
    if (p->released) return;
    p->released = 1;
    omsig_piece_release(p->token, atomic_load(&p->stream->stopping));
}

static int Piece_getbuffer(PieceObject *self, Py_buffer *view, int flags)
{
    if (self->retired) {
        PyErr_SetString(PyExc_BufferError, "this piece was released: the iteration moved on");
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, (void *)self->data, (Py_ssize_t)self->len, 1,
                          flags) != 0)
        return -1;
    self->exports++;
    return 0;
}

static void Piece_releasebuffer(PieceObject *self, Py_buffer *view)
{
    (void)view;
    if (--self->exports == 0 && self->retired) release_piece(self);
}

static void Piece_dealloc(PieceObject *self)
{
    release_piece(self);
    Py_DECREF(self->stream);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyBufferProcs Piece_as_buffer = {.bf_getbuffer = (getbufferproc)Piece_getbuffer,
                                        .bf_releasebuffer = (releasebufferproc)Piece_releasebuffer};

static PyTypeObject PieceType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "omsig._omsig.Piece",
    .tp_doc = PyDoc_STR("A piece of a file in the library's read buffer, valid until the "
                        "iteration moves on."),
    .tp_basicsize = sizeof(PieceObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Piece_dealloc,
    .tp_as_buffer = &Piece_as_buffer,
};

/* The sink, on a worker thread: queue the piece, held until Python is done with it. */
static int stream_piece(void *user, const char *name, uint64_t file_size, uint64_t offset,
                        const void *data, size_t len, omsig_piece *token)
{
    (void)file_size;
    StreamObject *s = user;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && s->count == QUEUE_CAP) pthread_cond_wait(&s->room, &s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return OMSIG_PIECE_STOP;
    }
    s->q[(s->head + s->count++) % QUEUE_CAP] =
        (item){.name = name, .offset = offset, .data = data, .len = len, .token = token};
    pthread_cond_signal(&s->more);
    pthread_mutex_unlock(&s->mu);
    return OMSIG_PIECE_HELD;
}

static void stream_progress(void *user, uint64_t done, uint64_t total)
{
    StreamObject *s = user;
    atomic_store(&s->done, done);
    atomic_store(&s->total, total);
    atomic_store(&s->seen, 1);
}

static void *stream_main(void *arg)
{
    StreamObject *s = arg;
    const omsig_sink sink = {.piece = stream_piece, .user = s};
    omsig_report *rep = NULL;
    const omsig_status st = omsig_ctx_verify_to(s->ctx->ctx, &s->o, &sink, &rep);
    pthread_mutex_lock(&s->mu);
    s->st = st;
    s->rep = rep;
    s->finished = 1;
    pthread_cond_broadcast(&s->more);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Python is done with the current piece: its view released, the piece with it.  -1 with
 * BufferError set when something still points into the slot (the piece is then released
 * when that goes, and the run stops). */
static int retire_current(StreamObject *s)
{
    PieceObject *p = s->cur;
    PyObject *v = s->cur_view;
    if (!p) return 0;
    s->cur = NULL;
    s->cur_view = NULL;
    PyObject *r = PyObject_CallMethod(v, "release", NULL);
    Py_XDECREF(r);
    if (!r) PyErr_Clear(); /* a buffer was taken from the memoryview: counted below */
    Py_DECREF(v);
    p->retired = 1;
    int rc = 0;
    if (p->exports == 0) {
        release_piece(p);
    } else {
        s->in_use++;
        PyErr_SetString(PyExc_BufferError,
                        "a piece from open_verified is still in use (a slice of its "
                        "memoryview, or an array made from it) as the iteration moves on: "
                        "copy what you keep (bytes(view), array.copy()) and drop views "
                        "before the next piece; the run stopped");
        rc = -1;
    }
    Py_DECREF(p);
    return rc;
}

/* Stops the run: nothing more is taken, queued pieces are released with stop. */
static void stream_stop(StreamObject *s)
{
    omsig_piece *tokens[QUEUE_CAP];
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    while (s->count) {
        tokens[n++] = s->q[s->head].token;
        s->head = (s->head + 1) % QUEUE_CAP;
        s->count--;
    }
    pthread_cond_broadcast(&s->room);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) omsig_piece_release(tokens[i], 1);
}

static void stream_join(StreamObject *s)
{
    if (!s->started || s->joined) return;
    Py_BEGIN_ALLOW_THREADS
    pthread_join(s->thread, NULL);
    Py_END_ALLOW_THREADS
    s->joined = 1;
}

static PyObject *piece_tuple(StreamObject *s, const item *it)
{
    if (it->name != s->last_name || !s->last_name_obj) {
        PyObject *n = text(it->name);
        if (!n) return NULL;
        Py_XSETREF(s->last_name_obj, n);
        s->last_name = it->name;
    }
    PieceObject *p = PyObject_New(PieceObject, &PieceType);
    if (!p) {
        omsig_piece_release(it->token, 1);
        return NULL;
    }
    p->stream = (StreamObject *)Py_NewRef((PyObject *)s);
    p->data = it->data;
    p->len = it->len;
    p->token = it->token;
    p->exports = p->retired = p->released = 0;
    PyObject *view = PyMemoryView_FromObject((PyObject *)p);
    if (!view) {
        Py_DECREF(p); /* released with the piece */
        return NULL;
    }
    s->cur = p;
    s->cur_view = view;
    return Py_BuildValue("(OKO)", s->last_name_obj, (unsigned long long)it->offset, view);
}

static PyObject *Stream_next(StreamObject *s, PyObject *unused)
{
    (void)unused;
    if (retire_current(s) != 0) {
        stream_stop(s);
        return NULL;
    }
    if (s->stopping) return PyErr_Format(PyExc_RuntimeError, "the stream was closed");
    for (;;) {
        item it;
        int got = 0, fin = 0;
        Py_BEGIN_ALLOW_THREADS
        const double until = now_mono() + WAKE_PERIOD;
        struct timespec ts = {.tv_sec = (time_t)until,
                              .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
        pthread_mutex_lock(&s->mu);
        while (!s->count && !s->finished &&
               pthread_cond_timedwait(&s->more, &s->mu, &ts) != ETIMEDOUT) {
        }
        if (s->count) {
            it = s->q[s->head];
            s->head = (s->head + 1) % QUEUE_CAP;
            s->count--;
            got = 1;
            pthread_cond_signal(&s->room);
        }
        fin = s->finished;
        pthread_mutex_unlock(&s->mu);
        Py_END_ALLOW_THREADS
        if (got) {
            PyObject *t = piece_tuple(s, &it);
            if (!t) stream_stop(s);
            return t;
        }
        if (fin) {
            stream_join(s);
            Py_RETURN_NONE;
        }
        if (PyErr_CheckSignals() != 0) { /* Ctrl-C: the caller closes the stream */
            stream_stop(s);
            return NULL;
        }
    }
}

static PyObject *Stream_close(StreamObject *s, PyObject *unused)
{
    (void)unused;
    if (s->started && !s->joined) {
        stream_stop(s);
        if (retire_current(s) != 0) PyErr_Clear(); /* released when its last view goes */
        if (!s->in_use) stream_join(s);
    }
    Py_RETURN_NONE;
}

static PyObject *Stream_result(StreamObject *s, PyObject *unused)
{
    (void)unused;
    if (!s->joined) return PyErr_Format(PyExc_RuntimeError, "the run has not ended");
    return report_dict(s->st, s->rep);
}

static PyObject *Stream_ended(StreamObject *s, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(s->joined);
}

static PyObject *Stream_progress(StreamObject *s, PyObject *unused)
{
    (void)unused;
    if (!atomic_load(&s->seen)) Py_RETURN_NONE;
    return Py_BuildValue("(KK)", (unsigned long long)atomic_load(&s->done),
                         (unsigned long long)atomic_load(&s->total));
}

static void Stream_dealloc(StreamObject *s)
{
    /* no piece is alive (each holds the stream), so the run ends once the queue is emptied */
    if (s->started && !s->joined) {
        stream_stop(s);
        stream_join(s);
    }
    if (s->started) {
        pthread_cond_destroy(&s->more);
        pthread_cond_destroy(&s->room);
        pthread_mutex_destroy(&s->mu);
    }
    if (s->ctx) s->ctx->busy = 0;
    Py_XDECREF(s->ctx);
    Py_XDECREF(s->last_name_obj);
    omsig_report_free(s->rep);
    arena_free(&s->a);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyMethodDef Stream_methods[] = {
    {"next", (PyCFunction)Stream_next, METH_NOARGS,
     "next() -> (name, offset, memoryview) or None when the run ended.  Releases the piece "
     "given before; BufferError when a view of it is still in use (the run then stops)."},
    {"close", (PyCFunction)Stream_close, METH_NOARGS,
     "close(): stops the run if it is going and waits for it, unless Python still holds a "
     "view of a piece (the run ends when that goes)."},
    {"result", (PyCFunction)Stream_result, METH_NOARGS,
     "result() -> the report as a dict, once next() returned None or close() waited."},
    {"ended", (PyCFunction)Stream_ended, METH_NOARGS,
     "ended() -> whether the run ended and its thread was joined."},
    {"progress", (PyCFunction)Stream_progress, METH_NOARGS,
     "progress() -> (bytes done, bytes total), or None before the library reported any."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StreamType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "omsig._omsig.Stream",
    .tp_doc = PyDoc_STR("A verified load whose pieces Python takes one at a time."),
    .tp_basicsize = sizeof(StreamObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Stream_dealloc,
    .tp_methods = Stream_methods,
};

const char Ctx_open_stream_doc[] =
    "open_stream(options) -> Stream\n\n"
    "Starts omsig_ctx_verify_to on a native thread with the options' dictionary; the Stream\n"
    "gives the pieces out one at a time.  The context is busy until the Stream is gone.";

PyObject *Ctx_open_stream(CtxObject *self, PyObject *args)
{
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O!:open_stream", &PyDict_Type, &d)) return NULL;
    if (ctx_claim(self, Py_None) != 0) return NULL;
    StreamObject *s = PyObject_New(StreamObject, &StreamType);
    if (!s) return NULL;
    memset((char *)s + sizeof(PyObject), 0, sizeof *s - sizeof(PyObject));
    if (options_from_dict(d, &s->o, &s->a) != 0) {
        Py_DECREF(s);
        return NULL;
    }
    s->o.progress = stream_progress;
    s->o.progress_user = s;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->more, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->room, NULL);
    pthread_mutex_init(&s->mu, NULL);
    s->ctx = (CtxObject *)Py_NewRef((PyObject *)self);
    self->busy = 1;
    if (pthread_create(&s->thread, NULL, stream_main, s) != 0) {
        s->started = 1;
        s->joined = 1; /* nothing to join */
        Py_DECREF(s);
        return PyErr_Format(PyExc_RuntimeError, "cannot start a thread");
    }
    s->started = 1;
    return (PyObject *)s;
}

int verified_add_types(PyObject *m)
{
    if (PyType_Ready(&BufferType) < 0 || PyType_Ready(&PieceType) < 0 ||
        PyType_Ready(&StreamType) < 0)
        return -1;
    Py_INCREF(&BufferType);
    if (PyModule_AddObject(m, "Buffer", (PyObject *)&BufferType) < 0) {
        Py_DECREF(&BufferType);
        return -1;
    }
    return 0;
}
