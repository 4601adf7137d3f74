/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki.h - what the signing methods (pki_*.c) share: OpenSSL helpers for keys and certificates.
 */
#ifndef OMSIG_PKI_H
#define OMSIG_PKI_H

#include "omsig_internal.h"

#include <openssl/x509.h>

#include <openssl/bio.h>
#include <openssl/evp.h>

/* A whole DER X.509 certificate, nothing after it; NULL otherwise. */
OMSIG_PRIVATE X509 *omsig_x509_from_der(const uint8_t *der, size_t len);

/* The file at path (at most max bytes) in a memory BIO for the PEM readers, which skip text
 * before a block (certtool writes a preamble).  The file's bytes are wiped from the heap (a
 * private key may be among them).  On failure the reference's "[Errno N] ..." message. */
OMSIG_PRIVATE omsig_status omsig_pem_open(const char *path, size_t max, BIO **bio,
                                          omsig_report *r);
/* Every certificate of a PEM text, in order, pushed onto out; their number.  *nomem is set
 * when out could not grow. */
OMSIG_PRIVATE size_t omsig_pem_read_certs(BIO *bio, STACK_OF(X509) *out, bool *nomem);

/* sig over data with key and md (NULL for Ed25519); false on any failure. */
OMSIG_PRIVATE bool omsig_pkey_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *sig,
                                     size_t sig_len, const void *data, size_t n);

#endif /* OMSIG_PKI_H */
