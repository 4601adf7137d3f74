/* SPDX-License-Identifier: Apache-2.0 */
/*
 * body.c - steps 7 and 8 of the Sigstore check: the DSSE signature by the signing
 * certificate, and the Rekor entry body (dsse 0.0.1, hashedrekord 0.0.2) against the bundle.
 */
#include "dsse.h"
#include "sigstore/steps.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* PAE with the envelope's payloadType, as sigstore-python builds it. */
static int pae_typed(const omsig_bundle *b, omsig_buf *out)
{
    return omsig_pae_typed(b->payload_type, b->payload, b->payload_len, out);
}

omsig_status omsig_sgs_verify_dsse(X509 *leaf, const omsig_bundle *b, omsig_report *r)
{
    if (b->n_signatures != 1)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "DSSE: exactly 1 signature allowed, got %zu", b->n_signatures);
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    if (!key || !EVP_PKEY_is_a(key, "EC"))
        return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                          "DSSE: the signing certificate's key is not an elliptic curve key");
    omsig_buf pae = {0};
    if (pae_typed(b, &pae)) {
        omsig_buf_free(&pae);
        return omsig_nomem(r);
    }
    const bool ok = omsig_pkey_verify(key, EVP_sha256(), b->sig, b->sig_len, pae.data, pae.len);
    omsig_buf_free(&pae);
    ERR_clear_error();
    return ok ? OMSIG_OK : omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "DSSE: invalid signature");
}

/* ---- step 8: the log entry body against the bundle ------------------------------------------- */

static char *leaf_pem_b64(X509 *leaf)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (bio && PEM_write_bio_X509(bio, leaf) == 1) {
        char *p = NULL;
        const long n = BIO_get_mem_data(bio, &p);
        if (n > 0) out = omsig_base64_encode((const uint8_t *)p, (size_t)n);
    }
    BIO_free(bio);
    return out;
}

static omsig_status body_dsse_v001(const cJSON *j, X509 *leaf, const omsig_bundle *b,
                                   omsig_report *r)
{
    const cJSON *spec = omsig_json_member(j, "spec");
    const cJSON *ph = omsig_json_member(spec, "payloadHash");
    const cJSON *sigs = omsig_json_member(spec, "signatures");
    const char *kind = omsig_json_str(j, "kind");
    if (!kind || strcmp(kind, "dsse") != 0 || !cJSON_IsString(omsig_json_member(j, "apiVersion")) ||
        !cJSON_IsObject(spec))
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "invalid DSSE log entry: not a dsse entry with a spec");
    const char *alg = omsig_json_str(ph, "algorithm"), *value = omsig_json_str(ph, "value");
    if (!alg || !value || !cJSON_IsArray(sigs) || !sigs->child)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "invalid DSSE log entry: spec needs payloadHash and signatures");
    if (strcmp(alg, "sha256") != 0)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "expected SHA256 payload hash in DSSE log entry");
    char hex[65];
    if (omsig_sha256_hex(b->payload, b->payload_len, hex) != 0) return omsig_nomem(r);
    if (strcmp(hex, value) != 0)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "log entry payload hash does not match bundle");
    char *sig = omsig_base64_encode(b->sig, b->sig_len);
    char *ver = leaf_pem_b64(leaf);
    omsig_status st = OMSIG_OK;
    if (!sig || !ver) {
        st = omsig_nomem(r);
    } else {
        /* the bundle has exactly one signature (checked before), so the list must be it */
        const char *bs = omsig_json_str(sigs->child, "signature");
        const char *bv = omsig_json_str(sigs->child, "verifier");
        if (cJSON_GetArraySize(sigs) != 1 || !bs || !bv || strcmp(bs, sig) != 0 ||
            strcmp(bv, ver) != 0)
            st = omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                            "log entry signatures do not match bundle");
    }
    free(sig);
    free(ver);
    return st;
}

