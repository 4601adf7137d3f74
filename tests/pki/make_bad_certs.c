/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make_bad_certs.c - certificates for tests/pki/run_strict_certs.sh: a root, an intermediate
 * and a leaf (P-256), then the same chain with one certificate malformed in one way, edited
 * in its DER and signed again by its issuer (so that only the encoding is wrong), and leaves
 * on the curves the reference verifies beyond the NIST ones.
 *
 *   make_bad_certs DIR certs        DIR/good, DIR/<case>-<position>, DIR/curve-<curve>,
 *                                   DIR/cases.txt ("dir|position|what the message says|
 *                                   whether model_signing refuses or accepts it")
 *   make_bad_certs DIR bundles SIG  from SIG (signed with DIR/good and DIR/leaf.key): each
 *                                   case's bundle.sig with its chain in place of the good one,
 *                                   and each curve's bundle.sig signed with its key
 *
 * Exit 0, or 1 naming what failed (an edit that found nothing to edit fails: the test cannot
 * pass on certificates that are not what it says).
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *g_dir;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "make_bad_certs: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- bytes ----------------------------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    if (!b->p) die("out of memory");
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

/* tag, DER length, contents */
static buf tlv(uint8_t tag, const uint8_t *v, size_t n)
{
    buf b = {0};
    uint8_t h[6] = {tag};
    size_t k = 1;
    if (n < 0x80) h[k++] = (uint8_t)n;
    else if (n < 0x100) h[k++] = 0x81, h[k++] = (uint8_t)n;
    else h[k++] = 0x82, h[k++] = (uint8_t)(n >> 8), h[k++] = (uint8_t)n;
    put(&b, h, k);
    put(&b, v, n);
    return b;
}

/* Replaces the only occurrence of from in b with to; dies when it is not there exactly once. */
static void edit(buf *b, const uint8_t *from, size_t fn, const uint8_t *to, size_t tn, const char *what)
{
    size_t at = SIZE_MAX;
    for (size_t i = 0; i + fn <= b->n; i++)
        if (memcmp(b->p + i, from, fn) == 0) {
            if (at != SIZE_MAX) die("%s: the bytes to edit occur twice", what);
            at = i;
        }
    if (at == SIZE_MAX) die("%s: the bytes to edit are not there", what);
    buf out = {0};
    put(&out, b->p, at);
    put(&out, to, tn);
    put(&out, b->p + at + fn, b->n - at - fn);
    free(b->p);
    *b = out;
}

/* The contents of the DER value at p (its header skipped); *len its length. */
static const uint8_t *contents(const uint8_t *p, size_t *len)
{
    size_t n = p[1], h = 2;
    if (n & 0x80) {
        const size_t k = n & 0x7f;
        n = 0;
        for (size_t i = 0; i < k; i++) n = (n << 8) | p[2 + i];
        h += k;
    }
    *len = n;
    return p + h;
}

/* ---- the cases --------------------------------------------------------------------------- */

enum { ROOT, INTER, LEAF };
static const char *const pos_name[] = {"root", "inter", "leaf"};

typedef enum {
    M_NONE,
    M_CRIT01,     /* keyUsage's critical flag 01, not FF */
    M_CRITFALSE,  /* keyUsage's critical FALSE written out */
    M_V2,         /* version v2 with extensions */
    M_V1,         /* no version field (v1) with extensions */
    M_PRINTABLE,  /* a PrintableString CN holding '_' and '@' */
    M_KUPAD,      /* keyUsage's BIT STRING with a padding bit set */
    M_SAN8BIT,    /* a dNSName holding a Latin-1 byte */
    M_SANUTF8,    /* a dNSName holding UTF-8 (an IA5String still: ASCII only) */
    M_POLICYINT,  /* certificatePolicies holding an INTEGER */
    M_AIAINT,     /* authorityInfoAccess holding an INTEGER */
    M_ECDSANULL,  /* ecdsa-with-SHA256 with NULL parameters */
    M_BCFALSE,    /* basicConstraints' cA FALSE written out (leaf only) */
    M_BERLEN,     /* the validity's length in the long form (BER, not DER) */
} mutation;

static const struct {
    mutation m;
    const char *name;
    const char *says; /* grep -E pattern for the message */
    unsigned positions; /* bit per position */
    /* where model_signing 1.1.1 refuses it too: it reads the extensions of the leaf alone,
     * takes version v1 with extensions and a dNSName of UTF-8 (not ASCII, so not an
     * IA5String); omsig reads every certificate strictly */
    unsigned reference_refuses;
} cases[] = {
    {M_CRIT01, "crit01", "extension keyUsage \\(2\\.5\\.29\\.15\\) encodes its critical flag as 01 instead of FF", 7, 7},
    {M_CRITFALSE, "critfalse", "extension keyUsage \\(2\\.5\\.29\\.15\\) writes out critical FALSE, the DEFAULT", 7, 7},
    {M_V2, "v2ext", "it has extensions but is version v2 \\(extensions need v3\\)", 7, 7},
    {M_V1, "v1ext", "it has extensions but is version v1 \\(extensions need v3\\)", 7, 0},
    {M_PRINTABLE, "printable", "name holds a PrintableString holding '_'", 7, 7},
    {M_KUPAD, "kupad", "extension keyUsage \\(2\\.5\\.29\\.15\\) holds a BIT STRING whose [0-9] unused \\(padding\\) bits are not zero", 7, 1u << LEAF},
    {M_SAN8BIT, "san8bit", "its subjectAltName dNSName holds the non-ASCII byte 0xE9", 7, 1u << LEAF},
    {M_SANUTF8, "sanutf8", "its subjectAltName dNSName holds the non-ASCII byte 0xC3", 1u << LEAF, 0},
    {M_POLICYINT, "policyint", "extension certificatePolicies \\(2\\.5\\.29\\.32\\) does not decode", 7, 1u << LEAF},
    {M_AIAINT, "aiaint", "extension authorityInfoAccess \\(1\\.3\\.6\\.1\\.5\\.5\\.7\\.1\\.1\\) does not decode", 7, 1u << LEAF},
    {M_ECDSANULL, "ecdsanull", "signature algorithm ecdsa-with-SHA256 \\(1\\.2\\.840\\.10045\\.4\\.3\\.2\\) carries parameters \\(NULL\\)", 7, 7},
    {M_BERLEN, "berlen", "its validity holds a length in the long form that fits the short one", 7, 7},
    {M_BCFALSE, "bcfalse", "extension basicConstraints \\(2\\.5\\.29\\.19\\) is not DER", 1u << LEAF, 1u << LEAF},
};

static const uint8_t ECDSA_SHA256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t ECDSA_SHA256_NULL[] = {0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
                                            0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};

static void add_raw_ext(X509 *x, int nid, int critical, const uint8_t *v, size_t n)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    if (!os || !ASN1_OCTET_STRING_set(os, v, (int)n) ||
        !(e = X509_EXTENSION_create_by_NID(NULL, nid, critical, os)) || !X509_add_ext(x, e, -1))
        die("cannot add extension %d", nid);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
}

