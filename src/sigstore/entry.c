/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.c - the bundle as sigstore-python loads it: media type, certificate or
 * chain, the one transparency-log entry with its inclusion proof, and the RFC 3161 timestamps.
 */
#include "sigstore/steps.h"

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_bundle_types[] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
};

static void entry_free(sgs_entry *e)
{
    free(e->log_id);
    free(e->set);
    free(e->root);
    omsig_der_free(e->hashes, e->n_hashes);
    free(e->body);
    memset(e, 0, sizeof *e);
}

void omsig_sgs_ctx_free(sgs_ctx *c)
{
    entry_free(&c->e);
    for (size_t i = 0; i < c->n_tsr; i++) {
        free(c->tsr[i].der);
        if (c->tsr[i].resp) {
            TS_RESP_free(c->tsr[i].resp);
        } else {
            PKCS7_free(c->tsr[i].token);
            TS_TST_INFO_free(c->tsr[i].tst);
        }
    }
    free(c->tsr);
    X509_free(c->leaf);
    sk_X509_pop_free(c->chain, X509_free);
}

/* base64 text into *out (malloc'ed); false when s is NULL or not base64. */
static bool b64(const char *s, uint8_t **out, size_t *len)
{
    return s && omsig_base64_decode(s, strlen(s), out, len) == 0;
}

/* The one tlog entry, with the field rules of sigstore-python's strict bundle model (the
 * bundle stage has held it to its shape: no other keys, required strings present). */
static omsig_status parse_entry(const omsig_tlog_entry *t, sgs_entry *e, omsig_report *r)
{
    if (!omsig_u64_parse_str(t->log_index, &e->log_index))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].logIndex must be a uint64 string");
    if (!b64(t->log_id, &e->log_id, &e->log_id_len))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].logId.keyId must be base64");
    e->kind = t->kind;
    e->version = t->version;
    if (!e->kind || !e->version)
        return SGS_LOAD_FAIL(r, "tlogEntries[0].kindVersion must hold kind and version strings");
    if (t->integrated_time) {
        if (!omsig_u64_parse_str(t->integrated_time, &e->integrated_time))
            return SGS_LOAD_FAIL(r, "tlogEntries[0].integratedTime must be a uint64 string");
        e->has_time = true;
    }
    if (t->has_promise) {
        if (!b64(t->set, &e->set, &e->set_len))
            return SGS_LOAD_FAIL(r, "inclusionPromise.signedEntryTimestamp must be base64");
        e->has_promise = true;
    }
    if (!t->has_proof) return SGS_LOAD_FAIL(r, "tlogEntries[0].inclusionProof is missing");
    if (!omsig_u64_parse_str(t->proof_log_index, &e->proof_index) ||
        !omsig_u64_parse_str(t->tree_size, &e->tree_size))
        return SGS_LOAD_FAIL(r, "inclusionProof.logIndex and treeSize must be uint64 strings");
    if (e->tree_size <= e->proof_index)
        return SGS_LOAD_FAIL(r, "logIndex %llu must be less than treeSize %llu",
                             (unsigned long long)e->proof_index, (unsigned long long)e->tree_size);
    if (!b64(t->root_hash, &e->root, &e->root_len))
        return SGS_LOAD_FAIL(r, "inclusionProof.rootHash must be base64");
    if (t->n_hashes > 128)
        return SGS_LOAD_FAIL(r, "inclusionProof.hashes has %zu items", t->n_hashes);
    e->hashes = calloc(t->n_hashes ? t->n_hashes : 1, sizeof *e->hashes);
    if (!e->hashes) return omsig_nomem(r);
    for (size_t i = 0; i < t->n_hashes; i++, e->n_hashes++)
        if (!b64(t->hashes[i], &e->hashes[i].data, &e->hashes[i].len))
            return SGS_LOAD_FAIL(r, "inclusionProof.hashes[%zu] must be base64", i);
    e->checkpoint = t->checkpoint;
    if (!b64(t->body, &e->body, &e->body_len))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].canonicalizedBody must be base64");
    return OMSIG_OK;
}

static omsig_status parse_timestamps(sgs_ctx *c)
{
    const omsig_bundle *b = c->b;
    if (!b->has_timestamps) return OMSIG_OK;
    if (b->n_timestamps > 4096)
        return omsig_fail(c->r, OMSIG_E_LIMIT, "too many signed timestamp: %zu > %d",
                          b->n_timestamps, MAX_TIMESTAMPS);
    c->tsr = calloc(b->n_timestamps ? b->n_timestamps : 1, sizeof *c->tsr);
    if (!c->tsr) return omsig_nomem(c->r);
    for (; c->n_tsr < b->n_timestamps; c->n_tsr++) {
        sgs_tsr *x = &c->tsr[c->n_tsr];
        if (!b64(b->timestamps[c->n_tsr], &x->der, &x->len))
            return SGS_LOAD_FAIL(c->r, "rfc3161Timestamps[%zu].signedTimestamp must be base64",
                                 c->n_tsr);
    }
    return OMSIG_OK;
}

/* A signedTimestamp is a DER TimeStampResp; a bare TimeStampToken is taken too. */
static bool decode_tsr(sgs_tsr *x)
{
    const unsigned char *p = x->der;
    x->resp = d2i_TS_RESP(NULL, &p, (long)x->len);
    if (x->resp && p == x->der + x->len) {
        x->token = TS_RESP_get_token(x->resp);
        x->tst = TS_RESP_get_tst_info(x->resp);
        return true;
    }
    TS_RESP_free(x->resp);
    x->resp = NULL;
    p = x->der;
    x->token = d2i_PKCS7(NULL, &p, (long)x->len);
    if (x->token && p == x->der + x->len && (x->tst = PKCS7_to_TS_TST_INFO(x->token)) != NULL)
        return true;
    PKCS7_free(x->token);
    x->token = NULL;
    return false;
}

