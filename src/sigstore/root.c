/* SPDX-License-Identifier: Apache-2.0 */
/*
 * root.c - the Sigstore trust root: its keyrings (Rekor, CT), its Fulcio and
 * timestamp authorities, and which root to use (--trust_config, sigstore-python's cache, or the
 * built-in copy).
 */
#define _GNU_SOURCE /* asprintf */
#include "sigstore/steps.h"
#include "sigstore/roots.h"

#include <assert.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUSTED_ROOT_MT   "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
#define TRUST_CONFIG_MT   "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
#define MAX_TRUST_ROOT    (16u << 20)

static bool spki_key_id(EVP_PKEY *k, uint8_t out[32])
{
    unsigned char *der = NULL;
    const int n = i2d_PUBKEY(k, &der);
    const bool ok = n > 0 && omsig_sha256(der, (size_t)n, out);
    OPENSSL_free(der);
    return ok;
}


/* ---- keyrings -------------------------------------------------------------------------------- */

static EVP_PKEY *parse_public_key(const uint8_t *der, size_t len, bool rsa_ok)
{
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    if (k && p == der + len) return k;
    EVP_PKEY_free(k);
    if (!rsa_ok) return NULL;
    p = der; /* PKCS#1 RSAPublicKey, which load_der_public_key also takes */
    k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
    if (k && p == der + len) return k;
    EVP_PKEY_free(k);
    return NULL;
}

/* Verifies with the key whose ID is key_id, or with every key when none has that ID (the ID
 * is an unauthenticated hint, as in sigstore-python's Keyring.verify). */
bool omsig_sgs_keyring_verify(const sgs_keyring *kr, const uint8_t *key_id, size_t key_id_len,
                              const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n)
{
    const sgs_key *only = NULL;
    for (size_t i = 0; key_id_len == 32 && i < kr->n; i++)
        if (memcmp(kr->keys[i].id, key_id, 32) == 0) {
            only = &kr->keys[i];
            break;
        }
    bool ok = false;
    for (size_t i = 0; !ok && i < (only ? 1 : kr->n); i++) {
        const sgs_key *k = only ? only : &kr->keys[i];
        ok = omsig_pkey_verify(k->pkey, k->md, sig, sig_len, data, n);
    }
    return ok;
}

static void keyring_free(sgs_keyring *kr)
{
    for (size_t i = 0; i < kr->n; i++) EVP_PKEY_free(kr->keys[i].pkey);
    free(kr->keys);
    memset(kr, 0, sizeof *kr);
}

/* TimeRange: absent means always valid.  *active: started by now (expired ones stay usable
 * for verification, as sigstore-python's KeyringPurpose.VERIFY and allow_expired do). */
static bool time_range(const cJSON *vf, int64_t now, bool required, int64_t *start, int64_t *end,
                       bool *has_end, bool *active)
{
    *start = 0;
    *end = 0;
    *has_end = false;
    *active = true;
    if (!vf || cJSON_IsNull(vf)) return !required;
    const char *s = omsig_json_str(vf, "start");
    if (!s || !omsig_sgs_parse_rfc3339(s, start)) return false;
    const cJSON *e = omsig_json_member(vf, "end");
    if (e && !cJSON_IsNull(e)) {
        if (!cJSON_IsString(e) || !omsig_sgs_parse_rfc3339(e->valuestring, end)) return false;
        *has_end = true;
    }
    *active = now >= *start;
    return true;
}

