/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki.h - what the signing methods (pki_*.c) share: OpenSSL helpers for keys and certificates.
 */
#ifndef OMSIG_PKI_H
#define OMSIG_PKI_H

#include "omsig_internal.h"

#include <openssl/x509.h>

/* A whole DER X.509 certificate, nothing after it; NULL otherwise. */
OMSIG_PRIVATE X509 *omsig_x509_from_der(const uint8_t *der, size_t len);

#endif /* OMSIG_PKI_H */