static EVP_PKEY *ec_key(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    if (!k) die("cannot make a %s key", curve);
    return k;
}

/* DER of ECDSA over data with key, the digest by the curve's size. */
static buf ecdsa(EVP_PKEY *key, const void *data, size_t n)
{
    const EVP_MD *md = EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = 0;
    buf sig = {0};
    if (!ctx || EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1 ||
        EVP_DigestSign(ctx, NULL, &len, data, n) != 1 || !(sig.p = malloc(len)) ||
        EVP_DigestSign(ctx, sig.p, &len, data, n) != 1)
        die("cannot sign");
    sig.n = len;
    EVP_MD_CTX_free(ctx);
    return sig;
}

/* A certificate: subject cn, key, issued by issuer_name/issuer_key (self-issued when
 * issuer_name is NULL), with mutation m applied. */
static buf make_cert(int pos, const char *cn, EVP_PKEY *key, const X509_NAME *issuer_name,
                     EVP_PKEY *issuer_key, mutation m)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (!x || !name) die("out of memory");
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1000 + pos);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
    if (m == M_PRINTABLE) {
        char odd[64];
        snprintf(odd, sizeof odd, "omsig_strict@%s", pos_name[pos]);
        X509_NAME_add_entry_by_txt(name, "CN", V_ASN1_PRINTABLESTRING, (const unsigned char *)odd, -1, -1, 0);
    } else {
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    }
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer_name ? issuer_name : name);
    X509_set_pubkey(x, key);
    const bool ca = pos != LEAF;
    static const uint8_t bc_ca[] = {0x30, 0x03, 0x01, 0x01, 0xff}, bc_leaf[] = {0x30, 0x00},
                         bc_false[] = {0x30, 0x03, 0x01, 0x01, 0x00};
    if (m == M_BCFALSE) add_raw_ext(x, NID_basic_constraints, 1, bc_false, sizeof bc_false);
    else if (ca) add_raw_ext(x, NID_basic_constraints, 1, bc_ca, sizeof bc_ca);
    else add_raw_ext(x, NID_basic_constraints, 1, bc_leaf, sizeof bc_leaf);
    /* digitalSignature (bit 0); keyCertSign and cRLSign (bits 5, 6) */
    uint8_t ku[] = {0x03, 0x02, 0x07, 0x80};
    if (ca) ku[2] = 0x01, ku[3] = 0x06;
    if (m == M_KUPAD) ku[3] |= 0x01;
    add_raw_ext(x, NID_key_usage, 1, ku, sizeof ku);
    if (m == M_SAN8BIT || m == M_SANUTF8) {
        const char *host = m == M_SAN8BIT ? "h\xe9.example" : "h\xc3\xa9.example";
        buf gn = tlv(0x82, (const uint8_t *)host, strlen(host)), san = tlv(0x30, gn.p, gn.n);
        add_raw_ext(x, NID_subject_alt_name, 0, san.p, san.n);
        free(gn.p);
        free(san.p);
    } else if (!ca) {
        static const char host[] = "leaf.example";
        buf gn = tlv(0x82, (const uint8_t *)host, sizeof host - 1), san = tlv(0x30, gn.p, gn.n);
        add_raw_ext(x, NID_subject_alt_name, 0, san.p, san.n);
        free(gn.p);
        free(san.p);
    }
    static const uint8_t integer[] = {0x02, 0x01, 0x05};
    if (m == M_POLICYINT) add_raw_ext(x, NID_certificate_policies, 0, integer, sizeof integer);
    if (m == M_AIAINT) add_raw_ext(x, NID_info_access, 0, integer, sizeof integer);
    if (!X509_sign(x, issuer_key, EVP_sha256())) die("cannot sign a certificate");
    buf tbs = {0};
    unsigned char *der = NULL;
    const int n = i2d_re_X509_tbs(x, &der);
    if (n <= 0) die("cannot encode a TBSCertificate");
    put(&tbs, der, (size_t)n);
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_free(x);

    /* the edits of the TBSCertificate's bytes, then the signature over them again */
    static const uint8_t v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02}, v2[] = {0xa0, 0x03, 0x02, 0x01, 0x01};
    static const uint8_t ku_crit[] = {0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff},
                         ku_crit01[] = {0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x01},
                         ku_critfalse[] = {0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x00};
    size_t clen;
    const uint8_t *c = contents(tbs.p, &clen);
    buf body = {0};
    put(&body, c, clen);
    free(tbs.p);
    if (m == M_CRIT01) edit(&body, ku_crit, sizeof ku_crit, ku_crit01, sizeof ku_crit01, "crit01");
    if (m == M_CRITFALSE) edit(&body, ku_crit, sizeof ku_crit, ku_critfalse, sizeof ku_critfalse, "critfalse");
    if (m == M_V2) edit(&body, v3, sizeof v3, v2, sizeof v2, "v2");
    if (m == M_V1) edit(&body, v3, sizeof v3, NULL, 0, "v1");
    static const uint8_t validity[] = {0x30, 0x1e, 0x17, 0x0d}, validity_ber[] = {0x30, 0x81, 0x1e, 0x17, 0x0d};
    if (m == M_BERLEN) edit(&body, validity, sizeof validity, validity_ber, sizeof validity_ber, "berlen");
    if (m == M_ECDSANULL)
        edit(&body, ECDSA_SHA256, sizeof ECDSA_SHA256, ECDSA_SHA256_NULL, sizeof ECDSA_SHA256_NULL, "ecdsanull");
    tbs = tlv(0x30, body.p, body.n);
    free(body.p);
    buf sig = ecdsa(issuer_key, tbs.p, tbs.n), bits = {0}, all = tbs;
    put(&bits, "", 1);
    put(&bits, sig.p, sig.n);
    buf bs = tlv(0x03, bits.p, bits.n);
    if (m == M_ECDSANULL) put(&all, ECDSA_SHA256_NULL, sizeof ECDSA_SHA256_NULL);
    else put(&all, ECDSA_SHA256, sizeof ECDSA_SHA256);
    put(&all, bs.p, bs.n);
    buf cert = tlv(0x30, all.p, all.n);
    free(sig.p);
    free(bits.p);
    free(bs.p);
    free(all.p);

    /* OpenSSL's parser takes it and its issuer's signature holds: only the encoding is wrong */
    const unsigned char *q = cert.p;
    X509 *back = d2i_X509(NULL, &q, (long)cert.n);
    if (!back || q != cert.p + cert.n) die("OpenSSL does not parse the %s made for case %d", pos_name[pos], m);
    if (X509_verify(back, issuer_key) != 1)
        die("the %s made for case %d does not verify with its issuer's key", pos_name[pos], m);
    X509_free(back);
    return cert;
}

