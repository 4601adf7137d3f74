/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tsa.c - step 0 of the Sigstore check: the verified times, from RFC 3161
 * timestamps signed by a trusted timestamp authority and from the log's integrated time.
 */
#include "sigstore/steps.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <string.h>

/* As rfc3161_client does: with certificates embedded in the token, the one named by the only
 * SignerInfo must exist and be the trusted TSA leaf; without, the trusted leaf signs. */
static bool embedded_signer_ok(PKCS7 *token, X509 *tsa_leaf)
{
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(token);
    if (!sis || sk_PKCS7_SIGNER_INFO_num(sis) != 1) return false;
    STACK_OF(X509) *embedded = PKCS7_type_is_signed(token) ? token->d.sign->cert : NULL;
    if (sk_X509_num(embedded) <= 0) return true;
    const PKCS7_ISSUER_AND_SERIAL *ias = sk_PKCS7_SIGNER_INFO_value(sis, 0)->issuer_and_serial;
    if (!ias) return false;
    X509 *leaf = X509_find_by_issuer_and_serial(embedded, ias->issuer, ias->serial);
    return leaf && X509_cmp(leaf, tsa_leaf) == 0;
}

/* One RFC 3161 response against one trusted TSA: status granted, CMS signature by the TSA's
 * leaf chaining to its root at genTime, imprint = hash of the DSSE signature bytes, genTime
 * inside the TSA's validFor. */
static bool tsa_verify(const sgs_tsr *x, const sgs_authority *a, const uint8_t *msg, size_t n,
                       int64_t *gen)
{
    const int nc = sk_X509_num(a->certs);
    if (!a->active || nc < 2 || !x->token || !x->tst) return false;
    if (x->resp) {
        const ASN1_INTEGER *status =
            TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(x->resp));
        if (!status || ASN1_INTEGER_get(status) != 0) return false; /* granted only */
    }
    const ASN1_OBJECT *alg_oid = NULL;
    X509_ALGOR_get0(&alg_oid, NULL, NULL,
                    TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(x->tst)));
    const int nid = OBJ_obj2nid(alg_oid);
    if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512) return false;
    if (!omsig_sgs_gentime_us(TS_TST_INFO_get_time(x->tst), gen)) return false;

    bool ok = false;
    X509 *signer = NULL;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    TS_VERIFY_CTX *vctx = NULL;
    if (!embedded_signer_ok(x->token, sk_X509_value(a->certs, 0)) || !store || !untrusted ||
        X509_STORE_add_cert(store, sk_X509_value(a->certs, nc - 1)) != 1)
        goto out;
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), omsig_sgs_us_to_time(*gen));
    for (int i = 0; i < nc - 1; i++)
        if (!sk_X509_push(untrusted, sk_X509_value(a->certs, i))) goto out;
    if (TS_RESP_verify_signature(x->token, untrusted, store, &signer) != 1 || !signer ||
        X509_cmp(signer, sk_X509_value(a->certs, 0)) != 0)
        goto out;
    vctx = TS_VERIFY_CTX_new();
    BIO *data = vctx ? BIO_new_mem_buf(msg, (int)n) : NULL;
    if (!data) goto out;
    TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_DATA);
    TS_VERIFY_CTX_set_data(vctx, data); /* owned by vctx */
    if (TS_RESP_verify_token(vctx, x->token) != 1) goto out;
    ok = *gen >= a->start && (!a->has_end || *gen < a->end);
out:
    ERR_clear_error();
    TS_VERIFY_CTX_free(vctx);
    X509_free(signer);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return ok;
}

omsig_status omsig_sgs_establish_time(sgs_ctx *c)
{
    omsig_report *r = c->r;
    if (c->n_tsr > 0) {
        if (c->s->n_tsa == 0)
            return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                              "no Timestamp Authorities have been provided to validate this "
                              "bundle but it contains a signed timestamp");
        if (c->n_tsr > MAX_TIMESTAMPS)
            return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "too many signed timestamp: %zu > %d",
                              c->n_tsr, MAX_TIMESTAMPS);
        for (size_t i = 0; i < c->n_tsr; i++)
            for (size_t k = i + 1; k < c->n_tsr; k++)
                if (c->tsr[i].len == c->tsr[k].len &&
                    memcmp(c->tsr[i].der, c->tsr[k].der, c->tsr[i].len) == 0)
                    return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "duplicate timestamp found");
        for (size_t i = 0; i < c->n_tsr; i++)
            for (size_t k = 0; k < c->s->n_tsa; k++) {
                int64_t gen = 0;
                if (tsa_verify(&c->tsr[i], &c->s->tsa[k], c->b->sig, c->b->sig_len, &gen)) {
                    c->times[c->n_times++] = (sgs_time){gen, SRC_TSA};
                    break;
                }
            }
    }
    if (c->e.has_time && c->e.integrated_time != 0 && c->e.has_promise) {
        if ((strcmp(c->e.kind, "dsse") != 0 && strcmp(c->e.kind, "hashedrekord") != 0) ||
            strcmp(c->e.version, "0.0.1") != 0)
            return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                              "Integrated time only supported for dsse/hashedrekord 0.0.1 types");
        if (c->e.integrated_time > (uint64_t)INT64_MAX / USEC)
            return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "integratedTime is out of range");
        c->times[c->n_times++] = (sgs_time){(int64_t)c->e.integrated_time * USEC, SRC_TLOG};
    }
    if (c->n_times < 1)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID, "not enough sources of verified time");
    return OMSIG_OK;
}
