/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest_parse.c - what verify spends on the signature file before the model is read: the
 * bundle read and parsed, the key method's check (the DSSE signature over the payload), the
 * payload type and the statement parsed into the manifest (root digest included), the steps
 * of verify.c in its order.  Runs them N times in one process and prints each stage's median
 * over the runs, and the median of the whole, in wall-clock and in CPU time (the one the
 * machine's other load does not lengthen).  Built in a build dir with OMSIG_BUILD_BENCH
 * (target manifest_parse); bench/manifest.sh makes a bundle of 100,000 resources and runs it:
 *   build/manifest_parse 11 BUNDLE PUBLIC_KEY
 */
#include "bundle.h"
#include "dsse.h"
#include "pki.h"
#include "statement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { STAGE_BUNDLE, STAGE_SIGNATURE, STAGE_STATEMENT, STAGE_TOTAL, STAGE_CPU, N_STAGES };
static const char *const k_stage[N_STAGES] = {"bundle read and parse", "signature check",
                                              "statement parse", "total",
                                              "total, CPU time"};

/* One pass of verify's steps before the model; false (with the message printed) on failure. */
static bool one_run(const omsig_options *o, double t[N_STAGES], size_t *n_res)
{
    omsig_report *r = omsig_report_new();
    if (!r) return false;
    omsig_bundle b;
    omsig_manifest m;
    memset(&b, 0, sizeof b);
    memset(&m, 0, sizeof m);
    const omsig_pki_method *method = omsig_pki_method_for(o->method);
    const double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = now();
    omsig_pki *pki = method->load(o, r);
    omsig_status st = pki ? omsig_bundle_read(o->signature_path, 1u << 30, &b, r) : r->status;
    const double t1 = now();
    if (st == OMSIG_OK) st = omsig_bundle_check_media_type(&b, r);
    if (st == OMSIG_OK) st = method->check(pki, o, &b, r);
    if (st == OMSIG_OK) st = omsig_check_payload_type(&b, r);
    const double t2 = now();
    if (st == OMSIG_OK) st = omsig_statement_parse(b.payload, b.payload_len, &m, r);
    const double t3 = now();
    *n_res = m.n_res;
    omsig_manifest_free(&m);
    omsig_bundle_free(&b);
    omsig_pki_free(pki);
    const double t4 = now(), c4 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    t[STAGE_BUNDLE] = t1 - t0;
    t[STAGE_SIGNATURE] = t2 - t1;
    t[STAGE_STATEMENT] = t3 - t2;
    t[STAGE_TOTAL] = t4 - t0;
    t[STAGE_CPU] = c4 - c0;
    if (st != OMSIG_OK) fprintf(stderr, "failed: %s\n", omsig_report_message(r));
    omsig_report_free(r);
    return st == OMSIG_OK;
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: %s RUNS BUNDLE PUBLIC_KEY\n", argv[0]);
        return 2;
    }
    const int n = atoi(argv[1]);
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.signature_path = argv[2];
    o.public_key_path = argv[3];
    double *t = calloc((size_t)n * N_STAGES, sizeof *t);
    if (!t) return 1;
    size_t n_res = 0;
    for (int i = 0; i < n; i++) {
        double one[N_STAGES];
        if (!one_run(&o, one, &n_res)) return 1;
        for (int s = 0; s < N_STAGES; s++) t[s * n + i] = one[s];
    }
    printf("%zu resources, %d runs, medians:\n", n_res, n);
    for (int s = 0; s < N_STAGES; s++)
        printf("  %-22s %8.1f ms\n", k_stage[s], median(t + s * n, n) * 1e3);
    free(t);
    return 0;
}
