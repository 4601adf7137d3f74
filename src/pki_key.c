/* SPDX-License-Identifier: Apache-2.0 */
/* pki_key.c - the key method: an ECDSA public key given by the user, matched by its hint. */
#include "dsse.h"
#include "pki.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/*
 * The SubjectPublicKeyInfo of an EC key on a NIST curve with an uncompressed point, up to the
 * point.  A DER key that is this prefix and a point is read without the decoder framework,
 * whose set-up (every provider's decoders and key managers listed and matched) costs a few
 * hundred microseconds, most of a small model's verify; it is also the DER OpenSSL writes for
 * the key it imports, so the key's hint and fingerprint hash these bytes.  Any other key goes
 * to PEM_read_bio_PUBKEY, which reads every form it read before.
 */
static const struct {
    const char *group;
    unsigned char prefix[25];
    size_t prefix_len, point_len;
} nist_spki[] = {
    {"prime256v1",
     {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
      0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42},
     25, 65},
    {"secp384r1",
     {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
      0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62},
     22, 97},
    {"secp521r1",
     {0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
      0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86},
     24, 133},
};

/* The key of a NIST-curve SPKI with an uncompressed point (the bit string's unused-bits byte
 * 0, then 0x04), imported by the EC key manager (which checks the point is on the curve);
 * NULL for any other DER. */
static EVP_PKEY *nist_spki_key(const unsigned char *der, size_t len)
{
    for (size_t i = 0; i < sizeof nist_spki / sizeof nist_spki[0]; i++) {
        const size_t pre = nist_spki[i].prefix_len, n = nist_spki[i].point_len;
        if (len != pre + 1 + n || memcmp(der, nist_spki[i].prefix, pre) != 0 || der[pre] != 0 ||
            der[pre + 1] != 0x04)
            continue;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        EVP_PKEY *key = NULL;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                             (char *)nist_spki[i].group, 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(der + pre + 1), n),
            OSSL_PARAM_construct_end()};
        if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
            key = NULL;
        EVP_PKEY_CTX_free(ctx);
        return key;
    }
    return NULL;
}

/* The first PEM block when it is a "PUBLIC KEY" of nist_spki's form, with its DER; NULL
 * otherwise, errors left as they were. */
static EVP_PKEY *read_nist_spki(BIO *bio, unsigned char **spki, size_t *spki_len)
{
    unsigned char *der = NULL;
    long len = 0;
    char *name = NULL, *header = NULL;
    EVP_PKEY *key = NULL;
    ERR_set_mark();
    if (PEM_read_bio(bio, &name, &header, &der, &len) == 1 &&
        strcmp(name, PEM_STRING_PUBLIC) == 0 && header[0] == '\0' && len > 0)
        key = nist_spki_key(der, (size_t)len);
    ERR_pop_to_mark();
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (key) {
        *spki = der;
        *spki_len = (size_t)len;
    } else {
        OPENSSL_free(der);
    }
    return key;
}

void *omsig_pki_load_spki(const char *path, unsigned char **spki, size_t *spki_len,
                          omsig_report *r)
{
    *spki = NULL;
    *spki_len = 0;
    BIO *bio = NULL;
    if (omsig_pem_open(path, 1u << 20, &bio, r) != OMSIG_OK) return NULL;
    BIO_set_flags(bio, BIO_FLAGS_NONCLEAR_RST); /* a reset rereads the file's text */
    EVP_PKEY *key = read_nist_spki(bio, spki, spki_len);
    if (!key && BIO_reset(bio) == 1) {
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        int n;
        if (key && (n = i2d_PUBKEY(key, spki)) > 0) {
            *spki_len = (size_t)n;
        } else if (key) {
            EVP_PKEY_free(key);
            BIO_free(bio);
            omsig_nomem(r);
            return NULL;
        }
    }
    BIO_free(bio);
    if (!key)
        omsig_fail(r, OMSIG_E_KEY,
                   "Cannot load public key from '%s': no PEM PUBLIC KEY block could be read",
                   path);
    return key;
}

