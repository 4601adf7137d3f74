/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_sigstore.c - the sigstore method, offline: a Sigstore trust root from --trust_config and
 * the checks of sigstore-python's Verifier.verify_dsse, in its order and with its messages.
 */
#define _GNU_SOURCE /* asprintf */
#include "pki_sigstore_internal.h"
#include "json_util.h"
#include "pki_sigstore_roots.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUSTED_ROOT_MT   "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
#define TRUST_CONFIG_MT   "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
#define MAX_TRUST_ROOT    (16u << 20)
#define MAX_TIMESTAMPS    32 /* sigstore-python MAX_ALLOWED_TIMESTAMP */
#define OID_OIDC_ISSUER   "1.3.6.1.4.1.57264.1.1"  /* raw UTF-8 value */
#define OID_OIDC_ISSUER2  "1.3.6.1.4.1.57264.1.8"  /* DER UTF8String */
#define OID_SAN_OTHERNAME "1.3.6.1.4.1.57264.1.7"  /* UTF8String */

static const char *const k_bundle_types[] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
};

/* ---- state: the trust root ------------------------------------------------------------------- */

typedef struct sgs_key {
    EVP_PKEY *pkey;
    const EVP_MD *md; /* NULL for Ed25519 */
    uint8_t id[32];   /* SHA-256 of the DER SubjectPublicKeyInfo (RFC 6962 key ID) */
} sgs_key;

typedef struct sgs_keyring {
    sgs_key *keys;
    size_t n;
} sgs_keyring;

typedef struct sgs_authority {
    STACK_OF(X509) *certs; /* leaf first, root last */
    int64_t start, end;    /* microseconds since the epoch */
    bool has_end;
    bool active;           /* started at load time (sigstore-python allows expired ones) */
} sgs_authority;

typedef struct sgs_state {
    size_t n_tlogs;
    sgs_keyring rekor, ct;
    X509_STORE *fulcio; /* every certificate of every started CA is a trust anchor */
    size_t n_fulcio;
    sgs_authority *tsa;
    size_t n_tsa;
    int64_t newest;  /* the newest validFor.start in the root (microseconds) */
    bool builtin;    /* omsig's own copy: a failure may be a key it does not have yet */
} sgs_state;

/* ---- time ------------------------------------------------------------------------------------ */

#define USEC 1000000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic, exact for all years). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool civil_ok(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

static int64_t civil_us(int y, int mo, int d, int h, int mi, int s)
{
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * USEC + (int64_t)s * USEC;
}

/* Fractional seconds ".ddd" at *p (advanced past them), in microseconds (truncated). */
static int64_t fraction_us(const char **p)
{
    int64_t us = 0, scale = 100000;
    if (**p != '.') return 0;
    (*p)++;
    while (**p >= '0' && **p <= '9') {
        us += (**p - '0') * scale;
        scale /= 10;
        (*p)++;
    }
    return us;
}

/* RFC 3339 as protobuf JSON writes Timestamps: 2021-01-12T11:53:27Z, .999Z, or +hh:mm. */
static bool parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec) || !civil_ok(y, mo, d, h, mi, sec))
        return false;
    const char *p = s + 19;
    int64_t us = civil_us(y, mo, d, h, mi, sec) + fraction_us(&p);
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        *out = us;
        return true;
    }
    int oh, om;
    if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
        digits(p + 4, 2, &om) && p[6] == '\0') {
        const int64_t off = ((int64_t)oh * 60 + om) * 60 * USEC;
        *out = *p == '+' ? us - off : us + off;
        return true;
    }
    return false;
}

static bool asn1_time_us(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    *out = civil_us(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                    tm.tm_sec);
    return true;
}

/* A TSTInfo genTime, YYYYMMDDHHMMSS[.f*]Z, keeping the fraction as the reference does. */
static bool gentime_us(const ASN1_GENERALIZEDTIME *t, int64_t *out)
{
    if (!t) return false;
    const int n = ASN1_STRING_length(t);
    char buf[64];
    if (n < 15 || n >= (int)sizeof buf) return false;
    memcpy(buf, ASN1_STRING_get0_data(t), (size_t)n);
    buf[n] = '\0';
    int y, mo, d, h, mi, s;
    if (!digits(buf, 4, &y) || !digits(buf + 4, 2, &mo) || !digits(buf + 6, 2, &d) ||
        !digits(buf + 8, 2, &h) || !digits(buf + 10, 2, &mi) || !digits(buf + 12, 2, &s) ||
        !civil_ok(y, mo, d, h, mi, s))
        return false;
    const char *p = buf + 14;
    const int64_t us = civil_us(y, mo, d, h, mi, s) + fraction_us(&p);
    if (*p != 'Z' || p[1] != '\0') return false;
    *out = us;
    return true;
}

