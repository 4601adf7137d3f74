/* SPDX-License-Identifier: Apache-2.0 */
/*
 * _omsig.c - the CPython extension under the omsig package: one type, Ctx, holding an
 * omsig_ctx, whose run() turns a dictionary of already-checked options into omsig_options,
 * calls omsig_ctx_verify/sign/digest with the GIL released, and returns the report as a
 * dictionary.  Everything Pythonic (argument checks, path conversion, the result class, the
 * exceptions, the model_signing-shaped API) lives in the Python modules beside it.  The
 * verified load's sinks and types (Ctx.load_into, Ctx.open_stream) are in _verified.c.
 *
 * The CPython API, not cffi: the wheel then needs no runtime dependency (cffi's backend), the
 * GIL is released exactly around the library call (Py_BEGIN_ALLOW_THREADS), and the progress
 * relay below needs a native thread and a condition variable, which cffi would leave to
 * Python code holding the GIL.
 *
 * Progress: libomsig calls its progress callback from its hashing coordinator thread, where
 * Python code must not run.  With a progress callable, the library call runs on a native
 * worker thread; its callback only stores (done, total) in atomics, and the calling thread
 * waits with the GIL released, waking every 100 ms to hand the latest values to the callable,
 * so the callable runs in the caller's thread, at most ten times a second.  When it raises,
 * the caller asks the library to stop (omsig_ctx_cancel()), waits for the worker, and the
 * exception propagates.
 */
#include "_omsig.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OP_VERIFY = 0, OP_SIGN = 1, OP_DIGEST = 2 };

#define PROGRESS_PERIOD 0.1 /* seconds between calls of the progress callable, at least */

/* ---- options: owned copies of every string, so the GIL can be released ------------------- */

void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->p[i]);
    free(a->p);
    memset(a, 0, sizeof *a);
}

static void *arena_keep(arena *a, void *p)
{
    if (!p) return NULL;
    if (a->n == a->cap) {
        const size_t cap = a->cap ? 2 * a->cap : 16;
        char **np = realloc(a->p, cap * sizeof *np);
        if (!np) {
            free(p);
            return NULL;
        }
        a->p = np;
        a->cap = cap;
    }
    a->p[a->n++] = p;
    return p;
}