/* The hint is the SHA-256 of the key's PEM text as OpenSSL writes it (what the reference
 * hashes): its DER SubjectPublicKeyInfo in a "PUBLIC KEY" block of the plain PEM writer,
 * the bytes PEM_write_bio_PUBKEY writes. */
int omsig_pki_spki_hint(const unsigned char *spki, size_t len, char out[65])
{
    if (len > INT32_MAX) return -EINVAL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    int rc = -ENOMEM;
    if (bio && PEM_write_bio(bio, PEM_STRING_PUBLIC, "", spki, (long)len) > 0) {
        const long n = BIO_get_mem_data(bio, &pem);
        if (n > 0) rc = omsig_sha256_hex(pem, (size_t)n, out);
    }
    BIO_free(bio);
    return rc;
}

int omsig_pki_key_hint(void *key, char out[65])
{
    unsigned char *der = NULL;
    const int n = i2d_PUBKEY(key, &der);
    if (n <= 0) return -ENOMEM;
    const int rc = omsig_pki_spki_hint(der, (size_t)n, out);
    OPENSSL_free(der);
    return rc;
}

typedef struct key_pki {
    omsig_pki base;
    EVP_PKEY *key; /* the user's public key */
    unsigned char *spki; /* its DER SubjectPublicKeyInfo, as OpenSSL writes it */
    size_t spki_len;
} key_pki;

static omsig_pki *key_load(const omsig_options *o, omsig_report *r)
{
    if (!o->public_key_path) {
        omsig_fail(r, OMSIG_E_USAGE, "the key method needs a public key (--public_key)");
        return NULL;
    }
    unsigned char *spki = NULL;
    size_t spki_len = 0;
    EVP_PKEY *key = omsig_pki_load_spki(o->public_key_path, &spki, &spki_len, r);
    if (!key) return NULL;
    key_pki *p = NULL;
    if (!omsig_ec_key_md(key, r) || !(p = calloc(1, sizeof *p))) {
        if (r->status == OMSIG_OK) omsig_nomem(r);
        EVP_PKEY_free(key);
        OPENSSL_free(spki);
        return NULL;
    }
    p->base.method = &omsig_pki_method_key;
    p->key = key;
    p->spki = spki;
    p->spki_len = spki_len;
    return &p->base;
}

static omsig_status key_check(const omsig_pki *base, const omsig_options *o,
                              const omsig_bundle *b, omsig_report *r)
{
    (void)o;
    const key_pki *p = (const key_pki *)base;
    if (b->vm_kind != OMSIG_VM_PUBLIC_KEY)
        return omsig_fail(r, OMSIG_E_KEY,
                          "The signature was not made with the key method: its verification "
                          "material holds %s, not a public key (try 'verify %s')",
                          b->vm_kind == OMSIG_VM_X509_CHAIN ? "a certificate chain"
                                                            : "a Sigstore certificate",
                          b->vm_kind == OMSIG_VM_X509_CHAIN ? "certificate" : "sigstore");
    char hint[65];
    if (omsig_pki_spki_hint(p->spki, p->spki_len, hint) != 0)
        return omsig_fail(r, OMSIG_E_KEY, "cannot encode the public key");
    if (b->key_hint && strcmp(b->key_hint, hint) != 0)
        return omsig_fail(r, OMSIG_E_KEY,
                          "Key mismatch: The public key hash in the signature's verification "
                          "material does not match the provided public key. ");
    if (!b->key_hint)
        omsig_warn(r, "WARNING: This model's signature uses an older verification material "
                      "format. Please re-sign with an updated signer to use a public key "
                      "identifier hash. ");
    const void *md = omsig_ec_key_md(p->key, r);
    if (!md) return r->status;
    const omsig_status st = omsig_dsse_verify(p->key, md, md, b, r);
    return st == OMSIG_OK ? omsig_report_signer_spki(r, p->spki, p->spki_len) : st;
}

static void key_free(omsig_pki *base)
{
    key_pki *p = (key_pki *)base;
    EVP_PKEY_free(p->key);
    OPENSSL_free(p->spki);
    free(p);
}

const omsig_pki_method omsig_pki_method_key = {
    .name = "key", .load = key_load, .check = key_check, .free = key_free};