static void format_time(int64_t us, char out[32])
{
    const time_t t = (time_t)(us >= 0 ? us / USEC : (us - USEC + 1) / USEC);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

static time_t us_to_time(int64_t us)
{
    return (time_t)(us >= 0 ? us / USEC : (us - USEC + 1) / USEC);
}

/* ---- small helpers --------------------------------------------------------------------------- */

static omsig_status nomem(omsig_report *r) { return omsig_fail(r, OMSIG_E_NOMEM, "out of memory"); }

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

static const cJSON *member(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *member_str(const cJSON *o, const char *k)
{
    const cJSON *v = member(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON string holding standard base64; *out is malloc'ed. */
static bool member_b64(const cJSON *o, const char *k, uint8_t **out, size_t *len)
{
    const char *s = member_str(o, k);
    *out = NULL;
    *len = 0;
    return s && omsig_base64_decode(s, strlen(s), out, len) == 0;
}

/* protobuf JSON uint64: a decimal string. */
static bool parse_u64_str(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20) return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        const uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static X509 *der_to_x509(const uint8_t *der, size_t len)
{
    const unsigned char *q = der;
    X509 *c = d2i_X509(NULL, &q, (long)len);
    if (c && q != der + len) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static bool spki_key_id(EVP_PKEY *k, uint8_t out[32])
{
    unsigned char *der = NULL;
    const int n = i2d_PUBKEY(k, &der);
    const bool ok = n > 0 && sha256(der, (size_t)n, out);
    OPENSSL_free(der);
    return ok;
}

/* The extension with a dotted OID, or NULL. */
static X509_EXTENSION *find_ext(X509 *c, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (!obj) return NULL;
    const int i = X509_get_ext_by_OBJ(c, obj, -1);
    ASN1_OBJECT_free(obj);
    return i >= 0 ? X509_get_ext(c, i) : NULL;
}

/* ---- keyrings -------------------------------------------------------------------------------- */

static EVP_PKEY *parse_public_key(const uint8_t *der, size_t len, bool rsa_ok)
{
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    if (k && p == der + len) return k;
    EVP_PKEY_free(k);
    if (!rsa_ok) return NULL;
    p = der; /* PKCS#1 RSAPublicKey, which load_der_public_key also takes */
    k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
    if (k && p == der + len) return k;
    EVP_PKEY_free(k);
    return NULL;
}

/* Verifies with the key whose ID is key_id, or with every key when none has that ID (the ID
 * is an unauthenticated hint, as in sigstore-python's Keyring.verify). */
static bool keyring_verify(const sgs_keyring *kr, const uint8_t *key_id, size_t key_id_len,
                           const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n)
{
    const sgs_key *only = NULL;
    for (size_t i = 0; key_id_len == 32 && i < kr->n; i++)
        if (memcmp(kr->keys[i].id, key_id, 32) == 0) {
            only = &kr->keys[i];
            break;
        }
    bool ok = false;
    for (size_t i = 0; !ok && i < (only ? 1 : kr->n); i++) {
        const sgs_key *k = only ? only : &kr->keys[i];
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ok = ctx && EVP_DigestVerifyInit(ctx, NULL, k->md, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, data, n) == 1;
        EVP_MD_CTX_free(ctx);
    }
    return ok;
}

static void keyring_free(sgs_keyring *kr)
{
    for (size_t i = 0; i < kr->n; i++) EVP_PKEY_free(kr->keys[i].pkey);
    free(kr->keys);
    memset(kr, 0, sizeof *kr);
}

/* TimeRange: absent means always valid.  *active: started by now (expired ones stay usable
 * for verification, as sigstore-python's KeyringPurpose.VERIFY and allow_expired do). */
static bool time_range(const cJSON *vf, int64_t now, bool required, int64_t *start, int64_t *end,
                       bool *has_end, bool *active)
{
    *start = 0;
    *end = 0;
    *has_end = false;
    *active = true;
    if (!vf || cJSON_IsNull(vf)) return !required;
    const char *s = member_str(vf, "start");
    if (!s || !parse_rfc3339(s, start)) return false;
    const cJSON *e = member(vf, "end");
    if (e && !cJSON_IsNull(e)) {
        if (!cJSON_IsString(e) || !parse_rfc3339(e->valuestring, end)) return false;
        *has_end = true;
    }
    *active = now >= *start;
    return true;
}

static omsig_status load_keyring(const cJSON *root, const char *what, sgs_keyring *kr,
                                 size_t *count, int64_t now, omsig_report *r)
{
    const cJSON *arr = member(root, what);
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid trust root: %s must be an array", what);
    const size_t n = (size_t)cJSON_GetArraySize(arr);
    if (count) *count = n;
    kr->keys = calloc(n ? n : 1, sizeof *kr->keys);
    if (!kr->keys) return nomem(r);
    size_t i = 0;
    for (const cJSON *t = arr->child; t; t = t->next, i++) {
        const cJSON *pk = member(t, "publicKey");
        const char *details = member_str(pk, "keyDetails");
        int64_t s, e;
        bool has_end, active;
        if (!cJSON_IsObject(pk) || !details ||
            !time_range(member(pk, "validFor"), now, false, &s, &e, &has_end, &active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: %s[%zu].publicKey must hold keyDetails and a "
                              "valid validFor",
                              what, i);
        if (!active) continue;
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        if (!member_b64(pk, "rawBytes", &raw, &raw_len) || raw_len == 0) {
            free(raw);
            omsig_warn(r, "Failed to load a trusted root key: public key is empty");
            continue;
        }
        const EVP_MD *md = NULL;
        const char *type = NULL;
        bool rsa = false;
        if (!strcmp(details, "PKIX_ECDSA_P256_SHA_256")) md = EVP_sha256(), type = "EC";
        else if (!strcmp(details, "PKIX_ECDSA_P384_SHA_384")) md = EVP_sha384(), type = "EC";
        else if (!strcmp(details, "PKIX_ECDSA_P521_SHA_512")) md = EVP_sha512(), type = "EC";
        else if (!strcmp(details, "PKIX_ED25519")) type = "ED25519";
        else if (!strcmp(details, "PKCS1_RSA_PKCS1V5") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_2048_SHA256") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_3072_SHA256") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_4096_SHA256"))
            md = EVP_sha256(), type = "RSA", rsa = true;
        if (!type) {
            free(raw);
            omsig_warn(r, "Failed to load a trusted root key: unsupported key type: %s", details);
            continue;
        }
        EVP_PKEY *k = parse_public_key(raw, raw_len, rsa);
        free(raw);
        if (!k || !EVP_PKEY_is_a(k, type)) {
            EVP_PKEY_free(k);
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: %s[%zu].publicKey is not a valid %s key", what,
                              i, details);
        }
        sgs_key *dst = &kr->keys[kr->n];
        dst->pkey = k;
        dst->md = md;
        kr->n++;
        if (!spki_key_id(k, dst->id)) return nomem(r);
    }
    return OMSIG_OK;
}

/* ---- certificate authorities ----------------------------------------------------------------- */

static omsig_status load_chain(const cJSON *ca, const char *what, size_t i, STACK_OF(X509) *out,
                               omsig_report *r)
{
    const cJSON *list = member(member(ca, "certChain"), "certificates");
    if (!cJSON_IsArray(list) || !list->child)
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: %s[%zu].certChain.certificates must be a "
                          "non-empty array",
                          what, i);
    size_t j = 0;
    for (const cJSON *c = list->child; c; c = c->next, j++) {
        uint8_t *der = NULL;
        size_t len = 0;
        X509 *x = member_b64(c, "rawBytes", &der, &len) ? der_to_x509(der, len) : NULL;
        free(der);
        if (!x)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: certificate %zu of %s[%zu] is not a valid "
                              "DER X.509 certificate",
                              j, what, i);
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            return nomem(r);
        }
    }
    return OMSIG_OK;
}

static omsig_status load_fulcio(const cJSON *root, sgs_state *s, int64_t now, omsig_report *r)
{
    const cJSON *arr = member(root, "certificateAuthorities");
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: certificateAuthorities must be an array");
    s->fulcio = X509_STORE_new();
    if (!s->fulcio) return nomem(r);
    size_t i = 0;
    for (const cJSON *ca = arr->child; ca; ca = ca->next, i++) {
        int64_t st, en;
        bool has_end, active;
        if (!time_range(member(ca, "validFor"), now, true, &st, &en, &has_end, &active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: certificateAuthorities[%zu].validFor is "
                              "missing or invalid",
                              i);
        STACK_OF(X509) *certs = sk_X509_new_null();
        if (!certs) return nomem(r);
        omsig_status rc = load_chain(ca, "certificateAuthorities", i, certs, r);
        for (int j = 0; rc == OMSIG_OK && active && j < sk_X509_num(certs); j++) {
            X509_STORE_add_cert(s->fulcio, sk_X509_value(certs, j)); /* duplicates are fine */
            s->n_fulcio++;
        }
        sk_X509_pop_free(certs, X509_free);
        if (rc != OMSIG_OK) return rc;
    }
    return OMSIG_OK;
}

static omsig_status load_tsas(const cJSON *root, sgs_state *s, int64_t now, omsig_report *r)
{
    const cJSON *arr = member(root, "timestampAuthorities");
    if (!arr || cJSON_IsNull(arr)) return OMSIG_OK;
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: timestampAuthorities must be an array");
    const size_t n = (size_t)cJSON_GetArraySize(arr);
    s->tsa = calloc(n ? n : 1, sizeof *s->tsa);
    if (!s->tsa) return nomem(r);
    size_t i = 0;
    for (const cJSON *ca = arr->child; ca; ca = ca->next, i++) {
        sgs_authority *a = &s->tsa[s->n_tsa];
        if (!time_range(member(ca, "validFor"), now, true, &a->start, &a->end, &a->has_end,
                        &a->active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: timestampAuthorities[%zu].validFor is "
                              "missing or invalid",
                              i);
        a->certs = sk_X509_new_null();
        if (!a->certs) return nomem(r);
        s->n_tsa++;
        OMSIG_FORWARD_IF_ERROR(load_chain(ca, "timestampAuthorities", i, a->certs, r));
    }
    return OMSIG_OK;
}

void omsig_pki_sigstore_free(void *state)
{
    sgs_state *s = state;
    if (!s) return;
    keyring_free(&s->rekor);
    keyring_free(&s->ct);
    X509_STORE_free(s->fulcio);
    for (size_t i = 0; i < s->n_tsa; i++) sk_X509_pop_free(s->tsa[i].certs, X509_free);
    free(s->tsa);
    free(s);
}

/* The newest validFor.start anywhere in the trust root, microseconds since the epoch (0: none). */
static int64_t newest_start(const cJSON *j)
{
    int64_t best = 0;
    if (!cJSON_IsObject(j) && !cJSON_IsArray(j)) return 0;
    const cJSON *vf = cJSON_IsObject(j) ? member(j, "validFor") : NULL;
    const char *start = vf ? member_str(vf, "start") : NULL;
    int64_t t = 0;
    if (start && parse_rfc3339(start, &t)) best = t;
    const cJSON *c;
    cJSON_ArrayForEach(c, j) {
        const int64_t n = newest_start(c);
        if (n > best) best = n;
    }
    return best;
}

/* YYYY-MM-DD of a time in microseconds. */
static void format_date(int64_t us, char out[16])
{
    const time_t t = us_to_time(us);
    struct tm tm;
    if (us <= 0 || !gmtime_r(&t, &tm)) snprintf(out, 16, "unknown date");
    else strftime(out, 16, "%Y-%m-%d", &tm);
}

/* A trust root from JSON text: a ClientTrustConfig or a bare trusted_root.json.  what names it
 * in messages ("trust config 'x'").  NULL with a message in r on failure. */
static sgs_state *load_root(const char *text, size_t len, const char *what, omsig_report *r)
{
    const char *why = NULL;
    cJSON *j = omsig_json_parse(text, len, &why);
    sgs_state *s = calloc(1, sizeof *s);
    omsig_status st = OMSIG_OK;
    if (!s) {
        st = nomem(r);
        goto fail;
    }
    if (!cJSON_IsObject(j)) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid %s: %s", what,
                        j ? "not a JSON object" : why);
        goto fail;
    }
    const cJSON *root = j;
    const cJSON *inner = member(j, "trustedRoot");
    if (inner) {
        const char *mt = member_str(j, "mediaType");
        if (!mt || strcmp(mt, TRUST_CONFIG_MT) != 0) {
            st = omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid %s: mediaType must be %s", what,
                            TRUST_CONFIG_MT);
            goto fail;
        }
        root = inner;
    }
    const char *rmt = member_str(root, "mediaType");
    if (!cJSON_IsObject(root) || !rmt || strcmp(rmt, TRUSTED_ROOT_MT) != 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "unsupported trusted root format: %s",
                        rmt ? rmt : "(no mediaType)");
        goto fail;
    }
    const int64_t now = (int64_t)time(NULL) * USEC;
    if ((st = load_keyring(root, "tlogs", &s->rekor, &s->n_tlogs, now, r)) != OMSIG_OK ||
        (st = load_keyring(root, "ctlogs", &s->ct, NULL, now, r)) != OMSIG_OK ||
        (st = load_fulcio(root, s, now, r)) != OMSIG_OK ||
        (st = load_tsas(root, s, now, r)) != OMSIG_OK)
        goto fail;
    if (s->n_tlogs == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                        "trusted root contains no transparency log instances");
        goto fail;
    }
    if (s->n_fulcio == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "Fulcio certificates not found in trusted root");
        goto fail;
    }
    s->newest = newest_start(root);
    cJSON_Delete(j);
    return s;
