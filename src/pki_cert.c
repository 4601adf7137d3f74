/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_cert.c - the certificate method.  Every certificate in the user's chain files is a
 * trust anchor (without them, the Mozilla CA set the system ships, as model_signing trusts
 * certifi's); the bundle's chain must reach a self-signed one (no partial chains), with every
 * certificate valid now as the OMS spec asks, or at the leaf's notBefore with
 * --verify-time signing, as model_signing 1.1.1 checks it.
 */
#define _GNU_SOURCE
#include "dsse.h"
#include "hooks.h"
#include "pki.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Debian's (and Ubuntu's) copy of the Mozilla CA set, certifi's source. */
#define MOZILLA_CA_DIR "/usr/share/ca-certificates/mozilla"

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
    X509_STORE *store;       /* the trust anchors */
    STACK_OF(X509) *anchors; /* those of the user's chain files (NULL for a system store) */
    char *store_name;        /* the system store, in words, for the messages */
} cert_pki;

static void cert_free(omsig_pki *base)
{
    cert_pki *p = (cert_pki *)base;
    X509_STORE_free(p->store);
    sk_X509_pop_free(p->anchors, X509_free);
    free(p->store_name);
    free(p);
}

static omsig_status add_anchors(cert_pki *p, const omsig_options *o, STACK_OF(X509) *certs,
                                omsig_report *r)
{
    for (int k = 0; k < sk_X509_num(certs); k++) {
        X509 *c = sk_X509_value(certs, k);
        if (o->log_fingerprints) log_fingerprint(r, "  init  ", c);
        if (X509_STORE_add_cert(p->store, c) != 1) { /* a duplicate is fine */
            const unsigned long e = ERR_peek_last_error();
            ERR_clear_error();
            if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) return omsig_nomem(r);
        }
    }
    return OMSIG_OK;
}

/* Without --certificate_chain: the Mozilla CA set where the system ships it (every .crt file
 * of the folder), else OpenSSL's default locations; either is named in the report. */
static omsig_status load_system_store(cert_pki *p, const omsig_options *o, omsig_report *r)
{
    const char *hook = omsig_hook("OMSIG_MOZILLA_CA_DIR");
    const char *dir = hook ? hook : MOZILLA_CA_DIR;
    DIR *d = opendir(dir);
    if (!d) {
        if (X509_STORE_set_default_paths(p->store) != 1)
            return omsig_fail(r, OMSIG_E_CERTIFICATE, "cannot load the system's CA certificates");
        const char *env_file = getenv(X509_get_default_cert_file_env());
        const char *env_dir = getenv(X509_get_default_cert_dir_env());
        if (asprintf(&p->store_name, "OpenSSL's default CA store (%s and %s; this system has no "
                     "Mozilla CA set in %s)", env_file ? env_file : X509_get_default_cert_file(),
                     env_dir ? env_dir : X509_get_default_cert_dir(), dir) < 0) {
            p->store_name = NULL;
            return omsig_nomem(r);
        }
        r->trust_root_source = "openssl-default";
    } else {
        size_t total = 0;
        omsig_status st = OMSIG_OK;
        STACK_OF(X509) *certs = sk_X509_new_null();
        if (!certs) st = omsig_nomem(r);
        struct dirent *e;
        while (st == OMSIG_OK && (e = readdir(d)) != NULL) {
            const size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 4, ".crt") != 0) continue;
            char *path = NULL;
            if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
                st = omsig_nomem(r);
                break;
            }
            size_t k = 0;
            st = omsig_read_cert_file(path, certs, &k, r);
            total += k;
            free(path);
        }
        closedir(d);
        if (st == OMSIG_OK) st = add_anchors(p, o, certs, r);
        sk_X509_pop_free(certs, X509_free);
        if (st != OMSIG_OK) return st;
        if (total == 0)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "No certificates found in the Mozilla CA set in %s: give the "
                              "signer's root with --certificate_chain", dir);
        if (asprintf(&p->store_name, "the Mozilla CA set in %s (%zu certificate%s)", dir, total,
                     total == 1 ? "" : "s") < 0) {
            p->store_name = NULL;
            return omsig_nomem(r);
        }
        r->trust_root_source = "mozilla";
    }
    free(r->trust_root);
    r->trust_root = strdup(p->store_name);
    omsig_warn(r, "No --certificate_chain was given: trusting %s (model_signing trusts "
                  "certifi's Mozilla set); give the signer's root with --certificate_chain",
               p->store_name);
    return r->trust_root ? OMSIG_OK : omsig_nomem(r);
}

