/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dsse.c - the bytes a DSSE signature covers (PAE) and ECDSA verification over them,
 * including the legacy v0.2.0 encoding that early production bundles were signed with.
 */
#include "dsse.h"
#include "pki.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <string.h>

#define PAYLOAD_TYPE OMSIG_IN_TOTO_PAYLOAD_TYPE

/* The type's length is what the reference's len() of a Python str gives: the count of code
 * points (for the ASCII in-toto type, its bytes). */
static int pae_header(const char *type, size_t n, omsig_buf *out)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)type; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    out->len = 0;
    return omsig_buf_printf(out, "DSSEv1 %zu %s %zu ", chars, type, n);
}

int omsig_pae_typed(const char *type, const uint8_t *body, size_t n, omsig_buf *out)
{
    const int rc = pae_header(type, n, out);
    return rc ? rc : omsig_buf_append(out, body, n);
}

int omsig_pae(const uint8_t *body, size_t n, omsig_buf *out)
{
    return omsig_pae_typed(PAYLOAD_TYPE, body, n, out);
}

/* v0.2.0 signed "DSSEV1 28 <type> <len> " followed by Python's repr() of the payload bytes
 * (b'...' with escapes), encoded as UTF-8; the repr is pure ASCII. */
int omsig_pae_compat(const uint8_t *body, size_t n, omsig_buf *out)
{
    out->len = 0;
    int rc = omsig_buf_printf(out, "DSSEV1 %zu %s %zu ", strlen(PAYLOAD_TYPE), PAYLOAD_TYPE, n);
    return rc ? rc : omsig_py_repr_bytes(out, body, n);
}

static bool ecdsa_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *sig, size_t sig_len,
                         const omsig_buf *msg)
{
    return omsig_pkey_verify(key, md, sig, sig_len, msg->data, msg->len);
}

/* The PAE's header, then the payload, through the digest: the payload (megabytes for a large
 * model) is not copied behind the header.  ECDSA hashes the message first, so this is the
 * one-shot check. */
static bool ecdsa_verify_pae(EVP_PKEY *key, const EVP_MD *md, const omsig_bundle *b,
                             const omsig_buf *header)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
                    EVP_DigestVerifyUpdate(ctx, header->data, header->len) == 1 &&
                    EVP_DigestVerifyUpdate(ctx, b->payload, b->payload_len) == 1 &&
                    EVP_DigestVerifyFinal(ctx, b->sig, b->sig_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

omsig_status omsig_dsse_verify(void *key, const void *md, const void *compat_md,
                               const omsig_bundle *b, omsig_report *r)
{
    omsig_buf pae = {0};
    omsig_status st = OMSIG_E_SIGNATURE_INVALID;
    if (pae_header(PAYLOAD_TYPE, b->payload_len, &pae) != 0) {
        st = OMSIG_E_NOMEM;
        goto out;
    }
    if (ecdsa_verify_pae(key, md, b, &pae)) {
        st = OMSIG_OK;
        goto out;
    }
    if (omsig_pae_compat(b->payload, b->payload_len, &pae) != 0) {
        st = OMSIG_E_NOMEM;
        goto out;
    }
    if (ecdsa_verify(key, compat_md, b->sig, b->sig_len, &pae)) st = OMSIG_OK;
out:
    omsig_buf_free(&pae);
    if (st == OMSIG_E_NOMEM) return omsig_nomem(r);
    if (st != OMSIG_OK)
        return omsig_fail(r, st, "Signature is invalid: the DSSE signature does not verify "
                                 "with the given key");
    return OMSIG_OK;
}

const void *omsig_ec_key_md(void *key, omsig_report *r)
{
    EVP_PKEY *k = key;
    if (!EVP_PKEY_is_a(k, "EC")) {
        omsig_fail(r, OMSIG_E_KEY, "Only elliptic curve keys are supported (got %s)",
                   EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "unknown");
        return NULL;
    }
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &glen)) {
        omsig_fail(r, OMSIG_E_KEY, "Unsupported key for curve '%s'", "unknown");
        return NULL;
    }
    const int nid = OBJ_sn2nid(group);
    if (nid == NID_X9_62_prime256v1) return EVP_sha256();
    if (nid == NID_secp384r1) return EVP_sha384();
    if (nid == NID_secp521r1) return EVP_sha512();
    /* the reference names curves as cryptography does */
    omsig_fail(r, OMSIG_E_KEY, "Unsupported key for curve '%s'", group);
    return NULL;
}

const void *omsig_ec_cert_key_md(void *key, omsig_report *r)
{
    /* model_signing's verifier takes any curve cryptography reads and picks the digest by
     * its key size: 256, 384 or 521 bits (its signers take only the three NIST curves) */
    static const struct {
        const char *group;
        int bits;
    } curves[] = {{"secp256k1", 256}, {"brainpoolP256r1", 256}, {"brainpoolP384r1", 384}};
    EVP_PKEY *k = key;
    char group[64] = "";
    size_t glen = 0;
    if (EVP_PKEY_is_a(k, "EC") &&
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen))
        for (size_t i = 0; i < sizeof curves / sizeof *curves; i++)
            if (strcmp(group, curves[i].group) == 0)
                return curves[i].bits == 256 ? EVP_sha256() : EVP_sha384();
    return omsig_ec_key_md(key, r);
}

omsig_status omsig_check_payload_type(const omsig_bundle *b, omsig_report *r)
{
    if (strcmp(b->payload_type, PAYLOAD_TYPE) != 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "Expected DSSE payload %s, but got %.200s",
                          PAYLOAD_TYPE, b->payload_type);
    return OMSIG_OK;
}
