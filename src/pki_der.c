/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_der.c - strict reading of the certificate method's certificates (pki.h).  OpenSSL's
 * parser takes BER and values the reference's strict DER parser refuses; every certificate
 * omsig reads for that method (the bundle's chain, the --certificate_chain trust anchors, the
 * certificates it signs with) must be DER, with a v3 version where it has extensions, strings
 * that hold what their type allows, extensions that decode and no parameters on ECDSA and EdDSA
 * signature algorithms.  A certificate that fails is refused with where it was found, its
 * subject and what is wrong.
 */
#include "pki.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WHY_MAX 320
#define MAX_DEPTH 64 /* nesting of constructed values; real certificates use under 15 */

/* One DER value: tag, contents, and the whole encoding. */
typedef struct tlv {
    uint8_t tag;
    const uint8_t *v;
    size_t len;
    const uint8_t *start;
    size_t total;
} tlv;

/* What is wrong, for the message; false, so that checks end with `return why(...)`. */
static bool why(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool why(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, WHY_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* What is wrong, said to be within what (prefix, then "holds"); false. */
static bool within(char *w, const char *prefix, const char *what)
{
    char inner[WHY_MAX];
    memcpy(inner, w, WHY_MAX);
    return why(w, "%s%s holds %s", prefix, what, inner);
}

/* The next value of [*p, *p + *n): one-byte tag, definite length in its shortest form. */
static bool der_next(const uint8_t **p, size_t *n, tlv *t, char *w)
{
    const uint8_t *s = *p;
    if (*n < 2) return why(w, "a value is cut short");
    t->tag = s[0];
    if ((t->tag & 0x1f) == 0x1f) return why(w, "a tag in the high-number form");
    if (t->tag == 0) return why(w, "an end-of-contents marker (BER, not DER)");
    size_t len = s[1], i = 2;
    if (len == 0x80) return why(w, "an indefinite length (BER, not DER)");
    if (len > 0x80) {
        const size_t k = len & 0x7f;
        if (k > sizeof(size_t) || k > *n - 2) return why(w, "a length that does not fit");
        if (s[2] == 0) return why(w, "a length with leading zero bytes (not DER)");
        len = 0;
        for (size_t j = 0; j < k; j++) len = (len << 8) | s[i++];
        if (len < 0x80)
            return why(w, "a length in the long form that fits the short one (not DER)");
    }
    if (len > *n - i) return why(w, "a value longer than what holds it");
    t->start = s;
    t->v = s + i;
    t->len = len;
    t->total = i + len;
    *p += t->total;
    *n -= t->total;
    return true;
}

static bool printable_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr(" '()+,-./:=?", c) != NULL);
}

static bool digits(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9') return false;
    return true;
}

/* A byte for the message: the character where printable, else its hex. */
static const char *show(uint8_t c, char buf[8])
{
    if (c >= 0x20 && c < 0x7f) snprintf(buf, 8, "'%c'", c);
    else snprintf(buf, 8, "0x%02X", c);
    return buf;
}

