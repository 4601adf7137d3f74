/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle.c - reads a Sigstore bundle holding a DSSE envelope: the outer layer of an OMS
 * signature.  Shapes follow the reference's strict model: unknown keys are errors, and the
 * legacy publicKey {rawBytes, keyDetails} and a missing tlogEntries are accepted.
 */
#include "bundle.h"
#include "json_scan.h"
#include "json_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const k_top_keys[] = {"mediaType", "verificationMaterial", "dsseEnvelope",
                                         "messageSignature", NULL};
static const char *const k_vm_keys[] = {"publicKey", "x509CertificateChain", "certificate",
                                        "tlogEntries", "timestampVerificationData", NULL};
static const char *const k_pk_keys[] = {"hint", "rawBytes", "keyDetails", NULL};
static const char *const k_chain_keys[] = {"certificates", NULL};
static const char *const k_cert_keys[] = {"rawBytes", NULL};
static const char *const k_env_keys[] = {"payload", "payloadType", "signatures", NULL};
static const char *const k_sig_keys[] = {"sig", "keyid", NULL};

/*
 * The parts of verificationMaterial that no method here reads for a key or certificate
 * bundle, held to the reference's strict model all the same (sigstore_models: every object
 * forbids extra fields), so a bundle cannot carry anything unchecked: a field is a string,
 * an object or a list of either, required or optional (an optional one may be null).
 */
typedef enum { F_STRING, F_OBJECT, F_STRINGS, F_OBJECTS } field_type;

typedef struct field {
    const char *key;
    field_type type;
    bool required;
    const struct field *sub; /* F_OBJECT, F_OBJECTS: the fields of the object, {NULL}-ended */
} field;

static const field k_log_id[] = {{"keyId", F_STRING, true, NULL}, {NULL}};
static const field k_kind_version[] = {{"kind", F_STRING, true, NULL},
                                       {"version", F_STRING, true, NULL}, {NULL}};
static const field k_promise[] = {{"signedEntryTimestamp", F_STRING, true, NULL}, {NULL}};
static const field k_checkpoint[] = {{"envelope", F_STRING, true, NULL}, {NULL}};
static const field k_proof[] = {{"logIndex", F_STRING, true, NULL},
                                {"rootHash", F_STRING, true, NULL},
                                {"treeSize", F_STRING, true, NULL},
                                {"hashes", F_STRINGS, true, NULL},
                                {"checkpoint", F_OBJECT, false, k_checkpoint},
                                {NULL}};
static const field k_tlog_entry[] = {{"logIndex", F_STRING, true, NULL},
                                     {"logId", F_OBJECT, true, k_log_id},
                                     {"kindVersion", F_OBJECT, true, k_kind_version},
                                     {"integratedTime", F_STRING, false, NULL},
                                     {"inclusionPromise", F_OBJECT, false, k_promise},
                                     {"inclusionProof", F_OBJECT, true, k_proof},
                                     {"canonicalizedBody", F_STRING, true, NULL},
                                     {NULL}};
static const field k_timestamp[] = {{"signedTimestamp", F_STRING, true, NULL}, {NULL}};
static const field k_tsv[] = {{"rfc3161Timestamps", F_OBJECTS, false, k_timestamp}, {NULL}};

static const char *field_type_name(field_type t)
{
    switch (t) {
    case F_STRING: return "a string";
    case F_OBJECT: return "an object";
    case F_STRINGS: case F_OBJECTS: return "an array";
    }
    return "?";
}

static omsig_status check_fields(const cJSON *obj, const field *fields, const char *where,
                                 omsig_report *r);

static omsig_status check_value(const cJSON *v, field_type type, const field *sub,
                                const char *where, omsig_report *r)
{
    const bool ok = type == F_STRING   ? cJSON_IsString(v)
                    : type == F_OBJECT ? cJSON_IsObject(v)
                                       : cJSON_IsArray(v);
    if (!ok)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                          "Invalid signature bundle: %s must be %s, got %s", where,
                          field_type_name(type), omsig_json_type_name(v));
    if (type == F_OBJECT) return check_fields(v, sub, where, r);
    if (type == F_STRING) return OMSIG_OK;
    size_t i = 0;
    for (const cJSON *item = v->child; item; item = item->next, i++) {
        char at[192];
        snprintf(at, sizeof at, "%s[%zu]", where, i);
        OMSIG_FORWARD_IF_ERROR(
            check_value(item, type == F_STRINGS ? F_STRING : F_OBJECT, sub, at, r));
    }
    return OMSIG_OK;
}

