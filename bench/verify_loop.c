/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify_loop.c - the library's own cost of verifying a small model in-process: N calls of
 * omsig_ctx_verify() on one context (the key method), and the mean time per call.  With
 * --decode it times OpenSSL's decoding of the public key alone (PEM_read_bio_PUBKEY), the
 * floor under every key verify.  Build against a build dir's library, e.g.:
 *   cc -O2 bench/verify_loop.c -Iinclude build-rel/libomsig.so -Wl,-rpath,$PWD/build-rel -lcrypto
 *   ./a.out 500 MODEL SIG PUBKEY [--decode]
 */
#include <omsig.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s N MODEL SIGNATURE PUBLIC_KEY [--decode]\n", argv[0]);
        return 2;
    }
    const int n = atoi(argv[1]);
    if (n < 1) return 2;
    if (argc > 5 && strcmp(argv[5], "--decode") == 0) {
        FILE *f = fopen(argv[4], "r");
        char buf[8192];
        const size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        const double t0 = now();
        for (int i = 0; i < n; i++) {
            BIO *b = BIO_new_mem_buf(buf, (int)len);
            EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
            BIO_free(b);
            if (!k) return fprintf(stderr, "not a PEM public key: %s\n", argv[4]), 1;
            EVP_PKEY_free(k);
        }
        printf("PEM_read_bio_PUBKEY: %.1f us per call\n", (now() - t0) / n * 1e6);
        return 0;
    }
    omsig_ctx *ctx = omsig_ctx_new();
    if (!ctx) return 1;
    const double t0 = now();
    for (int i = 0; i < n; i++) {
        omsig_options o;
        omsig_options_init(&o);
        o.method = OMSIG_METHOD_KEY;
        o.model_path = argv[2];
        o.signature_path = argv[3];
        o.public_key_path = argv[4];
        omsig_report *r = NULL;
        if (omsig_ctx_verify(ctx, &o, &r) != OMSIG_OK) {
            fprintf(stderr, "%s\n", r ? omsig_report_message(r) : "out of memory");
            return 1;
        }
        omsig_report_free(r);
    }
    printf("omsig_ctx_verify: %.1f us per call\n", (now() - t0) / n * 1e6);
    omsig_ctx_free(ctx);
    return 0;
}