/* A universal primitive value as DER and X.680 require it. */
static bool check_primitive(const tlv *t, char *w)
{
    char b[8];
    const uint8_t *v = t->v;
    const size_t n = t->len;
    switch (t->tag) {
    case 0x01:
        if (n != 1 || (v[0] != 0 && v[0] != 0xff))
            return why(w, "a BOOLEAN encoded %02X instead of FF or 00", n ? v[0] : 0);
        return true;
    case 0x02:
    case 0x0a:
        if (n == 0) return why(w, "an empty INTEGER");
        if (n > 1 && ((v[0] == 0 && !(v[1] & 0x80)) || (v[0] == 0xff && (v[1] & 0x80))))
            return why(w, "an INTEGER with a redundant leading byte (not DER)");
        return true;
    case 0x03:
        if (n == 0 || v[0] > 7 || (n == 1 && v[0] != 0))
            return why(w, "a BIT STRING with a bad count of unused bits");
        if (n > 1 && (v[n - 1] & ((1u << v[0]) - 1)) != 0)
            return why(w, "a BIT STRING whose %u unused (padding) bits are not zero, which DER "
                          "forbids", v[0]);
        return true;
    case 0x05:
        return n == 0 ? true : why(w, "a NULL with contents");
    case 0x06:
        if (n == 0 || (v[n - 1] & 0x80)) return why(w, "an OBJECT IDENTIFIER cut short");
        for (size_t i = 0; i < n; i++)
            if (v[i] == 0x80 && (i == 0 || !(v[i - 1] & 0x80)))
                return why(w, "an OBJECT IDENTIFIER with a padded sub-identifier (not DER)");
        return true;
    case 0x13:
        for (size_t i = 0; i < n; i++)
            if (!printable_char(v[i]))
                return why(w, "a PrintableString holding %s, which PrintableString does not allow",
                            show(v[i], b));
        return true;
    case 0x16:
        return true; /* IA5String: checked where the reference reads it (dNSName and the like) */
    case 0x17:
        if (n != 13 || !digits(v, 12) || v[12] != 'Z')
            return why(w, "a UTCTime not in the form YYMMDDHHMMSSZ");
        return true;
    case 0x18:
        if (n != 15 || !digits(v, 14) || v[14] != 'Z')
            return why(w, "a GeneralizedTime not in the form YYYYMMDDHHMMSSZ");
        return true;
    case 0x1c:
        return n % 4 == 0 ? true : why(w, "a UniversalString of %zu bytes", n);
    case 0x1e:
        return n % 2 == 0 ? true : why(w, "a BMPString of %zu bytes", n);
    default:
        return true;
    }
}

/* Every value of [p, p + n), recursively: DER lengths, no constructed strings, and the
 * universal types' rules. */
static bool check_der(const uint8_t *p, size_t n, int depth, char *w)
{
    if (depth > MAX_DEPTH) return why(w, "values nested more than %d deep", MAX_DEPTH);
    while (n) {
        tlv t;
        if (!der_next(&p, &n, &t, w)) return false;
        const bool universal = (t.tag & 0xc0) == 0;
        if (t.tag & 0x20) {
            const unsigned num = t.tag & 0x1f;
            if (universal && num != 16 && num != 17)
                return why(w, "a constructed string or primitive type (BER, not DER)");
            if (!check_der(t.v, t.len, depth + 1, w)) return false;
        } else if (universal && !check_primitive(&t, w)) {
            return false;
        }
    }
    return true;
}

/* "keyUsage (2.5.29.15)" for an OBJECT IDENTIFIER value; the dotted form alone when OpenSSL
 * has no name for it. */
static void oid_words(const tlv *oid, char *out, size_t cap)
{
    const unsigned char *q = oid->start;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &q, (long)oid->total);
    char dotted[96] = "?";
    const int nid = o ? OBJ_obj2nid(o) : NID_undef;
    if (o) OBJ_obj2txt(dotted, sizeof dotted, o, 1);
    if (nid != NID_undef) snprintf(out, cap, "%s (%s)", OBJ_nid2sn(nid), dotted);
    else snprintf(out, cap, "%s", dotted);
    ASN1_OBJECT_free(o);
}

/* The signature algorithms whose parameters must be absent (RFC 5758 section 3.2, RFC 8410
 * section 3): ecdsa-with-SHA1, -SHA224, -SHA256, -SHA384, -SHA512, Ed25519, Ed448. */
static bool params_absent_alg(const tlv *oid)
{
    static const uint8_t ecdsa_sha1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
    static const uint8_t ecdsa_sha2[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03};
    static const uint8_t eddsa[] = {0x2b, 0x65};
    if (oid->len == sizeof ecdsa_sha1 && memcmp(oid->v, ecdsa_sha1, oid->len) == 0) return true;
    if (oid->len == sizeof ecdsa_sha2 + 1 && memcmp(oid->v, ecdsa_sha2, sizeof ecdsa_sha2) == 0)
        return oid->v[7] >= 1 && oid->v[7] <= 4;
    return oid->len == 3 && memcmp(oid->v, eddsa, 2) == 0 &&
           (oid->v[2] == 0x70 || oid->v[2] == 0x71);
}

