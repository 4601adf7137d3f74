/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement.c - the in-toto statement inside the envelope: what was signed.  Produces the
 * expected manifest and checks the root digest in listed order before any model file is read.
 */
#define _GNU_SOURCE
#include "json_util.h"
#include "statement.h"
#include "statement_scan.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *omsig_hash_name(omsig_hash h)
{
    switch (h) {
    case OMSIG_HASH_SHA256: return "sha256";
    case OMSIG_HASH_BLAKE2B: return "blake2b";
    case OMSIG_HASH_BLAKE3: return "blake3";
    }
    return "?";
}

const char *omsig_resource_algorithm(const omsig_manifest *m, char out[OMSIG_ALGORITHM_MAX])
{
    if (m->method == OMSIG_SERIAL_SHARDS)
        snprintf(out, OMSIG_ALGORITHM_MAX, "%s-sharded-%llu", omsig_hash_name(m->hash),
                 (unsigned long long)m->shard_size);
    else
        snprintf(out, OMSIG_ALGORITHM_MAX, "%s", omsig_hash_name(m->hash));
    return out;
}

size_t omsig_hash_size(omsig_hash h) { return h == OMSIG_HASH_BLAKE2B ? 64 : 32; }

static omsig_status bad(omsig_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static omsig_status bad(omsig_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    omsig_buf b = {0};
    omsig_buf_puts(&b, "Invalid signed statement: ");
    omsig_buf_puts(&b, fmt);
    omsig_status st = omsig_vfail(r, OMSIG_E_MANIFEST_PARSE, b.data ? b.data : fmt, ap);
    va_end(ap);
    omsig_buf_free(&b);
    return st;
}

/* Decimal without sign or leading zeros (but "0"), fitting in 64 bits. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
    return !(n > 1 && s[0] == '0') && omsig_u64_parse(s, n, out);
}

static omsig_status check_path(const char *what, const char *name, size_t len, omsig_report *r)
{
    if (len == 1 && name[0] == '.') return OMSIG_OK; /* single-file model */
    const char *why = omsig_relpath_problem(name, len);
    if (!why) return OMSIG_OK;
    omsig_buf q = {0};
    omsig_py_repr_str(&q, name);
    const omsig_status st = bad(r, "%s %s %s; only normalised paths inside the model are allowed",
                                what, q.data ? q.data : "?", why);
    omsig_buf_free(&q);
    return st;
}

/* serialization.<key> when is() holds for it, else the failure naming the type it must be. */
static omsig_status serialization_member(const cJSON *s, const char *key,
                                         cJSON_bool (*is)(const cJSON *), const char *type,
                                         const cJSON **out, omsig_report *r)
{
    *out = omsig_json_member(s, key);
    if (is(*out)) return OMSIG_OK;
    return bad(r, "serialization.%s must be %s, got %s", key, type, omsig_json_type_name(*out));
}