/* Rekor v2: the DSSE envelope is logged as hashedrekord 0.0.2 over hash(PAE). */
static omsig_status body_hashedrekord_v002(const cJSON *j, const char *kind, const char *version,
                                           X509 *leaf, const omsig_bundle *b, omsig_report *r)
{
    static const char *const k_root[] = {"kind", "apiVersion", "spec", NULL};
    static const char *const k_spec[] = {"hashedRekordV002", "dsseV002", NULL};
    static const char *const k_hr[] = {"data", "signature", NULL};
    static const char *const k_data[] = {"algorithm", "digest", NULL};
    static const char *const k_sig[] = {"content", "verifier", NULL};
    static const char *const k_ver[] = {"publicKey", "x509Certificate", "keyDetails", NULL};
    static const char *const k_cert[] = {"rawBytes", NULL};
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    char group[64] = "";
    size_t glen = 0;
    const char *details = NULL, *alg = NULL;
    const EVP_MD *md = NULL;
    if (key && EVP_PKEY_is_a(key, "EC") &&
        EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &glen)) {
        const int nid = OBJ_sn2nid(group);
        if (nid == NID_X9_62_prime256v1)
            details = "PKIX_ECDSA_P256_SHA_256", alg = "SHA2_256", md = EVP_sha256();
        else if (nid == NID_secp384r1)
            details = "PKIX_ECDSA_P384_SHA_384", alg = "SHA2_384", md = EVP_sha384();
        else if (nid == NID_secp521r1)
            details = "PKIX_ECDSA_P521_SHA_512", alg = "SHA2_512", md = EVP_sha512();
    }
    if (!md)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                          "hashedrekord entry: unsupported signing certificate key");
    const char *bad = NULL;
    const cJSON *spec = omsig_json_member(j, "spec"),
                *hr = omsig_json_member(spec, "hashedRekordV002");
    const cJSON *data = omsig_json_member(hr, "data"), *sig = omsig_json_member(hr, "signature");
    const cJSON *ver = omsig_json_member(sig, "verifier"),
                *cert = omsig_json_member(ver, "x509Certificate");
    const cJSON *pk = omsig_json_member(ver, "publicKey"),
                *dv = omsig_json_member(spec, "dsseV002");
    if (!omsig_json_is_object_of(j, k_root, &bad) || !omsig_json_is_object_of(spec, k_spec, &bad) ||
        !omsig_json_is_object_of(hr, k_hr, &bad) || !omsig_json_is_object_of(data, k_data, &bad) ||
        !omsig_json_is_object_of(sig, k_sig, &bad) || !omsig_json_is_object_of(ver, k_ver, &bad) ||
        !omsig_json_is_object_of(cert, k_cert, &bad) || (pk && !cJSON_IsNull(pk)) ||
        (dv && !cJSON_IsNull(dv)))
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "transparency log entry is inconsistent with other materials");
    uint8_t *digest = NULL, *content = NULL, *der = NULL;
    size_t dlen = 0, clen = 0, derlen = 0;
    uint8_t want[EVP_MAX_MD_SIZE];
    unsigned int wlen = 0;
    omsig_buf pae = {0};
    bool same = omsig_json_b64(data, "digest", &digest, &dlen) &&
                omsig_json_b64(sig, "content", &content, &clen) &&
                omsig_json_b64(cert, "rawBytes", &der, &derlen);
    if (pae_typed(b, &pae) || EVP_Digest(pae.data, pae.len, want, &wlen, md, NULL) != 1) {
        same = false;
    }
    const char *k = omsig_json_str(j, "kind"), *v = omsig_json_str(j, "apiVersion");
    const char *a = omsig_json_str(data, "algorithm"), *kd = omsig_json_str(ver, "keyDetails");
    same = same && k && !strcmp(k, kind) && v && !strcmp(v, version) && a && !strcmp(a, alg) &&
           kd && !strcmp(kd, details) && dlen == wlen && !memcmp(digest, want, wlen) &&
           clen == b->sig_len && !memcmp(content, b->sig, clen) && derlen == b->certs[0].len &&
           !memcmp(der, b->certs[0].data, derlen);
    free(digest);
    free(content);
    free(der);
    omsig_buf_free(&pae);
    return same ? OMSIG_OK
                : omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                             "transparency log entry is inconsistent with other materials");
}

omsig_status omsig_sgs_check_body(const char *kind, const char *version, const uint8_t *body,
                                  size_t body_len, X509 *leaf, const omsig_bundle *b,
                                  omsig_report *r)
{
    const bool dsse1 = !strcmp(kind, "dsse") && !strcmp(version, "0.0.1");
    const bool hr2 = !strcmp(kind, "hashedrekord") && !strcmp(version, "0.0.2");
    if (!dsse1 && !hr2)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED, "Unsupported DSSE log entry type: %.100s/%.100s",
                          kind, version);
    char *text = malloc(body_len + 1);
    if (!text) return omsig_nomem(r);
    memcpy(text, body, body_len);
    text[body_len] = '\0';
    const char *why = NULL;
    cJSON *j = omsig_json_parse(text, body_len, &why);
    free(text);
    omsig_status st;
    if (!cJSON_IsObject(j))
        st = omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "invalid %s log entry: the body %s",
                        dsse1 ? "DSSE" : "hashedrekord", j ? "is not a JSON object" : why);
    else
        st = dsse1 ? body_dsse_v001(j, leaf, b, r)
                   : body_hashedrekord_v002(j, kind, version, leaf, b, r);
    cJSON_Delete(j);
    return st;
}