static omsig_status check_fields(const cJSON *obj, const field *fields, const char *where,
                                 omsig_report *r)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        const field *f = fields;
        while (f->key && strcmp(f->key, c->string) != 0) f++;
        if (!f->key)
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                              "Invalid signature bundle: unexpected key '%s' in %s", c->string,
                              where);
    }
    for (const field *f = fields; f->key; f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->key);
        char at[192];
        snprintf(at, sizeof at, "%s.%s", where, f->key);
        if (!v && f->required)
            return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, "Invalid signature bundle: %s is missing",
                              at);
        if (!v || (cJSON_IsNull(v) && !f->required)) continue;
        OMSIG_FORWARD_IF_ERROR(check_value(v, f->type, f->sub, at, r));
    }
    return OMSIG_OK;
}

static omsig_status bad(omsig_report *r, const char *fmt, const char *a, const char *b)
{
    return omsig_fail(r, OMSIG_E_BUNDLE_PARSE, fmt, a, b);
}

static omsig_status need_object(const cJSON *v, const char *what, const char *const *keys,
                                omsig_report *r)
{
    if (!cJSON_IsObject(v))
        return bad(r, "Invalid signature bundle: %s must be an object, got %s", what,
                   omsig_json_type_name(v));
    const char *k = NULL;
    if (!omsig_json_only_keys(v, keys, &k))
        return bad(r, "Invalid signature bundle: unexpected key '%s' in %s", k, what);
    return OMSIG_OK;
}

static omsig_status get_string(const cJSON *obj, const char *key, const char *what,
                               const char **out, omsig_report *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v))
        return bad(r, "Invalid signature bundle: %s must be a string, got %s", what,
                   omsig_json_type_name(v));
    *out = v->valuestring;
    return OMSIG_OK;
}

static omsig_status get_base64(const cJSON *obj, const char *key, const char *what,
                               uint8_t **out, size_t *len, omsig_report *r)
{
    const char *s = NULL;
    OMSIG_FORWARD_IF_ERROR(get_string(obj, key, what, &s, r));
    if (omsig_base64_decode(s, strlen(s), out, len) != 0)
        return bad(r, "Invalid signature bundle: %s is not valid base64%s", what, "");
    return OMSIG_OK;
}

/* A copy of the string member k of o into *out (NULL when absent or null); 0 or -ENOMEM. */
static int copy_str(const cJSON *o, const char *k, char **out)
{
    const char *s = omsig_json_str(o, k);
    *out = s ? omsig_strdup(s) : NULL;
    return s && !*out ? -ENOMEM : 0;
}

static bool given(const cJSON *v) { return v && !cJSON_IsNull(v); }

/* tlogEntries[0] as strings (its shape is checked already). */
static int take_tlog_entry(const cJSON *e, omsig_tlog_entry *t)
{
    const cJSON *pr = omsig_json_member(e, "inclusionPromise");
    const cJSON *proof = omsig_json_member(e, "inclusionProof");
    const cJSON *kv = omsig_json_member(e, "kindVersion");
    t->has_promise = given(pr);
    t->has_proof = given(proof);
    if (copy_str(e, "logIndex", &t->log_index) ||
        copy_str(omsig_json_member(e, "logId"), "keyId", &t->log_id) ||
        copy_str(kv, "kind", &t->kind) || copy_str(kv, "version", &t->version) ||
        copy_str(e, "integratedTime", &t->integrated_time) ||
        copy_str(pr, "signedEntryTimestamp", &t->set) ||
        copy_str(proof, "logIndex", &t->proof_log_index) ||
        copy_str(proof, "treeSize", &t->tree_size) ||
        copy_str(proof, "rootHash", &t->root_hash) ||
        copy_str(omsig_json_member(proof, "checkpoint"), "envelope", &t->checkpoint) ||
        copy_str(e, "canonicalizedBody", &t->body))
        return -ENOMEM;
    const cJSON *hashes = omsig_json_member(proof, "hashes");
    const size_t n = cJSON_IsArray(hashes) ? (size_t)cJSON_GetArraySize(hashes) : 0;
    if (n && !(t->hashes = calloc(n, sizeof *t->hashes))) return -ENOMEM;
    for (const cJSON *h = n ? hashes->child : NULL; h; h = h->next)
        if (!(t->hashes[t->n_hashes++] = omsig_strdup(h->valuestring))) return -ENOMEM;
    return 0;
}

