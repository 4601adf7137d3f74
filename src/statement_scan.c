/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement_scan.c - the statement's usual shape read in one pass, without a JSON tree.  A
 * manifest of 100,000 files is 300,000 small strings in 100,000 objects: as a cJSON tree that is
 * a million allocations made and freed.  The resources of a statement in the fixed shape
 * signers write are read here straight from the text; anything else (another member, an
 * escape, a number where a string belongs, a repeated key) makes the scan decline, and the
 * statement is read by the JSON parser as before, which accepts or refuses it with its words.
 */
#include "statement_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct scanner {
    const char *p, *end;
} scanner;

static void skip_ws(scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

/* ws, then the character c (consumed); false when another comes. */
static bool expect(scanner *s, char c)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != c) return false;
    s->p++;
    return true;
}

/* ws, then a string without escapes or control characters: its bytes in *out. */
static bool string(scanner *s, omsig_span *out)
{
    if (!expect(s, '"')) return false;
    const char *b = s->p;
    const char *q = memchr(b, '"', (size_t)(s->end - b));
    if (!q) return false;
    for (const char *c = b; c < q; c++)
        if ((unsigned char)*c < 0x20 || *c == '\\') return false;
    out->p = b;
    out->n = (size_t)(q - b);
    s->p = q + 1;
    return true;
}

static bool is(const omsig_span *k, const char *word)
{
    return k->n == strlen(word) && memcmp(k->p, word, k->n) == 0;
}

/*
 * ws, then the extent of one value of any kind, for the JSON parser to read: brackets are
 * matched outside strings, a string runs to its unescaped quote, a scalar to the next
 * delimiter.  What is not JSON in it the parser refuses; the extent is right for any value.
 */
static bool any_value(scanner *s, omsig_span *out)
{
    skip_ws(s);
    const char *b = s->p;
    size_t depth = 0;
    while (s->p < s->end) {
        const char c = *s->p;
        if (c == '"') {
            for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
                if (*s->p == '\\' && s->p + 1 < s->end) s->p++;
            if (s->p >= s->end) return false;
            s->p++;
        } else if (c == '{' || c == '[') {
            if (++depth > OMSIG_MAX_DEPTH) return false;
            s->p++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) break;
            depth--;
            s->p++;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
            break;
        } else {
            s->p++;
        }
        if (depth == 0 && (c == '"' || c == '}' || c == ']')) break;
    }
    if (depth != 0 || s->p == b) return false;
    out->p = b;
    out->n = (size_t)(s->p - b);
    return true;
}

/* After a member: ',' (true, *more) or the object's closing '}' (true, !*more). */
static bool next_member(scanner *s, bool *more)
{
    skip_ws(s);
    if (s->p >= s->end) return false;
    *more = *s->p == ',';
    if (!*more && *s->p != '}') return false;
    s->p++;
    return true;
}

/* One resource: {"name": "...", "algorithm": "...", "digest": "..."} in any order. */
static bool resource(scanner *s, omsig_scanned_resource *r)
{
    static const char *const k_keys[3] = {"name", "algorithm", "digest"};
    omsig_span *const slot[3] = {&r->name, &r->algorithm, &r->digest};
    unsigned seen = 0;
    if (!expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!string(s, &k) || !expect(s, ':')) return false;
        unsigned i = 0;
        while (i < 3 && !is(&k, k_keys[i])) i++;
        if (i == 3 || (seen & 1u << i) || !string(s, slot[i])) return false;
        seen |= 1u << i;
        if (!next_member(s, &more)) return false;
    }
    return seen == 7;
}

static bool resources(scanner *s, omsig_scanned_statement *out, int *err)
{
    if (!expect(s, '[')) return false;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    size_t cap = 0;
    for (;;) {
        if (out->n_res == cap) {
            if (cap >= OMSIG_MAX_RESOURCES) return false;
            cap = cap ? 2 * cap : 1024;
            void *grown = omsig_reallocarray(out->res, cap, sizeof *out->res);
            if (!grown) {
                *err = -ENOMEM;
                return false;
            }
            out->res = grown;
        }
        if (!resource(s, &out->res[out->n_res])) return false;
        out->n_res++;
        skip_ws(s);
        if (s->p >= s->end) return false;
        if (*s->p++ == ']') return true;
        if (s->p[-1] != ',') return false;
    }
}

static bool predicate(scanner *s, omsig_scanned_statement *out, int *err)
{
    unsigned seen = 0;
    if (!expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!string(s, &k) || !expect(s, ':')) return false;
        if (is(&k, "serialization") && !(seen & 1)) {
            if (!any_value(s, &out->serialization)) return false;
            seen |= 1;
        } else if (is(&k, "resources") && !(seen & 2)) {
            if (!resources(s, out, err)) return false;
            seen |= 2;
        } else {
            return false;
        }
        if (!next_member(s, &more)) return false;
    }
    return seen == 3;
}

static bool statement(scanner *s, omsig_scanned_statement *out, int *err)
{
    unsigned seen = 0;
    if (!expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!string(s, &k) || !expect(s, ':')) return false;
        bool ok;
        unsigned bit;
        if (is(&k, "_type"))
            bit = 1, ok = string(s, &out->type);
        else if (is(&k, "subject"))
            bit = 2, ok = any_value(s, &out->subject);
        else if (is(&k, "predicateType"))
            bit = 4, ok = string(s, &out->predicate_type);
        else if (is(&k, "predicate"))
            bit = 8, ok = !(seen & 8) && predicate(s, out, err);
        else
            return false;
        if (!ok || (seen & bit)) return false;
        seen |= bit;
        if (!next_member(s, &more)) return false;
    }
    skip_ws(s);
    return seen == 15 && s->p == s->end;
}

int omsig_statement_scan(const char *text, size_t len, omsig_scanned_statement *out)
{
    memset(out, 0, sizeof *out);
    scanner s = {text, text + len};
    int err = 0;
    if (statement(&s, out, &err)) return 0;
    omsig_statement_scan_free(out);
    return err ? err : 1;
}

void omsig_statement_scan_free(omsig_scanned_statement *s)
{
    free(s->res);
    memset(s, 0, sizeof *s);
}