static X509_NAME *subject_of(const buf *der)
{
    const unsigned char *q = der->p;
    X509 *x = d2i_X509(NULL, &q, (long)der->n);
    X509_NAME *n = x ? X509_NAME_dup(X509_get_subject_name(x)) : NULL;
    X509_free(x);
    if (!n) die("cannot read a subject back");
    return n;
}

static void write_pem(const char *dir, const char *file, const buf *der)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", g_dir, dir, file);
    FILE *f = fopen(path, "w");
    if (!f || PEM_write(f, PEM_STRING_X509, "", der->p, (long)der->n) <= 0 || fclose(f) != 0)
        die("cannot write %s", path);
}

static void write_key(const char *dir, EVP_PKEY *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/leaf.key", g_dir, dir);
    FILE *f = fopen(path, "w");
    if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
        die("cannot write %s", path);
}

static void subdir(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, dir);
    if (mkdir(path, 0755) != 0) die("cannot make %s", path);
}

/* The chain with mutation m in the certificate at position at (m == M_NONE: the good one). */
static void write_chain(const char *dir, EVP_PKEY *const keys[3], mutation m, int at)
{
    static const char *const cn[] = {"omsig strict root", "omsig strict intermediate", "omsig strict leaf"};
    subdir(dir);
    buf der[3];
    X509_NAME *issuer = NULL;
    for (int pos = ROOT; pos <= LEAF; pos++) {
        der[pos] = make_cert(pos, cn[pos], keys[pos], issuer, keys[pos == ROOT ? ROOT : pos - 1],
                             pos == at ? m : M_NONE);
        X509_NAME_free(issuer);
        issuer = subject_of(&der[pos]);
        write_pem(dir, pos == ROOT ? "root.pem" : pos == INTER ? "inter.pem" : "leaf.pem", &der[pos]);
        free(der[pos].p);
    }
    X509_NAME_free(issuer);
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!k) die("cannot read %s", path);
    return k;
}

