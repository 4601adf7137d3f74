/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make_fixtures.c - the project's own Sigstore test instance, made fresh on every run: a
 * Fulcio-like CA (root and intermediate issuing short-lived leaves with the Fulcio OIDC issuer
 * extensions, a SAN and an embedded SCT), a CT log key, a Rekor key (signed checkpoint and
 * signed entry timestamp over an RFC 6962 tree holding the entry), and an RFC 3161 timestamp
 * authority.  Writes their trusted_root.json files and v0.3 bundles (a DSSE envelope over the
 * OMS statement of a small model) in the layout of the shared vectors, so that the sigstore
 * tests run from the repository alone.  No key is ever written to disk.
 *
 * Usage: sigstore_fixtures OUTDIR
 * Writes, under OUTDIR:
 *   vectors/sigstore/trusted_root.production.json  the instance that signs
 *   vectors/sigstore/trusted_root.staging.json     an unrelated second instance
 *   vectors/model-transparency/v1.0.0-sigstore/     model + model.sig: inclusion promise only
 *   vectors/model-transparency/v1.1.0-sigstore/     model + model.sig: promise and RFC 3161
 *   uri-identity/                                   model + model.sig: a URI SAN and only the
 *                                                   OIDC issuer extension 57264.1.8
 *   rekor-v2/                                       model + model.sig: a Rekor v2 entry
 *                                                   (hashedrekord 0.0.2) and an RFC 3161 time
 *   extra/NAME/                                     model + model.sig, each wrong in one way
 *                                                   that needs the keys (see main)
 *   identity                                        the email identity, the issuer and the URI
 *                                                   identity, one a line
 */
#define _GNU_SOURCE /* gmtime_r */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define IDENTITY     "omsig-test-signer@example.com"
#define URI_IDENTITY "https://github.com/omsig-test/models/.github/workflows/sign.yml@refs/heads/main"
#define ISSUER       "https://oauth2.example.com/omsig-test"
#define OID_OIDC_ISSUER  "1.3.6.1.4.1.57264.1.1"
#define OID_OIDC_ISSUER2 "1.3.6.1.4.1.57264.1.8"
#define PAYLOAD_TYPE "application/vnd.in-toto+json"
#define TREE_SIZE    13 /* leaves of the log's tree; the entry is leaf ENTRY_INDEX */
#define ENTRY_INDEX  9

static void die(const char *what)
{
    fprintf(stderr, "sigstore_fixtures: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

#define NEED(cond, what)                                                                       \
    do {                                                                                       \
        if (!(cond)) die(what);                                                                \
    } while (0)

/* ---- small helpers ----------------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n)
{
    uint8_t *q = realloc(b->p, b->n + n + 1);
    NEED(q, "out of memory");
    memcpy(q + b->n, p, n);
    b->p = q;
    b->n += n;
    b->p[b->n] = 0;
}

static void bytes_addf(bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bytes_addf(bytes *b, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    NEED(n >= 0 && (size_t)n < sizeof buf, "formatted text too long");
    bytes_add(b, buf, (size_t)n);
}

static char *b64(const void *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    NEED(out, "out of memory");
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
    NEED(EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) == 1, "SHA-256 failed");
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    NEED(f && fwrite(p, 1, n, f) == n && fclose(f) == 0, path);
}

static void write_json(const char *path, const cJSON *j)
{
    char *text = cJSON_Print(j);
    NEED(text, "out of memory");
    write_file(path, text, strlen(text));
    free(text);
}

static void mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            NEED(mkdir(buf, 0755) == 0 || errno == EEXIST, buf);
            *p = '/';
        }
    NEED(mkdir(buf, 0755) == 0 || errno == EEXIST, buf);
}

static EVP_PKEY *ec_key(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    NEED(k, "key generation failed");
    return k;
}

/* DER SubjectPublicKeyInfo, and its SHA-256 (the RFC 6962 log ID). */
static bytes spki(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    const int n = i2d_PUBKEY(k, &der);
    NEED(n > 0, "cannot encode a public key");
    bytes b = {0};
    bytes_add(&b, der, (size_t)n);
    OPENSSL_free(der);
    return b;
}

static void key_id(EVP_PKEY *k, uint8_t out[32])
{
    bytes s = spki(k);
    sha256(s.p, s.n, out);
    free(s.p);
}

/* ECDSA (DER) with SHA-256 over data. */
static bytes sign_sha256(EVP_PKEY *k, const void *data, size_t n)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t len = 0;
    NEED(c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(c, NULL, &len, data, n) == 1,
         "signing failed");
    bytes b = {malloc(len + 1), 0};
    NEED(b.p && EVP_DigestSign(c, b.p, &len, data, n) == 1, "signing failed");
    b.n = len;
    EVP_MD_CTX_free(c);
    return b;
}

static void rfc3339(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- certificates ------------------------------------------------------------------------ */

typedef enum { CERT_ROOT, CERT_INTERMEDIATE, CERT_TSA, CERT_LEAF } cert_kind;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    NEED(e && X509_add_ext(x, e, -1) == 1, "cannot add an extension");
    X509_EXTENSION_free(e);
}

/* An extension with the given OID and extnValue content bytes. */
static void add_raw_ext(X509 *x, const char *oid, const void *value, size_t n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    NEED(obj && os && ASN1_OCTET_STRING_set(os, value, (int)n) == 1, "out of memory");
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    NEED(e && X509_add_ext(x, e, -1) == 1, "cannot add an extension");
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

/* A certificate of kind for key, issued by issuer/issuer_key (NULL: self-signed), valid from
 * nb to na, unsigned; org and cn name it (a leaf has an empty subject, as Fulcio's have). */
static X509 *new_cert(cert_kind kind, EVP_PKEY *key, X509 *issuer, time_t nb, time_t na, const char *org, const char *cn)
{
    X509 *x = X509_new();
    NEED(x && X509_set_version(x, X509_VERSION_3) == 1, "out of memory");
    uint8_t serial[20];
    NEED(RAND_bytes(serial, sizeof serial) == 1, "no random bytes");
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    NEED(bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)), "out of memory");
    BN_free(bn);
    X509_NAME *name = X509_get_subject_name(x);
    if (org) X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    if (cn) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    NEED(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1 &&
             X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) &&
             X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na) && X509_set_pubkey(x, key) == 1,
         "cannot fill a certificate");
    switch (kind) {
    case CERT_ROOT:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        break;
    case CERT_INTERMEDIATE:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
        break;
    case CERT_TSA:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
        add_ext(x, issuer, NID_ext_key_usage, "critical,timeStamping");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
        break;
    case CERT_LEAF: /* the caller adds the SAN, the issuer extensions and the SCT */
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
        add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
        break;
    }
    return x;
}

