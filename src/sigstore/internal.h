/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - the sigstore method (sigstore.c): loading a Sigstore trust root
 * and checking a bundle the way sigstore-python's Verifier.verify_dsse does, offline.
 */
#ifndef OMSIG_SIGSTORE_INTERNAL_H
#define OMSIG_SIGSTORE_INTERNAL_H

#include "pki.h"

/* Loads the trust root and checks --identity/--identity_provider are given.  The root is
 * --trust_config (a ClientTrustConfig JSON or a bare trusted_root.json); without it, the
 * trusted_root.json sigstore-python keeps in its TUF cache for the instance (production, or
 * staging with --use_staging) when present and not older than the built-in copy, else the
 * built-in copy.  Which one is recorded in the report (omsig_report_trust_root()).
 * Free the result with omsig_pki_free().  NULL with a message in r on failure. */
OMSIG_PRIVATE omsig_pki *omsig_pki_sigstore_load(const omsig_options *o, omsig_report *r);

/* Every check sigstore-python runs before it returns the DSSE payload: bundle shape, verified
 * times (RFC 3161 and Rekor integrated time), Fulcio chain at each time, embedded SCT,
 * KU/EKU, issuer and SAN policy, Rekor inclusion proof, signed checkpoint and SET,
 * certificate validity at each time, the DSSE signature, and the log entry body.
 * Returns OMSIG_OK, or OMSIG_E_BUNDLE_PARSE, OMSIG_E_CERTIFICATE, OMSIG_E_SIGNATURE_INVALID,
 * OMSIG_E_UNSUPPORTED, OMSIG_E_NOMEM with the failed check named in r's message. */
OMSIG_PRIVATE omsig_status omsig_pki_sigstore_check(const omsig_pki *p, const omsig_options *o,
                                                    const omsig_bundle *b, omsig_report *r);


/* ---- single steps, exposed for tests/sigstore/test_sigstore.c ----------------------------- */

/* Step 2 alone: the embedded SCT of leaf, with the issuer taken from the Fulcio chain that
 * chain_leaf (normally leaf itself) builds at its notBefore. */
OMSIG_PRIVATE omsig_status omsig_sigstore_check_sct(const omsig_pki *p, const uint8_t *leaf,
                                                    size_t leaf_len, const uint8_t *chain_leaf,
                                                    size_t chain_leaf_len, omsig_report *r);

/* Step 8 alone: the Rekor entry body (canonicalizedBody bytes) of kind/version against the
 * bundle's envelope and leaf certificate (b->certs[0]). */
OMSIG_PRIVATE omsig_status omsig_sigstore_check_entry_body(const char *kind, const char *version,
                                                           const uint8_t *body, size_t body_len,
                                                           const omsig_bundle *b,
                                                           omsig_report *r);

#endif
