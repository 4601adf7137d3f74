/* SPDX-License-Identifier: Apache-2.0 */
/* pki_util.c - OpenSSL helpers the signing methods share (pki.h). */
#include "pki.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>

const omsig_pki_method *omsig_pki_method_for(omsig_method m)
{
    switch (m) {
    case OMSIG_METHOD_KEY: return &omsig_pki_method_key;
    case OMSIG_METHOD_CERTIFICATE: return &omsig_pki_method_certificate;
    case OMSIG_METHOD_SIGSTORE: return &omsig_pki_method_sigstore;
    default: return NULL;
    }
}

void omsig_pki_free(omsig_pki *p)
{
    if (p) p->method->free(p);
}

X509 *omsig_x509_from_der(const uint8_t *der, size_t len)
{
    const unsigned char *q = der;
    X509 *c = d2i_X509(NULL, &q, (long)len);
    if (c && q != der + len) {
        X509_free(c);
        return NULL;
    }
    return c;
}

omsig_status omsig_pem_open(const char *path, size_t max, BIO **bio, omsig_report *r)
{
    uint8_t *data = NULL;
    size_t len = 0;
    const int rc = omsig_read_file(path, max, &data, &len);
    if (rc < 0) return omsig_fail_open(r, -rc, path);
    *bio = BIO_new(BIO_s_mem());
    const bool ok = *bio && BIO_write(*bio, data, (int)len) == (int)len;
    OPENSSL_cleanse(data, len);
    free(data);
    if (ok) return OMSIG_OK;
    BIO_free(*bio);
    *bio = NULL;
    return omsig_nomem(r);
}

size_t omsig_pem_read_certs(BIO *bio, STACK_OF(X509) *out, bool *nomem)
{
    size_t n = 0;
    X509 *c;
    while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(out, c)) {
            X509_free(c);
            *nomem = true;
            break;
        }
        n++;
    }
    ERR_clear_error();
    return n;
}

bool omsig_pkey_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *sig, size_t sig_len,
                       const void *data, size_t n)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
                    EVP_DigestVerify(ctx, sig, sig_len, data, n) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}
