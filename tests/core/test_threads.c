/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_threads.c - the public API from many threads at once: 8 threads verify the same model
 * and different ones, one of them tampered, for 20 rounds; half of them through a context of
 * their own, half through the one-shot call.  Every verdict and root digest must be right.
 * Run under ThreadSanitizer in CI as well.
 */
#include "omsig.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define ROUNDS 20

typedef struct vcase {
    const char *model, *bundle, *key;
    omsig_status want;
    const char *root; /* the signed root digest, reported on success */
} vcase;

static const vcase k_cases[] = {
    {"models/nested", "bundles/nested.sig", "p256", OMSIG_OK,
     "53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395"},
    {"models/unicode", "bundles/unicode.sig", "p256", OMSIG_OK,
     "eec47bd74bec651029211303718a317d94b51f2a0cafdcfa44405410a7b3ca78"},
    {"models/single/model.bin", "bundles/single.sig", "p256", OMSIG_OK,
     "95a87372b341c9ebe46d9c7b2ad0d24a19c7b9dca55edb513fc1543f8ec35699"},
    {"models/tampered", "bundles/nested.sig", "p256", OMSIG_E_DIGEST_MISMATCH, NULL},
    {"models/nested", "bundles/key-p384.sig", "p384", OMSIG_OK,
     "53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395"},
};
#define N_CASES (sizeof k_cases / sizeof k_cases[0])

static const char *g_root; /* written before the threads start, read only after */

typedef struct worker {
    int id;
    int failures;
} worker;

static int run_case(omsig_ctx *ctx, const vcase *c)
{
    char model[4096], bundle[4096], key[4096];
    snprintf(model, sizeof model, "%s/testdata/interop/%s", g_root, c->model);
    snprintf(bundle, sizeof bundle, "%s/testdata/interop/%s", g_root, c->bundle);
    snprintf(key, sizeof key, "%s/testdata/pki/%s.pub.pem", g_root, c->key);
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.model_path = model;
    o.signature_path = bundle;
    o.public_key_path = key;
    o.threads = 2;
    omsig_report *rep = NULL;
    const omsig_status st = ctx ? omsig_ctx_verify(ctx, &o, &rep) : omsig_verify(&o, &rep);
    int bad = 0;
    if (st != c->want || omsig_report_status(rep) != c->want) {
        fprintf(stderr, "%s with %s: status %d, want %d: %s\n", c->model, c->bundle, st,
                c->want, omsig_report_message(rep));
        bad = 1;
    } else if (c->root && strcmp(omsig_report_root_digest(rep), c->root) != 0) {
        fprintf(stderr, "%s: root %s\n", c->model, omsig_report_root_digest(rep));
        bad = 1;
    } else if (c->want == OMSIG_E_DIGEST_MISMATCH && omsig_report_problem_count(rep) == 0) {
        fprintf(stderr, "%s: a mismatch without problems\n", c->model);
        bad = 1;
    }
    omsig_report_free(rep);
    return bad;
}

static void *work(void *arg)
{
    worker *w = arg;
    omsig_ctx *ctx = w->id % 2 ? omsig_ctx_new() : NULL;
    for (int round = 0; round < ROUNDS; round++) {
        /* all threads on the same case in even rounds, on different ones in odd rounds */
        const size_t k = round % 2 ? (size_t)(w->id + round) % N_CASES : (size_t)round / 2 % N_CASES;
        w->failures += run_case(ctx, &k_cases[k]);
    }
    omsig_ctx_free(ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_threads SOURCE_DIR\n");
        return 1;
    }
    g_root = argv[1];
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = i};
        if (pthread_create(&t[i], NULL, work, &w[i]) != 0) return 1;
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    printf("%s: %d threads x %d rounds, %d wrong verdicts\n", failures ? "FAIL" : "PASS", THREADS,
           ROUNDS, failures);
    return failures ? 1 : 0;
}