static int make_certs(void)
{
    char path[4096];
    EVP_PKEY *keys[3] = {ec_key("P-256"), ec_key("P-256"), ec_key("P-256")};
    static const char *const key_files[] = {"root.key", "inter.key", "leaf.key"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, key_files[i]);
        FILE *f = fopen(path, "w");
        if (!f || !PEM_write_PrivateKey(f, keys[i], NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
            die("cannot write %s", path);
    }
    write_chain("good", keys, M_NONE, -1);
    snprintf(path, sizeof path, "%s/cases.txt", g_dir);
    FILE *list = fopen(path, "w");
    if (!list) die("cannot write %s", path);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int pos = ROOT; pos <= LEAF; pos++) {
            if (!(cases[i].positions & (1u << pos))) continue;
            char dir[64];
            snprintf(dir, sizeof dir, "%s-%s", cases[i].name, pos_name[pos]);
            write_chain(dir, keys, cases[i].m, pos);
            fprintf(list, "%s|%s|%s|%s\n", dir, pos_name[pos], cases[i].says,
                    cases[i].reference_refuses & (1u << pos) ? "refuses" : "accepts");
        }
    if (fclose(list) != 0) die("cannot write %s", path);
    /* leaves on the other curves the reference verifies, under the good intermediate */
    static const char *const curves[] = {"secp256k1", "brainpoolP256r1", "brainpoolP384r1"};
    snprintf(path, sizeof path, "%s/good/inter.pem", g_dir);
    FILE *f = fopen(path, "r");
    X509 *inter = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!inter) die("cannot read %s", path);
    for (size_t i = 0; i < sizeof curves / sizeof *curves; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "curve-%s", curves[i]);
        subdir(dir);
        EVP_PKEY *k = ec_key(curves[i]);
        buf der = make_cert(LEAF, curves[i], k, X509_get_subject_name(inter), keys[INTER], M_NONE);
        write_pem(dir, "leaf.pem", &der);
        write_key(dir, k);
        free(der.p);
        EVP_PKEY_free(k);
    }
    X509_free(inter);
    for (int i = 0; i < 3; i++) EVP_PKEY_free(keys[i]);
    return 0;
}

/* ---- bundles ------------------------------------------------------------------------------ */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot read %s", path);
    buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
    fclose(f);
    put(&b, "", 1);
    return (char *)b.p;
}