static omsig_status load_keyring(const cJSON *root, const char *what, sgs_keyring *kr,
                                 size_t *count, int64_t now, omsig_report *r)
{
    const cJSON *arr = omsig_json_member(root, what);
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid trust root: %s must be an array", what);
    const size_t n = (size_t)cJSON_GetArraySize(arr);
    if (count) *count = n;
    kr->keys = calloc(n ? n : 1, sizeof *kr->keys);
    if (!kr->keys) return omsig_nomem(r);
    size_t i = 0;
    for (const cJSON *t = arr->child; t; t = t->next, i++) {
        const cJSON *pk = omsig_json_member(t, "publicKey");
        const char *details = omsig_json_str(pk, "keyDetails");
        int64_t s, e;
        bool has_end, active;
        if (!cJSON_IsObject(pk) || !details ||
            !time_range(omsig_json_member(pk, "validFor"), now, false, &s, &e, &has_end, &active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: %s[%zu].publicKey must hold keyDetails and a "
                              "valid validFor",
                              what, i);
        if (!active) continue;
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        if (!omsig_json_b64(pk, "rawBytes", &raw, &raw_len) || raw_len == 0) {
            free(raw);
            omsig_warn(r, "Failed to load a trusted root key: public key is empty");
            continue;
        }
        const EVP_MD *md = NULL;
        const char *type = NULL;
        bool rsa = false;
        if (!strcmp(details, "PKIX_ECDSA_P256_SHA_256")) md = EVP_sha256(), type = "EC";
        else if (!strcmp(details, "PKIX_ECDSA_P384_SHA_384")) md = EVP_sha384(), type = "EC";
        else if (!strcmp(details, "PKIX_ECDSA_P521_SHA_512")) md = EVP_sha512(), type = "EC";
        else if (!strcmp(details, "PKIX_ED25519")) type = "ED25519";
        else if (!strcmp(details, "PKCS1_RSA_PKCS1V5") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_2048_SHA256") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_3072_SHA256") ||
                 !strcmp(details, "PKIX_RSA_PKCS1V15_4096_SHA256"))
            md = EVP_sha256(), type = "RSA", rsa = true;
        if (!type) {
            free(raw);
            omsig_warn(r, "Failed to load a trusted root key: unsupported key type: %s", details);
            continue;
        }
        EVP_PKEY *k = parse_public_key(raw, raw_len, rsa);
        free(raw);
        if (!k || !EVP_PKEY_is_a(k, type)) {
            EVP_PKEY_free(k);
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: %s[%zu].publicKey is not a valid %s key", what,
                              i, details);
        }
        sgs_key *dst = &kr->keys[kr->n];
        dst->pkey = k;
        dst->md = md;
        kr->n++;
        if (!spki_key_id(k, dst->id)) return omsig_nomem(r);
    }
    return OMSIG_OK;
}

/* ---- certificate authorities ----------------------------------------------------------------- */

static omsig_status load_chain(const cJSON *ca, const char *what, size_t i, STACK_OF(X509) *out,
                               omsig_report *r)
{
    const cJSON *list = omsig_json_member(omsig_json_member(ca, "certChain"), "certificates");
    if (!cJSON_IsArray(list) || !list->child)
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: %s[%zu].certChain.certificates must be a "
                          "non-empty array",
                          what, i);
    size_t j = 0;
    for (const cJSON *c = list->child; c; c = c->next, j++) {
        uint8_t *der = NULL;
        size_t len = 0;
        X509 *x = omsig_json_b64(c, "rawBytes", &der, &len) ? omsig_x509_from_der(der, len) : NULL;
        free(der);
        if (!x)
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: certificate %zu of %s[%zu] is not a valid "
                              "DER X.509 certificate",
                              j, what, i);
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            return omsig_nomem(r);
        }
    }
    return OMSIG_OK;
}