/* An AlgorithmIdentifier ("the signature algorithm" or "the signature algorithm inside
 * the TBSCertificate", which RFC 5280 requires to be the same). */
static bool check_sig_alg(const tlv *alg, const char *which, char *w)
{
    const uint8_t *p = alg->v;
    size_t n = alg->len;
    tlv oid = {0};
    if (alg->tag != 0x30 || !der_next(&p, &n, &oid, w) || oid.tag != 0x06)
        return why(w, "%s is not an AlgorithmIdentifier", which);
    if (n && params_absent_alg(&oid)) {
        char name[128];
        oid_words(&oid, name, sizeof name);
        tlv par;
        const bool null = der_next(&p, &n, &par, w) && par.tag == 0x05;
        return why(w, "%s %s carries parameters (%s), which must be absent (RFC 5758, RFC 8410)",
                   which, name, null ? "NULL" : "a value");
    }
    return true;
}

static int span_cmp(const void *a, const void *b)
{
    const tlv *x = a, *y = b;
    if (x->total != y->total) return x->total < y->total ? -1 : 1;
    return memcmp(x->start, y->start, x->total);
}

/* Room for the extensions' OIDs, to find one twice: as many as OpenSSL read. */
typedef struct oid_list {
    tlv *v;
    size_t cap;
} oid_list;

/* The extensions' SEQUENCE: each one DER with its critical flag as DER writes it, no OID
 * twice. */
static bool check_extensions_der(const tlv *exts, oid_list *oids, char *w)
{
    const uint8_t *p = exts->v;
    size_t n = exts->len;
    tlv seq;
    if (!der_next(&p, &n, &seq, w) || seq.tag != 0x30 || n != 0)
        return why(w, "its extensions field is not one SEQUENCE");
    size_t count = 0;
    bool ok = true;
    p = seq.v;
    n = seq.len;
    while (ok && n) {
        tlv ext = {0}, oid, t;
        const uint8_t *q;
        size_t m;
        char name[128] = "an extension";
        ok = der_next(&p, &n, &ext, w) && ext.tag == 0x30;
        q = ext.v;
        m = ext.len;
        ok = ok && der_next(&q, &m, &oid, w) && oid.tag == 0x06 && der_next(&q, &m, &t, w);
        if (!ok) {
            if (!w[0]) why(w, "an extension is not a SEQUENCE of an OID and a value");
            break;
        }
        oid_words(&oid, name, sizeof name);
        if (t.tag == 0x01) {
            if (t.len == 1 && t.v[0] == 0x00)
                ok = why(w, "its extension %s writes out critical FALSE, the DEFAULT, which DER "
                            "leaves out", name);
            else if (t.len != 1 || t.v[0] != 0xff)
                ok = why(w, "its extension %s encodes its critical flag as %02X instead of FF",
                         name, t.len ? t.v[0] : 0);
            else
                ok = der_next(&q, &m, &t, w);
        }
        if (ok && (t.tag != 0x04 || m != 0))
            ok = why(w, "its extension %s is not an OID, a critical flag and an OCTET STRING",
                     name);
        if (ok && !check_der(ext.v, ext.len, 1, w)) ok = within(w, "its extension ", name);
        if (ok && count == oids->cap)
            ok = why(w, "it has more extensions than OpenSSL reads in it");
        if (ok) oids->v[count++] = oid;
    }
    if (ok && count > 1) {
        qsort(oids->v, count, sizeof *oids->v, span_cmp);
        for (size_t i = 1; i < count && ok; i++)
            if (span_cmp(&oids->v[i - 1], &oids->v[i]) == 0) {
                char name[128];
                oid_words(&oids->v[i], name, sizeof name);
                ok = why(w, "it has the extension %s twice", name);
            }
    }
    return ok;
}