fail:
    (void)st;
    cJSON_Delete(j);
    omsig_pki_sigstore_free(s);
    return NULL;
}

/* Where sigstore-python 4.x keeps the trusted_root.json it fetched over TUF for an instance:
 * platformdirs.user_cache_dir("sigstore-python") / "tuf" / quote(url, safe="") (Linux:
 * $XDG_CACHE_HOME, else ~/.cache).  malloc'd; NULL without a home. */
static char *cached_root_path(const char *tuf_url)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *base = NULL, *out = NULL;
    if (xdg && xdg[0] == '/') {
        if (asprintf(&base, "%s", xdg) < 0) base = NULL;
    } else if (home && home[0]) {
        if (asprintf(&base, "%s/.cache", home) < 0) base = NULL;
    }
    if (!base) return NULL;
    omsig_buf q = {0};
    bool ok = true;
    for (const char *p = tuf_url; *p && ok; p++) {
        const unsigned char ch = (unsigned char)*p;
        char tmp[4];
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' ||
                           ch == '~';
        if (plain) snprintf(tmp, sizeof tmp, "%c", ch);
        else snprintf(tmp, sizeof tmp, "%%%02X", ch);
        ok = omsig_buf_puts(&q, tmp) == 0;
    }
    if (ok && asprintf(&out, "%s/sigstore-python/tuf/%s/trusted_root.json", base, q.data) < 0)
        out = NULL;
    omsig_buf_free(&q);
    free(base);
    return out;
}

/* Moves the warnings of a scratch report into r. */
static void take_warnings(omsig_report *r, const omsig_report *from)
{
    for (size_t i = 0; i < from->n_warnings; i++) omsig_warn(r, "%s", from->warnings[i]);
}

/* Records which trust root is used, in words, with the date of its newest key. */
static void describe_root(omsig_report *r, const char *source, const sgs_state *s,
                          const char *fmt, const char *arg)
{
    char date[16];
    format_date(s->newest, date);
    char *what = NULL;
    if (asprintf(&what, fmt, arg) < 0) what = NULL;
    free(r->trust_root);
    r->trust_root = NULL;
    if (asprintf(&r->trust_root, "%s (newest key valid from %s)", what ? what : "?", date) < 0)
        r->trust_root = NULL;
    free(what);
    r->trust_root_source = source;
}

/* Without --trust_config: sigstore-python's cached root for the instance when it loads and is
 * not older than the built-in copy, else the built-in copy. */
