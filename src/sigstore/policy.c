/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - step 3 of the Sigstore check: the signing certificate's key usage
 * and the identity policy (OIDC issuer and SAN equal to --identity_provider and --identity).
 */
#include "sigstore/steps.h"

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define OID_OIDC_ISSUER   "1.3.6.1.4.1.57264.1.1"  /* raw UTF-8 value */
#define OID_OIDC_ISSUER2  "1.3.6.1.4.1.57264.1.8"  /* DER UTF8String */
#define OID_SAN_OTHERNAME "1.3.6.1.4.1.57264.1.7"  /* UTF8String */

static X509_EXTENSION *find_ext(X509 *c, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (!obj) return NULL;
    const int i = X509_get_ext_by_OBJ(c, obj, -1);
    ASN1_OBJECT_free(obj);
    return i >= 0 ? X509_get_ext(c, i) : NULL;
}

static int add_san(omsig_buf *set, size_t *n, const unsigned char *p, int len)
{
    char *v = malloc((size_t)len + 1);
    if (!v) return -1;
    memcpy(v, p, (size_t)len);
    v[len] = '\0';
    const int rc = (*n ? omsig_buf_puts(set, ", ") : 0) || omsig_py_repr_str(set, v);
    free(v);
    (*n)++;
    return rc ? -1 : 0;
}

omsig_status omsig_sgs_check_policy(sgs_ctx *c)
{
    X509 *leaf = c->leaf;
    omsig_report *r = c->r;
    const uint32_t flags = X509_get_extension_flags(leaf);
    if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "Key usage is not of type `digital signature`");
    if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "Extended usage does not contain `code signing`");

    /* Issuer: the reference's Identity policy reads 1.3.6.1.4.1.57264.1.1 (raw bytes).  Fulcio
     * dropped it from newer certificates in favour of 1.3.6.1.4.1.57264.1.8 (a DER
     * UTF8String), so that one is read when the first is absent. */
    const char *want = c->o->identity_provider;
    X509_EXTENSION *ext = find_ext(leaf, OID_OIDC_ISSUER);
    if (ext) {
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
        const char *got = (const char *)ASN1_STRING_get0_data(v);
        const size_t n = (size_t)ASN1_STRING_length(v);
        if (!omsig_utf8_valid(got, n) || memchr(got, 0, n))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "Certificate's OIDCIssuer extension is not valid UTF-8");
        if (n != strlen(want) || memcmp(got, want, n) != 0)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "Certificate's OIDCIssuer does not match (got '%.*s', expected '%s')",
                              (int)n, got, want);
    } else if ((ext = find_ext(leaf, OID_OIDC_ISSUER2)) != NULL) {
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
        const unsigned char *q = ASN1_STRING_get0_data(v);
        ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &q, ASN1_STRING_length(v));
        if (!u || q != ASN1_STRING_get0_data(v) + ASN1_STRING_length(v)) {
            ASN1_UTF8STRING_free(u);
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "Certificate's OIDCIssuerV2 extension is not a DER UTF8String");
        }
        const char *got = (const char *)ASN1_STRING_get0_data(u);
        const size_t n = (size_t)ASN1_STRING_length(u);
        const bool same = n == strlen(want) && memcmp(got, want, n) == 0;
        if (!same)
            omsig_fail(r, OMSIG_E_CERTIFICATE,
                       "Certificate's OIDCIssuerV2 does not match (got %.*s, expected %s)", (int)n,
                       got, want);
        ASN1_UTF8STRING_free(u);
        if (!same) return r->status;
    } else {
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "Certificate does not contain OIDCIssuer (%s) extension",
                          OID_OIDC_ISSUER);
    }

    /* Identity: one SAN (email, URI, or the Sigstore otherName) equal to --identity. */
    const char *id = c->o->identity;
    GENERAL_NAMES *sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    ASN1_OBJECT *other_oid = OBJ_txt2obj(OID_SAN_OTHERNAME, 1);
    omsig_buf all = {0};
    size_t n_all = 0;
    bool match = false, oom = !other_oid;
    for (int i = 0; !oom && sans && i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        const ASN1_STRING *v = NULL;
        if (g->type == GEN_EMAIL) v = g->d.rfc822Name;
        else if (g->type == GEN_URI) v = g->d.uniformResourceIdentifier;
        else if (g->type == GEN_OTHERNAME && !OBJ_cmp(g->d.otherName->type_id, other_oid) &&
                 g->d.otherName->value && g->d.otherName->value->type == V_ASN1_UTF8STRING)
            v = g->d.otherName->value->value.utf8string;
        if (!v) continue;
        const unsigned char *p = ASN1_STRING_get0_data(v);
        const int len = ASN1_STRING_length(v);
        if ((size_t)len == strlen(id) && memcmp(p, id, (size_t)len) == 0) match = true;
        if (add_san(&all, &n_all, p, len) != 0) oom = true;
    }
    GENERAL_NAMES_free(sans);
    ASN1_OBJECT_free(other_oid);
    omsig_status st = OMSIG_OK;
    if (oom) st = omsig_nomem(r);
    else if (!match)
        st = omsig_fail(
            r, OMSIG_E_CERTIFICATE, "Certificate's SANs do not match %s; actual SANs: %s%.*s%s", id,
            n_all ? "{" : "set()", (int)all.len, all.data ? all.data : "", n_all ? "}" : "");
    omsig_buf_free(&all);
    return st;
}
