/* SPDX-License-Identifier: Apache-2.0 */
/*
 * _omsig.h - what the extension's two files share: the Ctx object, the options dictionary
 * turned into omsig_options (with an arena owning the strings), the report as a dictionary,
 * and the library call with the GIL released and progress relayed (_omsig.c); the verified
 * load (_verified.c) adds its methods and types.
 */
#ifndef OMSIG_PY_OMSIG_H
#define OMSIG_PY_OMSIG_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "omsig.h"

typedef struct {
    PyObject_HEAD
    omsig_ctx *ctx;
    int busy;                        /* a call is running (checked with the GIL held) */
} CtxObject;

/* Owned copies of the option strings, so the GIL can be released during a call. */
typedef struct arena {
    char **p;
    size_t n, cap;
} arena;

void arena_free(arena *a);
/* The options of an already-checked dictionary; -1 with an exception set. */
int options_from_dict(PyObject *d, omsig_options *o, arena *a);
/* The report as the dictionary Ctx.run returns; NULL with an exception set. */
PyObject *report_dict(omsig_status st, const omsig_report *rep);
/* Library text as str (bytes that are not UTF-8 kept with surrogateescape). */
PyObject *text(const char *s);
double now_mono(void);

/* 0 when self may start a call with this progress argument (None or a callable), else -1
 * with TypeError or RuntimeError set. */
int ctx_claim(CtxObject *self, PyObject *progress);
/* Runs op (0 verify, 1 sign, 2 digest; verify with a sink is omsig_ctx_verify_to) on self's
 * context with the GIL released, relaying progress to the callable (or None).  Returns 0
 * with *st and *rep set (free *rep), or -1 when the callable raised (the run was stopped;
 * *rep still to free). */
int ctx_call(CtxObject *self, int op, const omsig_options *o, const omsig_sink *sink,
             PyObject *progress, omsig_status *st, omsig_report **rep);

/* _verified.c: Ctx.load_into and Ctx.open_stream, and the types they return. */
PyObject *Ctx_load_into(CtxObject *self, PyObject *args);
PyObject *Ctx_open_stream(CtxObject *self, PyObject *args);
extern const char Ctx_load_into_doc[], Ctx_open_stream_doc[];
int verified_add_types(PyObject *module);

#endif /* OMSIG_PY_OMSIG_H */