static void sign_cert(X509 *x, EVP_PKEY *issuer_key)
{
    const EVP_MD *md = EVP_PKEY_get_bits(issuer_key) > 256 ? EVP_sha384() : EVP_sha256();
    NEED(X509_sign(x, issuer_key, md) > 0, "cannot sign a certificate");
}

static bytes cert_der(X509 *x)
{
    unsigned char *der = NULL;
    const int n = i2d_X509(x, &der);
    NEED(n > 0, "cannot encode a certificate");
    bytes b = {0};
    bytes_add(&b, der, (size_t)n);
    OPENSSL_free(der);
    return b;
}

/* ---- one Sigstore instance ------------------------------------------------------------------ */

typedef struct instance {
    const char *name; /* "production" or "staging": only a name */
    EVP_PKEY *root_key, *inter_key, *ct_key, *rekor_key, *tsa_root_key, *tsa_key;
    X509 *root, *inter, *tsa_root, *tsa;
} instance;

static void instance_make(instance *in, const char *name, time_t now)
{
    char o[64], cn[96];
    in->name = name;
    in->root_key = ec_key("P-384");
    in->inter_key = ec_key("P-384");
    in->ct_key = ec_key("P-256");
    in->rekor_key = ec_key("P-256");
    in->tsa_root_key = ec_key("P-384");
    in->tsa_key = ec_key("P-256");
    const time_t ca_nb = now - 2 * 86400, ca_na = now + 10 * 365 * 86400L;
    snprintf(o, sizeof o, "omsig test %s", name);
    snprintf(cn, sizeof cn, "omsig test %s Fulcio root", name);
    in->root = new_cert(CERT_ROOT, in->root_key, NULL, ca_nb, ca_na, o, cn);
    sign_cert(in->root, in->root_key);
    snprintf(cn, sizeof cn, "omsig test %s Fulcio intermediate", name);
    in->inter = new_cert(CERT_INTERMEDIATE, in->inter_key, in->root, ca_nb, ca_na, o, cn);
    sign_cert(in->inter, in->root_key);
    snprintf(cn, sizeof cn, "omsig test %s TSA root", name);
    in->tsa_root = new_cert(CERT_ROOT, in->tsa_root_key, NULL, ca_nb, ca_na, o, cn);
    sign_cert(in->tsa_root, in->tsa_root_key);
    snprintf(cn, sizeof cn, "omsig test %s TSA", name);
    in->tsa = new_cert(CERT_TSA, in->tsa_key, in->tsa_root, ca_nb, ca_na, o, cn);
    sign_cert(in->tsa, in->tsa_root_key);
}

