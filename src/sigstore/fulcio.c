/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fulcio.c - steps 1 and 2 of the Sigstore check: the Fulcio chain of the signing
 * certificate at a verified time, and its embedded SCT (RFC 6962 3.2).
 */
#include "sigstore/steps.h"

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

omsig_status omsig_sgs_chain_at(const sgs_state *s, X509 *leaf, int64_t t,
                                STACK_OF(X509) **chain, omsig_report *r)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx || X509_STORE_CTX_init(ctx, s->fulcio, leaf, NULL) != 1) {
        X509_STORE_CTX_free(ctx);
        return omsig_nomem(r);
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
    X509_VERIFY_PARAM_set_time(param, omsig_sgs_us_to_time(t));
    omsig_status st = OMSIG_OK;
    if (X509_verify_cert(ctx) != 1) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "failed to build timestamp certificate chain: %s",
                        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    } else {
        STACK_OF(X509) *full = X509_STORE_CTX_get1_chain(ctx);
        if (!full) {
            st = omsig_nomem(r);
        } else {
            X509_free(sk_X509_shift(full)); /* the leaf */
            sk_X509_pop_free(*chain, X509_free);
            *chain = full;
        }
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    return st;
}

/* ---- step 2: the embedded SCT (RFC 6962 3.2) ------------------------------------------------- */

static omsig_status sct_fail(omsig_report *r, const char *why)
{
    return omsig_fail(r, OMSIG_E_CERTIFICATE,
                      "failed to verify SCT on signing certificate: %s", why);
}

static bool has_eku(X509 *c, int nid)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, NULL, NULL);
    bool found = false;
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
        if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == nid) found = true;
    EXTENDED_KEY_USAGE_free(eku);
    return found;
}

/* The TBSCertificate of the precertificate: the final one without the SCT list extension. */
static int precert_tbs(X509 *leaf, unsigned char **out)
{
    X509 *dup = X509_dup(leaf);
    if (!dup) return -1;
    int i;
    while ((i = X509_get_ext_by_NID(dup, NID_ct_precert_scts, -1)) >= 0)
        X509_EXTENSION_free(X509_delete_ext(dup, i));
    while ((i = X509_get_ext_by_NID(dup, NID_ct_precert_poison, -1)) >= 0)
        X509_EXTENSION_free(X509_delete_ext(dup, i));
    const int n = i2d_re_X509_tbs(dup, out);
    X509_free(dup);
    return n;
}

omsig_status omsig_sgs_verify_sct(const sgs_state *s, X509 *leaf, STACK_OF(X509) *chain,
                                  omsig_report *r)
{
    if (s->ct.n == 0)
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "CTFE keys not found in trusted root");
    int crit = -1;
    STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, &crit, NULL);
    if (!scts)
        return sct_fail(r, crit == -1 ? "Certificate does not contain a signed certificate "
                                        "timestamp extension"
                                      : "the signed certificate timestamp list cannot be read");
    omsig_status st = OMSIG_OK;
    omsig_buf msg = {0};
    unsigned char *tbs = NULL, *spki = NULL;
    char why[128];
    if (sk_SCT_num(scts) != 1) {
        snprintf(why, sizeof why, "Expected one certificate timestamp, found %d", sk_SCT_num(scts));
        st = sct_fail(r, why);
        goto out;
    }
    const SCT *sct = sk_SCT_value(scts, 0);
    const ct_log_entry_type_t type = SCT_get_log_entry_type(sct);
    uint8_t issuer_key_id[32];
    if (SCT_get_version(sct) != SCT_VERSION_V1) {
        st = sct_fail(r, "unsupported SCT version");
        goto out;
    }
    if (type == CT_LOG_ENTRY_TYPE_PRECERT) {
        /* the issuer, unless it is a precertificate signing certificate (then its issuer) */
        X509 *issuer = sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : NULL;
        if (issuer && has_eku(issuer, NID_ct_precert_signer))
            issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;
        const char *unused = NULL;
        if (!issuer || omsig_sgs_cert_is_ca(issuer, &unused) != 1) {
            st = sct_fail(r, "SCT verify: Invalid issuer pubkey basicConstraint (not a CA)");
            goto out;
        }
        EVP_PKEY *ik = X509_get0_pubkey(issuer);
        if (!ik || (!EVP_PKEY_is_a(ik, "EC") && !EVP_PKEY_is_a(ik, "RSA"))) {
            st = sct_fail(r, "SCT verify: invalid issuer pubkey format (not ECDSA or RSA)");
            goto out;
        }
        const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki);
        if (n <= 0 || !omsig_sha256(spki, (size_t)n, issuer_key_id)) {
            st = omsig_nomem(r);
            goto out;
        }
    } else if (type != CT_LOG_ENTRY_TYPE_X509) {
        st = sct_fail(r, "unknown SCT log entry type");
        goto out;
    }
    /* digitally-signed struct: version, signature_type=certificate_timestamp, timestamp,
     * entry_type, signed_entry (issuer_key_hash + TBS, or the certificate), extensions */
    const int tbs_len = type == CT_LOG_ENTRY_TYPE_PRECERT ? precert_tbs(leaf, &tbs)
                                                          : i2d_X509(leaf, &tbs);
    if (tbs_len <= 0 || tbs_len > 0xFFFFFF) {
        st = sct_fail(r, "cannot encode the signed entry");
        goto out;
    }
    const uint64_t ts = SCT_get_timestamp(sct);
    unsigned char *ext = NULL, *sig = NULL;
    const size_t ext_len = SCT_get0_extensions(sct, &ext);
    const size_t sig_len = SCT_get0_signature(sct, &sig);
    uint8_t head[12] = {0, 0};
    for (int i = 0; i < 8; i++) head[2 + i] = (uint8_t)(ts >> (56 - 8 * i));
    head[10] = 0;
    head[11] = type == CT_LOG_ENTRY_TYPE_PRECERT ? 1 : 0;
    const uint8_t tl[3] = {(uint8_t)(tbs_len >> 16), (uint8_t)(tbs_len >> 8), (uint8_t)tbs_len};
    const uint8_t el[2] = {(uint8_t)(ext_len >> 8), (uint8_t)ext_len};
    if (ext_len > 0xFFFF || omsig_buf_append(&msg, head, sizeof head) ||
        (type == CT_LOG_ENTRY_TYPE_PRECERT && omsig_buf_append(&msg, issuer_key_id, 32)) ||
        omsig_buf_append(&msg, tl, 3) || omsig_buf_append(&msg, tbs, (size_t)tbs_len) ||
        omsig_buf_append(&msg, el, 2) || omsig_buf_append(&msg, ext, ext_len)) {
        st = omsig_nomem(r);
        goto out;
    }
    const int signid = SCT_get_signature_nid(sct);
    if (signid != NID_ecdsa_with_SHA256 && signid != NID_sha256WithRSAEncryption) {
        st = sct_fail(r, "Found unexpected hash algorithm in SCT: only SHA256 is supported");
        goto out;
    }
    unsigned char *log_id = NULL;
    const size_t log_id_len = SCT_get0_log_id(sct, &log_id);
    if (!omsig_sgs_keyring_verify(&s->ct, log_id, log_id_len, sig, sig_len,
                                  (const uint8_t *)msg.data, msg.len))
        st = sct_fail(r, "SCT verify failed: keyring: invalid signature");
out:
    ERR_clear_error();
    OPENSSL_free(tbs);
    OPENSSL_free(spki);
    omsig_buf_free(&msg);
    SCT_LIST_free(scts);
    return st;
}