static omsig_status parse_serialization(const cJSON *s, omsig_manifest *m, omsig_report *r)
{
    if (!cJSON_IsObject(s))
        return bad(r, "predicate.serialization must be an object, got %s", omsig_json_type_name(s));
    const cJSON *method, *ht, *sym, *ss;
    OMSIG_FORWARD_IF_ERROR(
        serialization_member(s, "method", cJSON_IsString, "a string", &method, r));
    if (strcmp(method->valuestring, "files") == 0)
        m->method = OMSIG_SERIAL_FILES;
    else if (strcmp(method->valuestring, "shards") == 0)
        m->method = OMSIG_SERIAL_SHARDS;
    else
        return omsig_fail(r, OMSIG_E_MANIFEST_PARSE, "Unknown serialization type %s",
                          method->valuestring);

    OMSIG_FORWARD_IF_ERROR(
        serialization_member(s, "hash_type", cJSON_IsString, "a string", &ht, r));
    static const omsig_hash k_hashes[] = {OMSIG_HASH_SHA256, OMSIG_HASH_BLAKE2B,
                                          OMSIG_HASH_BLAKE3};
    size_t h = 0;
    while (h < 3 && strcmp(ht->valuestring, omsig_hash_name(k_hashes[h])) != 0) h++;
    if (h < 3)
        m->hash = k_hashes[h];
    else
        return bad(r, "unknown serialization.hash_type '%s'", ht->valuestring);

    /* model_signing hashes a blake3 model as files whatever the method says, so shard
     * resources with blake3 can never match what it computes */
    if (m->method == OMSIG_SERIAL_SHARDS && m->hash == OMSIG_HASH_BLAKE3)
        return omsig_fail(r, OMSIG_E_UNSUPPORTED,
                          "Method 'shards' with hash type 'blake3' cannot verify: model_signing "
                          "hashes blake3 models as files (method 'files'), so shard resources "
                          "never match");

    OMSIG_FORWARD_IF_ERROR(
        serialization_member(s, "allow_symlinks", cJSON_IsBool, "a boolean", &sym, r));
    m->allow_symlinks = cJSON_IsTrue(sym);

    if (m->method == OMSIG_SERIAL_SHARDS) {
        OMSIG_FORWARD_IF_ERROR(
            serialization_member(s, "shard_size", cJSON_IsNumber, "a number", &ss, r));
        const double d = ss->valuedouble;
        if (!isfinite(d) || d < 1 || d > (double)OMSIG_MAX_SHARD_SIZE || floor(d) != d)
            return bad(r, "serialization.shard_size must be a whole number of bytes between 1 "
                          "and 2^53");
        m->shard_size = (uint64_t)d;
    }

    const cJSON *ign = omsig_json_member(s, "ignore_paths");
    if (ign && !cJSON_IsNull(ign)) {
        if (!cJSON_IsArray(ign))
            return bad(r, "serialization.ignore_paths must be an array, got %s",
                       omsig_json_type_name(ign));
        const size_t n = (size_t)cJSON_GetArraySize(ign);
        if (n > 100000) return omsig_fail(r, OMSIG_E_LIMIT, "Too many ignore_paths in the bundle");
        m->ignore_paths = calloc(n ? n : 1, sizeof *m->ignore_paths);
        if (!m->ignore_paths) return omsig_nomem(r);
        for (const cJSON *e = ign->child; e; e = e->next) {
            if (!cJSON_IsString(e))
                return bad(r, "serialization.ignore_paths items must be strings, got %s",
                           omsig_json_type_name(e));
            OMSIG_FORWARD_IF_ERROR(
                check_path("ignore path", e->valuestring, strlen(e->valuestring), r));
            if (strcmp(e->valuestring, ".") == 0)
                return bad(r, "ignore path '.' would ignore the whole model");
            if (!(m->ignore_paths[m->n_ignore_paths] = omsig_strdup(e->valuestring)))
                return omsig_nomem(r);
            m->n_ignore_paths++;
        }
    }
    return OMSIG_OK;
}

static omsig_status set_digest_text(omsig_resource *res, const char *hex, size_t len,
                                    omsig_hash h, omsig_report *r)
{
    res->digest_len = omsig_hash_size(h);
    if (omsig_unhex(hex, len, res->digest, res->digest_len) != 0)
        return bad(r, "the digest of '%.200s' is not %zu bytes of hex", res->name,
                   res->digest_len);
    return OMSIG_OK;
}

static omsig_status set_digest(omsig_resource *res, const cJSON *d, omsig_hash h,
                               omsig_report *r)
{
    if (!cJSON_IsString(d))
        return bad(r, "the digest of a resource must be a string, got %s", omsig_json_type_name(d));
    return set_digest_text(res, d->valuestring, strlen(d->valuestring), h, r);
}