static void instance_free(instance *in)
{
    EVP_PKEY_free(in->root_key);
    EVP_PKEY_free(in->inter_key);
    EVP_PKEY_free(in->ct_key);
    EVP_PKEY_free(in->rekor_key);
    EVP_PKEY_free(in->tsa_root_key);
    EVP_PKEY_free(in->tsa_key);
    X509_free(in->root);
    X509_free(in->inter);
    X509_free(in->tsa_root);
    X509_free(in->tsa);
}

static void add_raw_bytes(cJSON *arr, X509 *x)
{
    bytes d = cert_der(x);
    char *s = b64(d.p, d.n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rawBytes", s);
    cJSON_AddItemToArray(arr, o);
    free(s);
    free(d.p);
}

static cJSON *transparency_log(const char *url, EVP_PKEY *k, const char *start)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "baseUrl", url);
    cJSON_AddStringToObject(t, "hashAlgorithm", "SHA2_256");
    cJSON *pk = cJSON_AddObjectToObject(t, "publicKey");
    bytes s = spki(k);
    char *raw = b64(s.p, s.n);
    cJSON_AddStringToObject(pk, "rawBytes", raw);
    cJSON_AddStringToObject(pk, "keyDetails", "PKIX_ECDSA_P256_SHA_256");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(pk, "validFor"), "start", start);
    uint8_t id[32];
    key_id(k, id);
    char *idb = b64(id, 32);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(t, "logId"), "keyId", idb);
    free(idb);
    free(raw);
    free(s.p);
    return t;
}

static cJSON *authority(const char *org, const char *cn, const char *url, X509 *leaf, X509 *root,
                        const char *start)
{
    cJSON *a = cJSON_CreateObject();
    cJSON *subj = cJSON_AddObjectToObject(a, "subject");
    cJSON_AddStringToObject(subj, "organization", org);
    cJSON_AddStringToObject(subj, "commonName", cn);
    cJSON_AddStringToObject(a, "uri", url);
    cJSON *certs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(a, "certChain"), "certificates");
    add_raw_bytes(certs, leaf);
    add_raw_bytes(certs, root);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "validFor"), "start", start);
    return a;
}

/* The instance's trusted_root.json (Sigstore TrustedRoot v0.1). */
static void write_trusted_root(const instance *in, const char *path, time_t now)
{
    char start[32], url[128], org[64];
    rfc3339(now - 86400, start);
    snprintf(org, sizeof org, "omsig test %s", in->name);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mediaType",
                            "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    snprintf(url, sizeof url, "https://rekor.%s.omsig.invalid", in->name);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "tlogs"),
                         transparency_log(url, in->rekor_key, start));
    snprintf(url, sizeof url, "https://fulcio.%s.omsig.invalid", in->name);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "certificateAuthorities"),
                         authority(org, "omsig test Fulcio intermediate", url, in->inter, in->root,
                                   start));
    snprintf(url, sizeof url, "https://ctfe.%s.omsig.invalid/test", in->name);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "ctlogs"),
                         transparency_log(url, in->ct_key, start));
    snprintf(url, sizeof url, "https://tsa.%s.omsig.invalid/api/v1/timestamp", in->name);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "timestampAuthorities"),
                         authority(org, "omsig test TSA", url, in->tsa, in->tsa_root, start));
    write_json(path, j);
    cJSON_Delete(j);
}

/* ---- the signing certificate with its embedded SCT (RFC 6962 3.2) ---------------------------- */

static void put_be(bytes *b, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        const uint8_t c = (uint8_t)(v >> (8 * i));
        bytes_add(b, &c, 1);
    }
}

typedef struct leaf_opts {
    bool uri;             /* a URI SAN instead of an email */
    bool issuer_v1;       /* also the raw-valued 57264.1.1 (older Fulcio leaves have both) */
    bool no_sct;          /* no embedded SCT */
    bool no_code_signing; /* emailProtection instead of codeSigning */
    bool other_ct_log;    /* the SCT from the other instance's CT log */
    bool no_issuer;       /* neither OIDC issuer extension */
    bool key_agreement;   /* key usage keyAgreement instead of digitalSignature */
} leaf_opts;