static void tlog_entry_free(omsig_tlog_entry *t)
{
    char *const strs[] = {t->log_index,       t->log_id,    t->kind,      t->version,
                          t->integrated_time, t->set,       t->proof_log_index,
                          t->tree_size,       t->root_hash, t->checkpoint, t->body};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) free(strs[i]);
    omsig_strv_free(t->hashes, t->n_hashes);
    memset(t, 0, sizeof *t);
}

/* What only the sigstore method reads: the first log entry and the RFC 3161 timestamps. */
static omsig_status take_sigstore_material(const cJSON *tlog, const cJSON *tsv, omsig_bundle *b,
                                           omsig_report *r)
{
    if (tlog && tlog->child && take_tlog_entry(tlog->child, &b->tlog) != 0)
        return omsig_nomem(r);
    const cJSON *list = omsig_json_member(tsv, "rfc3161Timestamps");
    if (!given(list)) return OMSIG_OK;
    b->has_timestamps = true;
    const size_t n = (size_t)cJSON_GetArraySize(list);
    if (n && !(b->timestamps = calloc(n, sizeof *b->timestamps))) return omsig_nomem(r);
    for (const cJSON *t = list->child; t; t = t->next)
        if (copy_str(t, "signedTimestamp", &b->timestamps[b->n_timestamps++]) != 0)
            return omsig_nomem(r);
    return OMSIG_OK;
}

static omsig_status parse_vm(const cJSON *vm, omsig_bundle *b, omsig_report *r)
{
    OMSIG_FORWARD_IF_ERROR(need_object(vm, "verificationMaterial", k_vm_keys, r));
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(vm, "publicKey");
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(vm, "x509CertificateChain");
    const cJSON *cert = cJSON_GetObjectItemCaseSensitive(vm, "certificate");
    const int n = (pk != NULL) + (chain != NULL) + (cert != NULL);
    if (n != 1)
        return bad(r, "Invalid signature bundle: exactly one of publicKey, "
                      "x509CertificateChain, or certificate must be set%s%s", "", "");

    const cJSON *tlog = cJSON_GetObjectItemCaseSensitive(vm, "tlogEntries");
    if (tlog) {
        if (!cJSON_IsArray(tlog))
            return bad(r, "Invalid signature bundle: %s must be an array, got %s",
                       "verificationMaterial.tlogEntries", omsig_json_type_name(tlog));
        b->has_tlog_entries = true;
        b->n_tlog_entries = (size_t)cJSON_GetArraySize(tlog);
        OMSIG_FORWARD_IF_ERROR(check_value(tlog, F_OBJECTS, k_tlog_entry,
                                           "verificationMaterial.tlogEntries", r));
    }
    const cJSON *tsv = cJSON_GetObjectItemCaseSensitive(vm, "timestampVerificationData");
    if (tsv && !cJSON_IsNull(tsv))
        OMSIG_FORWARD_IF_ERROR(check_value(tsv, F_OBJECT, k_tsv,
                                           "verificationMaterial.timestampVerificationData", r));
    OMSIG_FORWARD_IF_ERROR(take_sigstore_material(tlog, tsv, b, r));

    if (pk) {
        b->vm_kind = OMSIG_VM_PUBLIC_KEY;
        OMSIG_FORWARD_IF_ERROR(need_object(pk, "verificationMaterial.publicKey", k_pk_keys, r));
        const cJSON *hint = cJSON_GetObjectItemCaseSensitive(pk, "hint");
        if (hint && !cJSON_IsString(hint) && !cJSON_IsNull(hint))
            return bad(r, "Invalid signature bundle: %s must be a string, got %s",
                       "publicKey.hint", omsig_json_type_name(hint));
        if (cJSON_IsString(hint) && hint->valuestring[0]) {
            b->key_hint = omsig_strdup(hint->valuestring);
            if (!b->key_hint) return omsig_nomem(r);
        }
        return OMSIG_OK;
    }

    const cJSON *list = NULL;
    if (chain) {
        b->vm_kind = OMSIG_VM_X509_CHAIN;
        OMSIG_FORWARD_IF_ERROR(need_object(chain, "x509CertificateChain", k_chain_keys, r));
        list = cJSON_GetObjectItemCaseSensitive(chain, "certificates");
        if (!cJSON_IsArray(list))
            return bad(r, "Invalid signature bundle: %s must be an array, got %s",
                       "x509CertificateChain.certificates", omsig_json_type_name(list));
        if (!list->child)
            return bad(r, "Invalid signature bundle: %s%s",
                       "x509CertificateChain.certificates is empty", "");
    } else {
        b->vm_kind = OMSIG_VM_CERTIFICATE;
        list = NULL;
    }
    const size_t count = list ? (size_t)cJSON_GetArraySize(list) : 1;
    if (count > OMSIG_BUNDLE_MAX_CERTS)
        return omsig_fail(r, OMSIG_E_LIMIT, "Invalid signature bundle: more than %d certificates",
                          OMSIG_BUNDLE_MAX_CERTS);
    b->certs = calloc(count, sizeof *b->certs);
    if (!b->certs) return omsig_nomem(r);
    const cJSON *item = list ? list->child : cert;
    for (size_t i = 0; i < count; i++, item = item->next) {
        OMSIG_FORWARD_IF_ERROR(need_object(item, "a certificate", k_cert_keys, r));
        OMSIG_FORWARD_IF_ERROR(get_base64(item, "rawBytes", "certificate rawBytes",
                                          &b->certs[i].data, &b->certs[i].len, r));
        b->n_certs++;
    }
    return OMSIG_OK;
}

