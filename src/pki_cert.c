/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_cert.c - the certificate method.  Every certificate in the user's chain files is a
 * trust anchor; the bundle's chain must reach a self-signed one (no partial chains), at the
 * leaf's notBefore as the reference checks it, or now with --verify-time now.
 */
#include "dsse.h"
#include "pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>


static void log_fingerprint(omsig_report *r, const char *where, X509 *c)
{
    uint8_t md[32];
    unsigned int n = 0;
    if (!X509_digest(c, EVP_sha256(), md, &n)) return;
    char hex[32 * 3 + 1];
    for (unsigned i = 0; i < n; i++) snprintf(hex + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
    omsig_warn(r, "[%s] sha256 Fingerprint: %s", where, hex);
}

typedef struct cert_pki {
    omsig_pki base;
    X509_STORE *store; /* every certificate of the user's chain files, as trust anchors */
} cert_pki;

static void cert_free(omsig_pki *base)
{
    cert_pki *p = (cert_pki *)base;
    X509_STORE_free(p->store);
    free(p);
}

static omsig_pki *cert_load(const omsig_options *o, omsig_report *r)
{
    cert_pki *p = calloc(1, sizeof *p);
    X509_STORE *store = p ? (p->store = X509_STORE_new()) : NULL;
    if (!store) {
        omsig_nomem(r);
        goto fail;
    }
    p->base.method = &omsig_pki_method_certificate;
    if (o->n_certificate_chain_paths == 0) {
        /* The reference falls back to a public CA bundle; the system's is the equivalent. */
        if (X509_STORE_set_default_paths(store) != 1) {
            omsig_fail(r, OMSIG_E_CERTIFICATE, "cannot load the system's CA certificates");
            goto fail;
        }
        return &p->base;
    }
    size_t total = 0;
    for (size_t i = 0; i < o->n_certificate_chain_paths; i++) {
        BIO *bio = NULL;
        if (omsig_pem_open(o->certificate_chain_paths[i], 16u << 20, &bio, r) != OMSIG_OK)
            goto fail;
        STACK_OF(X509) *certs = sk_X509_new_null();
        size_t n = 0;
        const omsig_status rd = certs ? omsig_pem_read_strict_certs(
                                            bio, o->certificate_chain_paths[i], certs, &n, r)
                                      : omsig_nomem(r);
        total += n;
        BIO_free(bio);
        if (rd != OMSIG_OK) {
            sk_X509_pop_free(certs, X509_free);
            goto fail;
        }
        for (int k = 0; k < sk_X509_num(certs); k++) {
            if (o->log_fingerprints) log_fingerprint(r, "  init  ", sk_X509_value(certs, k));
            X509_STORE_add_cert(store, sk_X509_value(certs, k)); /* duplicates are fine */
        }
        sk_X509_pop_free(certs, X509_free);
    }
    if (total == 0) {
        omsig_fail(r, OMSIG_E_CERTIFICATE,
                   "No certificates found in the certificate chain files (expected PEM "
                   "'BEGIN CERTIFICATE' blocks)");
        goto fail;
    }
    return &p->base;
fail:
    if (p) cert_free(&p->base);
    return NULL;
}

static time_t asn1_to_time(const ASN1_TIME *t, bool *ok)
{
    struct tm tm;
    *ok = ASN1_TIME_to_tm(t, &tm) == 1;
    return *ok ? timegm(&tm) : 0;
}

static omsig_status usage_check(X509 *leaf, omsig_report *r)
{
    const uint32_t flags = X509_get_extension_flags(leaf);
    bool ok = false;
    if (flags & EXFLAG_KUSAGE)
        ok = (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) != 0;
    else
        omsig_warn(r, "Certificate does not specify 'KeyUsage'.");
    if (!ok) {
        if (flags & EXFLAG_XKUSAGE)
            ok = (X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN) != 0;
        else
            omsig_warn(r, "Certificate does not specify 'ExtendedKeyUsage'.");
    }
    return ok ? OMSIG_OK
              : omsig_fail(r, OMSIG_E_CERTIFICATE, "Signing certificate cannot be used for signing");
}

static omsig_status cert_check(const omsig_pki *base, const omsig_options *o,
                               const omsig_bundle *b, omsig_report *r)
{
    const cert_pki *p = (const cert_pki *)base;
    if (b->vm_kind != OMSIG_VM_X509_CHAIN)
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "The signature was not made with the certificate method: its "
                          "verification material holds %s, not a certificate chain (try "
                          "'verify %s')",
                          b->vm_kind == OMSIG_VM_PUBLIC_KEY ? "a public key hint"
                                                            : "a Sigstore certificate",
                          b->vm_kind == OMSIG_VM_PUBLIC_KEY ? "key" : "sigstore");
    omsig_status st = OMSIG_OK;
    X509 *leaf = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!untrusted || !ctx) {
        st = omsig_nomem(r);
        goto out;
    }
    for (size_t i = 0; i < b->n_certs; i++) {
        X509 *c = omsig_x509_from_der(b->certs[i].data, b->certs[i].len);
        if (!c) {
            st = omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                            "Invalid signature bundle: certificate %zu of the chain is not a "
                            "valid DER X.509 certificate", i);
            goto out;
        }
        char where[64];
        if (i == 0) snprintf(where, sizeof where, "the signature's leaf certificate");
        else snprintf(where, sizeof where, "certificate %zu of the signature's chain", i + 1);
        st = omsig_x509_check_strict(c, b->certs[i].data, b->certs[i].len, where, r);
        if (st != OMSIG_OK) {
            X509_free(c);
            goto out;
        }
        if (i == 0)
            leaf = c;
        else if (!sk_X509_push(untrusted, c)) {
            X509_free(c);
            st = omsig_nomem(r);
            goto out;
        }
    }
    if (o->log_fingerprints) {
        for (int i = 0; i < sk_X509_num(untrusted); i++)
            log_fingerprint(r, " verify ", sk_X509_value(untrusted, i));
        log_fingerprint(r, " verify ", leaf);
    }
    if (X509_STORE_CTX_init(ctx, p->store, leaf, untrusted) != 1) {
        st = omsig_nomem(r);
        goto out;
    }
    if (!o->verify_time_now) {
        bool ok;
        const time_t t = asn1_to_time(X509_get0_notBefore(leaf), &ok);
        if (!ok) {
            st = omsig_fail(r, OMSIG_E_CERTIFICATE, "the signing certificate's notBefore is invalid");
            goto out;
        }
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), t);
    }
    if (X509_verify_cert(ctx) != 1) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "%s",
                        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        goto out;
    }
    st = usage_check(leaf, r);
    if (st != OMSIG_OK) goto out;
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    const void *md = key ? omsig_ec_cert_key_md(key, r) : NULL;
    if (!md) {
        st = key ? r->status : omsig_fail(r, OMSIG_E_CERTIFICATE, "cannot read the leaf's key");
        goto out;
    }
    /* v0.2.0 signed with SHA-256 whatever the curve */
    st = omsig_dsse_verify(key, md, EVP_sha256(), b, r);
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return st;
}

const omsig_pki_method omsig_pki_method_certificate = {
    .name = "certificate", .load = cert_load, .check = cert_check, .free = cert_free};
