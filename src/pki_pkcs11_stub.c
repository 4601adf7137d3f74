/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_pkcs11_stub.c - the PKCS #11 signing key of a build without libp11 (OMSIG_PKCS11=OFF,
 * or AUTO where libp11 was not found): the pkcs11-key and pkcs11-certificate methods say so.
 */
#include "pki_pkcs11.h"

omsig_status omsig_pkcs11_open(const char *uri, const char *pin, omsig_pkcs11 **out, omsig_report *r)
{
    (void)uri;
    (void)pin;
    *out = NULL;
    return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                      "this build has no PKCS#11 support (omsig was built without libp11: "
                      "configure with -DOMSIG_PKCS11=ON and libp11-dev installed)");
}

EVP_PKEY *omsig_pkcs11_private_key(const omsig_pkcs11 *p) { return (void)p, (EVP_PKEY *)0; }

EVP_PKEY *omsig_pkcs11_public_key(const omsig_pkcs11 *p) { return (void)p, (EVP_PKEY *)0; }

omsig_status omsig_pkcs11_sign_failed(const omsig_pkcs11 *p, omsig_report *r)
{
    (void)p;
    return omsig_fail(r, OMSIG_E_UNSUPPORTED, "this build has no PKCS#11 support");
}

void omsig_pkcs11_close(omsig_pkcs11 *p) { (void)p; }