static sgs_state *load_default_root(const omsig_options *o, omsig_report *r)
{
    const sgs_builtin *b = o->use_staging ? &k_builtin_staging : &k_builtin_production;
    omsig_report *rb = omsig_report_new(), *rc = omsig_report_new();
    char *path = cached_root_path(b->tuf_url);
    sgs_state *builtin = NULL, *cached = NULL, *s = NULL;
    if (!rb || !rc || !path) {
        nomem(r);
        goto out;
    }
    if (!(builtin = load_root(b->json, b->len, "built-in trust root", rb))) {
        /* the copy is tested; this is memory running out */
        omsig_fail(r, rb->status, "%s", rb->message ? rb->message : "out of memory");
        goto out;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    const int rd = omsig_read_file(path, MAX_TRUST_ROOT, &data, &len);
    if (rd == 0) {
        char *what = NULL;
        if (asprintf(&what, "trust root '%s'", path) < 0) what = NULL;
        cached = load_root((const char *)data, len, what ? what : "cached trust root", rc);
        free(what);
        free(data);
        if (!cached)
            omsig_warn(r, "sigstore-python's cached trust root '%s' cannot be used (%s); using "
                          "the %s trust root built into omsig",
                       path, rc->message ? rc->message : "?", b->instance);
    }
    if (cached && cached->newest >= builtin->newest) {
        take_warnings(r, rc);
        describe_root(r, "sigstore-python-cache", cached, "sigstore-python's cached trust root '%s'",
                      path);
        s = cached;
        cached = NULL;
    } else {
        take_warnings(r, rb);
        describe_root(r, "built-in", builtin, "the Sigstore %s trust root built into omsig",
                      b->instance);
        s = builtin;
        builtin = NULL;
        s->builtin = true;
    }
out:
    omsig_pki_sigstore_free(builtin);
    omsig_pki_sigstore_free(cached);
    omsig_report_free(rb);
    omsig_report_free(rc);
    free(path);
    return s;
}

omsig_pki *omsig_pki_sigstore_load(const omsig_options *o, omsig_report *r)
{
    if (!o->identity || !o->identity[0]) {
        omsig_fail(r, OMSIG_E_USAGE, "the sigstore method needs --identity");
        return NULL;
    }
    if (!o->identity_provider || !o->identity_provider[0]) {
        omsig_fail(r, OMSIG_E_USAGE, "the sigstore method needs --identity_provider");
        return NULL;
    }
    sgs_state *s = NULL;
    if (!o->trust_config_path || !o->trust_config_path[0]) {
        s = load_default_root(o, r);
    } else {
        const char *path = o->trust_config_path;
        uint8_t *data = NULL;
        size_t len = 0;
        const int rc = omsig_read_file(path, MAX_TRUST_ROOT, &data, &len);
        if (rc < 0) {
            if (rc == -ENOMEM) nomem(r);
            else omsig_fail_open(r, -rc, path);
            return NULL;
        }
        char *what = NULL;
        if (asprintf(&what, "trust config '%s'", path) < 0) what = NULL;
        s = what ? load_root((const char *)data, len, what, r) : NULL;
        if (!what) nomem(r);
        free(what);
        free(data);
        if (s) describe_root(r, "trust_config", s, "the trust root given with --trust_config: '%s'",
                             path);
    }
    omsig_pki *p = s ? calloc(1, sizeof *p) : NULL;
    if (s && !p) nomem(r);
    if (!p) {
        omsig_pki_sigstore_free(s);
        return NULL;
    }
    p->store = s;
    return p;
}

/* ---- the bundle's log entry and timestamps --------------------------------------------------- */

typedef struct sgs_entry {
    uint64_t log_index;
    uint8_t *log_id;
    size_t log_id_len;
    const char *kind, *version;
    bool has_time;
    uint64_t integrated_time;
    bool has_promise;
    uint8_t *set;
    size_t set_len;
    uint64_t proof_index, tree_size;
    uint8_t *root;
    size_t root_len;
    omsig_der *hashes;
    size_t n_hashes;
    const char *checkpoint; /* NULL when absent */
    uint8_t *body;
    size_t body_len;
} sgs_entry;

typedef struct sgs_tsr {
    uint8_t *der;
    size_t len;
    TS_RESP *resp;    /* a TimeStampResp, or NULL for a bare token */
    PKCS7 *token;     /* owned by resp when resp is set */
    TS_TST_INFO *tst; /* owned by resp when resp is set */
} sgs_tsr;

enum { SRC_TSA = 1, SRC_TLOG = 2 };
typedef struct sgs_time {
    int64_t us;
    int source;
} sgs_time;

typedef struct sgs_ctx {
    const sgs_state *s;
    const omsig_options *o;
    const omsig_bundle *b;
    omsig_report *r;
    X509 *leaf;
    sgs_entry e;
    sgs_tsr *tsr;
    size_t n_tsr;
    sgs_time times[MAX_TIMESTAMPS + 1];
    size_t n_times;
    STACK_OF(X509) *chain; /* the verified Fulcio chain, without the leaf */
} sgs_ctx;

static void entry_free(sgs_entry *e)
{
    free(e->log_id);
    free(e->set);
    free(e->root);
    for (size_t i = 0; i < e->n_hashes; i++) free(e->hashes[i].data);
    free(e->hashes);
    free(e->body);
    memset(e, 0, sizeof *e);
}

static void ctx_free(sgs_ctx *c)
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

/* Fails with the sigstore step's prefix before the formatted detail, as the reference does. */
static omsig_status vfail_step(omsig_report *r, omsig_status st, const char *prefix,
                               const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return omsig_fail(r, st, "%s%s", prefix, msg);
}

static omsig_status load_fail(omsig_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static omsig_status load_fail(omsig_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const omsig_status st = vfail_step(r, OMSIG_E_BUNDLE_PARSE, "failed to load bundle: ", fmt, ap);
    va_end(ap);
    return st;
}

static bool only_keys(const cJSON *o, const char *const *keys, const char **bad)
{
    *bad = NULL;
    return cJSON_IsObject(o) && omsig_json_only_keys(o, keys, bad);
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
    if (!only_keys(j, k_entry_keys, &bad))
        return load_fail(r, "tlogEntries[0]: %s", bad ? "unexpected key" : "not an object");
    if (!parse_u64_str(member_str(j, "logIndex"), &e->log_index))
        return load_fail(r, "tlogEntries[0].logIndex must be a uint64 string");
    if (!member_b64(member(j, "logId"), "keyId", &e->log_id, &e->log_id_len))
        return load_fail(r, "tlogEntries[0].logId.keyId must be base64");
    const cJSON *kv = member(j, "kindVersion");
    e->kind = member_str(kv, "kind");
    e->version = member_str(kv, "version");
    if (!e->kind || !e->version)
        return load_fail(r, "tlogEntries[0].kindVersion must hold kind and version strings");
    const cJSON *it = member(j, "integratedTime");
    if (it && !cJSON_IsNull(it)) {
        if (!cJSON_IsString(it) || !parse_u64_str(it->valuestring, &e->integrated_time))
            return load_fail(r, "tlogEntries[0].integratedTime must be a uint64 string");
        e->has_time = true;
    }
    const cJSON *pr = member(j, "inclusionPromise");
    if (pr && !cJSON_IsNull(pr)) {
        if (!member_b64(pr, "signedEntryTimestamp", &e->set, &e->set_len))
            return load_fail(r, "inclusionPromise.signedEntryTimestamp must be base64");
        e->has_promise = true;
    }
    const cJSON *proof = member(j, "inclusionProof");
    if (!proof || cJSON_IsNull(proof))
        return load_fail(r, "tlogEntries[0].inclusionProof is missing");
    if (!only_keys(proof, k_proof_keys, &bad))
        return load_fail(r, "inclusionProof: %s", bad ? "unexpected key" : "not an object");
    if (!parse_u64_str(member_str(proof, "logIndex"), &e->proof_index) ||
        !parse_u64_str(member_str(proof, "treeSize"), &e->tree_size))
        return load_fail(r, "inclusionProof.logIndex and treeSize must be uint64 strings");
    if (e->tree_size <= e->proof_index)
        return load_fail(r, "logIndex %llu must be less than treeSize %llu",
                         (unsigned long long)e->proof_index, (unsigned long long)e->tree_size);
    if (!member_b64(proof, "rootHash", &e->root, &e->root_len))
        return load_fail(r, "inclusionProof.rootHash must be base64");
    const cJSON *hashes = member(proof, "hashes");
    if (!cJSON_IsArray(hashes)) return load_fail(r, "inclusionProof.hashes must be an array");
    const size_t nh = (size_t)cJSON_GetArraySize(hashes);
    if (nh > 128) return load_fail(r, "inclusionProof.hashes has %zu items", nh);
    e->hashes = calloc(nh ? nh : 1, sizeof *e->hashes);
    if (!e->hashes) return nomem(r);
    for (const cJSON *h = hashes->child; h; h = h->next) {
        omsig_der *d = &e->hashes[e->n_hashes];
        if (!cJSON_IsString(h) ||
            omsig_base64_decode(h->valuestring, strlen(h->valuestring), &d->data, &d->len) != 0)
            return load_fail(r, "inclusionProof.hashes[%zu] must be base64", e->n_hashes);
        e->n_hashes++;
    }
    const cJSON *cp = member(proof, "checkpoint");
    if (cp && !cJSON_IsNull(cp)) {
        e->checkpoint = member_str(cp, "envelope");
        if (!e->checkpoint)
            return load_fail(r, "inclusionProof.checkpoint.envelope must be a string");
    }
    if (!member_b64(j, "canonicalizedBody", &e->body, &e->body_len))
        return load_fail(r, "tlogEntries[0].canonicalizedBody must be base64");
    return OMSIG_OK;
}

static omsig_status parse_timestamps(const cJSON *vm, sgs_ctx *c)
{
    const cJSON *tvd = member(vm, "timestampVerificationData");
    if (!tvd || cJSON_IsNull(tvd)) return OMSIG_OK;
    const cJSON *list = member(tvd, "rfc3161Timestamps");
    if (!list || cJSON_IsNull(list)) return OMSIG_OK;
    if (!cJSON_IsArray(list))
        return load_fail(c->r, "timestampVerificationData.rfc3161Timestamps must be an array");
    const size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > 4096)
        return omsig_fail(c->r, OMSIG_E_LIMIT, "too many signed timestamp: %zu > %d", n,
                          MAX_TIMESTAMPS);
    c->tsr = calloc(n ? n : 1, sizeof *c->tsr);
    if (!c->tsr) return nomem(c->r);
    for (const cJSON *t = list->child; t; t = t->next) {
        sgs_tsr *x = &c->tsr[c->n_tsr];
        if (!member_b64(t, "signedTimestamp", &x->der, &x->len))
            return load_fail(c->r, "rfc3161Timestamps[%zu].signedTimestamp must be base64",
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
static int cert_is_ca(X509 *c, const char **why)
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
    const int ca = cert_is_ca(leaf, &why);
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
static omsig_status check_shape(sgs_ctx *c)
{
    const omsig_bundle *b = c->b;
    omsig_report *r = c->r;
    size_t mt = 0;
    while (mt < 4 && strcmp(b->media_type, k_bundle_types[mt]) != 0) mt++;
    if (mt == 4)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "unsupported bundle format: %.200s",
                          b->media_type);
    const cJSON *vm = member((const cJSON *)b->json, "verificationMaterial");
    const cJSON *tlog = member(vm, "tlogEntries");
    if (!cJSON_IsArray(tlog))
        return load_fail(r, "verificationMaterial.tlogEntries is missing");
    OMSIG_FORWARD_IF_ERROR(parse_timestamps(vm, c));

    if (mt >= 2) { /* the two v0.3 forms */
        if (b->vm_kind != OMSIG_VM_CERTIFICATE)
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate in bundle");
    } else if (b->vm_kind != OMSIG_VM_X509_CHAIN || b->n_certs == 0) {
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate chain in bundle");
    }
    c->leaf = der_to_x509(b->certs[0].data, b->certs[0].len);
    if (!c->leaf)
        return load_fail(r, "the signing certificate is not a valid DER X.509 certificate");
    if (mt < 2) {
        OMSIG_FORWARD_IF_ERROR(check_chain_leaf(c->leaf, r));
        for (size_t i = 1; i < b->n_certs; i++) {
            X509 *x = der_to_x509(b->certs[i].data, b->certs[i].len);
            const char *why = NULL;
            if (!x) return load_fail(r, "certificate %zu of the chain is not valid DER", i);
            if (cert_is_ca(x, &why) == 1 && X509_check_issued(x, x) == X509_V_OK)
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

/* ---- step 0: verified times ------------------------------------------------------------------ */

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
    if (!gentime_us(TS_TST_INFO_get_time(x->tst), gen)) return false;

    bool ok = false;
    X509 *signer = NULL;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    TS_VERIFY_CTX *vctx = NULL;
    if (!embedded_signer_ok(x->token, sk_X509_value(a->certs, 0)) || !store || !untrusted ||
        X509_STORE_add_cert(store, sk_X509_value(a->certs, nc - 1)) != 1)
        goto out;
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), us_to_time(*gen));
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

static omsig_status establish_time(sgs_ctx *c)
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

/* ---- step 1: the Fulcio chain at a time ------------------------------------------------------ */

static omsig_status chain_at(const sgs_state *s, X509 *leaf, int64_t t, STACK_OF(X509) **chain,
                             omsig_report *r)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx || X509_STORE_CTX_init(ctx, s->fulcio, leaf, NULL) != 1) {
        X509_STORE_CTX_free(ctx);
        return nomem(r);
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
    X509_VERIFY_PARAM_set_time(param, us_to_time(t));
    omsig_status st = OMSIG_OK;
    if (X509_verify_cert(ctx) != 1) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "failed to build timestamp certificate chain: %s",
                        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    } else {
        STACK_OF(X509) *full = X509_STORE_CTX_get1_chain(ctx);
        if (!full) {
            st = nomem(r);
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

static omsig_status verify_sct(const sgs_state *s, X509 *leaf, STACK_OF(X509) *chain,
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
        if (!issuer || cert_is_ca(issuer, &unused) != 1) {
            st = sct_fail(r, "SCT verify: Invalid issuer pubkey basicConstraint (not a CA)");
            goto out;
        }
        EVP_PKEY *ik = X509_get0_pubkey(issuer);
        if (!ik || (!EVP_PKEY_is_a(ik, "EC") && !EVP_PKEY_is_a(ik, "RSA"))) {
            st = sct_fail(r, "SCT verify: invalid issuer pubkey format (not ECDSA or RSA)");
            goto out;
        }
        const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki);
        if (n <= 0 || !sha256(spki, (size_t)n, issuer_key_id)) {
            st = nomem(r);
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
        st = nomem(r);
        goto out;
    }
    const int signid = SCT_get_signature_nid(sct);
    if (signid != NID_ecdsa_with_SHA256 && signid != NID_sha256WithRSAEncryption) {
        st = sct_fail(r, "Found unexpected hash algorithm in SCT: only SHA256 is supported");
        goto out;
    }
    unsigned char *log_id = NULL;
    const size_t log_id_len = SCT_get0_log_id(sct, &log_id);
    if (!keyring_verify(&s->ct, log_id, log_id_len, sig, sig_len, (const uint8_t *)msg.data,
                        msg.len))
        st = sct_fail(r, "SCT verify failed: keyring: invalid signature");
out:
    ERR_clear_error();
    OPENSSL_free(tbs);
    OPENSSL_free(spki);
    omsig_buf_free(&msg);
    SCT_LIST_free(scts);
    return st;
}

/* ---- step 3: profile and identity policy ----------------------------------------------------- */

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

static omsig_status check_policy(sgs_ctx *c)
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
    if (oom) st = nomem(r);
    else if (!match)
        st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                        "Certificate's SANs do not match %s; actual SANs: %s%.*s%s", id,
                        n_all ? "{" : "set()", (int)all.len, all.data ? all.data : "",
                        n_all ? "}" : "");
    omsig_buf_free(&all);
    return st;
}

/* ---- steps 4 and 5: the Rekor entry ---------------------------------------------------------- */

static omsig_status entry_fail(omsig_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static omsig_status entry_fail(omsig_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const omsig_status st = vfail_step(r, OMSIG_E_SIGNATURE_INVALID, "invalid log entry: ", fmt, ap);
    va_end(ap);
    return st;
}

static bool hash_children(const omsig_der *l, const omsig_der *rt, uint8_t out[32])
{
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    const uint8_t one = 1;
    unsigned int n = 0;
    const bool ok = h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(h, &one, 1) == 1 &&
                    EVP_DigestUpdate(h, l->data, l->len) == 1 &&
                    EVP_DigestUpdate(h, rt->data, rt->len) == 1 &&
                    EVP_DigestFinal_ex(h, out, &n) == 1;
    EVP_MD_CTX_free(h);
    return ok;
}

static int bit_length(uint64_t v)
{
    int n = 0;
    while (v) n++, v >>= 1;
    return n;
}

/* RFC 6962 2.1.1 inclusion proof, split like Trillian into the inner part (below the point
 * where the paths to index and size-1 diverge) and the right border. */
static omsig_status verify_merkle(const sgs_entry *e, omsig_report *r)
{
    const int inner = bit_length(e->proof_index ^ (e->tree_size - 1));
    const int border = __builtin_popcountll(inner >= 64 ? 0 : e->proof_index >> inner);
    if (e->n_hashes != (size_t)(inner + border))
        return entry_fail(r, "inclusion proof has wrong size: expected %d, got %zu",
                          inner + border, e->n_hashes);
    uint8_t seed[32];
    omsig_buf leaf = {0};
    const uint8_t zero = 0;
    if (omsig_buf_append(&leaf, &zero, 1) || omsig_buf_append(&leaf, e->body, e->body_len) ||
        !sha256(leaf.data, leaf.len, seed)) {
        omsig_buf_free(&leaf);
        return nomem(r);
    }
    omsig_buf_free(&leaf);
    omsig_der cur = {seed, 32};
    for (size_t i = 0; i < e->n_hashes; i++) {
        const bool right = i < (size_t)inner && ((e->proof_index >> i) & 1) == 0;
        if (!(right ? hash_children(&cur, &e->hashes[i], seed)
                    : hash_children(&e->hashes[i], &cur, seed)))
            return nomem(r);
    }
    if (e->root_len != 32 || memcmp(seed, e->root, 32) != 0) {
        char got[65], want[2 * 64 + 1] = "";
        omsig_hex(seed, 32, got);
        omsig_hex(e->root, e->root_len > 64 ? 64 : e->root_len, want);
        return entry_fail(r, "inclusion proof contains invalid root hash: expected %s, "
                             "calculated %s",
                          want, got);
    }
    return OMSIG_OK;
}

static bool py_isspace(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

/* The next match of findall(r"\u2014 (\S+) (\S+)\n") from *p: the base64 field. */
static bool next_note_sig(const char **p, const char **b64, size_t *len)
{
    static const char dash[] = "\xe2\x80\x94 "; /* em dash, space */
    for (const char *q = *p; *q; q++) {
        if (strncmp(q, dash, 4) != 0) continue;
        const char *name = q + 4, *e = name;
        while (*e && !py_isspace((unsigned char)*e)) e++;
        if (e == name || *e != ' ') continue;
        const char *sig = e + 1, *t = sig;
        while (*t && !py_isspace((unsigned char)*t)) t++;
        if (t == sig || *t != '\n') continue;
        *b64 = sig;
        *len = (size_t)(t - sig);
        *p = t + 1;
        return true;
    }
    return false;
}

/* The signed note (C2SP signed-note): text, a blank line, then "— name base64(hint4||sig)\n"
 * lines; the checkpoint is the text's origin, tree size and root hash lines. */
static omsig_status verify_checkpoint(const sgs_state *s, const sgs_entry *e, omsig_report *r)
{
    const char *text = e->checkpoint;
    const char *sep = strstr(text, "\n\n");
    size_t count = 0;
    for (const char *q = text; (q = strstr(q, "\n\n")) != NULL; q += 2) count++;
    if (count != 1)
        return entry_fail(r, "note must contain one blank line, delineating the text from the "
                             "signature block");
    const size_t note_len = (size_t)(sep - text) + 1;
    const char *data = sep + 2;
    const size_t data_len = strlen(data);
    if (data_len == 0) return entry_fail(r, "malformed Note: must contain at least one signature");
    if (data[data_len - 1] != '\n')
        return entry_fail(r, "malformed Note: data section must end with newline");

    /* every signature line must decode to a key hint and a signature (SignedNote.from_text) */
    omsig_status st = OMSIG_OK;
    const char *p = data, *b64;
    size_t b64_len;
    while (st == OMSIG_OK && next_note_sig(&p, &b64, &b64_len)) {
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        if (omsig_base64_decode(b64, b64_len, &raw, &raw_len) != 0)
            st = entry_fail(r, "malformed Note: a signature is not valid base64");
        else if (raw_len < 5)
            st = entry_fail(r, "malformed Note: signature contains too few bytes");
        free(raw);
    }

    /* LogCheckpoint.from_text(note): strip, split on "\n", at least origin/size/hash */
    const char *h = text, *end = text + note_len;
    while (h < end && py_isspace((unsigned char)*h)) h++;
    while (end > h && py_isspace((unsigned char)end[-1])) end--;
    const char *lines[3];
    size_t lens[3], n_lines = 0;
    for (const char *q = h; st == OMSIG_OK && q <= end && n_lines < 3;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        lines[n_lines] = q;
        lens[n_lines++] = (size_t)(le - q);
        if (!nl) break;
        q = nl + 1;
    }
    uint8_t *cp_root = NULL;
    size_t cp_root_len = 0;
    if (st == OMSIG_OK && (n_lines < 3 || h == end))
        st = entry_fail(r, "malformed LogCheckpoint: too few items in header");
    if (st == OMSIG_OK && lens[0] == 0) st = entry_fail(r, "malformed LogCheckpoint: empty origin");
    if (st == OMSIG_OK) {
        const char *q = lines[1], *le = lines[1] + lens[1];
        while (q < le && py_isspace((unsigned char)*q)) q++;
        while (le > q && py_isspace((unsigned char)le[-1])) le--;
        if (q < le && (*q == '+' || *q == '-')) q++;
        bool ok = q < le;
        for (; q < le; q++) ok = ok && *q >= '0' && *q <= '9';
        if (!ok) st = entry_fail(r, "malformed LogCheckpoint: invalid log size");
    }
    if (st == OMSIG_OK && omsig_base64_decode(lines[2], lens[2], &cp_root, &cp_root_len) != 0)
        st = entry_fail(r, "malformed LogCheckpoint: invalid root hash");

    /* the first signature whose key hint is the entry's log ID */
    bool found = false;
    for (p = data; st == OMSIG_OK && !found && next_note_sig(&p, &b64, &b64_len);) {
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        if (omsig_base64_decode(b64, b64_len, &raw, &raw_len) != 0) {
            st = nomem(r); /* decoded fine above */
        } else if (e->log_id_len >= 4 && memcmp(raw, e->log_id, 4) == 0) {
            found = true;
            if (!keyring_verify(&s->rekor, e->log_id, e->log_id_len, raw + 4, raw_len - 4,
                                (const uint8_t *)text, note_len))
                st = entry_fail(r, "checkpoint: invalid signature: keyring: invalid signature");
        }
        free(raw);
    }
    if (st == OMSIG_OK && !found) {
        char hex[2 * 64 + 1];
        omsig_hex(e->log_id, e->log_id_len > 64 ? 64 : e->log_id_len, hex);
        st = entry_fail(r, "checkpoint: Signature not found for log ID %s", hex);
    }
    if (st == OMSIG_OK && (cp_root_len != e->root_len || memcmp(cp_root, e->root, e->root_len))) {
        char a[2 * 64 + 1], b[2 * 64 + 1];
        omsig_hex(cp_root, cp_root_len > 64 ? 64 : cp_root_len, a);
        omsig_hex(e->root, e->root_len > 64 ? 64 : e->root_len, b);
        st = entry_fail(r,
                        "Inclusion proof contains invalid root hash signature: expected %s got %s",
                        a, b);
    }
    free(cp_root);
    ERR_clear_error();
    return st;
}

/* The SET: the log's signature over RFC 8785 JSON of body, integratedTime, logID, logIndex
 * (keys sorted, no whitespace; integers as plain decimals). */
static omsig_status verify_set(const sgs_state *s, const sgs_entry *e, omsig_report *r)
{
    char *body = omsig_base64_encode(e->body, e->body_len);
    char *hex = malloc(2 * e->log_id_len + 1);
    omsig_buf doc = {0};
    omsig_status st = OMSIG_OK;
    if (!body || !hex) {
        st = nomem(r);
        goto out;
    }
    omsig_hex(e->log_id, e->log_id_len, hex);
    if (omsig_buf_printf(&doc, "{\"body\":\"%s\",\"integratedTime\":%llu,\"logID\":\"%s\","
                               "\"logIndex\":%llu}",
                         body, (unsigned long long)e->integrated_time, hex,
                         (unsigned long long)e->log_index)) {
        st = nomem(r);
        goto out;
    }
    if (!keyring_verify(&s->rekor, e->log_id, e->log_id_len, e->set, e->set_len,
                        (const uint8_t *)doc.data, doc.len))
        st = entry_fail(r, "SET: invalid inclusion promise: keyring: invalid signature");
out:
    ERR_clear_error();
    free(body);
    free(hex);
    omsig_buf_free(&doc);
    return st;
}

/* ---- step 7: the DSSE signature -------------------------------------------------------------- */

/* PAE with the envelope's payloadType.  sigstore-python writes len(type) of a Python str, i.e.
 * the count of code points; for the ASCII types in use that is the byte length. */
static int pae_typed(const omsig_bundle *b, omsig_buf *out)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)b->payload_type; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    return omsig_buf_printf(out, "DSSEv1 %zu %s %zu ", chars, b->payload_type, b->payload_len) ||
           omsig_buf_append(out, b->payload, b->payload_len);
}

static omsig_status verify_dsse(X509 *leaf, const omsig_bundle *b, omsig_report *r)
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
        return nomem(r);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
                    EVP_DigestVerify(ctx, b->sig, b->sig_len, (const uint8_t *)pae.data,
                                     pae.len) == 1;
    EVP_MD_CTX_free(ctx);
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
    const cJSON *spec = member(j, "spec");
    const cJSON *ph = member(spec, "payloadHash");
    const cJSON *sigs = member(spec, "signatures");
    const char *kind = member_str(j, "kind");
    if (!kind || strcmp(kind, "dsse") != 0 || !cJSON_IsString(member(j, "apiVersion")) ||
        !cJSON_IsObject(spec))
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "invalid DSSE log entry: not a dsse entry with a spec");
    const char *alg = member_str(ph, "algorithm"), *value = member_str(ph, "value");
    if (!alg || !value || !cJSON_IsArray(sigs) || !sigs->child)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "invalid DSSE log entry: spec needs payloadHash and signatures");
    if (strcmp(alg, "sha256") != 0)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "expected SHA256 payload hash in DSSE log entry");
    char hex[65];
    if (omsig_sha256_hex(b->payload, b->payload_len, hex) != 0) return nomem(r);
    if (strcmp(hex, value) != 0)
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "log entry payload hash does not match bundle");
    char *sig = omsig_base64_encode(b->sig, b->sig_len);
    char *ver = leaf_pem_b64(leaf);
    omsig_status st = OMSIG_OK;
    if (!sig || !ver) {
        st = nomem(r);
    } else {
        /* the bundle has exactly one signature (checked before), so the list must be it */
        const char *bs = member_str(sigs->child, "signature");
        const char *bv = member_str(sigs->child, "verifier");
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
    const cJSON *spec = member(j, "spec"), *hr = member(spec, "hashedRekordV002");
    const cJSON *data = member(hr, "data"), *sig = member(hr, "signature");
    const cJSON *ver = member(sig, "verifier"), *cert = member(ver, "x509Certificate");
    const cJSON *pk = member(ver, "publicKey"), *dv = member(spec, "dsseV002");
    if (!only_keys(j, k_root, &bad) || !only_keys(spec, k_spec, &bad) ||
        !only_keys(hr, k_hr, &bad) || !only_keys(data, k_data, &bad) ||
        !only_keys(sig, k_sig, &bad) || !only_keys(ver, k_ver, &bad) ||
        !only_keys(cert, k_cert, &bad) || (pk && !cJSON_IsNull(pk)) || (dv && !cJSON_IsNull(dv)))
        return omsig_fail(r, OMSIG_E_SIGNATURE_INVALID,
                          "transparency log entry is inconsistent with other materials");
    uint8_t *digest = NULL, *content = NULL, *der = NULL;
    size_t dlen = 0, clen = 0, derlen = 0;
    uint8_t want[EVP_MAX_MD_SIZE];
    unsigned int wlen = 0;
    omsig_buf pae = {0};
    bool same = member_b64(data, "digest", &digest, &dlen) &&
                member_b64(sig, "content", &content, &clen) &&
                member_b64(cert, "rawBytes", &der, &derlen);
    if (pae_typed(b, &pae) || EVP_Digest(pae.data, pae.len, want, &wlen, md, NULL) != 1) {
        same = false;
    }
    const char *k = member_str(j, "kind"), *v = member_str(j, "apiVersion");
    const char *a = member_str(data, "algorithm"), *kd = member_str(ver, "keyDetails");
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

static omsig_status check_body(const char *kind, const char *version, const uint8_t *body,
                               size_t body_len, X509 *leaf, const omsig_bundle *b,
                               omsig_report *r)
{
    const bool dsse1 = !strcmp(kind, "dsse") && !strcmp(version, "0.0.1");
    const bool hr2 = !strcmp(kind, "hashedrekord") && !strcmp(version, "0.0.2");
    if (!dsse1 && !hr2)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED, "Unsupported DSSE log entry type: %.100s/%.100s",
                          kind, version);
    char *text = malloc(body_len + 1);
    if (!text) return nomem(r);
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

omsig_status omsig_sigstore_check_entry_body(const char *kind, const char *version,
                                             const uint8_t *body, size_t body_len,
                                             const omsig_bundle *b, omsig_report *r)
{
    if (!b->certs || b->n_certs == 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate in bundle");
    X509 *leaf = der_to_x509(b->certs[0].data, b->certs[0].len);
    if (!leaf) return load_fail(r, "the signing certificate is not valid DER");
    const omsig_status st = check_body(kind, version, body, body_len, leaf, b, r);
    X509_free(leaf);
    return st;
}

omsig_status omsig_sigstore_check_sct(omsig_pki *p, const uint8_t *leaf_der, size_t leaf_len,
                                      const uint8_t *chain_der, size_t chain_len, omsig_report *r)
{
    const sgs_state *s = p->store;
    X509 *leaf = der_to_x509(leaf_der, leaf_len);
    X509 *other = der_to_x509(chain_der, chain_len);
    STACK_OF(X509) *chain = NULL;
    int64_t t = 0;
    omsig_status st;
    if (!leaf || !other || !asn1_time_us(X509_get0_notBefore(other), &t))
        st = load_fail(r, "the certificate is not valid DER");
    else if ((st = chain_at(s, other, t, &chain, r)) == OMSIG_OK)
        st = verify_sct(s, leaf, chain, r);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    X509_free(other);
    return st;
}

/* The built-in trust root failed a bundle signed after its newest key: Sigstore may have
 * added a key since (a new Fulcio intermediate, Rekor log or timestamp authority).  Says so
 * after the failure's own message. */
static void rotation_hint(const sgs_ctx *c)
{
    int64_t signed_at = 0;
    if (!asn1_time_us(X509_get0_notBefore(c->leaf), &signed_at) || signed_at <= c->s->newest)
        return;
    char when[16], root[16];
    format_date(signed_at, when);
    format_date(c->s->newest, root);
    char *m = NULL;
    if (asprintf(&m,
                 "%s. The bundle was signed on %s, after the newest key of the Sigstore trust "
                 "root built into omsig (%s): Sigstore may have rotated a key since. Pass "
                 "--trust_config with a current trusted_root.json (the 'trusted_root.json' TUF "
                 "target of %s)",
                 c->r->message ? c->r->message : "", when, root,
                 c->o->use_staging ? k_builtin_staging.tuf_url : k_builtin_production.tuf_url) < 0)
        return;
    free(c->r->message);
    c->r->message = m;
}

/* ---- the whole check ------------------------------------------------------------------------- */

static const char *source_name(int src)
{
    return src == SRC_TSA ? "a timestamp authority" : "the transparency log's integrated time";
}

omsig_status omsig_pki_sigstore_check(omsig_pki *p, const omsig_options *o, const omsig_bundle *b,
                                      omsig_report *r)
{
    if (!p || !p->store) return omsig_fail(r, OMSIG_E_USAGE, "no Sigstore trust root loaded");
    sgs_ctx c;
    memset(&c, 0, sizeof c);
    c.s = p->store;
    c.o = o;
    c.b = b;
    c.r = r;
    omsig_status st;
    bool keys = false; /* the failing step looks up a key or certificate of the trust root */
    /* bundle load, then steps 0-8 of sigstore-python's _verify_common_signing_cert and
     * verify_dsse */
    if ((st = check_shape(&c)) != OMSIG_OK) goto out;
    keys = true;
    if ((st = establish_time(&c)) != OMSIG_OK) goto out;
    for (size_t i = 0; i < c.n_times; i++)
        if ((st = chain_at(c.s, c.leaf, c.times[i].us, &c.chain, r)) != OMSIG_OK) goto out;
    if ((st = verify_sct(c.s, c.leaf, c.chain, r)) != OMSIG_OK) goto out;
    keys = false;
    if ((st = check_policy(&c)) != OMSIG_OK) goto out;
    keys = true;
    if (c.s->rekor.n == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "Did not find any Rekor keys in trusted root");
        goto out;
    }
    keys = false;
    if ((st = verify_merkle(&c.e, r)) != OMSIG_OK) goto out;
    keys = true;
    if ((st = verify_checkpoint(c.s, &c.e, r)) != OMSIG_OK) goto out;
    if (c.e.has_promise && c.e.has_time && c.e.integrated_time != 0 &&
        (st = verify_set(c.s, &c.e, r)) != OMSIG_OK)
        goto out;
    keys = false;
    int64_t nb = 0, na = 0;
    if (!asn1_time_us(X509_get0_notBefore(c.leaf), &nb) ||
        !asn1_time_us(X509_get0_notAfter(c.leaf), &na)) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "the signing certificate's validity is unreadable");
        goto out;
    }
    for (size_t i = 0; i < c.n_times; i++)
        if (c.times[i].us < nb || c.times[i].us > na) {
            char when[32];
            format_time(c.times[i].us, when);
            st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                            "invalid signing cert: expired at time of signing, time via %s (%s)",
                            source_name(c.times[i].source), when);
            goto out;
        }
    if ((st = verify_dsse(c.leaf, b, r)) != OMSIG_OK) goto out;
    st = check_body(c.e.kind, c.e.version, c.e.body, c.e.body_len, c.leaf, b, r);
out:
    if (st != OMSIG_OK && keys && c.s->builtin && c.leaf) rotation_hint(&c);
    ctx_free(&c);
    return st;
}