/* The certificate's own structure: Certificate and TBSCertificate field by field. */
static bool check_structure(const uint8_t *der, size_t len, oid_list *oids, char *w)
{
    const uint8_t *p = der;
    size_t n = len;
    tlv cert = {0}, tbs = {0}, alg = {0}, sig = {0}, t = {0};
    if (!der_next(&p, &n, &cert, w) || cert.tag != 0x30 || n != 0)
        return why(w, "it is not one SEQUENCE");
    p = cert.v;
    n = cert.len;
    if (!der_next(&p, &n, &tbs, w) || !der_next(&p, &n, &alg, w) || !der_next(&p, &n, &sig, w) ||
        n != 0 || tbs.tag != 0x30 || sig.tag != 0x03)
        return why(w, "it is not a TBSCertificate, an algorithm and a signature");
    if (!check_sig_alg(&alg, "its signature algorithm", w)) return false;
    p = tbs.v;
    n = tbs.len;
    long version = 0;
    if (!der_next(&p, &n, &t, w)) return false;
    if (t.tag == 0xa0) {
        const uint8_t *q = t.v;
        size_t m = t.len;
        tlv v;
        if (!der_next(&q, &m, &v, w) || v.tag != 0x02 || m != 0 || v.len != 1)
            return why(w, "its version is not a small INTEGER");
        version = v.v[0];
        if (version == 0)
            return why(w, "it writes out version v1, the DEFAULT, which DER leaves out");
        if (version > 2)
            return why(w, "its version field says %ld, which is no X.509 version", version);
        if (!der_next(&p, &n, &t, w)) return false;
    }
    if (t.tag != 0x02) return why(w, "its serial number is not an INTEGER");
    static const char *const fields[] = {"the signature algorithm inside the TBSCertificate",
                                         "its issuer name", "its validity", "its subject name",
                                         "its public key"};
    tlv f[5];
    for (int i = 0; i < 5; i++) {
        if (!der_next(&p, &n, &f[i], w) || !check_der(f[i].v, f[i].len, 1, w))
            return within(w, "", fields[i]);
        if (f[i].tag != 0x30) return why(w, "%s is not a SEQUENCE", fields[i]);
    }
    if (!check_sig_alg(&f[0], fields[0], w)) return false;
    if (f[0].total != alg.total || memcmp(f[0].start, alg.start, alg.total) != 0)
        return why(w, "the signature algorithm inside the TBSCertificate differs from the one "
                      "outside it (RFC 5280 section 4.1.1.2)");
    int last = 0;
    while (n) {
        if (!der_next(&p, &n, &t, w)) return false;
        const int field = t.tag == 0x81 || t.tag == 0xa1 ? 1 : t.tag == 0x82 || t.tag == 0xa2 ? 2
                          : t.tag == 0xa3                ? 3
                                                         : 0;
        if (field <= last)
            return why(w, "its TBSCertificate has an unexpected field (tag %02X)", t.tag);
        last = field;
        if (field < 3 && version < 1)
            return why(w, "it has a unique identifier but is version v1 (they need v2 or v3)");
        if (field == 3 && version != 2)
            return why(w, "it has extensions but is version v%ld (extensions need v3)",
                       version + 1);
        if (field == 3 && !check_extensions_der(&t, oids, w)) return false;
    }
    if (!check_der(der, len, 0, w)) return false; /* the catch-all, for what is left */
    return true;
}

/* What the reference reads as ASCII in a GeneralName: dNSName, rfc822Name, URI. */
static bool general_names_ascii(const GENERAL_NAMES *names, const char *ext, char *w)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const char *kind = g->type == GEN_DNS ? "dNSName" : g->type == GEN_EMAIL ? "rfc822Name"
                           : g->type == GEN_URI                                  ? "URI"
                                                                                 : NULL;
        if (!kind) continue;
        const ASN1_STRING *s = g->d.ia5;
        const unsigned char *v = ASN1_STRING_get0_data(s);
        for (int k = 0; k < ASN1_STRING_length(s); k++)
            if (v[k] >= 0x80)
                return why(w, "its %s %s holds the non-ASCII byte 0x%02X, which an IA5String "
                              "does not allow", ext, kind, v[k]);
    }
    return true;
}

/* Each extension OpenSSL knows decodes, and encodes back to the same bytes (which catches
 * DEFAULT values written out and padding bits left set inside it). */
