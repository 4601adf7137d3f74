/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest_parse.c - what verify spends on the signature file before the model is read: the
 * bundle read and parsed, the key method's check (the DSSE signature over the payload), the
 * payload type and the statement parsed into the manifest (root digest included), the steps
 * of verify.c in its order.  Runs them N times in one process and prints each stage's median
 * over the runs, and the median of the whole, in wall-clock and in CPU time (which the
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

enum { STAGE_BUNDLE, STAGE_SIGNATURE, STAGE_STATEMENT, STAGE_FREE, STAGE_TOTAL, N_STAGES };
static const char *const k_stage[N_STAGES] = {"bundle read and parse", "signature check",
                                              "statement parse", "freeing", "total"};

typedef struct stamp {
    double wall, cpu;
} stamp;

static stamp stamp_now(void)
{
    return (stamp){now(), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

/* One pass of verify's steps before the model; false (with the message printed) on failure. */
static bool one_run(const omsig_options *o, stamp t[N_STAGES + 1], size_t *n_res)
{
    omsig_report *r = omsig_report_new();
    if (!r) return false;
    omsig_bundle b;
    omsig_manifest m;
    memset(&b, 0, sizeof b);
    memset(&m, 0, sizeof m);
    const omsig_pki_method *method = omsig_pki_method_for(o->method);
    t[0] = stamp_now();
    omsig_pki *pki = method->load(o, r);
    omsig_status st = pki ? omsig_bundle_read(o->signature_path, 1u << 30, &b, r) : r->status;
    t[1] = stamp_now();
    if (st == OMSIG_OK) st = omsig_bundle_check_media_type(&b, r);
    if (st == OMSIG_OK) st = method->check(pki, o, &b, r);
    if (st == OMSIG_OK) st = omsig_check_payload_type(&b, r);
    t[2] = stamp_now();
    if (st == OMSIG_OK) st = omsig_statement_parse(b.payload, b.payload_len, &m, r);
    t[3] = stamp_now();
    *n_res = m.n_res;
    omsig_manifest_free(&m);
    omsig_bundle_free(&b);
    omsig_pki_free(pki);
    t[4] = stamp_now();
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
    /* per stage and run: the wall-clock time, then the CPU time */
    double *wall = calloc((size_t)n * N_STAGES, sizeof *wall);
    double *cpu = calloc((size_t)n * N_STAGES, sizeof *cpu);
    if (!wall || !cpu) return 1;
    size_t n_res = 0;
    for (int i = 0; i < n; i++) {
        stamp t[N_STAGES + 1];
        if (!one_run(&o, t, &n_res)) return 1;
        for (int s = 0; s < STAGE_TOTAL; s++) {
            wall[s * n + i] = t[s + 1].wall - t[s].wall;
            cpu[s * n + i] = t[s + 1].cpu - t[s].cpu;
        }
        wall[STAGE_TOTAL * n + i] = t[STAGE_TOTAL].wall - t[0].wall;
        cpu[STAGE_TOTAL * n + i] = t[STAGE_TOTAL].cpu - t[0].cpu;
    }
    printf("%zu resources, %d runs, medians:      wall     CPU\n", n_res, n);
    for (int s = 0; s < N_STAGES; s++)
        printf("  %-22s %8.1f ms %5.1f ms\n", k_stage[s], median(wall + s * n, n) * 1e3,
               median(cpu + s * n, n) * 1e3);
    free(wall);
    free(cpu);
    return 0;
}
