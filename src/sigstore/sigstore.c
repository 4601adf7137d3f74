/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigstore.c - the sigstore method, offline: the checks of sigstore-python's
 * Verifier.verify_dsse, in its order and with its messages.  Each step is its own file
 * (pki_sigstore_<step>.c); this one runs them.
 */
#include "sigstore/steps.h"

#include <openssl/x509.h>
#include <string.h>

omsig_status omsig_sigstore_check_entry_body(const char *kind, const char *version,
                                             const uint8_t *body, size_t body_len,
                                             const omsig_bundle *b, omsig_report *r)
{
    if (!b->certs || b->n_certs == 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "expected certificate in bundle");
    X509 *leaf = omsig_x509_from_der(b->certs[0].data, b->certs[0].len);
    if (!leaf) return SGS_LOAD_FAIL(r, "the signing certificate is not valid DER");
    const omsig_status st = omsig_sgs_check_body(kind, version, body, body_len, leaf, b, r);
    X509_free(leaf);
    return st;
}

omsig_status omsig_sigstore_check_sct(const omsig_pki *p, const uint8_t *leaf_der,
                                      size_t leaf_len, const uint8_t *chain_der, size_t chain_len,
                                      omsig_report *r)
{
    const sgs_state *s = (const sgs_state *)p;
    X509 *leaf = omsig_x509_from_der(leaf_der, leaf_len);
    X509 *other = omsig_x509_from_der(chain_der, chain_len);
    STACK_OF(X509) *chain = NULL;
    int64_t t = 0;
    omsig_status st;
    if (!leaf || !other || !omsig_sgs_asn1_time_us(X509_get0_notBefore(other), &t))
        st = SGS_LOAD_FAIL(r, "the certificate is not valid DER");
    else if ((st = omsig_sgs_chain_at(s, other, t, &chain, r)) == OMSIG_OK)
        st = omsig_sgs_verify_sct(s, leaf, chain, r);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    X509_free(other);
    return st;
}

static const char *source_name(int src)
{
    return src == SRC_TSA ? "a timestamp authority" : "the transparency log's integrated time";
}

omsig_status omsig_pki_sigstore_check(const omsig_pki *p, const omsig_options *o,
                                      const omsig_bundle *b, omsig_report *r)
{
    if (!p) return omsig_fail(r, OMSIG_E_USAGE, "no Sigstore trust root loaded");
    sgs_ctx c;
    memset(&c, 0, sizeof c);
    c.s = (const sgs_state *)p;
    c.o = o;
    c.b = b;
    c.r = r;
    omsig_status st;
    bool keys = false; /* the failing step looks up a key or certificate of the trust root */
    /* bundle load, then steps 0-8 of sigstore-python's _verify_common_signing_cert and
     * verify_dsse */
    if ((st = omsig_sgs_check_shape(&c)) != OMSIG_OK) goto out;
    keys = true;
    if ((st = omsig_sgs_establish_time(&c)) != OMSIG_OK) goto out;
    for (size_t i = 0; i < c.n_times; i++)
        if ((st = omsig_sgs_chain_at(c.s, c.leaf, c.times[i].us, &c.chain, r)) != OMSIG_OK)
            goto out;
    if ((st = omsig_sgs_verify_sct(c.s, c.leaf, c.chain, r)) != OMSIG_OK) goto out;
    keys = false;
    if ((st = omsig_sgs_check_policy(&c)) != OMSIG_OK) goto out;
    keys = true;
    if (c.s->rekor.n == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "Did not find any Rekor keys in trusted root");
        goto out;
    }
    keys = false;
    if ((st = omsig_sgs_verify_merkle(&c.e, r)) != OMSIG_OK) goto out;
    keys = true;
    if ((st = omsig_sgs_verify_checkpoint(c.s, &c.e, r)) != OMSIG_OK) goto out;
    if (c.e.has_promise && c.e.has_time && c.e.integrated_time != 0 &&
        (st = omsig_sgs_verify_set(c.s, &c.e, r)) != OMSIG_OK)
        goto out;
    keys = false;
    int64_t nb = 0, na = 0;
    if (!omsig_sgs_asn1_time_us(X509_get0_notBefore(c.leaf), &nb) ||
        !omsig_sgs_asn1_time_us(X509_get0_notAfter(c.leaf), &na)) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "the signing certificate's validity is unreadable");
        goto out;
    }
    for (size_t i = 0; i < c.n_times; i++)
        if (c.times[i].us < nb || c.times[i].us > na) {
            char when[32];
            omsig_sgs_format_time(c.times[i].us, when);
            st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                            "invalid signing cert: expired at time of signing, time via %s (%s)",
                            source_name(c.times[i].source), when);
            goto out;
        }
    if ((st = omsig_sgs_verify_dsse(c.leaf, b, r)) != OMSIG_OK) goto out;
    st = omsig_sgs_check_body(c.e.kind, c.e.version, c.e.body, c.e.body_len, c.leaf, b, r);
out:
    if (st != OMSIG_OK && keys && c.leaf &&
        omsig_sgs_instance_hint(c.s, o, c.leaf, c.e.log_id, c.e.log_id_len, r))
        keys = false; /* the other instance's bundle: not a key rotated since */
    if (st != OMSIG_OK && keys && c.s->builtin && c.leaf)
        omsig_sgs_rotation_hint(c.s, o, c.leaf, r);
    omsig_sgs_ctx_free(&c);
    return st;
}

const omsig_pki_method omsig_pki_method_sigstore = {
    .name = "sigstore", .sigstore_bundle_types = true, .load = omsig_pki_sigstore_load,
    .check = omsig_pki_sigstore_check, .free = omsig_sgs_free};
