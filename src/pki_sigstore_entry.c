/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_sigstore_entry.c - the bundle as sigstore-python loads it: media type, certificate or
 * chain, the one transparency-log entry with its inclusion proof, and the RFC 3161 timestamps.
 */
#include "pki_sigstore_steps.h"

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

static const char *const k_entry_keys[] = {"logIndex",       "logId",          "kindVersion",
                                           "integratedTime", "inclusionPromise", "inclusionProof",
                                           "canonicalizedBody", NULL};
static const char *const k_proof_keys[] = {"logIndex", "rootHash", "treeSize", "hashes",
                                           "checkpoint", NULL};

/* The one tlog entry, with the field rules of sigstore-python's strict bundle model. */
static omsig_status parse_entry(const cJSON *j, sgs_entry *e, omsig_report *r)
{
    const char *bad = NULL;
    if (!omsig_json_is_object_of(j, k_entry_keys, &bad))
        return SGS_LOAD_FAIL(r, "tlogEntries[0]: %s", bad ? "unexpected key" : "not an object");
    if (!omsig_u64_parse_str(omsig_json_str(j, "logIndex"), &e->log_index))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].logIndex must be a uint64 string");
    if (!omsig_json_b64(omsig_json_member(j, "logId"), "keyId", &e->log_id, &e->log_id_len))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].logId.keyId must be base64");
    const cJSON *kv = omsig_json_member(j, "kindVersion");
    e->kind = omsig_json_str(kv, "kind");
    e->version = omsig_json_str(kv, "version");
    if (!e->kind || !e->version)
        return SGS_LOAD_FAIL(r, "tlogEntries[0].kindVersion must hold kind and version strings");
    const cJSON *it = omsig_json_member(j, "integratedTime");
    if (it && !cJSON_IsNull(it)) {
        if (!cJSON_IsString(it) || !omsig_u64_parse_str(it->valuestring, &e->integrated_time))
            return SGS_LOAD_FAIL(r, "tlogEntries[0].integratedTime must be a uint64 string");
        e->has_time = true;
    }
    const cJSON *pr = omsig_json_member(j, "inclusionPromise");
    if (pr && !cJSON_IsNull(pr)) {
        if (!omsig_json_b64(pr, "signedEntryTimestamp", &e->set, &e->set_len))
            return SGS_LOAD_FAIL(r, "inclusionPromise.signedEntryTimestamp must be base64");
        e->has_promise = true;
    }
    const cJSON *proof = omsig_json_member(j, "inclusionProof");
    if (!proof || cJSON_IsNull(proof))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].inclusionProof is missing");
    if (!omsig_json_is_object_of(proof, k_proof_keys, &bad))
        return SGS_LOAD_FAIL(r, "inclusionProof: %s", bad ? "unexpected key" : "not an object");
    if (!omsig_u64_parse_str(omsig_json_str(proof, "logIndex"), &e->proof_index) ||
        !omsig_u64_parse_str(omsig_json_str(proof, "treeSize"), &e->tree_size))
        return SGS_LOAD_FAIL(r, "inclusionProof.logIndex and treeSize must be uint64 strings");
    if (e->tree_size <= e->proof_index)
        return SGS_LOAD_FAIL(r, "logIndex %llu must be less than treeSize %llu",
                             (unsigned long long)e->proof_index, (unsigned long long)e->tree_size);
    if (!omsig_json_b64(proof, "rootHash", &e->root, &e->root_len))
        return SGS_LOAD_FAIL(r, "inclusionProof.rootHash must be base64");
    const cJSON *hashes = omsig_json_member(proof, "hashes");
    if (!cJSON_IsArray(hashes)) return SGS_LOAD_FAIL(r, "inclusionProof.hashes must be an array");
    const size_t nh = (size_t)cJSON_GetArraySize(hashes);
    if (nh > 128) return SGS_LOAD_FAIL(r, "inclusionProof.hashes has %zu items", nh);
    e->hashes = calloc(nh ? nh : 1, sizeof *e->hashes);
    if (!e->hashes) return omsig_nomem(r);
    for (const cJSON *h = hashes->child; h; h = h->next) {
        omsig_der *d = &e->hashes[e->n_hashes];
        if (!cJSON_IsString(h) ||
            omsig_base64_decode(h->valuestring, strlen(h->valuestring), &d->data, &d->len) != 0)
            return SGS_LOAD_FAIL(r, "inclusionProof.hashes[%zu] must be base64", e->n_hashes);
        e->n_hashes++;
    }
    const cJSON *cp = omsig_json_member(proof, "checkpoint");
    if (cp && !cJSON_IsNull(cp)) {
        e->checkpoint = omsig_json_str(cp, "envelope");
        if (!e->checkpoint)
            return SGS_LOAD_FAIL(r, "inclusionProof.checkpoint.envelope must be a string");
    }
    if (!omsig_json_b64(j, "canonicalizedBody", &e->body, &e->body_len))
        return SGS_LOAD_FAIL(r, "tlogEntries[0].canonicalizedBody must be base64");
    return OMSIG_OK;
}

static omsig_status parse_timestamps(const cJSON *vm, sgs_ctx *c)
{
    const cJSON *tvd = omsig_json_member(vm, "timestampVerificationData");
    if (!tvd || cJSON_IsNull(tvd)) return OMSIG_OK;
    const cJSON *list = omsig_json_member(tvd, "rfc3161Timestamps");
    if (!list || cJSON_IsNull(list)) return OMSIG_OK;
    if (!cJSON_IsArray(list))
        return SGS_LOAD_FAIL(c->r, "timestampVerificationData.rfc3161Timestamps must be an array");
    const size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > 4096)
        return omsig_fail(c->r, OMSIG_E_LIMIT, "too many signed timestamp: %zu > %d", n,
                          MAX_TIMESTAMPS);
    c->tsr = calloc(n ? n : 1, sizeof *c->tsr);
    if (!c->tsr) return omsig_nomem(c->r);
    for (const cJSON *t = list->child; t; t = t->next) {
        sgs_tsr *x = &c->tsr[c->n_tsr];
        if (!omsig_json_b64(t, "signedTimestamp", &x->der, &x->len))
            return SGS_LOAD_FAIL(c->r, "rfc3161Timestamps[%zu].signedTimestamp must be base64",
                                 c->n_tsr);
        c->n_tsr++;
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
    const cJSON *vm = omsig_json_member((const cJSON *)b->json, "verificationMaterial");
    const cJSON *tlog = omsig_json_member(vm, "tlogEntries");
    if (!cJSON_IsArray(tlog))
        return SGS_LOAD_FAIL(r, "verificationMaterial.tlogEntries is missing");
    OMSIG_FORWARD_IF_ERROR(parse_timestamps(vm, c));

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
    if (cJSON_GetArraySize(tlog) != 1)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected exactly one log entry in bundle");
    OMSIG_FORWARD_IF_ERROR(parse_entry(tlog->child, &c->e, r));
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