static X509 *make_leaf(const instance *in, const instance *other, EVP_PKEY *key, time_t now,
                       const leaf_opts *lo)
{
    X509 *x = new_cert(CERT_LEAF, key, in->inter, now - 120, now + 600, NULL, NULL);
    if (lo->key_agreement) {
        X509_EXTENSION_free(X509_delete_ext(x, X509_get_ext_by_NID(x, NID_key_usage, -1)));
        add_ext(x, in->inter, NID_key_usage, "critical,keyAgreement");
    }
    if (lo->no_code_signing) {
        X509_EXTENSION_free(X509_delete_ext(x, X509_get_ext_by_NID(x, NID_ext_key_usage, -1)));
        add_ext(x, in->inter, NID_ext_key_usage, "emailProtection");
    }
    char san[256];
    snprintf(san, sizeof san, "critical,%s:%s", lo->uri ? "URI" : "email",
             lo->uri ? URI_IDENTITY : IDENTITY);
    add_ext(x, in->inter, NID_subject_alt_name, san);
    if (lo->issuer_v1 && !lo->no_issuer) add_raw_ext(x, OID_OIDC_ISSUER, ISSUER, strlen(ISSUER));
    /* 57264.1.8: a DER UTF8String */
    ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
    unsigned char *der = NULL;
    NEED(u && ASN1_STRING_set(u, ISSUER, -1) == 1, "out of memory");
    const int dn = i2d_ASN1_UTF8STRING(u, &der);
    NEED(dn > 0, "out of memory");
    if (!lo->no_issuer) add_raw_ext(x, OID_OIDC_ISSUER2, der, (size_t)dn);
    OPENSSL_free(der);
    ASN1_UTF8STRING_free(u);
    if (lo->no_sct) {
        sign_cert(x, in->inter_key);
        return x;
    }

    /* the precertificate's TBS: the final certificate's without the SCT list (the signature
     * algorithm inside the TBS is set by signing once) */
    sign_cert(x, in->inter_key);
    unsigned char *tbs = NULL;
    const int tbs_len = i2d_re_X509_tbs(x, &tbs);
    NEED(tbs_len > 0, "cannot encode the TBS");
    bytes inter_spki = spki(X509_get0_pubkey(in->inter));
    uint8_t issuer_hash[32], log_id[32];
    sha256(inter_spki.p, inter_spki.n, issuer_hash);
    EVP_PKEY *ct_key = lo->other_ct_log ? other->ct_key : in->ct_key;
    key_id(ct_key, log_id);
    const uint64_t ts_ms = (uint64_t)(now - 119) * 1000;
    bytes signed_part = {0};
    put_be(&signed_part, 0, 1);      /* v1 */
    put_be(&signed_part, 0, 1);      /* certificate_timestamp */
    put_be(&signed_part, ts_ms, 8);
    put_be(&signed_part, 1, 2);      /* precert_entry */
    bytes_add(&signed_part, issuer_hash, 32);
    put_be(&signed_part, (uint64_t)tbs_len, 3);
    bytes_add(&signed_part, tbs, (size_t)tbs_len);
    put_be(&signed_part, 0, 2);      /* no extensions */
    bytes sig = sign_sha256(ct_key, signed_part.p, signed_part.n);
    bytes sct = {0};
    put_be(&sct, 0, 1);
    bytes_add(&sct, log_id, 32);
    put_be(&sct, ts_ms, 8);
    put_be(&sct, 0, 2);
    put_be(&sct, 4, 1); /* sha256 */
    put_be(&sct, 3, 1); /* ecdsa */
    put_be(&sct, sig.n, 2);
    bytes_add(&sct, sig.p, sig.n);
    bytes list = {0};
    put_be(&list, sct.n + 2, 2);
    put_be(&list, sct.n, 2);
    bytes_add(&list, sct.p, sct.n);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    NEED(os && ASN1_OCTET_STRING_set(os, list.p, (int)list.n) == 1, "out of memory");
    der = NULL;
    const int on = i2d_ASN1_OCTET_STRING(os, &der);
    NEED(on > 0, "out of memory");
    add_raw_ext(x, "1.3.6.1.4.1.11129.2.4.2", der, (size_t)on);
    sign_cert(x, in->inter_key);
    OPENSSL_free(der);
    ASN1_OCTET_STRING_free(os);
    OPENSSL_free(tbs);
    free(inter_spki.p);
    free(signed_part.p);
    free(sig.p);
    free(sct.p);
    free(list.p);
    return x;
}

/* ---- the model and its statement ---------------------------------------------------------- */

static const char *const k_files[] = {"signme-1", "signme-2"};