static bool check_extension_values(X509 *x, char *w)
{
    for (int i = 0; i < X509_get_ext_count(x); i++) {
        X509_EXTENSION *e = X509_get_ext(x, i);
        const X509V3_EXT_METHOD *m = X509V3_EXT_get(e);
        if (!m) continue; /* an extension no one here knows: kept as bytes, as the reference does */
        char name[128], dotted[96];
        const ASN1_OBJECT *obj = X509_EXTENSION_get_object(e);
        OBJ_obj2txt(dotted, sizeof dotted, obj, 1);
        snprintf(name, sizeof name, "%s (%s)", OBJ_nid2sn(OBJ_obj2nid(obj)), dotted);
        const ASN1_OCTET_STRING *raw = X509_EXTENSION_get_data(e);
        const unsigned char *bytes = ASN1_STRING_get0_data(raw);
        const int n = ASN1_STRING_length(raw);
        if (!check_der(bytes, (size_t)n, 1, w)) return within(w, "its extension ", name);
        void *val = X509V3_EXT_d2i(e);
        if (!val) {
            ERR_clear_error();
            return why(w, "its extension %s does not decode", name);
        }
        bool ok = true;
        if (m->it) {
            unsigned char *again = NULL;
            const int k = ASN1_item_i2d(val, &again, ASN1_ITEM_ptr(m->it));
            if (k != n || memcmp(again, bytes, (size_t)n) != 0)
                ok = why(w, "its extension %s is not DER (encoded again it differs: a DEFAULT "
                            "value written out, or bits that DER clears)", name);
            OPENSSL_free(again);
        }
        const int nid = OBJ_obj2nid(obj);
        if (ok && (nid == NID_subject_alt_name || nid == NID_issuer_alt_name))
            ok = general_names_ascii(val, OBJ_nid2sn(nid), w);
        if (m->it) ASN1_item_free(val, ASN1_ITEM_ptr(m->it));
        else if (m->ext_free) m->ext_free(val);
        if (!ok) return false;
    }
    return true;
}

/* The general rule: the TBSCertificate OpenSSL parsed, encoded again, is the same bytes. */
static bool check_reencoding(const uint8_t *der, size_t len, char *w)
{
    X509 *copy = omsig_x509_from_der(der, len);
    if (!copy) return why(w, "OpenSSL cannot parse it");
    unsigned char *tbs = NULL, *whole = NULL;
    const int tn = i2d_re_X509_tbs(copy, &tbs);
    const int wn = tn > 0 ? i2d_X509(copy, &whole) : -1;
    bool ok = true;
    if (wn != (int)len || memcmp(whole, der, len) != 0) {
        size_t at = 0;
        while (wn > 0 && at < len && at < (size_t)wn && whole[at] == der[at]) at++;
        ok = why(w, "it is not DER: encoded again it differs from byte %zu on", at);
    }
    OPENSSL_free(tbs);
    OPENSSL_free(whole);
    X509_free(copy);
    return ok;
}

static void subject_words(X509 *x, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    snprintf(out, cap, "?");
    if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
                                XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        const int n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

omsig_status omsig_x509_check_strict(X509 *x, const uint8_t *der, size_t len, const char *where,
                                     omsig_report *r)
{
    char w[WHY_MAX] = "";
    const size_t n_ext = X509_get_ext_count(x) > 0 ? (size_t)X509_get_ext_count(x) : 0;
    oid_list oids = {calloc(n_ext ? n_ext : 1, sizeof(tlv)), n_ext};
    if (!oids.v) return omsig_nomem(r);
    const bool ok = check_structure(der, len, &oids, w) && check_extension_values(x, w) &&
                    check_reencoding(der, len, w);
    free(oids.v);
    if (ok) return OMSIG_OK;
    char subject[256];
    subject_words(x, subject, sizeof subject);
    return omsig_fail(r, OMSIG_E_CERTIFICATE,
                      "Malformed certificate: %s, subject '%s': %s (a certificate must be "
                      "strict DER and follow RFC 5280)",
                      where, subject, w);
}
