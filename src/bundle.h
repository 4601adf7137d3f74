/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle.h - the Sigstore bundle as omsig reads it (bundle.c): media type, verification material
 * and the DSSE envelope, decoded.
 */
#ifndef OMSIG_BUNDLE_H
#define OMSIG_BUNDLE_H

#include "report.h"

typedef enum {
    OMSIG_VM_PUBLIC_KEY = 1,
    OMSIG_VM_X509_CHAIN = 2,
    OMSIG_VM_CERTIFICATE = 3
} omsig_vm_kind;


typedef struct omsig_bundle {
    void *json;               /* cJSON root, kept for the sigstore method */
    char *media_type;
    omsig_vm_kind vm_kind;
    char *key_hint;           /* publicKey.hint; NULL when absent, null or empty */
    omsig_der *certs;         /* x509CertificateChain (leaf first) or the one certificate */
    size_t n_certs;
    bool has_tlog_entries;
    size_t n_tlog_entries;
    uint8_t *payload;         /* decoded DSSE payload, NUL-terminated */
    size_t payload_len;
    char *payload_type;
    uint8_t *sig;             /* signatures[0].sig, DER */
    size_t sig_len;
    size_t n_signatures;
} omsig_bundle;


OMSIG_PRIVATE omsig_status omsig_bundle_parse(const uint8_t *data, size_t len, omsig_bundle *b,
                                              omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_bundle_read(const char *path, uint64_t max_bytes,
                                             omsig_bundle *b, omsig_report *r);
OMSIG_PRIVATE void omsig_bundle_free(omsig_bundle *b);
OMSIG_PRIVATE omsig_status omsig_bundle_check_media_type(const omsig_bundle *b,
                                                         omsig_report *r);


/* ---- format constants ---------------------------------------------------------------------- */
#define OMSIG_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define OMSIG_IN_TOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

#endif /* OMSIG_BUNDLE_H */