/* Writes the model files into dir and returns the OMS statement (files, sha256) over them. */
static char *model_statement(const char *dir, const char *subject)
{
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "_type", "https://in-toto.io/Statement/v1");
    cJSON *subj = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(st, "subject"), subj);
    cJSON_AddStringToObject(subj, "name", subject);
    cJSON *digest = cJSON_AddObjectToObject(subj, "digest");
    cJSON_AddStringToObject(st, "predicateType", "https://model_signing/signature/v1.0");
    cJSON *pred = cJSON_AddObjectToObject(st, "predicate");
    cJSON *ser = cJSON_AddObjectToObject(pred, "serialization");
    cJSON_AddStringToObject(ser, "method", "files");
    cJSON_AddStringToObject(ser, "hash_type", "sha256");
    cJSON_AddFalseToObject(ser, "allow_symlinks");
    cJSON *ign = cJSON_AddArrayToObject(ser, "ignore_paths");
    static const char *const ignored[] = {".git", ".gitattributes", ".github", ".gitignore",
                                          "model.sig"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        cJSON_AddItemToArray(ign, cJSON_CreateString(ignored[i]));
    cJSON *res = cJSON_AddArrayToObject(pred, "resources");
    uint8_t all[2 * 32], d[32];
    char h[65], path[4200];
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, k_files[i]);
        write_file(path, k_files[i], strlen(k_files[i]));
        sha256(k_files[i], strlen(k_files[i]), all + 32 * i);
        hex(all + 32 * i, 32, h);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "algorithm", "sha256");
        cJSON_AddStringToObject(r, "digest", h);
        cJSON_AddStringToObject(r, "name", k_files[i]);
        cJSON_AddItemToArray(res, r);
    }
    sha256(all, sizeof all, d);
    hex(d, 32, h);
    cJSON_AddStringToObject(digest, "sha256", h);
    char *text = cJSON_Print(st);
    NEED(text, "out of memory");
    cJSON_Delete(st);
    return text;
}

/* ---- the log: RFC 6962 tree, checkpoint, signed entry timestamp --------------------------- */

static void leaf_hash(const void *p, size_t n, uint8_t out[32])
{
    bytes b = {0};
    bytes_add(&b, "\0", 1);
    bytes_add(&b, p, n);
    sha256(b.p, b.n, out);
    free(b.p);
}

static void node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    sha256(buf, sizeof buf, out);
}

static size_t split(size_t n) /* the largest power of two below n */
{
    size_t k = 1;
    while (k << 1 < n) k <<= 1;
    return k;
}

/* MTH(D[lo:hi]) over the leaf hashes. */
static void mth(const uint8_t (*h)[32], size_t lo, size_t hi, uint8_t out[32])
{
    if (hi - lo == 1) {
        memcpy(out, h[lo], 32);
        return;
    }
    const size_t k = split(hi - lo);
    uint8_t l[32], r[32];
    mth(h, lo, lo + k, l);
    mth(h, lo + k, hi, r);
    node_hash(l, r, out);
}

/* PATH(m, D[lo:hi]), bottom first, appended to proof. */
static void path(const uint8_t (*h)[32], size_t m, size_t lo, size_t hi, uint8_t (*proof)[32],
                 size_t *n)
{
    if (hi - lo <= 1) return;
    const size_t k = split(hi - lo);
    if (m < k) {
        path(h, m, lo, lo + k, proof, n);
        mth(h, lo + k, hi, proof[(*n)++]);
    } else {
        path(h, m - k, lo + k, hi, proof, n);
        mth(h, lo, lo + k, proof[(*n)++]);
    }
}

/* ---- RFC 3161 ------------------------------------------------------------------------------ */

/* A TimeStampResp from the instance's TSA over SHA-256(data), DER. */
static bytes timestamp(const instance *in, const uint8_t *data, size_t n)
{
    uint8_t d[32];
    sha256(data, n, d);
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    NEED(req && mi && alg && TS_REQ_set_version(req, 1) == 1 &&
             X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
             TS_MSG_IMPRINT_set_algo(mi, alg) == 1 && TS_MSG_IMPRINT_set_msg(mi, d, 32) == 1 &&
             TS_REQ_set_msg_imprint(req, mi) == 1 && TS_REQ_set_cert_req(req, 1) == 1,
         "cannot build a timestamp request");
    unsigned char *rder = NULL;
    const int rn = i2d_TS_REQ(req, &rder);
    NEED(rn > 0, "cannot encode a timestamp request");
    BIO *rb = BIO_new_mem_buf(rder, rn);
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
    NEED(rb && ctx && policy && TS_RESP_CTX_set_signer_cert(ctx, in->tsa) == 1 &&
             TS_RESP_CTX_set_signer_key(ctx, in->tsa_key) == 1 &&
             TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1 &&
             TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1 &&
             TS_RESP_CTX_set_def_policy(ctx, policy) == 1 &&
             TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1,
         "cannot set up the timestamp authority");
    TS_RESP *resp = TS_RESP_create_response(ctx, rb);
    NEED(resp, "cannot create a timestamp response");
    NEED(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) == 0,
         "the timestamp authority refused the request");
    unsigned char *der = NULL;
    const int dn = i2d_TS_RESP(resp, &der);
    NEED(dn > 0, "cannot encode a timestamp response");
    bytes b = {0};
    bytes_add(&b, der, (size_t)dn);
    OPENSSL_free(der);
    OPENSSL_free(rder);
    TS_RESP_free(resp);
    TS_RESP_CTX_free(ctx);
    ASN1_OBJECT_free(policy);
    BIO_free(rb);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    return b;
}

