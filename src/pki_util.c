/* SPDX-License-Identifier: Apache-2.0 */
/* pki_util.c - OpenSSL helpers the signing methods share (pki.h). */
#include "hooks.h"
#include "pki.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* One line of text: [p, end of line), the next line's start in *next. */
static size_t line_len(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *next = nl ? nl + 1 : end;
    size_t n = (size_t)((nl ? nl : end) - p);
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    return n;
}

/* The label of a "-----BEGIN label-----" or "-----END label-----" line (kw "BEGIN " or
 * "END "), or NULL. */
static const char *pem_label(const char *p, size_t n, const char *kw, size_t *label_len)
{
    const size_t k = strlen(kw);
    if (n < 10 + k || memcmp(p, "-----", 5) != 0 || memcmp(p + 5, kw, k) != 0 ||
        memcmp(p + n - 5, "-----", 5) != 0)
        return NULL;
    *label_len = n - 10 - k;
    return p + 5 + k;
}

static bool label_is(const char *l, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(l, want, n) == 0;
}

/* The certificate of one PEM block's text, or NULL when its base64 or DER does not decode. */
/* Decodes one PEM block into a certificate; *der (OPENSSL_free) keeps its DER bytes for the
 * strict check. */
static X509 *decode_block(const char *p, size_t n, unsigned char **der, long *der_len,
                          const char **why)
{
    BIO *b = BIO_new_mem_buf(p, (int)n);
    char *name = NULL, *header = NULL;
    X509 *c = NULL;
    *der = NULL;
    *der_len = 0;
    *why = "out of memory";
    if (b && PEM_read_bio(b, &name, &header, der, der_len) == 1) {
        c = omsig_x509_from_der(*der, (size_t)*der_len);
        *why = "its content is not a DER X.509 certificate";
    } else if (b) {
        *why = "its base64 does not decode";
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    BIO_free(b);
    ERR_clear_error();
    return c;
}

omsig_status omsig_read_certs_pem(const char *text, size_t len, const char *path,
                                  STACK_OF(X509) *out, size_t *n, omsig_report *r)
{
    *n = 0;
    omsig_status st = OMSIG_OK;
    const char *p = text, *end = p + len, *next;
    size_t line = 1, block = 0;
    while (p < end && st == OMSIG_OK) {
        const char *start = p;
        const size_t start_line = line, ll = line_len(p, end, &next);
        size_t lab_n = 0, end_n = 0;
        const char *lab = pem_label(p, ll, "BEGIN ", &lab_n);
        p = next;
        line++;
        if (!lab) continue;
        block++;
        /* the block runs to its END line; a BEGIN without one is refused, as a truncated file */
        const char *stop = NULL;
        while (p < end && !stop) {
            const size_t el = line_len(p, end, &next);
            const char *e = pem_label(p, el, "END ", &end_n);
            if (e) stop = next;
            if (e && !(end_n == lab_n && memcmp(e, lab, lab_n) == 0)) stop = start;
            p = next;
            line++;
        }
        if (stop == start || !stop) {
            st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                            "Cannot read the certificate file '%s': its PEM block %zu (line %zu, "
                            "'-----BEGIN %.*s-----') has no matching END line",
                            path, block, start_line, (int)(lab_n > 64 ? 64 : lab_n), lab);
            break;
        }
        /* other blocks (a key saved beside the certificate) are skipped, as PEM readers do */
        if (!label_is(lab, lab_n, "CERTIFICATE") && !label_is(lab, lab_n, "X509 CERTIFICATE"))
            continue;
        const char *why = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        X509 *c = decode_block(start, (size_t)(stop - start), &der, &der_len, &why);
        char where[96 + 4096];
        snprintf(where, sizeof where, "certificate %zu of '%s' (PEM block %zu, line %zu)", *n + 1,
                 path, block, start_line);
        if (!c)
            st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                            "Cannot read the certificate file '%s': its PEM block %zu (line %zu) "
                            "does not decode: %s; the file is refused, not read up to that block",
                            path, block, start_line, why);
        else if ((st = omsig_x509_check_strict(c, der, (size_t)der_len, where, r)) != OMSIG_OK)
            X509_free(c);
        else if (!sk_X509_push(out, c)) {
            X509_free(c);
            st = omsig_nomem(r);
        } else {
            (*n)++;
        }
        OPENSSL_free(der);
    }
    return st;
}

omsig_status omsig_read_cert_file(const char *path, STACK_OF(X509) *out, size_t *n,
                                  omsig_report *r)
{
    uint8_t *data = NULL;
    size_t len = 0;
    *n = 0;
    const int rc = omsig_read_file(path, OMSIG_CERT_FILE_MAX, &data, &len);
    if (rc == -EFBIG)
        return omsig_fail(r, OMSIG_E_LIMIT,
                          "Cannot read the certificate file '%s': it is larger than %zu MiB, "
                          "the most omsig reads of one (a CA bundle is well under 1 MiB)",
                          path, OMSIG_CERT_FILE_MAX >> 20);
    if (rc < 0) return omsig_fail_open(r, -rc, path);
    const omsig_status st = omsig_read_certs_pem((const char *)data, len, path, out, n, r);
    OPENSSL_cleanse(data, len);
    free(data);
    return st;
}

time_t omsig_cert_now(void)
{
    const char *h = omsig_hook("OMSIG_TEST_NOW");
    if (h && *h) {
        char *e = NULL;
        const long long v = strtoll(h, &e, 10);
        if (e && *e == '\0') return (time_t)v;
    }
    return time(NULL);
}

void omsig_x509_name_text(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    /* RFC 4514 order and escapes, UTF-8 kept as it is */
    const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    const int w = b && name ? X509_NAME_print_ex(b, name, 0, flags) : -1;
    const int n = w > 0 ? BIO_read(b, out, (int)(cap - 1)) : w;
    BIO_free(b);
    if (n > 0) out[n] = '\0';
    else snprintf(out, cap, "%s", n == 0 ? "(an empty name)" : "(an unreadable name)");
}

void omsig_time_text(time_t t, char out[32])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

void omsig_asn1_time_text(const ASN1_TIME *t, char out[32])
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "(an invalid time)");
}

void omsig_cert_validity_text(X509 *c, char *out, size_t cap)
{
    char subject[512], from[32], to[32];
    omsig_x509_name_text(X509_get_subject_name(c), subject, sizeof subject);
    omsig_asn1_time_text(X509_get0_notBefore(c), from);
    omsig_asn1_time_text(X509_get0_notAfter(c), to);
    snprintf(out, cap, "'%s' is valid from %s to %s", subject, from, to);
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