static omsig_status load_fulcio(const cJSON *root, sgs_state *s, int64_t now, omsig_report *r)
{
    const cJSON *arr = omsig_json_member(root, "certificateAuthorities");
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: certificateAuthorities must be an array");
    s->fulcio = X509_STORE_new();
    if (!s->fulcio) return omsig_nomem(r);
    size_t i = 0;
    for (const cJSON *ca = arr->child; ca; ca = ca->next, i++) {
        int64_t st, en;
        bool has_end, active;
        if (!time_range(omsig_json_member(ca, "validFor"), now, true, &st, &en, &has_end, &active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: certificateAuthorities[%zu].validFor is "
                              "missing or invalid",
                              i);
        STACK_OF(X509) *certs = sk_X509_new_null();
        if (!certs) return omsig_nomem(r);
        omsig_status rc = load_chain(ca, "certificateAuthorities", i, certs, r);
        for (int j = 0; rc == OMSIG_OK && active && j < sk_X509_num(certs); j++) {
            X509_STORE_add_cert(s->fulcio, sk_X509_value(certs, j)); /* duplicates are fine */
            s->n_fulcio++;
        }
        sk_X509_pop_free(certs, X509_free);
        if (rc != OMSIG_OK) return rc;
    }
    return OMSIG_OK;
}

static omsig_status load_tsas(const cJSON *root, sgs_state *s, int64_t now, omsig_report *r)
{
    const cJSON *arr = omsig_json_member(root, "timestampAuthorities");
    if (!arr || cJSON_IsNull(arr)) return OMSIG_OK;
    if (!cJSON_IsArray(arr))
        return omsig_fail(r, OMSIG_E_CERTIFICATE,
                          "invalid trust root: timestampAuthorities must be an array");
    const size_t n = (size_t)cJSON_GetArraySize(arr);
    s->tsa = calloc(n ? n : 1, sizeof *s->tsa);
    if (!s->tsa) return omsig_nomem(r);
    size_t i = 0;
    for (const cJSON *ca = arr->child; ca; ca = ca->next, i++) {
        sgs_authority *a = &s->tsa[s->n_tsa];
        if (!time_range(omsig_json_member(ca, "validFor"), now, true, &a->start, &a->end,
                        &a->has_end, &a->active))
            return omsig_fail(r, OMSIG_E_CERTIFICATE,
                              "invalid trust root: timestampAuthorities[%zu].validFor is "
                              "missing or invalid",
                              i);
        a->certs = sk_X509_new_null();
        if (!a->certs) return omsig_nomem(r);
        s->n_tsa++;
        OMSIG_FORWARD_IF_ERROR(load_chain(ca, "timestampAuthorities", i, a->certs, r));
    }
    return OMSIG_OK;
}

void omsig_sgs_free(omsig_pki *p)
{
    sgs_state *s = (sgs_state *)p;
    if (!s) return;
    keyring_free(&s->rekor);
    keyring_free(&s->ct);
    X509_STORE_free(s->fulcio);
    for (size_t i = 0; i < s->n_tsa; i++) sk_X509_pop_free(s->tsa[i].certs, X509_free);
    free(s->tsa);
    free(s);
}


/* The newest validFor.start anywhere in the trust root, microseconds since the epoch (0: none). */
static int64_t newest_start(const cJSON *j)
{
    int64_t best = 0;
    if (!cJSON_IsObject(j) && !cJSON_IsArray(j)) return 0;
    const cJSON *vf = cJSON_IsObject(j) ? omsig_json_member(j, "validFor") : NULL;
    const char *start = vf ? omsig_json_str(vf, "start") : NULL;
    int64_t t = 0;
    if (start && omsig_sgs_parse_rfc3339(start, &t)) best = t;
    const cJSON *c;
    cJSON_ArrayForEach(c, j) {
        const int64_t n = newest_start(c);
        if (n > best) best = n;
    }
    return best;
}


/* A trust root from JSON text: a ClientTrustConfig or a bare trusted_root.json.  what names it
 * in messages ("trust config 'x'").  NULL with a message in r on failure. */
static sgs_state *load_root(const char *text, size_t len, const char *what, omsig_report *r)
{
    const char *why = NULL;
    cJSON *j = omsig_json_parse(text, len, &why);
    sgs_state *s = calloc(1, sizeof *s);
    if (s) s->base.method = &omsig_pki_method_sigstore;
    omsig_status st = OMSIG_OK;
    if (!s) {
        st = omsig_nomem(r);
        goto fail;
    }
    if (!cJSON_IsObject(j)) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid %s: %s", what,
                        j ? "not a JSON object" : why);
        goto fail;
    }
    const cJSON *root = j;
    const cJSON *inner = omsig_json_member(j, "trustedRoot");
    if (inner) {
        const char *mt = omsig_json_str(j, "mediaType");
        if (!mt || strcmp(mt, TRUST_CONFIG_MT) != 0) {
            st = omsig_fail(r, OMSIG_E_CERTIFICATE, "invalid %s: mediaType must be %s", what,
                            TRUST_CONFIG_MT);
            goto fail;
        }
        root = inner;
    }
    const char *rmt = omsig_json_str(root, "mediaType");
    if (!cJSON_IsObject(root) || !rmt || strcmp(rmt, TRUSTED_ROOT_MT) != 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "unsupported trusted root format: %s",
                        rmt ? rmt : "(no mediaType)");
        goto fail;
    }
    const int64_t now = (int64_t)time(NULL) * USEC;
    if ((st = load_keyring(root, "tlogs", &s->rekor, &s->n_tlogs, now, r)) != OMSIG_OK ||
        (st = load_keyring(root, "ctlogs", &s->ct, NULL, now, r)) != OMSIG_OK ||
        (st = load_fulcio(root, s, now, r)) != OMSIG_OK ||
        (st = load_tsas(root, s, now, r)) != OMSIG_OK)
        goto fail;
    if (s->n_tlogs == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE,
                        "trusted root contains no transparency log instances");
        goto fail;
    }
    if (s->n_fulcio == 0) {
        st = omsig_fail(r, OMSIG_E_CERTIFICATE, "Fulcio certificates not found in trusted root");
        goto fail;
    }
    s->newest = newest_start(root);
    cJSON_Delete(j);
    return s;
