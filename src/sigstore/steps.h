/* SPDX-License-Identifier: Apache-2.0 */
/*
 * steps.h - what the files of the sigstore method share: the trust root's state,
 * the bundle's transparency-log entry and timestamps, and one function per step of the check
 * (sigstore.c runs them in sigstore-python's order).
 */
#ifndef OMSIG_SIGSTORE_STEPS_H
#define OMSIG_SIGSTORE_STEPS_H

#include "json_util.h"
#include "pki.h"
#include "sigstore/internal.h"

#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#define MAX_TIMESTAMPS 32        /* sigstore-python MAX_ALLOWED_TIMESTAMP */
#define USEC           1000000LL /* times are microseconds since the epoch */

/* Failures with the prefix of the step, as the reference words them. */
#define SGS_LOAD_FAIL(r, ...)                                                                  \
    omsig_fail((r), OMSIG_E_BUNDLE_PARSE, "failed to load bundle: " __VA_ARGS__)
#define SGS_ENTRY_FAIL(r, ...)                                                                 \
    omsig_fail((r), OMSIG_E_SIGNATURE_INVALID, "invalid log entry: " __VA_ARGS__)

/* ---- the trust root (root.c) --------------------------------------------------- */

typedef struct sgs_key {
    EVP_PKEY *pkey;
    const EVP_MD *md; /* NULL for Ed25519 */
    uint8_t id[32];   /* SHA-256 of the DER SubjectPublicKeyInfo (RFC 6962 key ID) */
} sgs_key;

typedef struct sgs_keyring {
    sgs_key *keys;
    size_t n;
} sgs_keyring;

typedef struct sgs_authority {
    STACK_OF(X509) *certs; /* leaf first, root last */
    int64_t start, end;    /* microseconds since the epoch */
    bool has_end;
    bool active;           /* started at load time (sigstore-python allows expired ones) */
} sgs_authority;

typedef struct sgs_state {
    omsig_pki base;     /* the sigstore method's state is a loaded trust root */
    size_t n_tlogs;
    sgs_keyring rekor, ct;
    X509_STORE *fulcio; /* every certificate of every started CA is a trust anchor */
    size_t n_fulcio;
    sgs_authority *tsa;
    size_t n_tsa;
    int64_t newest;  /* the newest validFor.start in the root (microseconds) */
    bool builtin;    /* omsig's own copy: a failure may be a key it does not have yet */
} sgs_state;

/* Frees a trust root (the method's free).  NULL is fine. */
OMSIG_PRIVATE void omsig_sgs_free(omsig_pki *p);
/* Verifies with the key whose ID is key_id, or with every key when none has that ID (the ID
 * is an unauthenticated hint, as in sigstore-python's Keyring.verify). */
OMSIG_PRIVATE bool omsig_sgs_keyring_verify(const sgs_keyring *kr, const uint8_t *key_id,
                                            size_t key_id_len, const uint8_t *sig,
                                            size_t sig_len, const uint8_t *data, size_t n);
/* After a failure that looked up the trust root's keys: when the bundle's transparency log
 * (log_id) or the authority that issued leaf is not in the root used, says so after the
 * failure's own message, and which of Sigstore's instances has them (production or staging,
 * from the copies built into omsig): "was it signed with --use_staging?" and the reverse.
 * Returns true when the other instance has them (the failure is explained). */
OMSIG_PRIVATE bool omsig_sgs_instance_hint(const sgs_state *s, const omsig_options *o, X509 *leaf,
                                           const uint8_t *log_id, size_t log_id_len,
                                           omsig_report *r);
/* After a failure with the built-in root on a bundle signed after its newest key: adds to r's
 * message that Sigstore may have rotated a key since. */
OMSIG_PRIVATE void omsig_sgs_rotation_hint(const sgs_state *s, const omsig_options *o,
                                           X509 *leaf, omsig_report *r);

/* ---- times (time.c) --------------------------------------------------------- */

