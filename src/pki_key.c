/* SPDX-License-Identifier: Apache-2.0 */
/* pki_key.c - the key method: an ECDSA public key given by the user, matched by its hint. */
#include "dsse.h"
#include "pki.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>


void *omsig_pki_load_public_key(const char *path, omsig_report *r)
{
    BIO *bio = NULL;
    if (omsig_pem_open(path, 1u << 20, &bio, r) != OMSIG_OK) return NULL;
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!key)
        omsig_fail(r, OMSIG_E_KEY,
                   "Cannot load public key from '%s': no PEM PUBLIC KEY block could be read",
                   path);
    return key;
}

int omsig_pki_key_hint(void *key, char out[65])
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    int rc = -ENOMEM;
    if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
        const long n = BIO_get_mem_data(bio, &pem);
        if (n > 0) rc = omsig_sha256_hex(pem, (size_t)n, out);
    }
    BIO_free(bio);
    return rc;
}

typedef struct key_pki {
    omsig_pki base;
    EVP_PKEY *key; /* the user's public key */
} key_pki;

static omsig_pki *key_load(const omsig_options *o, omsig_report *r)
{
    if (!o->public_key_path) {
        omsig_fail(r, OMSIG_E_USAGE, "the key method needs a public key (--public_key)");
        return NULL;
    }
    EVP_PKEY *key = omsig_pki_load_public_key(o->public_key_path, r);
    if (!key) return NULL;
    if (!omsig_ec_key_md(key, r)) {
        EVP_PKEY_free(key);
        return NULL;
    }
    key_pki *p = calloc(1, sizeof *p);
    if (!p) {
        EVP_PKEY_free(key);
        omsig_nomem(r);
        return NULL;
    }
    p->base.method = &omsig_pki_method_key;
    p->key = key;
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
    if (omsig_pki_key_hint(p->key, hint) != 0)
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
    return st == OMSIG_OK ? omsig_report_signer_key(r, p->key) : st;
}

static void key_free(omsig_pki *base)
{
    key_pki *p = (key_pki *)base;
    EVP_PKEY_free(p->key);
    free(p);
}

const omsig_pki_method omsig_pki_method_key = {
    .name = "key", .load = key_load, .check = key_check, .free = key_free};