fail:
    (void)st;
    cJSON_Delete(j);
    omsig_sgs_free(&s->base);
    return NULL;
}

/* Where sigstore-python 4.x keeps the trusted_root.json it fetched over TUF for an instance:
 * platformdirs.user_cache_dir("sigstore-python") / "tuf" / quote(url, safe="") (Linux:
 * $XDG_CACHE_HOME, else ~/.cache).  malloc'd; NULL without a home. */
static char *cached_root_path(const char *tuf_url)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *base = NULL, *out = NULL;
    if (xdg && xdg[0] == '/') {
        if (asprintf(&base, "%s", xdg) < 0) base = NULL;
    } else if (home && home[0]) {
        if (asprintf(&base, "%s/.cache", home) < 0) base = NULL;
    }
    if (!base) return NULL;
    omsig_buf q = {0};
    bool ok = true;
    for (const char *p = tuf_url; *p && ok; p++) {
        const unsigned char ch = (unsigned char)*p;
        char tmp[4];
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' ||
                           ch == '~';
        if (plain) snprintf(tmp, sizeof tmp, "%c", ch);
        else snprintf(tmp, sizeof tmp, "%%%02X", ch);
        ok = omsig_buf_puts(&q, tmp) == 0;
    }
    if (ok && asprintf(&out, "%s/sigstore-python/tuf/%s/trusted_root.json", base, q.data) < 0)
        out = NULL;
    omsig_buf_free(&q);
    free(base);
    return out;
}

/* Moves the warnings of a scratch report into r. */
static void take_warnings(omsig_report *r, const omsig_report *from)
{
    for (size_t i = 0; i < from->n_warnings; i++) omsig_warn(r, "%s", from->warnings[i]);
}

/* Records which trust root is used, in words, with the date of its newest key. */
static void describe_root(omsig_report *r, const char *source, const sgs_state *s,
                          const char *fmt, const char *arg)
{
    char date[16];
    omsig_sgs_format_date(s->newest, date);
    char *what = NULL;
    if (asprintf(&what, fmt, arg) < 0) what = NULL;
    free(r->trust_root);
    r->trust_root = NULL;
    if (asprintf(&r->trust_root, "%s (newest key valid from %s)", what ? what : "?", date) < 0)
        r->trust_root = NULL;
    free(what);
    r->trust_root_source = source;
}

/* Without --trust_config: sigstore-python's cached root for the instance when it loads and is
 * not older than the built-in copy, else the built-in copy. */