static omsig_status parse_envelope(const cJSON *env, omsig_bundle *b, omsig_report *r)
{
    OMSIG_FORWARD_IF_ERROR(need_object(env, "dsseEnvelope", k_env_keys, r));
    const char *pt = NULL;
    if (b->payload) /* decoded already, from the text (parse_cut) */
        OMSIG_FORWARD_IF_ERROR(get_string(env, "payload", "dsseEnvelope.payload", &pt, r));
    else
        OMSIG_FORWARD_IF_ERROR(get_base64(env, "payload", "dsseEnvelope.payload", &b->payload,
                                          &b->payload_len, r));
    OMSIG_FORWARD_IF_ERROR(get_string(env, "payloadType", "dsseEnvelope.payloadType", &pt, r));
    b->payload_type = omsig_strdup(pt);
    if (!b->payload_type) return omsig_nomem(r);

    const cJSON *sigs = cJSON_GetObjectItemCaseSensitive(env, "signatures");
    if (!cJSON_IsArray(sigs))
        return bad(r, "Invalid signature bundle: %s must be an array, got %s",
                   "dsseEnvelope.signatures", omsig_json_type_name(sigs));
    for (const cJSON *s = sigs->child; s; s = s->next) {
        OMSIG_FORWARD_IF_ERROR(need_object(s, "a DSSE signature", k_sig_keys, r));
        const cJSON *kid = cJSON_GetObjectItemCaseSensitive(s, "keyid");
        if (kid && !cJSON_IsString(kid) && !cJSON_IsNull(kid))
            return bad(r, "Invalid signature bundle: %s must be a string, got %s",
                       "signature keyid", omsig_json_type_name(kid));
        if (b->n_signatures++ == 0)
            OMSIG_FORWARD_IF_ERROR(
                get_base64(s, "sig", "dsseEnvelope.signatures[0].sig", &b->sig, &b->sig_len, r));
        else if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "sig")))
            return bad(r, "Invalid signature bundle: %s must be a string, got %s",
                       "signature sig",
                       omsig_json_type_name(cJSON_GetObjectItemCaseSensitive(s, "sig")));
    }
    if (b->n_signatures == 0)
        return bad(r, "Invalid signature bundle: %s%s", "dsseEnvelope.signatures is empty", "");
    if (b->sig_len == 0)
        return bad(r, "Invalid signature bundle: %s%s", "the DSSE signature is empty", "");
    return OMSIG_OK;
}

