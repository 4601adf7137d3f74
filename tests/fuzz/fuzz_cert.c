/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cert.c - libFuzzer target: the certificate method's strict reading of a certificate
 * (pki_der.c) on arbitrary bytes that OpenSSL's lenient parser takes, and on the same bytes
 * as a PEM text. */
#include "pki.h"

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    omsig_report *r = omsig_report_new();
    if (!r) return 0;
    X509 *x = omsig_x509_from_der(data, size);
    if (x) {
        omsig_x509_check_strict(x, data, size, "the fuzzed certificate", r);
        X509_free(x);
    }
    STACK_OF(X509) *out = sk_X509_new_null();
    size_t n = 0;
    if (out) omsig_read_certs_pem((const char *)data, size, "fuzzed.pem", out, &n, r);
    sk_X509_pop_free(out, X509_free);
    omsig_report_free(r);
    return 0;
}