static sgs_state *load_default_root(const omsig_options *o, omsig_report *r)
{
    const sgs_builtin *b = o->use_staging ? &k_builtin_staging : &k_builtin_production;
    omsig_report *rb = omsig_report_new(), *rc = omsig_report_new();
    char *path = cached_root_path(b->tuf_url);
    sgs_state *builtin = NULL, *cached = NULL, *s = NULL;
    if (!rb || !rc || !path) {
        omsig_nomem(r);
        goto out;
    }
    if (!(builtin = load_root(b->json, b->len, "built-in trust root", rb))) {
        assert(rb->status == OMSIG_E_NOMEM); /* the copy is tested: memory ran out */
        omsig_fail(r, rb->status, "%s", rb->message ? rb->message : omsig_strerror(rb->status));
        goto out;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    const int rd = omsig_read_file(path, MAX_TRUST_ROOT, &data, &len);
    if (rd == 0) {
        char *what = NULL;
        if (asprintf(&what, "trust root '%s'", path) < 0) what = NULL;
        cached = load_root((const char *)data, len, what ? what : "cached trust root", rc);
        free(what);
        free(data);
        if (!cached)
            omsig_warn(r, "sigstore-python's cached trust root '%s' cannot be used (%s); using "
                          "the %s trust root built into omsig",
                       path, rc->message ? rc->message : "?", b->instance);
    }
    if (cached && cached->newest >= builtin->newest) {
        take_warnings(r, rc);
        describe_root(r, "sigstore-python-cache", cached,
                      "sigstore-python's cached trust root '%s'", path);
        s = cached;
        cached = NULL;
    } else {
        take_warnings(r, rb);
        describe_root(r, "built-in", builtin, "the Sigstore %s trust root built into omsig",
                      b->instance);
        s = builtin;
        builtin = NULL;
        s->builtin = true;
    }
out:
    omsig_sgs_free(builtin ? &builtin->base : NULL);
    omsig_sgs_free(cached ? &cached->base : NULL);
    omsig_report_free(rb);
    omsig_report_free(rc);
    free(path);
    return s;
}

omsig_pki *omsig_pki_sigstore_load(const omsig_options *o, omsig_report *r)
{
    if (!o->identity || !o->identity[0]) {
        omsig_fail(r, OMSIG_E_USAGE, "the sigstore method needs --identity");
        return NULL;
    }
    if (!o->identity_provider || !o->identity_provider[0]) {
        omsig_fail(r, OMSIG_E_USAGE, "the sigstore method needs --identity_provider");
        return NULL;
    }
    sgs_state *s = NULL;
    if (!o->trust_config_path || !o->trust_config_path[0]) {
        s = load_default_root(o, r);
    } else {
        const char *path = o->trust_config_path;
        uint8_t *data = NULL;
        size_t len = 0;
        const int rc = omsig_read_file(path, MAX_TRUST_ROOT, &data, &len);
        if (rc < 0) {
            if (rc == -ENOMEM) omsig_nomem(r);
            else omsig_fail_open(r, -rc, path);
            return NULL;
        }
        char *what = NULL;
        if (asprintf(&what, "trust config '%s'", path) < 0) what = NULL;
        s = what ? load_root((const char *)data, len, what, r) : NULL;
        if (!what) omsig_nomem(r);
        free(what);
        free(data);
        if (s) describe_root(r, "trust_config", s, "the trust root given with --trust_config: '%s'",
                             path);
    }
    return s ? &s->base : NULL;
}

/* The built-in trust root failed a bundle signed after its newest key: Sigstore may have
 * added a key since (a new Fulcio intermediate, Rekor log or timestamp authority).  Says so
 * after the failure's own message. */
void omsig_sgs_rotation_hint(const sgs_state *s, const omsig_options *o, X509 *leaf,
                             omsig_report *r)
{
    int64_t signed_at = 0;
    if (!omsig_sgs_asn1_time_us(X509_get0_notBefore(leaf), &signed_at) || signed_at <= s->newest)
        return;
    char when[16], root[16];
    omsig_sgs_format_date(signed_at, when);
    omsig_sgs_format_date(s->newest, root);
    char *m = NULL;
    if (asprintf(&m,
                 "%s. The bundle was signed on %s, after the newest key of the Sigstore trust "
                 "root built into omsig (%s): Sigstore may have rotated a key since. Pass "
                 "--trust_config with a current trusted_root.json (the 'trusted_root.json' TUF "
                 "target of %s)",
                 r->message ? r->message : "", when, root,
                 o->use_staging ? k_builtin_staging.tuf_url : k_builtin_production.tuf_url) < 0)
        return;
    free(r->message);
    r->message = m;
}

/* ---- which instance signed the bundle ------------------------------------------------------- */

/* Whether the root holds the Rekor key of log_id. */
static bool has_log(const sgs_state *s, const uint8_t *log_id, size_t log_id_len)
{
    for (size_t i = 0; log_id_len == 32 && i < s->rekor.n; i++)
        if (memcmp(s->rekor.keys[i].id, log_id, 32) == 0) return true;
    return false;
}

/* Whether one of the root's Fulcio certificates issued and signed leaf. */
static bool has_issuer(const sgs_state *s, X509 *leaf)
{
    bool found = false;
    if (!X509_STORE_lock(s->fulcio)) return false;
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(s->fulcio);
    for (int i = 0; !found && i < sk_X509_OBJECT_num(objs); i++) {
        X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        EVP_PKEY *k = ca ? X509_get0_pubkey(ca) : NULL;
        found = k && X509_check_issued(ca, leaf) == X509_V_OK && X509_verify(leaf, k) == 1;
    }
    X509_STORE_unlock(s->fulcio);
    ERR_clear_error();
    return found;
}

/* Whether the built-in root of b holds what the bundle lacks in the root used. */
static bool builtin_has(const sgs_builtin *b, bool log, bool ca, X509 *leaf, const uint8_t *log_id,
                        size_t log_id_len)
{
    omsig_report *scratch = omsig_report_new();
    sgs_state *other = scratch ? load_root(b->json, b->len, "built-in trust root", scratch) : NULL;
    const bool yes = other && (!log || has_log(other, log_id, log_id_len)) &&
                     (!ca || has_issuer(other, leaf));
    omsig_sgs_free(other ? &other->base : NULL);
    omsig_report_free(scratch);
    return yes;
}

bool omsig_sgs_instance_hint(const sgs_state *s, const omsig_options *o, X509 *leaf,
                             const uint8_t *log_id, size_t log_id_len, omsig_report *r)
{
    const bool log = log_id_len > 0 && !has_log(s, log_id, log_id_len);
    const bool ca = !has_issuer(s, leaf);
    if (!log && !ca) return false;
    const bool given = o->trust_config_path && o->trust_config_path[0];
    const bool in_prod = (given || o->use_staging) &&
                         builtin_has(&k_builtin_production, log, ca, leaf, log_id, log_id_len);
    const bool in_staging = (given || !o->use_staging) && !in_prod &&
                            builtin_has(&k_builtin_staging, log, ca, leaf, log_id, log_id_len);

    char key_hex[2 * 64 + 1] = "";
    omsig_hex(log_id, log_id_len > 64 ? 64 : log_id_len, key_hex);
    char *issuer = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && X509_NAME_print_ex(bio, X509_get_issuer_name(leaf), 0, XN_FLAG_RFC2253) >= 0) {
        char *data = NULL;
        const long n = BIO_get_mem_data(bio, &data);
        if (n >= 0 && asprintf(&issuer, "%.*s", (int)(n > 512 ? 512 : n), data ? data : "") < 0)
            issuer = NULL;
    }
    BIO_free(bio);
    char *what = NULL;
    int rc;
    if (log && ca)
        rc = asprintf(&what, "The bundle's transparency log (key id %s) and the authority that "
                             "issued its certificate ('%s') are",
                      key_hex, issuer ? issuer : "?");
    else if (log)
        rc = asprintf(&what, "The bundle's transparency log (key id %s) is", key_hex);
    else
        rc = asprintf(&what, "The authority that issued the bundle's certificate ('%s') is",
                      issuer ? issuer : "?");
    free(issuer);
    if (rc < 0) return false;
    const char *root = given ? "the trust root given with --trust_config"
                       : o->use_staging ? "the staging trust root"
                                        : "the production trust root";
    const char *ask = !given && in_staging ? "; was it signed with --use_staging?"
                      : !given && in_prod  ? "; was it signed without --use_staging (Sigstore's "
                                             "production instance)?"
                      : in_prod ? "; Sigstore's production trust root has them: was it signed "
                                  "there (verify without --trust_config)?"
                      : in_staging ? "; Sigstore's staging trust root has them: was it signed "
                                     "there (verify with --use_staging, without --trust_config)?"
                                   : "";
    char *m = NULL;
    rc = asprintf(&m, "%s. %s not in %s%s", r->message ? r->message : "", what, root, ask);
    free(what);
    if (rc < 0) return false;
    free(r->message);
    r->message = m;
    return in_prod || in_staging;
}