static omsig_status parse_tree(const cJSON *j, omsig_bundle *b, omsig_report *r);

/* The text of dsseEnvelope.payload's string (up to its first quote), when the bundle is an
 * object whose dsseEnvelope member is an object with a payload member that is a string (the
 * keys on the way without escapes). */
static bool find_payload(const char *text, size_t len, omsig_span *out)
{
    omsig_json_scanner s = {text, text + len};
    omsig_span k, v;
    bool more = true;
    if (!omsig_scan_expect(&s, '{')) return false;
    while (more) {
        if (!omsig_scan_plain_string(&s, &k) || !omsig_scan_expect(&s, ':')) return false;
        if (omsig_span_is(&k, "dsseEnvelope")) break;
        if (!omsig_scan_value(&s, &v) || !omsig_scan_next_member(&s, &more)) return false;
    }
    if (!more || !omsig_scan_expect(&s, '{')) return false;
    for (more = true; more;) {
        if (!omsig_scan_plain_string(&s, &k) || !omsig_scan_expect(&s, ':')) return false;
        if (!omsig_span_is(&k, "payload")) {
            if (!omsig_scan_value(&s, &v) || !omsig_scan_next_member(&s, &more)) return false;
            continue;
        }
        /* to the next quote: the caller's base64 decoding refuses an escape or a control
         * character in it */
        const char *q = omsig_scan_expect(&s, '"') ? memchr(s.p, '"', (size_t)(s.end - s.p)) : NULL;
        if (!q) return false;
        *out = (omsig_span){s.p, (size_t)(q - s.p)};
        return true;
    }
    return false;
}

/*
 * The payload is nearly all of a bundle (19 MB of base64 for 100,000 files), and cJSON would
 * scan it, copy it and free it only for it to be decoded.  Here it is decoded straight from
 * the text, and the rest of the bundle, with the payload's string emptied, is parsed and
 * checked as any bundle is.  A string of base64 characters between two quotes holds nothing
 * JSON reads: the text with it emptied is valid (for cJSON and for Python) exactly when the
 * text with it is, has the same tree but for that string, and passes the tree-size budget
 * when the text does.  Where anything fails, the whole text is read the ordinary way, which
 * gives the verdict and its words; true when the bundle was read here (b filled in).
 */
static bool parse_cut(const char *text, size_t len, omsig_bundle *b)
{
    omsig_span pl;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    if (!find_payload(text, len, &pl) ||
        omsig_base64_decode(pl.p, pl.n, &payload, &payload_len) != 0)
        return false;
    const size_t head = (size_t)(pl.p - text), cut_len = len - pl.n;
    char *cut = malloc(cut_len + 1);
    omsig_report *scratch = omsig_report_new();
    const char *why = NULL;
    char where[160];
    cJSON *j = NULL;
    bool ok = false;
    if (cut && scratch) {
        memcpy(cut, text, head);
        memcpy(cut + head, pl.p + pl.n, len - head - pl.n);
        cut[cut_len] = '\0';
        j = omsig_json_parse(cut, cut_len, &why);
    }
    if (j && !omsig_json_python_error(cut, cut_len, where, sizeof where)) {
        b->payload = payload;
        b->payload_len = payload_len;
        payload = NULL;
        ok = parse_tree(j, b, scratch) == OMSIG_OK;
    }
    cJSON_Delete(j);
    omsig_report_free(scratch);
    free(cut);
    free(payload);
    if (!ok) omsig_bundle_free(b);
    return ok;
}

omsig_status omsig_bundle_parse(const uint8_t *data, size_t len, omsig_bundle *b,
                                omsig_report *r)
{
    memset(b, 0, sizeof *b);
    if (parse_cut((const char *)data, len, b)) return OMSIG_OK;
    return omsig_bundle_parse_json(data, len, b, r);
}

