/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cancel.c - omsig_ctx_cancel(): a request made before a call stops it when it starts to
 * hash (OMSIG_E_CANCELLED, its message, no bundle written) and is cleared when the call
 * returns, so the next call on the context hashes as usual; a request from another thread
 * while a 4 GiB (sparse) file is hashed stops the run long before its end.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "omsig.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG (4ull << 30)

static atomic_uint_fast64_t g_done; /* the last bytes_done the progress callback saw */
static atomic_int g_ticks;

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    (void)user, (void)total;
    atomic_store(&g_done, done);
    atomic_fetch_add(&g_ticks, 1);
}

typedef struct job {
    omsig_ctx *ctx;
    omsig_options o;
    omsig_status st;
    omsig_report *rep;
} job;

static void *run_digest(void *arg)
{
    job *j = arg;
    j->st = omsig_ctx_digest(j->ctx, &j->o, &j->rep);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_cancel SOURCE_DIR\n");
        return 1;
    }
    char dir[] = "/tmp/omsig-cancel-XXXXXX", model[64], big[96], small[96], sig[96], key[4096],
         nested[4096];
    if (!mkdtemp(dir)) return 1;
    snprintf(model, sizeof model, "%s/model", dir);
    snprintf(big, sizeof big, "%s/big.bin", model);
    snprintf(small, sizeof small, "%s/small.bin", model);
    snprintf(sig, sizeof sig, "%s/model.sig", dir);
    snprintf(key, sizeof key, "%s/testdata/pki/p256.key.pem", argv[1]);
    snprintf(nested, sizeof nested, "%s/testdata/interop/models/nested", argv[1]);
    T_STREQ(omsig_strerror(OMSIG_E_CANCELLED), "the caller stopped the run");

    omsig_ctx *ctx = omsig_ctx_new();
    T_CHECK(ctx != NULL);
    omsig_ctx_cancel(NULL); /* accepted, does nothing */

    /* before the call: it stops when it starts to hash, and writes no bundle */
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.model_path = nested;
    o.signature_path = sig;
    o.private_key_path = key;
    omsig_report *rep = NULL;
    omsig_ctx_cancel(ctx);
    T_CHECK(omsig_ctx_sign(ctx, &o, &rep) == OMSIG_E_CANCELLED);
    T_STREQ(omsig_report_message(rep), "the caller stopped the run");
    T_CHECK(access(sig, F_OK) != 0);
    omsig_report_free(rep);

    /* the request was cleared: the same context signs and digests as a fresh one */
    T_CHECK(omsig_ctx_sign(ctx, &o, &rep) == OMSIG_OK);
    omsig_report_free(rep);
    T_CHECK(access(sig, F_OK) == 0);
    omsig_report *fresh = NULL;
    T_CHECK(omsig_ctx_digest(ctx, &o, &rep) == OMSIG_OK);
    T_CHECK(omsig_digest(&o, &fresh) == OMSIG_OK);
    T_STREQ(omsig_report_root_digest(rep), omsig_report_root_digest(fresh));
    omsig_report_free(rep);
    omsig_report_free(fresh);

    /* from another thread, mid-run: one thread hashes a 4 GiB file */
    T_CHECK(mkdir(model, 0700) == 0);
    const char *const files[] = {small, big};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "w");
        T_CHECK(f && fputs("data\n", f) >= 0 && fclose(f) == 0);
    }
    T_CHECK(truncate(big, (off_t)BIG) == 0);
    job j = {.ctx = ctx};
    omsig_options_init(&j.o);
    j.o.model_path = model;
    j.o.threads = 1;
    j.o.progress = on_progress;
    pthread_t t;
    T_CHECK(pthread_create(&t, NULL, run_digest, &j) == 0);
    while (atomic_load(&g_ticks) == 0) usleep(1000);
    omsig_ctx_cancel(ctx);
    pthread_join(t, NULL);
    T_CHECK(j.st == OMSIG_E_CANCELLED);
    T_CHECK(omsig_report_status(j.rep) == OMSIG_E_CANCELLED);
    T_STREQ(omsig_report_message(j.rep), "the caller stopped the run");
    T_CHECK(atomic_load(&g_done) < BIG);
    printf("cancelled after %d progress calls, %.3g GB of %.3g hashed\n", atomic_load(&g_ticks),
           atomic_load(&g_done) / 1e9, BIG / 1e9);
    omsig_report_free(j.rep);

    omsig_ctx_free(ctx);
    unlink(big);
    unlink(small);
    rmdir(model);
    unlink(sig);
    rmdir(dir);
    T_DONE();
}
