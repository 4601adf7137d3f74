/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkcs11_threads.c - omsig_sign with a PKCS #11 key from several threads at once, each loading
 * and unloading the module: every call must succeed (a module is process-wide; the library
 * runs token sessions one at a time).  Usage: pkcs11_threads URI MODEL OUT_DIR
 * Exit 0 when every signature was written, 1 otherwise.
 */
#include "omsig.h"

#include <pthread.h>
#include <stdio.h>

enum { THREADS = 4, ROUNDS = 10 };

static const char *g_uri, *g_model, *g_dir;

static void *sign_rounds(void *arg)
{
    const long t = (long)arg;
    long failures = 0;
    for (int k = 0; k < ROUNDS; k++) {
        char sig[4096];
        snprintf(sig, sizeof sig, "%s/thread%ld.sig", g_dir, t);
        omsig_options o;
        omsig_options_init(&o);
        o.method = OMSIG_METHOD_PKCS11_KEY;
        o.model_path = g_model;
        o.signature_path = sig;
        o.pkcs11_uri = g_uri;
        o.threads = 1;
        omsig_report *r = NULL;
        if (omsig_sign(&o, &r) != OMSIG_OK) {
            if (failures++ == 0) printf("thread %ld: %s\n", t, omsig_report_message(r));
        }
        omsig_report_free(r);
    }
    return (void *)failures;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pkcs11_threads URI MODEL OUT_DIR\n");
        return 2;
    }
    g_uri = argv[1];
    g_model = argv[2];
    g_dir = argv[3];
    pthread_t th[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, sign_rounds, (void *)i) != 0) return 1;
    long failures = 0;
    for (int i = 0; i < THREADS; i++) {
        void *f = NULL;
        pthread_join(th[i], &f);
        failures += (long)f;
    }
    printf("%d signatures from %d threads, %ld failed\n", THREADS * ROUNDS, THREADS, failures);
    return failures ? 1 : 0;
}