/* A copy of a bytes or str value (str as UTF-8), or NULL for None/absent; -1 on error. */
static int copy_str(arena *a, PyObject *v, const char *key, const char **out)
{
    *out = NULL;
    if (!v || v == Py_None) return 0;
    const char *s;
    Py_ssize_t n;
    if (PyBytes_Check(v)) {
        s = PyBytes_AS_STRING(v);
        n = PyBytes_GET_SIZE(v);
    } else if (PyUnicode_Check(v)) {
        if (!(s = PyUnicode_AsUTF8AndSize(v, &n))) return -1;
    } else {
        PyErr_Format(PyExc_TypeError, "%s: expected str or bytes, not %.100s", key,
                     Py_TYPE(v)->tp_name);
        return -1;
    }
    if ((Py_ssize_t)strlen(s) != n) {
        PyErr_Format(PyExc_ValueError, "%s: embedded NUL character", key);
        return -1;
    }
    if (!(*out = arena_keep(a, strdup(s)))) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int opt_str(arena *a, PyObject *d, const char *key, const char **out)
{
    return copy_str(a, PyDict_GetItemString(d, key), key, out);
}

static int opt_list(arena *a, PyObject *d, const char *key, const char *const **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    PyObject *v = PyDict_GetItemString(d, key);
    if (!v || v == Py_None) return 0;
    if (!PyList_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a list", key);
        return -1;
    }
    const Py_ssize_t len = PyList_GET_SIZE(v);
    const char **items = arena_keep(a, calloc(len ? (size_t)len : 1, sizeof *items));
    if (!items) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        if (copy_str(a, PyList_GET_ITEM(v, i), key, &items[i]) != 0) return -1;
    *out = items;
    *n = (size_t)len;
    return 0;
}

/* An integer option; absent or None keeps *out. */
static int opt_u64(PyObject *d, const char *key, uint64_t *out)
{
    PyObject *v = PyDict_GetItemString(d, key);
    if (!v || v == Py_None) return 0;
    const unsigned long long x = PyLong_AsUnsignedLongLong(v);
    if (x == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    *out = x;
    return 0;
}

static int opt_int(PyObject *d, const char *key, int *out)
{
    uint64_t x = (uint64_t)*out;
    if (opt_u64(d, key, &x) != 0) return -1;
    if (x > 0x7fffffff) {
        PyErr_Format(PyExc_ValueError, "%s: out of range", key);
        return -1;
    }
    *out = (int)x;
    return 0;
}

int options_from_dict(PyObject *d, omsig_options *o, arena *a)
{
    omsig_options_init(o);
    int method = (int)o->method, ser = (int)o->serialization, hash = (int)o->hash,
        verify_time = (int)o->verify_time,
        hasher = (int)o->hasher, io = (int)o->io, threads = 0;
    uint64_t buffer = 0;
    if (opt_int(d, "method", &method) || opt_str(a, d, "model", &o->model_path) ||
        opt_str(a, d, "signature", &o->signature_path) ||
        opt_str(a, d, "public_key", &o->public_key_path) ||
        opt_str(a, d, "private_key", &o->private_key_path) ||
        opt_str(a, d, "password", &o->password) ||
        opt_list(a, d, "certificate_chain", &o->certificate_chain_paths,
                 &o->n_certificate_chain_paths) ||
        opt_str(a, d, "signing_certificate", &o->signing_certificate_path) ||
        opt_int(d, "verify_time", &verify_time) ||
        opt_int(d, "log_fingerprints", &o->log_fingerprints) ||
        opt_str(a, d, "pkcs11_uri", &o->pkcs11_uri) || opt_str(a, d, "pkcs11_pin", &o->pkcs11_pin) ||
        opt_str(a, d, "identity", &o->identity) ||
        opt_str(a, d, "identity_provider", &o->identity_provider) ||
        opt_str(a, d, "trust_config", &o->trust_config_path) ||
        opt_int(d, "use_staging", &o->use_staging) ||
        opt_list(a, d, "ignore_paths", &o->ignore_paths, &o->n_ignore_paths) ||
        opt_int(d, "ignore_git_paths", &o->ignore_git_paths) ||
        opt_int(d, "allow_symlinks", &o->allow_symlinks) ||
        opt_int(d, "ignore_unsigned_files", &o->ignore_unsigned_files) ||
        opt_int(d, "serialization", &ser) || opt_u64(d, "shard_size", &o->shard_size) ||
        opt_int(d, "hash", &hash) || opt_int(d, "hasher", &hasher) || opt_int(d, "io", &io) ||
        opt_int(d, "threads", &threads) || opt_u64(d, "buffer_size", &buffer))
        return -1;
    o->method = (omsig_method)method;
    o->verify_time = (omsig_verify_time)verify_time;
    o->serialization = (omsig_serialization)ser;
    o->hash = (omsig_hash)hash;
    o->hasher = (omsig_hasher)hasher;
    o->io = (omsig_io)io;
    o->threads = (unsigned)threads;
    o->buffer_size = (size_t)buffer;
    return 0;
}

/* ---- the report as a dictionary ------------------------------------------------------------- */

static int put(PyObject *d, const char *key, PyObject *v)
{
    if (!v) return -1;
    const int rc = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return rc;
}

/* Library text (names from a manifest included) may hold bytes that are not UTF-8. */
PyObject *text(const char *s)
{
    return PyUnicode_DecodeUTF8(s ? s : "", (Py_ssize_t)strlen(s ? s : ""), "surrogateescape");
}

/* Who signed: {"kind", "fingerprint", "subject", "issuer", "not_before", "not_after", "sans",
 * "identity", "identity_provider"} with None where a field does not apply, or None. */
static PyObject *signer_dict(const omsig_report *rep)
{
    static const struct { const char *key; omsig_signer_field f; } fields[] = {
        {"kind", OMSIG_SIGNER_KIND},
        {"fingerprint", OMSIG_SIGNER_FINGERPRINT},
        {"subject", OMSIG_SIGNER_SUBJECT},
        {"issuer", OMSIG_SIGNER_ISSUER},
        {"not_before", OMSIG_SIGNER_NOT_BEFORE},
        {"not_after", OMSIG_SIGNER_NOT_AFTER},
        {"identity", OMSIG_SIGNER_IDENTITY},
        {"identity_provider", OMSIG_SIGNER_IDENTITY_PROVIDER},
    };
    if (!omsig_report_signer(rep, OMSIG_SIGNER_KIND)[0]) Py_RETURN_NONE;
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = omsig_report_signer(rep, fields[i].f);
        PyObject *o = v[0] ? text(v) : (Py_INCREF(Py_None), Py_None);
        if (put(d, fields[i].key, o)) goto fail;
    }
    const size_t n = omsig_report_signer_san_count(rep);
    PyObject *sans = PyList_New((Py_ssize_t)n);
    if (!sans) goto fail;
    for (size_t i = 0; i < n; i++) {
        PyObject *s = text(omsig_report_signer_san(rep, i));
        if (!s) {
            Py_DECREF(sans);
            goto fail;
        }
        PyList_SET_ITEM(sans, (Py_ssize_t)i, s);
    }
    if (put(d, "sans", sans)) goto fail;
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

PyObject *report_dict(omsig_status st, const omsig_report *rep)
{
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    const size_t nw = omsig_report_warning_count(rep), np = omsig_report_problem_count(rep);
    PyObject *warnings = PyList_New((Py_ssize_t)nw), *problems = PyList_New((Py_ssize_t)np);
    if (!warnings || !problems) goto fail_lists;
    for (size_t i = 0; i < nw; i++) {
        PyObject *w = text(omsig_report_warning(rep, i));
        if (!w) goto fail_lists;
        PyList_SET_ITEM(warnings, (Py_ssize_t)i, w);
    }
    for (size_t i = 0; i < np; i++) {
        PyObject *p = Py_BuildValue("(iNNN)", (int)omsig_report_problem_kind(rep, i),
                                    text(omsig_report_problem_name(rep, i)),
                                    text(omsig_report_problem_expected(rep, i)),
                                    text(omsig_report_problem_actual(rep, i)));
        if (!p) goto fail_lists;
        PyList_SET_ITEM(problems, (Py_ssize_t)i, p);
    }
    if (put(d, "warnings", warnings) || put(d, "problems", problems)) {
        warnings = problems = NULL;
        goto fail;
    }
    if (put(d, "status", PyLong_FromLong((long)st)) ||
        put(d, "message", text(rep ? omsig_report_message(rep) : omsig_strerror(st))) ||
        put(d, "root_digest", text(omsig_report_root_digest(rep))) ||
        put(d, "signed_root_digest", text(omsig_report_signed_root_digest(rep))) ||
        put(d, "signer", signer_dict(rep)) ||
        put(d, "files", PyLong_FromUnsignedLongLong(omsig_report_files(rep))) ||
        put(d, "bytes", PyLong_FromUnsignedLongLong(omsig_report_bytes(rep))) ||
        put(d, "hash_seconds", PyFloat_FromDouble(omsig_report_hash_seconds(rep))) ||
        put(d, "seconds", PyFloat_FromDouble(omsig_report_seconds(rep))) ||
        put(d, "engine", text(omsig_report_engine(rep))) ||
        put(d, "engine_reason", text(omsig_report_engine_reason(rep))) ||
        put(d, "reader", text(omsig_report_reader(rep))) ||
        put(d, "trust_root_source", text(omsig_report_trust_root_source(rep))) ||
        put(d, "trust_root", text(omsig_report_trust_root(rep))))
        goto fail;
    return d;
fail_lists:
    Py_XDECREF(warnings);
    Py_XDECREF(problems);
fail:
    Py_DECREF(d);
    return NULL;
}

/* ---- the call, with and without the progress relay ------------------------------------------- */

typedef struct job {
    omsig_ctx *ctx;
    int op;
    const omsig_options *o;
    const omsig_sink *sink;          /* OP_VERIFY with a sink: omsig_ctx_verify_to */
    omsig_report *rep;
    omsig_status st;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int finished;                    /* guarded by mu */
    atomic_uint_fast64_t done, total;
    atomic_int seen;                 /* the library reported progress at least once */
} job;

static omsig_status call(job *j)
{
    switch (j->op) {
    case OP_SIGN: return omsig_ctx_sign(j->ctx, j->o, &j->rep);
    case OP_DIGEST: return omsig_ctx_digest(j->ctx, j->o, &j->rep);
    default:
        return j->sink ? omsig_ctx_verify_to(j->ctx, j->o, j->sink, &j->rep)
                       : omsig_ctx_verify(j->ctx, j->o, &j->rep);
    }
}

/* The library's callback, on its coordinator thread: store, never call into Python. */
static void on_progress(void *user, uint64_t done, uint64_t total)
{
    job *j = user;
    atomic_store(&j->done, done);
    atomic_store(&j->total, total);
    atomic_store(&j->seen, 1);
}

static void *job_main(void *arg)
{
    job *j = arg;
    j->st = call(j);
    pthread_mutex_lock(&j->mu);
    j->finished = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits with the GIL released until the job finished or the monotonic time `until`;
 * returns finished.  The condition variable uses CLOCK_MONOTONIC (set at init). */
static int wait_job(job *j, double until)
{
    int fin;
    Py_BEGIN_ALLOW_THREADS
    struct timespec ts = {.tv_sec = (time_t)until,
                          .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
    pthread_mutex_lock(&j->mu);
    while (!j->finished && pthread_cond_timedwait(&j->cv, &j->mu, &ts) != ETIMEDOUT) {
    }
    fin = j->finished;
    pthread_mutex_unlock(&j->mu);
    Py_END_ALLOW_THREADS
    return fin;
}

/* Calls progress(done, total); 0, or -1 with the exception set. */
static int tell(PyObject *progress, uint64_t done, uint64_t total)
{
    PyObject *r = PyObject_CallFunction(progress, "KK", (unsigned long long)done,
                                        (unsigned long long)total);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Runs the job on a worker thread, relaying progress; -1 with the callable's exception set
 * (the run was cancelled and has ended), 0 otherwise.  *cancelled says whether a stop was
 * asked for. */
static int run_relayed(job *j, PyObject *progress, int *cancelled)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&j->mu, NULL);
    pthread_t t;
    int err = 0;
    uint64_t told = UINT64_MAX;
    double last = now_mono();
    if (pthread_create(&t, NULL, job_main, j) != 0) {
        /* no thread: the call runs here, and the callable hears only the end */
        Py_BEGIN_ALLOW_THREADS
        j->st = call(j);
        Py_END_ALLOW_THREADS
        j->finished = 1;
    } else {
        while (!wait_job(j, last + PROGRESS_PERIOD)) {
            last = now_mono();
            const uint64_t done = atomic_load(&j->done);
            if (!atomic_load(&j->seen) || done == told) continue;
            told = done;
            if (tell(progress, done, atomic_load(&j->total)) == 0) continue;
            err = -1;
            pthread_mutex_lock(&j->mu);
            if (!j->finished) {
                omsig_ctx_cancel(j->ctx);
                *cancelled = 1;
            }
            pthread_mutex_unlock(&j->mu);
            break;
        }
        Py_BEGIN_ALLOW_THREADS
        pthread_join(t, NULL);
        Py_END_ALLOW_THREADS
    }
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    if (err || j->st != OMSIG_OK || !atomic_load(&j->seen)) return err;
    /* the end, (total, total), no sooner than a period after the call before */
    const uint64_t total = atomic_load(&j->total);
    if (told == total) return 0;
    const double wait = last + PROGRESS_PERIOD - now_mono();
    if (told != UINT64_MAX && wait > 0) {
        Py_BEGIN_ALLOW_THREADS
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(wait * 1e9)};
        nanosleep(&ts, NULL);
        Py_END_ALLOW_THREADS
    }
    return tell(progress, total, total);
}

/* ---- the Ctx type ----------------------------------------------------------------------------- */

static PyObject *Ctx_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    CtxObject *self = (CtxObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    if (!(self->ctx = omsig_ctx_new())) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static void Ctx_dealloc(CtxObject *self)
{
    omsig_ctx_free(self->ctx);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(Ctx_run_doc,
             "run(op, options, progress) -> dict\n\n"
             "Runs omsig_ctx_verify (op 0), omsig_ctx_sign (1) or omsig_ctx_digest (2) with the\n"
             "options of the dictionary, the GIL released, and returns the report as a\n"
             "dictionary (its 'status' is the omsig_status).  progress is None or a callable\n"
             "taking (bytes_done, bytes_total), called from this thread at most ten times a\n"
             "second; an exception it raises stops the run and propagates.");

int ctx_call(CtxObject *self, int op, const omsig_options *o, const omsig_sink *sink,
             PyObject *progress, omsig_status *st, omsig_report **rep)
{
    job j = {.ctx = self->ctx, .op = op, .o = o, .sink = sink};
    omsig_options with_progress;
    int rc = 0, cancelled = 0;
    self->busy = 1;
    Py_INCREF(self);
    if (progress == Py_None) {
        Py_BEGIN_ALLOW_THREADS
        j.st = call(&j);
        Py_END_ALLOW_THREADS
    } else {
        with_progress = *o;
        with_progress.progress = on_progress;
        with_progress.progress_user = &j;
        j.o = &with_progress;
        rc = run_relayed(&j, progress, &cancelled);
        /* a stop asked for as the call was returning may outlive it: start afresh */
        if (cancelled && j.st != OMSIG_E_CANCELLED) {
            omsig_ctx *fresh = omsig_ctx_new();
            if (fresh) {
                omsig_ctx_free(self->ctx);
                self->ctx = fresh;
            }
        }
    }
    self->busy = 0;
    Py_DECREF(self);
    *st = j.st;
    *rep = j.rep;
    return rc;
}

int ctx_claim(CtxObject *self, PyObject *progress)
{
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_Format(PyExc_TypeError, "progress must be callable or None");
        return -1;
    }
    if (self->busy) {
        PyErr_Format(PyExc_RuntimeError, "this context is running a call already");
        return -1;
    }
    return 0;
}

static PyObject *Ctx_run(CtxObject *self, PyObject *args)
{
    int op;
    PyObject *d, *progress;
    if (!PyArg_ParseTuple(args, "iO!O:run", &op, &PyDict_Type, &d, &progress)) return NULL;
    if (op < OP_VERIFY || op > OP_DIGEST) return PyErr_Format(PyExc_ValueError, "bad op %d", op);
    if (ctx_claim(self, progress) != 0) return NULL;
    omsig_options o;
    arena a = {0};
    if (options_from_dict(d, &o, &a) != 0) {
        arena_free(&a);
        return NULL;
    }
    omsig_status st;
    omsig_report *rep = NULL;
    const int rc = ctx_call(self, op, &o, NULL, progress, &st, &rep);
    arena_free(&a);
    PyObject *out = rc == 0 ? report_dict(st, rep) : NULL;
    omsig_report_free(rep);
    return out;
}

static PyMethodDef Ctx_methods[] = {
    {"run", (PyCFunction)Ctx_run, METH_VARARGS, Ctx_run_doc},
    {"load_into", (PyCFunction)Ctx_load_into, METH_VARARGS, Ctx_load_into_doc},
    {"open_stream", (PyCFunction)Ctx_open_stream, METH_VARARGS, Ctx_open_stream_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CtxType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "omsig._omsig.Ctx",
    .tp_doc = PyDoc_STR("An omsig_ctx: the hashing engines kept between calls; one call at a "
                        "time."),
    .tp_basicsize = sizeof(CtxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Ctx_new,
    .tp_dealloc = (destructor)Ctx_dealloc,
    .tp_methods = Ctx_methods,
};

/* ---- module functions --------------------------------------------------------------------- */

static PyObject *mod_strerror(PyObject *m, PyObject *arg)
{
    const long st = PyLong_AsLong(arg);
    if (st == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(omsig_strerror((omsig_status)st));
}

static PyObject *mod_build_features(PyObject *m, PyObject *unused)
{
    return PyUnicode_FromString(omsig_build_features());
}

static PyObject *mod_gpu_available(PyObject *m, PyObject *unused)
{
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = omsig_gpu_available();
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(ok);
}

static PyMethodDef module_methods[] = {
    {"strerror", mod_strerror, METH_O, "omsig_strerror(status): a status's short description."},
    {"build_features", mod_build_features, METH_NOARGS,
     "omsig_build_features(): what the linked library holds, as space-separated words."},
    {"gpu_available", mod_gpu_available, METH_NOARGS,
     "omsig_gpu_available(): whether the GPU engine is built in and a device is present."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_omsig", "The C binding of libomsig under the omsig package.", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__omsig(void)
{
    if (PyType_Ready(&CtxType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    Py_INCREF(&CtxType);
    if (PyModule_AddObject(m, "Ctx", (PyObject *)&CtxType) < 0 ||
        PyModule_AddStringConstant(m, "LIBRARY_VERSION", OMSIG_VERSION_STRING) < 0 ||
        verified_add_types(m) < 0) {
        Py_DECREF(&CtxType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