/* base64 of the DER of the first certificate of a PEM file */
static char *cert_b64(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", g_dir, dir, file);
    FILE *f = fopen(path, "r");
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    if (!f || PEM_read(f, &name, &header, &data, &len) != 1) die("cannot read %s", path);
    fclose(f);
    char *out = malloc((size_t)len * 4 / 3 + 8);
    if (!out) die("out of memory");
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return out;
}

/* text with the only occurrence of from replaced by to */
static char *replace(char *text, const char *from, const char *to, const char *what)
{
    char *at = strstr(text, from);
    if (!at || strstr(at + 1, from)) die("%s: not exactly once in the bundle", what);
    buf b = {0};
    put(&b, text, (size_t)(at - text));
    put(&b, to, strlen(to));
    put(&b, at + strlen(from), strlen(at + strlen(from)) + 1);
    free(text);
    return (char *)b.p;
}

static void write_text(const char *dir, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/bundle.sig", g_dir, dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) die("cannot write %s", path);
}

/* The JSON string value after "key":" in text (a bundle as omsig writes it). */
static char *json_string(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *s = strstr(text, pat);
    if (!s) die("no %s in the bundle", key);
    s += strlen(pat);
    const char *e = strchr(s, '"');
    if (!e) die("no end to %s", key);
    return strndup(s, (size_t)(e - s));
}

/* A leaf on another curve: its certificate in place of the good leaf's, and the DSSE
 * signature (over the standard PAE) made again with its key. */
static char *resign(const char *good, const char *dir, const char *good_leaf)
{
    char *text = strdup(good), *payload_b64 = json_string(good, "payload"),
         *sig_b64 = json_string(good, "sig"), *leaf = cert_b64(dir, "leaf.pem");
    const size_t pn = strlen(payload_b64);
    unsigned char *payload = malloc(pn);
    int n = payload ? EVP_DecodeBlock(payload, (const unsigned char *)payload_b64, (int)pn) : -1;
    if (n < 0) die("the payload is not base64");
    for (size_t i = pn; i > 0 && payload_b64[i - 1] == '='; i--) n--; /* counted as zero bytes */
    static const char type[] = "application/vnd.in-toto+json";
    buf pae = {0};
    char head[128];
    snprintf(head, sizeof head, "DSSEv1 %zu %s %d ", sizeof type - 1, type, n);
    put(&pae, head, strlen(head));
    put(&pae, payload, (size_t)n);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/leaf.key", g_dir, dir);
    EVP_PKEY *k = read_key(path);
    buf sig = ecdsa(k, pae.p, pae.n);
    char *sig64 = malloc(sig.n * 4 / 3 + 8);
    EVP_EncodeBlock((unsigned char *)sig64, sig.p, (int)sig.n);
    text = replace(text, sig_b64, sig64, "sig");
    text = replace(text, good_leaf, leaf, "the leaf");
    EVP_PKEY_free(k);
    free(payload_b64);
    free(sig_b64);
    free(leaf);
    free(payload);
    free(pae.p);
    free(sig.p);
    free(sig64);
    return text;
}

static int make_bundles(const char *good_sig)
{
    char *good = read_text(good_sig);
    char *good_leaf = cert_b64("good", "leaf.pem"), *good_inter = cert_b64("good", "inter.pem");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int pos = ROOT; pos <= LEAF; pos++) {
            if (!(cases[i].positions & (1u << pos))) continue;
            char dir[64];
            snprintf(dir, sizeof dir, "%s-%s", cases[i].name, pos_name[pos]);
            char *leaf = cert_b64(dir, "leaf.pem"), *inter = cert_b64(dir, "inter.pem");
            char *text = replace(strdup(good), good_leaf, leaf, "the leaf");
            text = replace(text, good_inter, inter, "the intermediate");
            write_text(dir, text);
            free(text);
            free(leaf);
            free(inter);
        }
    static const char *const curves[] = {"curve-secp256k1", "curve-brainpoolP256r1", "curve-brainpoolP384r1"};
    for (size_t i = 0; i < sizeof curves / sizeof *curves; i++) {
        char *text = resign(good, curves[i], good_leaf);
        write_text(curves[i], text);
        free(text);
    }
    free(good_leaf);
    free(good_inter);
    free(good);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "certs") == 0) {
        g_dir = argv[1];
        return make_certs();
    }
    if (argc == 4 && strcmp(argv[2], "bundles") == 0) {
        g_dir = argv[1];
        return make_bundles(argv[3]);
    }
    fprintf(stderr, "usage: make_bad_certs DIR certs | make_bad_certs DIR bundles GOOD.sig\n");
    return 2;
}
