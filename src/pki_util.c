/* SPDX-License-Identifier: Apache-2.0 */
/* pki_util.c - OpenSSL helpers the signing methods share (pki.h). */
#include "pki.h"

X509 *omsig_x509_from_der(const uint8_t *der, size_t len)
{
    const unsigned char *q = der;
    X509 *c = d2i_X509(NULL, &q, (long)len);
    if (c && q != der + len) {
        X509_free(c);
        return NULL;
    }
    return c;
}
