/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_key_spki.c - the key method's public-key reader: a NIST-curve key read without the
 * decoder framework is the key PEM_read_bio_PUBKEY reads, with the hint and fingerprint bytes
 * OpenSSL writes for it; every other form (compressed point, other curves and types, headers,
 * bytes after the key, a point off the curve) still goes the decoder's way, as before.
 */
#include "helpers.h"
#include "pki.h"
#include "report.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef SOURCE_DIR
#define SOURCE_DIR "."
#endif

/* The reference's hint: SHA-256 of PEM_write_bio_PUBKEY's text. */
static int reference_hint(EVP_PKEY *key, char out[65])
{
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    int rc = -1;
    if (b && PEM_write_bio_PUBKEY(b, key) == 1) {
        const long n = BIO_get_mem_data(b, &pem);
        if (n > 0) rc = omsig_sha256_hex(pem, (size_t)n, out);
    }
    BIO_free(b);
    return rc;
}

static EVP_PKEY *reference_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    const int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* omsig's reading of path agrees with OpenSSL's: the same key (or none), the same hint, a
 * fingerprint of the DER i2d_PUBKEY writes. */
static void check_same(const char *path)
{
    EVP_PKEY *want = reference_key(path);
    omsig_report *r = omsig_report_new();
    T_CHECK(r != NULL);
    if (!r) return;
    unsigned char *spki = NULL;
    size_t spki_len = 0;
    EVP_PKEY *got = omsig_pki_load_spki(path, &spki, &spki_len, r);
    if (!want) {
        if (got) fprintf(stderr, "%s: read a key OpenSSL does not read\n", path);
        T_CHECK(got == NULL && omsig_report_status(r) == OMSIG_E_KEY);
    } else if (!got) {
        fprintf(stderr, "%s: %s\n", path, omsig_report_message(r));
        T_CHECK(got != NULL);
    } else {
        T_CHECK(EVP_PKEY_eq(want, got) == 1);
        char h_want[65], h_got[65], h_key[65];
        T_CHECK(reference_hint(want, h_want) == 0);
        T_CHECK(omsig_pki_spki_hint(spki, spki_len, h_got) == 0);
        T_CHECK(omsig_pki_key_hint(got, h_key) == 0);
        T_STREQ(h_got, h_want);
        T_STREQ(h_key, h_want);
        unsigned char *der = NULL;
        const int n = i2d_PUBKEY(want, &der);
        T_CHECK(n > 0 && (size_t)n == spki_len && memcmp(der, spki, spki_len) == 0);
        OPENSSL_free(der);
    }
    EVP_PKEY_free(want);
    EVP_PKEY_free(got);
    OPENSSL_free(spki);
    omsig_report_free(r);
}

/* p256.pub.pem's key written with its point compressed: the decoder's way, hint unchanged from
 * before (the key keeps the compressed form) */
static void check_compressed(const char *dir)
{
    EVP_PKEY *k = reference_key(SOURCE_DIR "/testdata/pki/p256.pub.pem");
    T_CHECK(k != NULL);
    if (!k) return;
    T_CHECK(EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           "compressed") == 1);
    char path[4200];
    snprintf(path, sizeof path, "%s/compressed.pem", dir);
    FILE *f = fopen(path, "w");
    T_CHECK(f && PEM_write_PUBKEY(f, k) == 1);
    if (f) fclose(f);
    check_same(path);
    EVP_PKEY_free(k);
}

/* p256.pub.pem's DER with one change, in a PEM block of its own */
static void check_variant(const char *dir, const char *name, const unsigned char *der, size_t len,
                          const char *headers)
{
    BIO *b = BIO_new(BIO_s_mem());
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.pem", dir, name);
    char *pem = NULL;
    T_CHECK(b && PEM_write_bio(b, "PUBLIC KEY", headers, der, (long)len) > 0);
    const long n = b ? BIO_get_mem_data(b, &pem) : 0;
    T_CHECK(n > 0 && write_file(path, pem, (size_t)n) == 0);
    BIO_free(b);
    check_same(path);
}

int main(void)
{
    static const char *const keys[] = {"p256.pub.pem", "p384.pub.pem", "p521.pub.pem",
                                       "k256.pub.pem", "ed25519.pub.pem", "rsa.pub.pem",
                                       "p256.key.pem", "root.cert.pem"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/testdata/pki/%s", SOURCE_DIR, keys[i]);
        check_same(path);
    }

    char dir[] = "/tmp/omsig-spki-XXXXXX";
    if (!mkdtemp(dir)) return T_FAIL;
    check_compressed(dir);

    EVP_PKEY *k = reference_key(SOURCE_DIR "/testdata/pki/p256.pub.pem");
    unsigned char *der = NULL;
    const int n = k ? i2d_PUBKEY(k, &der) : -1;
    T_CHECK(n == 91);
    if (n == 91) {
        unsigned char v[92];
        memcpy(v, der, 91);
        check_variant(dir, "same", v, 91, ""); /* the fast way, checked against OpenSSL */
        check_variant(dir, "headers", v, 91, "Comment: omsig\n");
        v[91] = 0;
        check_variant(dir, "trailing", v, 92, "");
        memcpy(v, der, 91);
        v[90] ^= 1; /* y off by one: not on the curve */
        check_variant(dir, "off_curve", v, 91, "");
        memcpy(v, der, 91);
        v[25] = 1; /* unused bits in the bit string */
        check_variant(dir, "unused_bits", v, 91, "");
    }
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    static const char *const names[] = {"compressed", "same", "headers", "trailing", "off_curve",
                                        "unused_bits"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.pem", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    T_DONE();
}