/* RFC 3339 as protobuf JSON writes Timestamps: 2021-01-12T11:53:27Z, .999Z, or +hh:mm. */
OMSIG_PRIVATE bool omsig_sgs_parse_rfc3339(const char *s, int64_t *out);
OMSIG_PRIVATE bool omsig_sgs_asn1_time_us(const ASN1_TIME *t, int64_t *out);
/* A TSTInfo genTime, YYYYMMDDHHMMSS[.f*]Z, keeping the fraction as the reference does. */
OMSIG_PRIVATE bool omsig_sgs_gentime_us(const ASN1_GENERALIZEDTIME *t, int64_t *out);
OMSIG_PRIVATE time_t omsig_sgs_us_to_time(int64_t us);
OMSIG_PRIVATE void omsig_sgs_format_time(int64_t us, char out[32]); /* RFC 3339, Z */
OMSIG_PRIVATE void omsig_sgs_format_date(int64_t us, char out[16]); /* YYYY-MM-DD */

/* ---- the bundle's log entry and timestamps (entry.c) ------------------------ */

typedef struct sgs_entry {
    uint64_t log_index;
    uint8_t *log_id;
    size_t log_id_len;
    const char *kind, *version;
    bool has_time;
    uint64_t integrated_time;
    bool has_promise;
    uint8_t *set;
    size_t set_len;
    uint64_t proof_index, tree_size;
    uint8_t *root;
    size_t root_len;
    omsig_der *hashes;
    size_t n_hashes;
    const char *checkpoint; /* NULL when absent */
    uint8_t *body;
    size_t body_len;
} sgs_entry;

typedef struct sgs_tsr {
    uint8_t *der;
    size_t len;
    TS_RESP *resp;    /* a TimeStampResp, or NULL for a bare token */
    PKCS7 *token;     /* owned by resp when resp is set */
    TS_TST_INFO *tst; /* owned by resp when resp is set */
} sgs_tsr;

enum { SRC_TSA = 1, SRC_TLOG = 2 };
typedef struct sgs_time {
    int64_t us;
    int source;
} sgs_time;

/* One check of one bundle. */
typedef struct sgs_ctx {
    const sgs_state *s;
    const omsig_options *o;
    const omsig_bundle *b;
    omsig_report *r;
    X509 *leaf;
    sgs_entry e;
    sgs_tsr *tsr;
    size_t n_tsr;
    sgs_time times[MAX_TIMESTAMPS + 1];
    size_t n_times;
    STACK_OF(X509) *chain; /* the verified Fulcio chain, without the leaf */
} sgs_ctx;

/* Bundle load (sigstore-python Bundle._verify and TransparencyLogEntry._validate): fills
 * c->leaf, c->e and c->tsr. */
OMSIG_PRIVATE omsig_status omsig_sgs_check_shape(sgs_ctx *c);
OMSIG_PRIVATE void omsig_sgs_ctx_free(sgs_ctx *c);
/* sigstore-python's cert_is_ca: 1 CA, 0 not a CA, -1 inconsistent (with why). */
OMSIG_PRIVATE int omsig_sgs_cert_is_ca(X509 *c, const char **why);

/* ---- the steps ----------------------------------------------------------------------------- */

/* 0: the verified times into c->times (tsa.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_establish_time(sgs_ctx *c);
/* 1: the Fulcio chain of leaf at time t into *chain, without the leaf (fulcio.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_chain_at(const sgs_state *s, X509 *leaf, int64_t t,
                                              STACK_OF(X509) **chain, omsig_report *r);
/* 2: the embedded SCT of leaf, its issuer taken from chain (fulcio.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_verify_sct(const sgs_state *s, X509 *leaf,
                                                STACK_OF(X509) *chain, omsig_report *r);
/* 3: key usage and identity policy (policy.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_check_policy(sgs_ctx *c);
/* 4 and 5: inclusion proof, signed checkpoint, SET (rekor.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_verify_merkle(const sgs_entry *e, omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_sgs_verify_checkpoint(const sgs_state *s, const sgs_entry *e,
                                                       omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_sgs_verify_set(const sgs_state *s, const sgs_entry *e,
                                                omsig_report *r);
/* 7: the DSSE signature by leaf (body.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_verify_dsse(X509 *leaf, const omsig_bundle *b,
                                                 omsig_report *r);
/* 8: the log entry body of kind/version against the bundle (body.c). */
OMSIG_PRIVATE omsig_status omsig_sgs_check_body(const char *kind, const char *version,
                                                const uint8_t *body, size_t body_len, X509 *leaf,
                                                const omsig_bundle *b, omsig_report *r);

#endif /* OMSIG_SIGSTORE_STEPS_H */