/* res->name is set (and owned by the manifest): checks it and sets res->path. */
static omsig_status parse_name(omsig_resource *res, const omsig_manifest *m, omsig_report *r)
{
    const char *name = res->name;
    const size_t len = strlen(name);
    if (m->method == OMSIG_SERIAL_FILES) {
        OMSIG_FORWARD_IF_ERROR(check_path("resource name", name, len, r));
        res->path = res->name;
        return OMSIG_OK;
    }
    const char *c2 = memrchr(name, ':', len);
    const char *c1 = c2 ? memrchr(name, ':', (size_t)(c2 - name)) : NULL;
    if (!c1)
        return bad(r, "shard resource name '%.200s' is not of the form path:start:end", name);
    if (!parse_u64(c1 + 1, (size_t)(c2 - c1 - 1), &res->start) ||
        !parse_u64(c2 + 1, len - (size_t)(c2 - name) - 1, &res->end))
        return bad(r, "shard resource name '%.200s' has offsets that are not decimal numbers",
                   name);
    if (res->start >= res->end || res->start % m->shard_size != 0 ||
        res->end - res->start > m->shard_size)
        return bad(r, "shard '%.200s' is not a range of the shard size %llu", name,
                   (unsigned long long)m->shard_size);
    const size_t plen = (size_t)(c1 - name);
    OMSIG_FORWARD_IF_ERROR(check_path("resource name", name, plen, r));
    if (!(res->path = strndup(name, plen))) return omsig_nomem(r);
    return OMSIG_OK;
}

/* A resource's algorithm (n bytes at alg) names m's hash: "sha256" or "sha256-sharded-<size>". */
static bool algorithm_ok(const omsig_manifest *m, const char *alg, size_t n)
{
    const char *h = omsig_hash_name(m->hash);
    if (n == strlen(h) && memcmp(alg, h, n) == 0) return true;
    char want[OMSIG_ALGORITHM_MAX];
    omsig_resource_algorithm(m, want);
    return n == strlen(want) && memcmp(alg, want, n) == 0;
}

static omsig_status check_algorithm(const omsig_resource *res, const cJSON *alg,
                                    const omsig_manifest *m, omsig_report *r)
{
    if (!cJSON_IsString(alg))
        return bad(r, "the algorithm of a resource must be a string, got %s",
                   omsig_json_type_name(alg));
    if (algorithm_ok(m, alg->valuestring, strlen(alg->valuestring))) return OMSIG_OK;
    return bad(r, "resource '%.200s' has algorithm '%.100s', but the serialization hashes with "
                  "'%s'", res->name, alg->valuestring, omsig_hash_name(m->hash));
}

static int cmp_res_name(const void *a, const void *b)
{
    return strcmp((*(omsig_resource *const *)a)->name, (*(omsig_resource *const *)b)->name);
}

