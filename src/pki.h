/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki.h - what the signing methods (pki_*.c) share: OpenSSL helpers for keys and certificates.
 */
#ifndef OMSIG_PKI_H
#define OMSIG_PKI_H

#include "bundle.h"

#include <openssl/x509.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <time.h>

/* ---- the verification methods --------------------------------------------------------------- */

typedef struct omsig_pki omsig_pki;

/* A verification method (pki_key.c, pki_cert.c, the files of src/sigstore): it loads what the user
 * trusts before the bundle is read (as the reference does), then checks bundles against it.
 * verify.c knows methods only through this table. */
typedef struct omsig_pki_method {
    const char *name;
    bool sigstore_bundle_types; /* takes the four Sigstore bundle types, not only v0.3 */
    /* The method's state, or NULL with the failure in r. */
    omsig_pki *(*load)(const omsig_options *o, omsig_report *r);
    /* The bundle's signature, verification material and whatever the method requires. */
    omsig_status (*check)(const omsig_pki *p, const omsig_options *o, const omsig_bundle *b,
                          omsig_report *r);
    void (*free)(omsig_pki *p);
} omsig_pki_method;

/* The first member of each method's own state. */
struct omsig_pki {
    const omsig_pki_method *method;
};

OMSIG_PRIVATE extern const omsig_pki_method omsig_pki_method_key;
OMSIG_PRIVATE extern const omsig_pki_method omsig_pki_method_certificate;
OMSIG_PRIVATE extern const omsig_pki_method omsig_pki_method_sigstore;
/* The method for --method; NULL for one omsig does not verify with. */
OMSIG_PRIVATE const omsig_pki_method *omsig_pki_method_for(omsig_method m);
/* Frees a method's state (p->method->free).  NULL is fine. */
OMSIG_PRIVATE void omsig_pki_free(omsig_pki *p);

/* ---- keys (pki_key.c) ---------------------------------------------------------------------- */

/* Loads a PEM public key (text before the PEM block allowed).  EVP_PKEY*, or NULL with the
 * failure in r; *spki, *spki_len (OPENSSL_free it) are the key's DER SubjectPublicKeyInfo as
 * OpenSSL writes it.  An EC key on a NIST curve is read without the decoder framework. */
OMSIG_PRIVATE void *omsig_pki_load_spki(const char *path, unsigned char **spki, size_t *spki_len,
                                        omsig_report *r);
/* omsig_pki_key_hint of a key given as its DER SubjectPublicKeyInfo; 0, -EINVAL or -ENOMEM. */
OMSIG_PRIVATE int omsig_pki_spki_hint(const unsigned char *spki, size_t len, char out[65]);
/* Lowercase hex SHA-256 of the key's (EVP_PKEY*) PEM SubjectPublicKeyInfo; 0 or -ENOMEM. */
OMSIG_PRIVATE int omsig_pki_key_hint(void *key, char out[65]);

/* ---- OpenSSL helpers ------------------------------------------------------------------------ */

/* A whole DER X.509 certificate, nothing after it; NULL otherwise. */
OMSIG_PRIVATE X509 *omsig_x509_from_der(const uint8_t *der, size_t len);

/* The file at path (at most max bytes) in a memory BIO for the PEM readers, which skip text
 * before a block (certtool writes a preamble).  The file's bytes are wiped from the heap (a
 * private key may be among them).  On failure the reference's "[Errno N] ..." message. */
OMSIG_PRIVATE omsig_status omsig_pem_open(const char *path, size_t max, BIO **bio,
                                          omsig_report *r);
/* The largest certificate file read (a trust file, a signing certificate, a chain to embed).
 * model_signing reads any size; a CA bundle is well under 1 MiB, and the bound keeps a wrong
 * path (a model file) from being read whole. */
#define OMSIG_CERT_FILE_MAX ((size_t)256 << 20)

/* Every certificate of the PEM file at path ("CERTIFICATE" and "X509 CERTIFICATE" blocks, text
 * between them and other blocks skipped), in order, pushed onto out; *n their number.  A
 * certificate block that does not decode or is not strict DER (omsig_x509_check_strict), or a
 * block without its END line, refuses the whole file, naming the block's position (its number
 * among the file's blocks and its line). */
OMSIG_PRIVATE omsig_status omsig_read_cert_file(const char *path, STACK_OF(X509) *out,
                                                size_t *n, omsig_report *r);
/* The same on a PEM text already in memory (path names it in messages).  Every certificate
 * is also checked as strict DER (omsig_x509_check_strict). */
OMSIG_PRIVATE omsig_status omsig_read_certs_pem(const char *text, size_t len, const char *path,
                                               STACK_OF(X509) *out, size_t *n, omsig_report *r);

/* The time certificates are checked at as "now": time(), or OMSIG_TEST_NOW (seconds since the
 * epoch) in a build with test hooks. */
OMSIG_PRIVATE time_t omsig_cert_now(void);
/* A name as RFC 4514 writes it ("CN=root,O=example"), cut to cap. */
OMSIG_PRIVATE void omsig_x509_name_text(const X509_NAME *name, char *out, size_t cap);
/* A time as "2026-01-31T12:00:00Z". */
OMSIG_PRIVATE void omsig_time_text(time_t t, char out[32]);
OMSIG_PRIVATE void omsig_asn1_time_text(const ASN1_TIME *t, char out[32]);
/* "'SUBJECT' is valid from NOTBEFORE to NOTAFTER", for the messages about validity. */
OMSIG_PRIVATE void omsig_cert_validity_text(X509 *c, char *out, size_t cap);

/* The certificate method's strictness (pki_der.c): x, parsed from der, is DER throughout, has
 * a v3 version where it has extensions, strings that hold what their type allows, extensions
 * that decode (and re-encode to the same bytes) and no parameters on an ECDSA or EdDSA
 * signature algorithm.  Otherwise OMSIG_E_CERTIFICATE, the message naming where (e.g.
 * "certificate 2 of 'chain.pem'"), the subject and what is wrong. */
OMSIG_PRIVATE omsig_status omsig_x509_check_strict(X509 *x, const uint8_t *der, size_t len,
                                                   const char *where, omsig_report *r);

/* sig over data with key and md (NULL for Ed25519); false on any failure. */
OMSIG_PRIVATE bool omsig_pkey_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *sig,
                                     size_t sig_len, const void *data, size_t n);

#endif /* OMSIG_PKI_H */
