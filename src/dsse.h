/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dsse.h - the bytes a DSSE signature covers (PAE) and ECDSA verification over them (dsse.c).
 */
#ifndef OMSIG_DSSE_H
#define OMSIG_DSSE_H

#include "bundle.h"

/* Standard DSSEv1 PAE with the in-toto type, or the legacy v0.2.0 form. */
OMSIG_PRIVATE int omsig_pae(const uint8_t *body, size_t n, omsig_buf *out);
/* PAE with another payload type (the envelope's, for the sigstore method). */
OMSIG_PRIVATE int omsig_pae_typed(const char *type, const uint8_t *body, size_t n,
                                  omsig_buf *out);
OMSIG_PRIVATE int omsig_pae_compat(const uint8_t *body, size_t n, omsig_buf *out);
/* Verifies sig over the standard PAE with md, then over the compat PAE with compat_md.
 * key is an EVP_PKEY*, md/compat_md are EVP_MD*.  OMSIG_OK or OMSIG_E_SIGNATURE_INVALID. */
OMSIG_PRIVATE omsig_status omsig_dsse_verify(void *key, const void *md, const void *compat_md,
                                             const omsig_bundle *b, omsig_report *r);
/* The digest an EC key's curve implies (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512);
 * NULL with a message in r for any other key. */
OMSIG_PRIVATE const void *omsig_ec_key_md(void *key, omsig_report *r);
/* The certificate method's verify, as the reference's: the digest by the curve's size, so
 * also secp256k1 and brainpoolP256r1 (SHA-256) and brainpoolP384r1 (SHA-384). */
OMSIG_PRIVATE const void *omsig_ec_cert_key_md(void *key, omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_check_payload_type(const omsig_bundle *b, omsig_report *r);

#endif /* OMSIG_DSSE_H */