/* The first name (in sorted order) that appears twice, found by sorting: for the message. */
static const char *first_repeated_name(const omsig_manifest *m, bool *nomem)
{
    omsig_resource **v = omsig_reallocarray(NULL, m->n_res, sizeof *v);
    *nomem = !v;
    if (!v) return NULL;
    for (size_t i = 0; i < m->n_res; i++) v[i] = &m->res[i];
    qsort(v, m->n_res, sizeof *v, cmp_res_name);
    const char *name = NULL;
    for (size_t i = 1; i < m->n_res && !name; i++)
        if (strcmp(v[i - 1]->name, v[i]->name) == 0) name = v[i]->name;
    free(v);
    return name;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Whether the names are listed in strictly increasing order of cmp (a total order): then no
 * two are the same.  Signers list them sorted, so this is the usual proof, in one pass. */
static bool strictly_increasing(const omsig_manifest *m, int (*cmp)(const char *, const char *))
{
    for (size_t i = 1; i < m->n_res; i++)
        if (cmp(m->res[i - 1].name, m->res[i].name) >= 0) return false;
    return true;
}

/* Whether two resources share a name: sorted lists (in byte order, or in the reference
 * signer's path order) have none; others go through a hash set of the names, and names that
 * collide in it far more than chance would (chosen to) are sorted instead.  1, 0 or -ENOMEM. */
static int has_repeated_name(const omsig_manifest *m)
{
    if (strictly_increasing(m, strcmp) || strictly_increasing(m, omsig_path_cmp)) return 0;
    size_t cap = 16;
    while (cap < 2 * m->n_res) cap *= 2;
    uint32_t *slot = calloc(cap, sizeof *slot); /* index + 1 (OMSIG_MAX_RESOURCES fits); 0: empty */
    if (!slot) return -ENOMEM;
    int found = 0;
    size_t probes = 0;
    for (size_t i = 0; i < m->n_res && !found; i++) {
        size_t at = (size_t)name_hash(m->res[i].name) & (cap - 1);
        for (; slot[at] && !found; at = (at + 1) & (cap - 1))
            found = ++probes > 16 * m->n_res ? -1
                                             : strcmp(m->res[slot[at] - 1].name, m->res[i].name) == 0;
        slot[at] = (uint32_t)(i + 1);
    }
    free(slot);
    if (found >= 0) return found;
    bool nomem = false;
    const char *name = first_repeated_name(m, &nomem);
    return nomem ? -ENOMEM : name != NULL;
}

static omsig_status check_unique(const omsig_manifest *m, omsig_report *r)
{
    if (m->n_res < 2) return OMSIG_OK;
    const int repeated = has_repeated_name(m);
    if (repeated < 0) return omsig_nomem(r);
    if (repeated) {
        bool nomem = false;
        const char *name = first_repeated_name(m, &nomem);
        if (nomem) return omsig_nomem(r);
        return bad(r, "resource name '%.200s' appears more than once", name ? name : "?");
    }
    /* "." stands for the whole single-file model: it cannot sit beside other files */
    for (size_t i = 0; i < m->n_res; i++)
        if (strcmp(m->res[i].path, ".") == 0 && m->method == OMSIG_SERIAL_FILES)
            return bad(r, "resource '.' (a single-file model) is listed with other files");
    return OMSIG_OK;
}

void omsig_root_digest(const omsig_resource *res, size_t n, char out[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t md[32];
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < n; i++) EVP_DigestUpdate(ctx, res[i].digest, res[i].digest_len);
    EVP_DigestFinal_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    omsig_hex(md, 32, out);
}

static omsig_status parse_legacy(const cJSON *subjects, omsig_manifest *m, omsig_report *r)
{
    m->legacy = true;
    m->method = OMSIG_SERIAL_FILES;
    m->hash = OMSIG_HASH_SHA256;
    if (!(m->subject_name = omsig_strdup("compat-undefined-not-present")))
        return omsig_nomem(r);
    const size_t n = (size_t)cJSON_GetArraySize(subjects);
    if (n > OMSIG_MAX_RESOURCES) return omsig_fail(r, OMSIG_E_LIMIT, "Too many subjects");
    m->res = calloc(n ? n : 1, sizeof *m->res);
    if (!m->res) return omsig_nomem(r);
    for (const cJSON *s = subjects->child; s; s = s->next) {
        omsig_resource *res = &m->res[m->n_res++];
        const cJSON *name = omsig_json_member(s, "name");
        if (!cJSON_IsString(name))
            return bad(r, "subject name must be a string, got %s", omsig_json_type_name(name));
        if (!(res->name = omsig_strdup(name->valuestring))) return omsig_nomem(r);
        OMSIG_FORWARD_IF_ERROR(parse_name(res, m, r));
        const cJSON *d = omsig_json_member(omsig_json_member(s, "digest"), "sha256");
        if (!d) return bad(r, "subject '%.200s' has no sha256 digest", res->name);
        OMSIG_FORWARD_IF_ERROR(set_digest(res, d, OMSIG_HASH_SHA256, r));
    }
    return check_unique(m, r);
}

/* The resources, each an object with a name, an algorithm and a digest. */
static omsig_status parse_resources(const cJSON *resources, omsig_manifest *m, omsig_report *r)
{
    if (!cJSON_IsArray(resources))
        return bad(r, "predicate.resources must be an array, got %s",
                   omsig_json_type_name(resources));
    const size_t n = (size_t)cJSON_GetArraySize(resources);
    if (n > OMSIG_MAX_RESOURCES)
        return omsig_fail(r, OMSIG_E_LIMIT, "Too many resources (more than %u)",
                          OMSIG_MAX_RESOURCES);
    m->res = calloc(n ? n : 1, sizeof *m->res);
    if (!m->res) return omsig_nomem(r);
    for (const cJSON *e = resources->child; e; e = e->next) {
        if (!cJSON_IsObject(e))
            return bad(r, "each resource must be an object, got %s", omsig_json_type_name(e));
        omsig_resource *res = &m->res[m->n_res++];
        const cJSON *name = omsig_json_member(e, "name");
        if (!cJSON_IsString(name))
            return bad(r, "resource name must be a string, got %s", omsig_json_type_name(name));
        if (!(res->name = omsig_strdup(name->valuestring))) return omsig_nomem(r);
        OMSIG_FORWARD_IF_ERROR(parse_name(res, m, r));
        OMSIG_FORWARD_IF_ERROR(check_algorithm(res, omsig_json_member(e, "algorithm"), m, r));
        OMSIG_FORWARD_IF_ERROR(set_digest(res, omsig_json_member(e, "digest"), m->hash, r));
    }
    return check_unique(m, r);
}

/* The one subject of a v1.0 statement (the model): its name, and in *sdig its root digest. */
static omsig_status parse_subject(const cJSON *subjects, omsig_manifest *m, const char **sdig,
                                  omsig_report *r)
{
    if (!cJSON_IsArray(subjects))
        return bad(r, "subject must be an array, got %s", omsig_json_type_name(subjects));
    if (cJSON_GetArraySize(subjects) != 1) {
        char *txt = cJSON_PrintUnformatted(subjects);
        const omsig_status st = omsig_fail(
            r, OMSIG_E_MANIFEST_PARSE, "Expected only one subject, got %.300s", txt ? txt : "?");
        free(txt);
        return st;
    }
    const cJSON *sname = omsig_json_member(subjects->child, "name");
    const cJSON *d = omsig_json_member(omsig_json_member(subjects->child, "digest"), "sha256");
    if (!cJSON_IsString(sname) || !cJSON_IsString(d))
        return bad(r, "the subject needs a string name and a digest with a sha256 value");
    if (!(m->subject_name = omsig_strdup(sname->valuestring))) return omsig_nomem(r);
    *sdig = d->valuestring;
    return OMSIG_OK;
}

/* The resources, in listed order, must hash to the subject's root digest. */
static omsig_status check_root(omsig_manifest *m, const char *sdig, omsig_report *r)
{
    omsig_root_digest(m->res, m->n_res, m->root_hex);
    if (strcmp(m->root_hex, sdig) != 0)
        return omsig_fail(r, OMSIG_E_MANIFEST_INCONSISTENT,
                          "Manifest is inconsistent. Root digest is %.200s, but the included "
                          "resources hash to %s",
                          sdig, m->root_hex);
    return OMSIG_OK;
}

/* A model_signing v1.0 statement: its one subject (the model, with the root digest), then
 * the predicate's serialization and resources, which must hash to that root digest. */
static omsig_status parse_v1(const cJSON *j, const cJSON *subjects, omsig_manifest *m,
                             omsig_report *r)
{
    const char *sdig = NULL;
    OMSIG_FORWARD_IF_ERROR(parse_subject(subjects, m, &sdig, r));
    const cJSON *pred = omsig_json_member(j, "predicate");
    if (!cJSON_IsObject(pred))
        return bad(r, "predicate must be an object, got %s", omsig_json_type_name(pred));
    OMSIG_FORWARD_IF_ERROR(parse_serialization(omsig_json_member(pred, "serialization"), m, r));
    OMSIG_FORWARD_IF_ERROR(parse_resources(omsig_json_member(pred, "resources"), m, r));
    return check_root(m, sdig, r);
}

/* The JSON text of a span, parsed (with omsig_json_parse's checks) from a NUL-ended copy. */
static cJSON *parse_span(const omsig_span *v)
{
    char *text = strndup(v->p, v->n);
    const char *why = NULL;
    cJSON *j = text ? omsig_json_parse(text, v->n, &why) : NULL;
    free(text);
    return j;
}

/* The scanned resources: names copied into one block, then each checked as parse_resources
 * checks it. */
static omsig_status take_scanned(const omsig_scanned_statement *sc, omsig_manifest *m,
                                 omsig_report *r)
{
    size_t bytes = 0;
    for (size_t i = 0; i < sc->n_res; i++) bytes += sc->res[i].name.n + 1;
    m->res = calloc(sc->n_res ? sc->n_res : 1, sizeof *m->res);
    m->names = malloc(bytes ? bytes : 1);
    if (!m->res || !m->names) return omsig_nomem(r);
    char *at = m->names;
    for (size_t i = 0; i < sc->n_res; i++) {
        const omsig_scanned_resource *s = &sc->res[i];
        omsig_resource *res = &m->res[m->n_res++];
        res->name = at;
        memcpy(at, s->name.p, s->name.n);
        at[s->name.n] = '\0';
        at += s->name.n + 1;
        OMSIG_FORWARD_IF_ERROR(parse_name(res, m, r));
        if (!algorithm_ok(m, s->algorithm.p, s->algorithm.n))
            return bad(r, "resource '%.200s' has an algorithm other than the serialization's",
                       res->name);
        OMSIG_FORWARD_IF_ERROR(set_digest_text(res, s->digest.p, s->digest.n, m->hash, r));
    }
    return check_unique(m, r);
}

/*
 * A v1.0 statement in the fixed shape (statement_scan.c): the subject and serialization read
 * from their own text by the JSON parser and the same code as parse_v1, the resources from
 * the scan.  Any failure here is not the verdict: the caller reads the statement again with
 * the JSON parser, which says what is wrong in its words.
 */
static omsig_status parse_scanned(const omsig_scanned_statement *sc, omsig_manifest *m,
                                  omsig_report *r)
{
    const omsig_span type = {OMSIG_STATEMENT_TYPE, strlen(OMSIG_STATEMENT_TYPE)};
    const omsig_span pt = {OMSIG_PREDICATE_TYPE, strlen(OMSIG_PREDICATE_TYPE)};
    if (sc->type.n != type.n || memcmp(sc->type.p, type.p, type.n) != 0 ||
        sc->predicate_type.n != pt.n || memcmp(sc->predicate_type.p, pt.p, pt.n) != 0)
        return bad(r, "not a v1.0 statement");
    cJSON *subjects = parse_span(&sc->subject);
    cJSON *ser = subjects ? parse_span(&sc->serialization) : NULL;
    const char *sdig = NULL;
    omsig_status st = ser ? OMSIG_OK : bad(r, "not JSON");
    if (st == OMSIG_OK) st = parse_subject(subjects, m, &sdig, r);
    if (st == OMSIG_OK) st = parse_serialization(ser, m, r);
    if (st == OMSIG_OK) st = take_scanned(sc, m, r);
    if (st == OMSIG_OK) st = check_root(m, sdig, r);
    cJSON_Delete(ser);
    cJSON_Delete(subjects);
    return st;
}

/*
 * Whether a text of the fixed shape passes the whole-text checks omsig_json_parse makes before
 * parsing, without another pass over it: it is not empty (it starts with
 * '{'); it has no NUL byte and no \u0000 outside the subject and serialization (the scanned
 * strings hold no escape and no control character), and within them the parse of their text
 * checks; its nesting is within the limit (the scan refuses deeper values); and the price of
 * its tree is within the budget: the price is additive over the text's values, so it is the
 * length, the fixed members, 512 bytes per resource (an object, three keys, three strings) and
 * what the subject's and serialization's own texts cost beyond their length.  UTF-8 is left to
 * the caller.
 */
static bool passes_precheck(const omsig_scanned_statement *sc, size_t len)
{
    const uint64_t node = OMSIG_JSON_NODE_BYTES, str = OMSIG_JSON_STRING_BYTES;
    /* the object, its four keys, _type and predicateType; predicate, its two keys; the list */
    uint64_t price = len + node + 4 * str + 2 * (str + node) + node + 2 * str + node;
    price += (uint64_t)sc->n_res * (node + 3 * str + 3 * (str + node));
    const omsig_span *const spans[] = {&sc->subject, &sc->serialization};
    for (size_t i = 0; i < 2; i++) {
        uint64_t c = 0;
        if (omsig_json_prescan(spans[i]->p, spans[i]->n, &c) != NULL) return false;
        price += c - spans[i]->n;
    }
    return price <= omsig_json_tree_budget(len);
}

/* The statement read by the scan when it has the fixed shape and passes every check; false
 * (m left empty) when it must be read by the JSON parser. */
static bool parse_fast(const uint8_t *payload, size_t len, omsig_manifest *m)
{
    omsig_scanned_statement sc;
    if (!omsig_utf8_valid((const char *)payload, len) ||
        omsig_statement_scan((const char *)payload, len, &sc) != 0)
        return false;
    if (!passes_precheck(&sc, len)) {
        omsig_statement_scan_free(&sc);
        return false;
    }
    omsig_report *scratch = omsig_report_new();
    const bool ok = scratch && parse_scanned(&sc, m, scratch) == OMSIG_OK;
    omsig_report_free(scratch);
    omsig_statement_scan_free(&sc);
    if (!ok) omsig_manifest_free(m);
    return ok;
}

/* The statement's envelope: an in-toto Statement v1 with a subject list, then the
 * predicate by its type (v1.0, or the legacy Digests/v0.1). */
static omsig_status parse_statement(const cJSON *j, omsig_manifest *m, omsig_report *r)
{
    if (!cJSON_IsObject(j))
        return bad(r, "the payload must be a JSON object, got %s", omsig_json_type_name(j));
    const cJSON *type = omsig_json_member(j, "_type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, OMSIG_STATEMENT_TYPE) != 0)
        return omsig_fail(r, OMSIG_E_MANIFEST_PARSE, "Expected in-toto %s payload, but got %.200s",
                          OMSIG_STATEMENT_TYPE,
                          cJSON_IsString(type) ? type->valuestring : "nothing");
    const cJSON *pt = omsig_json_member(j, "predicateType");
    const cJSON *subjects = omsig_json_member(j, "subject");
    if (!cJSON_IsArray(subjects))
        return bad(r, "subject must be an array, got %s", omsig_json_type_name(subjects));
    if (cJSON_IsString(pt) && strcmp(pt->valuestring, OMSIG_PREDICATE_TYPE_COMPAT) == 0)
        return parse_legacy(subjects, m, r);
    if (!cJSON_IsString(pt) || strcmp(pt->valuestring, OMSIG_PREDICATE_TYPE) != 0)
        return omsig_fail(r, OMSIG_E_MANIFEST_PARSE,
                          "Predicate type mismatch, expected %s, got %.200s",
                          OMSIG_PREDICATE_TYPE, cJSON_IsString(pt) ? pt->valuestring : "nothing");
    return parse_v1(j, subjects, m, r);
}

omsig_status omsig_statement_parse(const uint8_t *payload, size_t len, omsig_manifest *m,
                                   omsig_report *r)
{
    memset(m, 0, sizeof *m);
    if (parse_fast(payload, len, m)) return OMSIG_OK;
    return omsig_statement_parse_json(payload, len, m, r);
}

omsig_status omsig_statement_parse_json(const uint8_t *payload, size_t len, omsig_manifest *m,
                                        omsig_report *r)
{
    memset(m, 0, sizeof *m);
    const char *why = NULL;
    cJSON *j = omsig_json_parse((const char *)payload, len, &why);
    if (!j) return bad(r, "the payload %s", why);
    const omsig_status st = parse_statement(j, m, r);
    cJSON_Delete(j);
    return st;
}

void omsig_manifest_free(omsig_manifest *m)
{
    if (!m) return;
    free(m->subject_name);
    omsig_strv_free(m->ignore_paths, m->n_ignore_paths);
    for (size_t i = 0; i < m->n_res; i++) {
        if (m->res[i].path != m->res[i].name) free(m->res[i].path);
        if (!m->names) free(m->res[i].name);
    }
    free(m->names);
    free(m->res);
    memset(m, 0, sizeof *m);
}
