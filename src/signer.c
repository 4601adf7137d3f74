/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signer.c - who signed, in the report (omsig_report_signer()): the SHA-256 fingerprint of a
 * public key's DER SubjectPublicKeyInfo, or a leaf certificate's subject, issuer, validity,
 * subject alternative names and SHA-256 fingerprint.
 */
#include "report.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void omsig_report_signer_clear(omsig_report *r)
{
    for (size_t i = 0; i < sizeof r->signer / sizeof r->signer[0]; i++) {
        free(r->signer[i]);
        r->signer[i] = NULL;
    }
    omsig_strv_free(r->signer_sans, r->n_signer_sans);
    r->signer_sans = NULL;
    r->n_signer_sans = 0;
}

omsig_status omsig_report_signer_set(omsig_report *r, omsig_signer_field f, const char *value)
{
    char *v = omsig_strdup(value ? value : "");
    if (!v) return omsig_nomem(r);
    free(r->signer[f]);
    r->signer[f] = v;
    return OMSIG_OK;
}

static omsig_status set_hex(omsig_report *r, omsig_signer_field f, const uint8_t *d, size_t n)
{
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    omsig_hex(d, n, hex);
    return omsig_report_signer_set(r, f, hex);
}

omsig_status omsig_report_signer_spki(omsig_report *r, const uint8_t *der, size_t len)
{
    omsig_report_signer_clear(r);
    uint8_t md[32];
    if (EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL) != 1) return omsig_nomem(r);
    OMSIG_FORWARD_IF_ERROR(omsig_report_signer_set(r, OMSIG_SIGNER_KIND, "key"));
    return set_hex(r, OMSIG_SIGNER_FINGERPRINT, md, sizeof md);
}

omsig_status omsig_report_signer_key(omsig_report *r, const void *evp_pkey)
{
    omsig_report_signer_clear(r);
    uint8_t *der = NULL;
    const int n = i2d_PUBKEY((EVP_PKEY *)evp_pkey, &der);
    if (n <= 0) return omsig_nomem(r);
    const omsig_status st = omsig_report_signer_spki(r, der, (size_t)n);
    OPENSSL_free(der);
    return st;
}

/* A name in RFC 4514's order and escaping ("CN=leaf,O=Example"), UTF-8. */
static omsig_status set_name(omsig_report *r, omsig_signer_field f, const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return omsig_nomem(r);
    omsig_status st = OMSIG_OK;
    char *data = NULL, *text = NULL;
    long len;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0 ||
        (len = BIO_get_mem_data(b, &data)) < 0 || !(text = malloc((size_t)len + 1))) {
        st = omsig_nomem(r);
    } else {
        if (len > 0) memcpy(text, data, (size_t)len); /* an empty name (Fulcio's) has no data */
        text[len] = '\0';
        st = omsig_report_signer_set(r, f, text);
    }
    free(text);
    BIO_free(b);
    return st;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
static omsig_status set_time(omsig_report *r, omsig_signer_field f, const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32] = "";
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return omsig_report_signer_set(r, f, buf);
}

/* One subject alternative name as "DNS:x", "email:x", "URI:x", "IP:x" or "othername:<oid>". */
static char *san_text(const GENERAL_NAME *g)
{
    char buf[512];
    const ASN1_STRING *s = NULL;
    const char *prefix = NULL;
    switch (g->type) {
    case GEN_DNS: prefix = "DNS:", s = g->d.dNSName; break;
    case GEN_EMAIL: prefix = "email:", s = g->d.rfc822Name; break;
    case GEN_URI: prefix = "URI:", s = g->d.uniformResourceIdentifier; break;
    case GEN_IPADD: {
        const ASN1_OCTET_STRING *ip = g->d.iPAddress;
        size_t off = (size_t)snprintf(buf, sizeof buf, "IP:");
        if (ip->length == 4) {
            snprintf(buf + off, sizeof buf - off, "%u.%u.%u.%u", ip->data[0], ip->data[1],
                     ip->data[2], ip->data[3]);
        } else {
            for (int i = 0; i + 1 < ip->length && off < sizeof buf; i += 2)
                off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%x", i ? ":" : "",
                                        (unsigned)(ip->data[i] << 8 | ip->data[i + 1]));
        }
        return omsig_strdup(buf);
    }
    case GEN_OTHERNAME: {
        char oid[128] = "";
        OBJ_obj2txt(oid, sizeof oid, g->d.otherName->type_id, 1);
        snprintf(buf, sizeof buf, "othername:%s", oid);
        return omsig_strdup(buf);
    }
    default: snprintf(buf, sizeof buf, "type%d:", g->type); return omsig_strdup(buf);
    }
    const size_t plen = strlen(prefix), n = (size_t)ASN1_STRING_length(s);
    char *out = malloc(plen + n + 1);
    if (!out) return NULL;
    memcpy(out, prefix, plen);
    memcpy(out + plen, ASN1_STRING_get0_data(s), n);
    out[plen + n] = '\0';
    return out;
}

static omsig_status set_sans(omsig_report *r, const X509 *leaf)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    if (!names) return OMSIG_OK;
    omsig_status st = OMSIG_OK;
    const int n = sk_GENERAL_NAME_num(names);
    if (n > 0 && !(r->signer_sans = calloc((size_t)n, sizeof *r->signer_sans))) st = omsig_nomem(r);
    for (int i = 0; i < n && st == OMSIG_OK; i++) {
        char *t = san_text(sk_GENERAL_NAME_value(names, i));
        if (!t) st = omsig_nomem(r);
        else r->signer_sans[r->n_signer_sans++] = t;
    }
    GENERAL_NAMES_free(names);
    return st;
}

omsig_status omsig_report_signer_cert(omsig_report *r, const char *kind, const void *x509)
{
    const X509 *leaf = x509;
    omsig_report_signer_clear(r);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (X509_digest(leaf, EVP_sha256(), md, &md_len) != 1) return omsig_nomem(r);
    OMSIG_FORWARD_IF_ERROR(omsig_report_signer_set(r, OMSIG_SIGNER_KIND, kind));
    OMSIG_FORWARD_IF_ERROR(set_name(r, OMSIG_SIGNER_SUBJECT, X509_get_subject_name(leaf)));
    OMSIG_FORWARD_IF_ERROR(set_name(r, OMSIG_SIGNER_ISSUER, X509_get_issuer_name(leaf)));
    OMSIG_FORWARD_IF_ERROR(set_time(r, OMSIG_SIGNER_NOT_BEFORE, X509_get0_notBefore(leaf)));
    OMSIG_FORWARD_IF_ERROR(set_time(r, OMSIG_SIGNER_NOT_AFTER, X509_get0_notAfter(leaf)));
    OMSIG_FORWARD_IF_ERROR(set_hex(r, OMSIG_SIGNER_FINGERPRINT, md, md_len));
    return set_sans(r, leaf);
}