omsig_status omsig_bundle_parse_json(const uint8_t *data, size_t len, omsig_bundle *b,
                                     omsig_report *r)
{
    memset(b, 0, sizeof *b);
    const char *why = NULL;
    cJSON *j = omsig_json_parse((const char *)data, len, &why);
    /* The reference reads the bundle with Python's json.loads: where that stops, say so in its
     * words ("Expecting ',' delimiter: line 3 column 5 (char 18)"), also for what cJSON takes
     * and Python does not (a raw control character in a string, 01, 1., a byte-order mark). */
    char where[160];
    if ((j || strcmp(why, "is empty") != 0) &&
        omsig_json_python_error((const char *)data, len, where, sizeof where)) {
        cJSON_Delete(j);
        return bad(r, "Invalid signature bundle: the file is not valid JSON: %s%s", where, "");
    }
    if (!j) return bad(r, "Invalid signature bundle: the file %s%s", why, "");
    const omsig_status st = parse_tree(j, b, r);
    cJSON_Delete(j);
    return st;
}

/* The bundle's tree, top down, in the reference's order of checks. */
static omsig_status parse_tree(const cJSON *j, omsig_bundle *b, omsig_report *r)
{
    OMSIG_FORWARD_IF_ERROR(need_object(j, "the bundle", k_top_keys, r));

    const char *mt = NULL;
    OMSIG_FORWARD_IF_ERROR(get_string(j, "mediaType", "mediaType", &mt, r));
    b->media_type = omsig_strdup(mt);
    if (!b->media_type) return omsig_nomem(r);

    const cJSON *vm = cJSON_GetObjectItemCaseSensitive(j, "verificationMaterial");
    if (!vm) return bad(r, "Invalid signature bundle: %s%s", "verificationMaterial is missing", "");
    OMSIG_FORWARD_IF_ERROR(parse_vm(vm, b, r));

    const cJSON *env = cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "messageSignature");
    if (msg && env)
        return bad(r, "Invalid signature bundle: %s%s",
                   "exactly one of messageSignature or dsseEnvelope must be set", "");
    if (msg)
        return bad(r, "Invalid signature bundle: %s%s",
                   "it holds a messageSignature, not the dsseEnvelope a model signature needs",
                   "");
    if (!env) return bad(r, "Invalid signature bundle: %s%s", "dsseEnvelope is missing", "");
    return parse_envelope(env, b, r);
}

omsig_status omsig_bundle_read(const char *path, uint64_t max_bytes, omsig_bundle *b,
                               omsig_report *r)
{
    memset(b, 0, sizeof *b);
    uint8_t *data = NULL;
    size_t len = 0;
    if (max_bytes == 0) max_bytes = OMSIG_MAX_BUNDLE_BYTES;
    const int rc = omsig_read_file(path, (size_t)max_bytes, &data, &len);
    if (rc == -EFBIG)
        return omsig_fail(r, OMSIG_E_LIMIT,
                          "Signature file '%s' is larger than the %llu MiB limit for bundles "
                          "(raise it with --max-bundle-size)",
                          path, (unsigned long long)(max_bytes >> 20));
    if (rc == -ENOMEM) return omsig_nomem(r);
    if (rc < 0)
        return omsig_fail_open(r, -rc, path);
    const omsig_status st = omsig_bundle_parse(data, len, b, r);
    free(data);
    return st;
}

omsig_status omsig_bundle_check_media_type(const omsig_bundle *b, omsig_report *r)
{
    if (strcmp(b->media_type, OMSIG_BUNDLE_MEDIA_TYPE) != 0)
        return omsig_fail(r, OMSIG_E_BUNDLE_PARSE,
                          "Invalid sigstore bundle, got media type %s but expected %s",
                          b->media_type, OMSIG_BUNDLE_MEDIA_TYPE);
    return OMSIG_OK;
}

void omsig_bundle_free(omsig_bundle *b)
{
    if (!b) return;
    void *const bufs[] = {b->media_type, b->key_hint, b->payload, b->payload_type, b->sig};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    omsig_der_free(b->certs, b->n_certs);
    tlog_entry_free(&b->tlog);
    omsig_strv_free(b->timestamps, b->n_timestamps);
    memset(b, 0, sizeof *b);
}