/* sigstore-python's cert_is_ca: 1 CA, 0 not a CA, -1 inconsistent (with why). */
int omsig_sgs_cert_is_ca(X509 *c, const char **why)
{
    if (X509_get_version(c) != X509_VERSION_3) {
        *why = "invalid X.509 version";
        return -1;
    }
    const int bi = X509_get_ext_by_NID(c, NID_basic_constraints, -1);
    if (bi < 0) return 0;
    if (!X509_EXTENSION_get_critical(X509_get_ext(c, bi))) {
        *why = "invalid X.509 certificate: non-critical BasicConstraints in CA";
        return -1;
    }
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c, NID_basic_constraints, NULL, NULL);
    if (!bc) {
        *why = "invalid X.509 certificate: unreadable BasicConstraints";
        return -1;
    }
    const bool ca = bc->ca != 0;
    BASIC_CONSTRAINTS_free(bc);
    if (X509_get_ext_by_NID(c, NID_key_usage, -1) < 0) {
        *why = "invalid X.509 certificate: missing KeyUsage";
        return -1;
    }
    const bool cert_sign = (X509_get_key_usage(c) & KU_KEY_CERT_SIGN) != 0;
    if (ca && cert_sign) return 1;
    if (!ca && !cert_sign) return 0;
    *why = "invalid X.509 certificate states: KeyUsage.keyCertSign and BasicConstraints.ca "
           "disagree";
    return -1;
}

/* 0.1/0.2 bundles: sigstore-python's cert_is_leaf on the first certificate. */
static omsig_status check_chain_leaf(X509 *leaf, omsig_report *r)
{
    const char *why = NULL;
    const int ca = omsig_sgs_cert_is_ca(leaf, &why);
    if (ca < 0) return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "%s", why);
    if (ca == 0) {
        if (X509_get_ext_by_NID(leaf, NID_key_usage, -1) < 0 ||
            !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                              "invalid certificate for Sigstore purposes: missing digital "
                              "signature usage");
        if (X509_get_ext_by_NID(leaf, NID_ext_key_usage, -1) < 0)
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                              "invalid X.509 certificate: missing ExtendedKeyUsage");
        if (X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN) return OMSIG_OK;
    }
    return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                      "bundle contains an invalid leaf or non-leaf certificate in the leaf "
                      "position");
}

/* Bundle load (sigstore-python Bundle._verify and TransparencyLogEntry._validate). */
omsig_status omsig_sgs_check_shape(sgs_ctx *c)
{
    const omsig_bundle *b = c->b;
    omsig_report *r = c->r;
    size_t mt = 0;
    while (mt < 4 && strcmp(b->media_type, k_bundle_types[mt]) != 0) mt++;
    if (mt == 4)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "unsupported bundle format: %.200s",
                          b->media_type);
    if (!b->has_tlog_entries)
        return SGS_LOAD_FAIL(r, "verificationMaterial.tlogEntries is missing");
    OMSIG_FORWARD_IF_ERROR(parse_timestamps(c));

    if (mt >= 2) { /* the two v0.3 forms */
        if (b->vm_kind != OMSIG_VM_CERTIFICATE)
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate in bundle");
    } else if (b->vm_kind != OMSIG_VM_X509_CHAIN || b->n_certs == 0) {
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate chain in bundle");
    }
    c->leaf = omsig_x509_from_der(b->certs[0].data, b->certs[0].len);
    if (!c->leaf)
        return SGS_LOAD_FAIL(r, "the signing certificate is not a valid DER X.509 certificate");
    if (mt < 2) {
        OMSIG_FORWARD_IF_ERROR(check_chain_leaf(c->leaf, r));
        for (size_t i = 1; i < b->n_certs; i++) {
            X509 *x = omsig_x509_from_der(b->certs[i].data, b->certs[i].len);
            const char *why = NULL;
            if (!x) return SGS_LOAD_FAIL(r, "certificate %zu of the chain is not valid DER", i);
            if (omsig_sgs_cert_is_ca(x, &why) == 1 && X509_check_issued(x, x) == X509_V_OK)
                omsig_warn(r, "this bundle contains a root CA, making it subject to misuse");
            X509_free(x);
        }
    }
    if (b->n_tlog_entries != 1)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected exactly one log entry in bundle");
    OMSIG_FORWARD_IF_ERROR(parse_entry(&b->tlog, &c->e, r));
    if (strcmp(c->e.version, "0.0.1") != 0 && strcmp(c->e.version, "0.0.2") != 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                          "Expected log entry version 0.0.1 - 0.0.2, got %.100s", c->e.version);
    if (!c->e.checkpoint)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                          "entry must contain inclusion proof, with checkpoint");
    if (mt == 0 && !c->e.has_promise)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "bundle must contain an inclusion promise");
    for (size_t i = 0; i < c->n_tsr; i++)
        if (!decode_tsr(&c->tsr[i]))
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "Invalid Timestamp Response");
    if (mt > 0 && !c->e.has_promise && c->n_tsr == 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                          "bundle must contain an inclusion promise or signed timestamp(s)");
    return OMSIG_OK;
}