/* ---- a signed bundle ---------------------------------------------------------------------- */

typedef struct bundle_opts {
    leaf_opts leaf;
    bool tsa;             /* an RFC 3161 timestamp besides the inclusion promise */
    uint64_t log_index;
    bool no_promise;      /* no inclusion promise (the timestamp is the only time) */
    bool other_tsa;       /* the timestamp from the other instance's TSA */
    bool late;            /* integrated after the leaf expired (the promise signed for it) */
    bool checkpoint_root; /* the checkpoint signs another root hash than the proof's */
    bool rekor_v2;        /* a Rekor v2 entry: hashedrekord 0.0.2, no integrated time, no
                           * promise (give it a timestamp) */
} bundle_opts;

static cJSON *rekor_entry(const instance *in, const char *body, time_t integrated,
                          const bundle_opts *bo)
{
    const uint64_t log_index = bo->log_index;
    uint8_t hashes[TREE_SIZE][32], proof[64][32], root[32], id[32];
    for (size_t i = 0; i < TREE_SIZE; i++) {
        char other[64];
        snprintf(other, sizeof other, "another entry of the omsig test log, %zu", i);
        if (i == ENTRY_INDEX) leaf_hash(body, strlen(body), hashes[i]);
        else leaf_hash(other, strlen(other), hashes[i]);
    }
    mth((const uint8_t(*)[32])hashes, 0, TREE_SIZE, root);
    size_t n_proof = 0;
    path((const uint8_t(*)[32])hashes, ENTRY_INDEX, 0, TREE_SIZE, proof, &n_proof);
    key_id(in->rekor_key, id);
    char id_hex[65];
    hex(id, 32, id_hex);
    char *id_b64 = b64(id, 32), *body_b64 = b64(body, strlen(body)), *root_b64 = b64(root, 32);

    /* the signed entry timestamp over the RFC 8785 form of the entry */
    bytes set_doc = {0};
    bytes_add(&set_doc, "{\"body\":\"", 9);
    bytes_add(&set_doc, body_b64, strlen(body_b64));
    bytes_addf(&set_doc, "\",\"integratedTime\":%lld,\"logID\":\"%s\",\"logIndex\":%llu}",
               (long long)integrated, id_hex, (unsigned long long)log_index);
    bytes set = sign_sha256(in->rekor_key, set_doc.p, set_doc.n);
    char *set_b64 = b64(set.p, set.n);

    /* the checkpoint: a signed note over origin, tree size and root hash */
    bytes note = {0};
    if (bo->checkpoint_root) {
        uint8_t other[32];
        memcpy(other, root, 32);
        other[0] ^= 1;
        char *o = b64(other, 32);
        bytes_addf(&note, "rekor.%s.omsig.invalid - 4242\n%d\n%s\n", in->name, TREE_SIZE, o);
        free(o);
    } else {
        bytes_addf(&note, "rekor.%s.omsig.invalid - 4242\n%d\n%s\n", in->name, TREE_SIZE,
                   root_b64);
    }
    bytes nsig = sign_sha256(in->rekor_key, note.p, note.n);
    bytes hinted = {0};
    bytes_add(&hinted, id, 4);
    bytes_add(&hinted, nsig.p, nsig.n);
    char *hinted_b64 = b64(hinted.p, hinted.n);
    bytes envelope = {0};
    bytes_add(&envelope, note.p, note.n);
    bytes_addf(&envelope, "\n\xe2\x80\x94 rekor.%s.omsig.invalid %s\n", in->name, hinted_b64);

    char num[32];
    cJSON *e = cJSON_CreateObject();
    snprintf(num, sizeof num, "%llu", (unsigned long long)log_index);
    cJSON_AddStringToObject(e, "logIndex", num);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "logId"), "keyId", id_b64);
    cJSON *kv = cJSON_AddObjectToObject(e, "kindVersion");
    cJSON_AddStringToObject(kv, "kind", bo->rekor_v2 ? "hashedrekord" : "dsse");
    cJSON_AddStringToObject(kv, "version", bo->rekor_v2 ? "0.0.2" : "0.0.1");
    snprintf(num, sizeof num, "%lld", (long long)integrated);
    if (!bo->rekor_v2) cJSON_AddStringToObject(e, "integratedTime", num);
    if (!bo->no_promise && !bo->rekor_v2)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "inclusionPromise"),
                                "signedEntryTimestamp", set_b64);
    cJSON *pr = cJSON_AddObjectToObject(e, "inclusionProof");
    snprintf(num, sizeof num, "%d", ENTRY_INDEX);
    cJSON_AddStringToObject(pr, "logIndex", num);
    cJSON_AddStringToObject(pr, "rootHash", root_b64);
    snprintf(num, sizeof num, "%d", TREE_SIZE);
    cJSON_AddStringToObject(pr, "treeSize", num);
    cJSON *hs = cJSON_AddArrayToObject(pr, "hashes");
    for (size_t i = 0; i < n_proof; i++) {
        char *s = b64(proof[i], 32);
        cJSON_AddItemToArray(hs, cJSON_CreateString(s));
        free(s);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(pr, "checkpoint"), "envelope",
                            (const char *)envelope.p);
    cJSON_AddStringToObject(e, "canonicalizedBody", body_b64);
    free(id_b64);
    free(body_b64);
    free(root_b64);
    free(set_b64);
    free(hinted_b64);
    free(set_doc.p);
    free(set.p);
    free(note.p);
    free(nsig.p);
    free(hinted.p);
    free(envelope.p);
    return e;
}

