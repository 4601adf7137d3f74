/* SPDX-License-Identifier: Apache-2.0 */
/* report.c - the result object every operation fills: status, message, problems, figures. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

omsig_report *omsig_report_new(void)
{
    omsig_report *r = calloc(1, sizeof *r);
    if (r) r->engine = r->trust_root_source = "";
    return r;
}

omsig_report *omsig_report_begin(omsig_report **out)
{
    omsig_report *r = omsig_report_new();
    if (out) *out = r;
    if (r) r->started = omsig_now();
    return r;
}

omsig_status omsig_report_end(omsig_report *r, omsig_report **out, omsig_status st)
{
    r->seconds = omsig_now() - r->started;
    if (!out) omsig_report_free(r);
    return st;
}

void omsig_report_free(omsig_report *r)
{
    if (!r) return;
    free(r->message);
    free(r->trust_root);
    omsig_strv_free(r->warnings, r->n_warnings);
    for (size_t i = 0; i < r->n_problems; i++) {
        free(r->problems[i].name);
        free(r->problems[i].expected);
        free(r->problems[i].actual);
    }
    free(r->problems);
    omsig_report_signer_clear(r);
    free(r);
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    const int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

omsig_status omsig_vfail(omsig_report *r, omsig_status st, const char *fmt, va_list ap)
{
    if (!r || r->status != OMSIG_OK) return st;
    r->status = st;
    r->message = vformat(fmt, ap);
    return st;
}

omsig_status omsig_fail_at(omsig_report *r, omsig_status st, const char *where, const char *fmt,
                           ...)
{
    if (r && r->status == OMSIG_OK) r->where = where;
    va_list ap;
    va_start(ap, fmt);
    omsig_vfail(r, st, fmt, ap);
    va_end(ap);
    return st;
}

void omsig_warn(omsig_report *r, const char *fmt, ...)
{
    if (!r) return;
    char **w = realloc(r->warnings, (r->n_warnings + 1) * sizeof *w);
    if (!w) return;
    r->warnings = w;
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (s) r->warnings[r->n_warnings++] = s;
}

static omsig_status add_problem(omsig_report *r, omsig_problem_kind kind, const char *name,
                                const char *expected, const char *actual, bool has_size,
                                uint64_t size)
{
    omsig_problem *p = realloc(r->problems, (r->n_problems + 1) * sizeof *p);
    if (!p) return omsig_nomem(r);
    r->problems = p;
    p += r->n_problems;
    p->kind = kind;
    p->name = omsig_strdup(name);
    p->expected = omsig_strdup(expected ? expected : "");
    p->actual = omsig_strdup(actual ? actual : "");
    p->size = size;
    p->has_size = has_size;
    if (!p->name || !p->expected || !p->actual) {
        free(p->name);
        free(p->expected);
        free(p->actual);
        return omsig_nomem(r);
    }
    r->n_problems++;
    return OMSIG_OK;
}

omsig_status omsig_report_add_problem(omsig_report *r, omsig_problem_kind kind, const char *name,
                                      const char *expected, const char *actual)
{
    return add_problem(r, kind, name, expected, actual, false, 0);
}

omsig_status omsig_report_add_problem_sized(omsig_report *r, omsig_problem_kind kind,
                                            const char *name, const char *expected,
                                            const char *actual, uint64_t size)
{
    return add_problem(r, kind, name, expected, actual, true, size);
}

omsig_status omsig_report_status(const omsig_report *r) { return r ? r->status : OMSIG_E_NOMEM; }
const char *omsig_report_message(const omsig_report *r)
{
    if (!r) return omsig_strerror(OMSIG_E_NOMEM);
    return r->message ? r->message : "";
}
size_t omsig_report_warning_count(const omsig_report *r) { return r ? r->n_warnings : 0; }
const char *omsig_report_warning(const omsig_report *r, size_t i)
{
    return (r && i < r->n_warnings) ? r->warnings[i] : "";
}
uint64_t omsig_report_files(const omsig_report *r) { return r ? r->files : 0; }
uint64_t omsig_report_bytes(const omsig_report *r) { return r ? r->bytes : 0; }
double omsig_report_hash_seconds(const omsig_report *r) { return r ? r->hash_seconds : 0; }
double omsig_report_seconds(const omsig_report *r) { return r ? r->seconds : 0; }
const char *omsig_report_engine(const omsig_report *r) { return r ? r->engine : ""; }
const char *omsig_report_engine_reason(const omsig_report *r) { return r ? r->engine_reason : ""; }
const char *omsig_report_reader(const omsig_report *r) { return r && r->reader ? r->reader : ""; }

size_t omsig_report_device_count(const omsig_report *r) { return r ? r->n_devices : 0; }

int omsig_report_device(const omsig_report *r, size_t i, int *device, uint64_t *bytes,
                        uint64_t *streams, unsigned *readers, const char **dropped)
{
    if (!r || i >= r->n_devices) return 0;
    const omsig_device_use *u = &r->devices[i];
    if (device) *device = u->device;
    if (bytes) *bytes = u->bytes;
    if (streams) *streams = u->streams;
    if (readers) *readers = u->readers;
    if (dropped) *dropped = u->dropped;
    return 1;
}
const char *omsig_report_root_digest(const omsig_report *r) { return r ? r->root_digest : ""; }
const char *omsig_report_signed_root_digest(const omsig_report *r)
{
    return r ? r->signed_root_digest : "";
}
const char *omsig_report_signer(const omsig_report *r, omsig_signer_field f)
{
    if (!r || (unsigned)f > OMSIG_SIGNER_IDENTITY_PROVIDER || !r->signer[f]) return "";
    return r->signer[f];
}
size_t omsig_report_signer_san_count(const omsig_report *r) { return r ? r->n_signer_sans : 0; }
const char *omsig_report_signer_san(const omsig_report *r, size_t i)
{
    return (r && i < r->n_signer_sans) ? r->signer_sans[i] : "";
}
const char *omsig_report_trust_root_source(const omsig_report *r)
{
    return r ? r->trust_root_source : "";
}
const char *omsig_report_trust_root(const omsig_report *r)
{
    return r && r->trust_root ? r->trust_root : "";
}
size_t omsig_report_problem_count(const omsig_report *r) { return r ? r->n_problems : 0; }
omsig_problem_kind omsig_report_problem_kind(const omsig_report *r, size_t i)
{
    return (r && i < r->n_problems) ? r->problems[i].kind : (omsig_problem_kind)0;
}
const char *omsig_report_problem_name(const omsig_report *r, size_t i)
{
    return (r && i < r->n_problems) ? r->problems[i].name : "";
}
const char *omsig_report_problem_expected(const omsig_report *r, size_t i)
{
    return (r && i < r->n_problems) ? r->problems[i].expected : "";
}
const char *omsig_report_problem_actual(const omsig_report *r, size_t i)
{
    return (r && i < r->n_problems) ? r->problems[i].actual : "";
}
int omsig_report_problem_size(const omsig_report *r, size_t i, uint64_t *size)
{
    if (!r || i >= r->n_problems || !r->problems[i].has_size) return 0;
    if (size) *size = r->problems[i].size;
    return 1;
}

omsig_status omsig_fail_open(omsig_report *r, int err, const char *path)
{
    return omsig_fail(r, OMSIG_E_IO, "[Errno %d] %s: '%s'", err, strerror(err), path);
}

omsig_status omsig_nomem(omsig_report *r)
{
    return omsig_fail(r, OMSIG_E_NOMEM, "%s", omsig_strerror(OMSIG_E_NOMEM));
}