/* "'CN=a', 'CN=b'" for the trust anchors given, the first few of them. */
static void anchor_names(const cert_pki *p, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    const int n = sk_X509_num(p->anchors);
    for (int i = 0; i < n && used + 1 < cap; i++) {
        char name[512];
        omsig_x509_name_text(X509_get_subject_name(sk_X509_value(p->anchors, i)), name, sizeof name);
        const int w = i == 8 ? snprintf(out + used, cap - used, ", and %d more", n - i)
                             : snprintf(out + used, cap - used, "%s'%s'", i ? ", " : "", name);
        if (w < 0 || (size_t)w >= cap - used) break;
        used += (size_t)w;
        if (i == 8) break;
    }
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
        if (load_system_store(p, o, r) != OMSIG_OK) goto fail;
        return &p->base;
    }
    if (!(p->anchors = sk_X509_new_null())) {
        omsig_nomem(r);
        goto fail;
    }
    for (size_t i = 0; i < o->n_certificate_chain_paths; i++) {
        size_t n = 0;
        if (omsig_read_cert_file(o->certificate_chain_paths[i], p->anchors, &n, r) != OMSIG_OK)
            goto fail;
    }
    if (sk_X509_num(p->anchors) == 0) {
        omsig_fail(r, OMSIG_E_CERTIFICATE,
                   "No certificates found in the certificate chain files (expected PEM "
                   "'BEGIN CERTIFICATE' blocks)");
        goto fail;
    }
    if (add_anchors(p, o, p->anchors, r) != OMSIG_OK) goto fail;
    char names[2048];
    anchor_names(p, names, sizeof names);
    free(r->trust_root);
    r->trust_root_source = "certificate_chain";
    if (asprintf(&r->trust_root, "%d certificate%s given with --certificate_chain: %s",
                 sk_X509_num(p->anchors), sk_X509_num(p->anchors) == 1 ? "" : "s", names) < 0) {
        r->trust_root = NULL;
        omsig_nomem(r);
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

/* Which certificate of the chain c is, for the messages. */
static const char *role(X509_STORE_CTX *ctx, X509 *c)
{
    if (X509_STORE_CTX_get_error_depth(ctx) == 0) return "the signing certificate";
    return X509_check_issued(c, c) == X509_V_OK ? "the root certificate"
                                                : "the intermediate certificate";
}

/* OpenSSL's reason (the reference's message, kept first for scripts that match it), then what
 * it means for this chain: for a validity period, which certificate, its dates and the time
 * checked; for a trust anchor, where the bundle's chain ends and which roots were trusted. */
static omsig_status chain_failure(const cert_pki *p, const omsig_options *o,
                                  X509_STORE_CTX *ctx, time_t at, omsig_report *r)
{
    const int err = X509_STORE_CTX_get_error(ctx);
    const char *reason = X509_verify_cert_error_string(err);
    X509 *c = X509_STORE_CTX_get_current_cert(ctx);
    char when[32];
    omsig_time_text(at, when);
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: {
        if (!c) break;
        char validity[700];
        omsig_cert_validity_text(c, validity, sizeof validity);
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "%s: %s %s; the chain was checked at %s (%s)",
                          reason, role(ctx, c), validity, when,
                          o->verify_time == OMSIG_VERIFY_TIME_SIGNING
                              ? "the signing certificate's notBefore, --verify-time signing"
                              : "now; --verify-time signing checks at the signing "
                                "certificate's notBefore, as model_signing 1.1.1 does");
    }
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        X509 *top = sk_X509_num(chain) > 0 ? sk_X509_value(chain, sk_X509_num(chain) - 1) : c;
        if (!top) break;
        const X509_NAME *end = X509_get_issuer_name(top);
        char end_name[512];
        omsig_x509_name_text(end, end_name, sizeof end_name);
        if (!p->anchors)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "%s: the signature's certificate chain ends at '%s', which is not "
                              "among the trusted roots of %s (no --certificate_chain was given: "
                              "give the signer's root with it)",
                              reason, end_name, p->store_name ? p->store_name : "the system");
        bool same_name = false;
        for (int i = 0; i < sk_X509_num(p->anchors) && !same_name; i++)
            same_name = X509_NAME_cmp(X509_get_subject_name(sk_X509_value(p->anchors, i)), end) == 0;
        char names[2048];
        anchor_names(p, names, sizeof names);
        if (same_name)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "%s: the signature's certificate chain ends at '%s'; a certificate "
                              "of that name is among the trusted roots given with "
                              "--certificate_chain (%s), but it is not the self-signed root "
                              "that issued this chain",
                              reason, end_name, names);
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "%s: the signature's certificate chain ends at '%s', which is not "
                          "among the trusted roots given with --certificate_chain (%s)",
                          reason, end_name, names);
    }
    default: break;
    }
    return omsig_fail(r, OMSIG_E_CERTIFICATE, "%s", reason);
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
    /* now, as the OMS spec asks; or the leaf's notBefore, as model_signing 1.1.1 does */
    time_t at = omsig_cert_now();
    if (o->verify_time == OMSIG_VERIFY_TIME_SIGNING) {
        bool ok;
        at = asn1_to_time(X509_get0_notBefore(leaf), &ok);
        if (!ok) {
            st = omsig_fail(r, OMSIG_E_CERTIFICATE, "the signing certificate's notBefore is invalid");
            goto out;
        }
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
    if (X509_verify_cert(ctx) != 1) {
        st = chain_failure(p, o, ctx, at, r);
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