/* Signs the model written to dir as Fulcio, Rekor (and the TSA) of in would, into dir/model.sig. */
static void sign_model(const instance *in, const instance *other, const char *dir,
                       const char *subject, time_t now, const bundle_opts *bo)
{
    char *statement = model_statement(dir, subject);
    EVP_PKEY *key = ec_key("P-256"); /* the ephemeral signing key */
    X509 *leaf = make_leaf(in, other, key, now, &bo->leaf);

    /* the DSSE envelope over the statement */
    const size_t plen = strlen(statement);
    bytes pae = {0};
    bytes_addf(&pae, "DSSEv1 %zu %s %zu ", strlen(PAYLOAD_TYPE), PAYLOAD_TYPE, plen);
    bytes_add(&pae, statement, plen);
    bytes sig = sign_sha256(key, pae.p, pae.n);
    char *sig_b64 = b64(sig.p, sig.n), *payload_b64 = b64(statement, plen);

    /* the Rekor dsse 0.0.1 entry: keys sorted, no whitespace */
    BIO *pem = BIO_new(BIO_s_mem());
    char *pem_text = NULL;
    NEED(pem && PEM_write_bio_X509(pem, leaf) == 1, "cannot write PEM");
    const long pem_len = BIO_get_mem_data(pem, &pem_text);
    char *verifier = b64(pem_text, (size_t)pem_len);
    uint8_t d[32];
    char payload_hash[65], envelope_hash[65];
    sha256(statement, plen, d);
    hex(d, 32, payload_hash);
    bytes env = {0};
    bytes_addf(&env, "{\"payload\":\"");
    bytes_add(&env, payload_b64, strlen(payload_b64));
    bytes_addf(&env, "\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":\"%s\"}]}", PAYLOAD_TYPE,
               sig_b64);
    sha256(env.p, env.n, d);
    hex(d, 32, envelope_hash);
    bytes der = cert_der(leaf);
    char *der_b64 = b64(der.p, der.n);
    bytes body = {0};
    if (bo->rekor_v2) { /* Rekor v2 logs the envelope as a hashedrekord over SHA-256(PAE) */
        sha256(pae.p, pae.n, d);
        char *pae_b64 = b64(d, 32);
        bytes_addf(&body,
                   "{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{"
                   "\"hashedRekordV002\":{\"data\":{\"algorithm\":\"SHA2_256\",\"digest\":\"%s\"},"
                   "\"signature\":{\"content\":\"%s\",\"verifier\":{\"keyDetails\":"
                   "\"PKIX_ECDSA_P256_SHA_256\",\"x509Certificate\":{\"rawBytes\":\"",
                   pae_b64, sig_b64);
        bytes_add(&body, der_b64, strlen(der_b64));
        bytes_add(&body, "\"}}}}}}", 7);
        free(pae_b64);
    } else {
        bytes_addf(&body,
                   "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"envelopeHash\":{"
                   "\"algorithm\":\"sha256\",\"value\":\"%s\"},\"payloadHash\":{\"algorithm\":"
                   "\"sha256\",\"value\":\"%s\"},\"signatures\":[{\"signature\":\"%s\","
                   "\"verifier\":\"",
                   envelope_hash, payload_hash, sig_b64);
        bytes_add(&body, verifier, strlen(verifier));
        bytes_add(&body, "\"}]}}", 5);
    }

    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    cJSON *vm = cJSON_AddObjectToObject(b, "verificationMaterial");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(vm, "certificate"), "rawBytes", der_b64);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(vm, "tlogEntries"),
                         rekor_entry(in, (const char *)body.p, bo->late ? now + 900 : now - 60,
                                     bo));
    cJSON *tvd = cJSON_AddObjectToObject(vm, "timestampVerificationData");
    if (bo->tsa) {
        bytes ts = timestamp(bo->other_tsa ? other : in, sig.p, sig.n);
        char *ts_b64 = b64(ts.p, ts.n);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "signedTimestamp", ts_b64);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(tvd, "rfc3161Timestamps"), t);
        free(ts_b64);
        free(ts.p);
    }
    cJSON *dsse = cJSON_AddObjectToObject(b, "dsseEnvelope");
    cJSON_AddStringToObject(dsse, "payload", payload_b64);
    cJSON_AddStringToObject(dsse, "payloadType", PAYLOAD_TYPE);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "sig", sig_b64);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(dsse, "signatures"), s);
    char path[4200];
    snprintf(path, sizeof path, "%s/model.sig", dir);
    write_json(path, b);
    cJSON_Delete(b);
    free(der_b64);
    free(der.p);
    free(body.p);
    free(env.p);
    free(verifier);
    BIO_free(pem);
    free(sig_b64);
    free(payload_b64);
    free(sig.p);
    free(pae.p);
    X509_free(leaf);
    EVP_PKEY_free(key);
    free(statement);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sigstore_fixtures OUTDIR\n");
        return 2;
    }
    const char *out = argv[1];
    const time_t now = time(NULL);
    char dir[4096], path[4200];
    instance prod, stag;
    instance_make(&prod, "production", now);
    instance_make(&stag, "staging", now);

    snprintf(dir, sizeof dir, "%s/vectors/sigstore", out);
    mkdirs(dir);
    snprintf(path, sizeof path, "%s/trusted_root.production.json", dir);
    write_trusted_root(&prod, path, now);
    snprintf(path, sizeof path, "%s/trusted_root.staging.json", dir);
    write_trusted_root(&stag, path, now);

    /* the shapes of the model-transparency vectors: an email SAN and both issuer extensions;
     * v1.0.0 with the inclusion promise alone, v1.1.0 with an RFC 3161 timestamp too; then
     * bundles only the holder of the keys can make, each wrong in one way */
    const leaf_opts email = {.issuer_v1 = true};
    const struct {
        const char *sub;
        bundle_opts o;
    } k_bundles[] = {
        {"vectors/model-transparency/v1.0.0-sigstore", {.leaf = email, .log_index = 1041}},
        {"vectors/model-transparency/v1.1.0-sigstore",
         {.leaf = email, .tsa = true, .log_index = 1042}},
        {"uri-identity", {.leaf = {.uri = true}, .tsa = true, .log_index = 1043}},
        {"extra/no-sct", {.leaf = {.issuer_v1 = true, .no_sct = true}, .log_index = 1044}},
        {"extra/sct-other-log",
         {.leaf = {.issuer_v1 = true, .other_ct_log = true}, .log_index = 1045}},
        {"extra/no-code-signing",
         {.leaf = {.issuer_v1 = true, .no_code_signing = true}, .log_index = 1046}},
        {"extra/integrated-after-expiry", {.leaf = email, .late = true, .log_index = 1047}},
        {"extra/tsa-other-authority",
         {.leaf = email, .tsa = true, .no_promise = true, .other_tsa = true, .log_index = 1048}},
        {"extra/checkpoint-other-root",
         {.leaf = email, .checkpoint_root = true, .log_index = 1049}},
        {"extra/no-issuer", {.leaf = {.no_issuer = true}, .log_index = 1050}},
        {"extra/key-agreement", {.leaf = {.issuer_v1 = true, .key_agreement = true}, .log_index = 1051}},
        {"rekor-v2", {.leaf = email, .tsa = true, .rekor_v2 = true, .log_index = 1052}},
    };
    for (size_t i = 0; i < sizeof k_bundles / sizeof *k_bundles; i++) {
        snprintf(dir, sizeof dir, "%s/%s", out, k_bundles[i].sub);
        mkdirs(dir);
        const char *base = strrchr(k_bundles[i].sub, '/');
        sign_model(&prod, &stag, dir, base ? base + 1 : k_bundles[i].sub, now, &k_bundles[i].o);
    }
    snprintf(path, sizeof path, "%s/identity", out);
    const char ids[] = IDENTITY "\n" ISSUER "\n" URI_IDENTITY "\n";
    write_file(path, ids, strlen(ids));
    instance_free(&prod);
    instance_free(&stag);
    return 0;
}
