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

/* A transparency-log entry as the bundle writes it: its fields are strings (base64 or
 * decimal), held to the bundle's strict shape but not decoded; the sigstore method decodes
 * and checks them.  NULL for an optional field that is absent or null. */
typedef struct omsig_tlog_entry {
    char *log_index;
    char *log_id;                   /* logId.keyId */
    char *kind, *version;           /* kindVersion */
    char *integrated_time;
    bool has_promise;               /* inclusionPromise given (not null) */
    char *set;                      /* inclusionPromise.signedEntryTimestamp */
    bool has_proof;                 /* inclusionProof given (not null) */
    char *proof_log_index, *tree_size, *root_hash;
    char **hashes;                  /* inclusionProof.hashes */
    size_t n_hashes;
    char *checkpoint;               /* inclusionProof.checkpoint.envelope */
    char *body;                     /* canonicalizedBody */
} omsig_tlog_entry;

/* The most certificates a bundle's chain may hold: verify refuses more, and sign refuses to
 * write a bundle with more. */
#define OMSIG_BUNDLE_MAX_CERTS 64

/* The bundle, parsed once into what the methods read; its JSON is not kept. */
typedef struct omsig_bundle {
    char *media_type;
    omsig_vm_kind vm_kind;
    char *key_hint;           /* publicKey.hint; NULL when absent, null or empty */
    omsig_der *certs;         /* x509CertificateChain (leaf first) or the one certificate */
    size_t n_certs;
    bool has_tlog_entries;
    size_t n_tlog_entries;
    omsig_tlog_entry tlog;    /* tlogEntries[0], when n_tlog_entries > 0 */
    bool has_timestamps;      /* timestampVerificationData.rfc3161Timestamps given */
    char **timestamps;        /* their signedTimestamp values (base64) */
    size_t n_timestamps;
    uint8_t *payload;         /* decoded DSSE payload, NUL-terminated */
    size_t payload_len;
    char *payload_type;
    uint8_t *sig;             /* signatures[0].sig, DER */
    size_t sig_len;
    size_t n_signatures;
} omsig_bundle;

/* The bundle text data[0..len), which must be followed by a NUL byte (data[len] == 0: the JSON
 * parser reads to it), into b. */
OMSIG_PRIVATE omsig_status omsig_bundle_parse(const uint8_t *data, size_t len, omsig_bundle *b,
                                              omsig_report *r);
/* The same, every byte through the JSON parser (omsig_bundle_parse reads the payload from the
 * text when it can): for the tests that compare the two. */
OMSIG_PRIVATE omsig_status omsig_bundle_parse_json(const uint8_t *data, size_t len,
                                                   omsig_bundle *b, omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_bundle_read(const char *path, uint64_t max_bytes,
                                             omsig_bundle *b, omsig_report *r);
OMSIG_PRIVATE void omsig_bundle_free(omsig_bundle *b);
OMSIG_PRIVATE omsig_status omsig_bundle_check_media_type(const omsig_bundle *b,
                                                         omsig_report *r);

/* ---- format constants ---------------------------------------------------------------------- */
#define OMSIG_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define OMSIG_IN_TOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

#endif /* OMSIG_BUNDLE_H */
