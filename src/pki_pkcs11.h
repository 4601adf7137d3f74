/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_pkcs11.h - the signing key of the pkcs11-key and pkcs11-certificate methods: a private
 * key that stays in a PKCS #11 token, named by an RFC 7512 URI.  Built with libp11
 * (pki_pkcs11.c) or, without it, as a stub that says so (pki_pkcs11_stub.c).
 */
#ifndef OMSIG_PKI_PKCS11_H
#define OMSIG_PKI_PKCS11_H

#include "report.h"

#include <openssl/evp.h>

/* An open token session with the key found and logged in: one per signing call. */
typedef struct omsig_pkcs11 omsig_pkcs11;

/*
 * Loads the module the URI names (module-path= or module-name= in its query), finds the token
 * (token= or slot-id=), logs in with the URI's PIN (pin-value= or pin-source=) or else @p pin,
 * and finds the private key (object= and/or id=) and its public key.  The key must be EC on
 * P-256, P-384 or P-521.  On failure the report says why and *out is NULL.
 */
OMSIG_PRIVATE omsig_status omsig_pkcs11_open(const char *uri, const char *pin, omsig_pkcs11 **out,
                                             omsig_report *r);
/* The private key: an EVP_PKEY whose signing operation runs in the token.  Borrowed. */
OMSIG_PRIVATE EVP_PKEY *omsig_pkcs11_private_key(const omsig_pkcs11 *p);
/* The public key of that private key (the token's public key object).  Borrowed. */
OMSIG_PRIVATE EVP_PKEY *omsig_pkcs11_public_key(const omsig_pkcs11 *p);
/* Words for the failure of a signature made with the token: what the token answered, from
 * this thread's OpenSSL error queue (which it clears). */
OMSIG_PRIVATE omsig_status omsig_pkcs11_sign_failed(const omsig_pkcs11 *p, omsig_report *r);
/* Logs out, closes the session and unloads the module; accepts NULL. */
OMSIG_PRIVATE void omsig_pkcs11_close(omsig_pkcs11 *p);

#endif /* OMSIG_PKI_PKCS11_H */
