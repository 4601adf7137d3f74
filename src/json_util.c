/* SPDX-License-Identifier: Apache-2.0 */
/* json_util.c - cJSON with the checks a signature format needs: what cJSON accepts but a
 * verifier must not (duplicate keys read differently by other parsers, NUL inside names). */
#include "json_util.h"
#include "json_scan.h"

#include <stdlib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static bool has_escaped_nul(const char *s, size_t n)
{
    /* from backslash to backslash: a manifest has few */
    for (const char *p = s, *end = s + n; (p = memchr(p, '\\', (size_t)(end - p))) != NULL;) {
        if (end - p > 5 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0) return true;
        p += 2; /* skip the escaped character, so "\\u0000" (a backslash, then u0000) is fine */
        if (p >= end) break;
    }
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Iterative over arrays, recursive over nesting (bounded by cJSON's nesting limit). */
static bool no_duplicate_keys(const cJSON *v, unsigned depth)
{
    if (depth > OMSIG_MAX_DEPTH) return false;
    if (cJSON_IsObject(v)) {
        size_t n = 0;
        for (const cJSON *c = v->child; c; c = c->next) n++;
        if (n > 1 && n <= 8) {
            for (const cJSON *a = v->child; a; a = a->next)
                for (const cJSON *b = a->next; b; b = b->next)
                    if (strcmp(a->string, b->string) == 0) return false;
        } else if (n > 8) {
            const char **names = omsig_reallocarray(NULL, n, sizeof *names);
            if (!names) return false;
            size_t i = 0;
            for (const cJSON *c = v->child; c; c = c->next) names[i++] = c->string;
            qsort(names, n, sizeof *names, cmp_names);
            bool ok = true;
            for (i = 1; i < n && ok; i++) ok = strcmp(names[i - 1], names[i]) != 0;
            free(names);
            if (!ok) return false;
        }
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v))
        for (const cJSON *c = v->child; c; c = c->next)
            if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && !no_duplicate_keys(c, depth + 1))
                return false;
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* A scalar (number, true, false, null or garbage cJSON will refuse) runs to the next of these. */
static bool ends_scalar(char c)
{
    return is_space(c) || c == ',' || c == ':' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '"';
}

uint64_t omsig_json_tree_budget(size_t len)
{
    return (uint64_t)len * OMSIG_JSON_TREE_FACTOR + OMSIG_JSON_TREE_FLOOR;
}

/*
 * cJSON spends far more on small values than the text does: "0," is 2 bytes of text and an
 * 80-byte node, so 64 MiB of zeros becomes 2.7 GB of tree.  This pass reads the text once,
 * allocates nothing, and prices the tree cJSON would build: a node per value, an allocation
 * per string (a key is a string but not a node), and every byte of text again for the
 * strings' contents.  It stops as soon as the price passes the budget, so its cost is at
 * most one read of the text whatever the shape.  Malformed text is left to cJSON: the pass
 * only has to make progress on it and never under-count a well-formed document.
 */
const char *omsig_json_prescan(const char *s, size_t n, uint64_t *cost)
{
    const uint64_t budget = omsig_json_tree_budget(n);
    uint64_t c = n;
    unsigned depth = 0;
    size_t i = 0;
    *cost = 0;
    while (i < n) {
        switch (s[i]) {
        case ' ': case '\t': case '\n': case '\r': case ',': case ':':
            i++;
            continue;
        case '{': case '[':
            if (++depth > OMSIG_MAX_DEPTH) return "is nested too deeply";
            c += OMSIG_JSON_NODE_BYTES;
            i++;
            break;
        case '}': case ']':
            if (depth) depth--;
            i++;
            continue;
        case '"': {
            /* to the closing quote: memchr to each quote, then count the backslashes before it */
            for (i++;;) {
                const char *q = i < n ? memchr(s + i, '"', n - i) : NULL;
                if (!q) {
                    i = n;
                    break;
                }
                size_t bs = 0;
                while ((size_t)(q - s) > i + bs && q[-1 - (ptrdiff_t)bs] == '\\') bs++;
                i = (size_t)(q - s) + 1;
                if (bs % 2 == 0) break;
            }
            size_t k = i;
            while (k < n && is_space(s[k])) k++;
            c += OMSIG_JSON_STRING_BYTES + (k < n && s[k] == ':' ? 0 : OMSIG_JSON_NODE_BYTES);
            break;
        }
        default:
            while (i < n && !ends_scalar(s[i])) i++;
            c += OMSIG_JSON_NODE_BYTES;
            break;
        }
        if (c > budget) {
            *cost = c;
            return "holds too many JSON values for its size";
        }
    }
    *cost = c;
    return NULL;
}

/* The checks of the whole text before it is parsed: NULL when it passes them, else the static
 * description of the first it fails. */
static const char *precheck(const char *text, size_t len)
{
    size_t ws = 0;
    while (ws < len && (text[ws] == ' ' || text[ws] == '\t' || text[ws] == '\n' || text[ws] == '\r'))
        ws++;
    if (ws == len) return "is empty";
    if (memchr(text, '\0', len)) return "contains a NUL byte";
    if (!omsig_utf8_valid(text, len)) return "is not valid UTF-8";
    if (has_escaped_nul(text, len)) return "contains an escaped NUL character (\\u0000)";
    uint64_t cost = 0;
    return omsig_json_prescan(text, len, &cost);
}

cJSON *omsig_json_parse(const char *text, size_t len, const char **why)
{
    if ((*why = precheck(text, len)) != NULL) return NULL;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        *why = "is not valid JSON (or is nested too deeply)";
        return NULL;
    }
    if (!no_duplicate_keys(j, 0)) {
        cJSON_Delete(j);
        *why = "has an object with a duplicate key (or is nested too deeply)";
        return NULL;
    }
    return j;
}

bool omsig_json_only_keys(const cJSON *obj, const char *const *allowed, const char **bad)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, c->string) == 0;
        if (!ok) {
            *bad = c->string;
            return false;
        }
    }
    return true;
}

const char *omsig_json_type_name(const cJSON *v)
{
    if (!v) return "missing";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "invalid";
}

/* ---- where Python's json.loads stops -------------------------------------------------------- */

/*
 * model_signing reads a bundle with Python's json.loads, whose error names the first place the
 * text stops being JSON: "Expecting ',' delimiter: line 3 column 5 (char 18)".  This walks the
 * text as CPython's decoder (its C scanner, strict) walks it, to say the same thing where cJSON
 * only fails.  Positions are counted in bytes and turned into characters at the end (the text
 * is valid UTF-8; every position the decoder reports is at an ASCII character or at the end).
 */
typedef struct pyjson {
    const unsigned char *s;
    size_t n;
    const char *what;
    size_t at;
} pyjson;

enum { PYJSON_MAX_DEPTH = 900 }; /* about Python's recursion limit; deeper: not judged */

static bool pyj_fail(pyjson *p, const char *what, size_t at)
{
    p->what = what;
    p->at = at;
    return false;
}

static size_t pyj_skip(const pyjson *p, size_t i)
{
    while (i < p->n && (p->s[i] == ' ' || p->s[i] == '\t' || p->s[i] == '\n' || p->s[i] == '\r'))
        i++;
    return i;
}

static int pyj_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at i; -1 if one is not. */
static long pyj_u16(const pyjson *p, size_t i)
{
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        const int h = pyj_hex(p->s[i + k]);
        if (h < 0) return -1;
        v = v << 4 | h;
    }
    return v;
}

/* A string whose opening quote is at i - 1; *end is just past the closing quote. */
static bool pyj_string(pyjson *p, size_t i, size_t *end)
{
    const size_t begin = i - 1;
    size_t e = i;
    for (;;) {
        size_t next = e;
        unsigned char c = 0;
        for (next += omsig_json_plain_run((const char *)p->s + next, p->n - next); next < p->n;
             next++) {
            c = p->s[next];
            if (c == '"' || c == '\\') break;
            if (c <= 0x1f) return pyj_fail(p, "Invalid control character at", next);
        }
        if (next >= p->n) return pyj_fail(p, "Unterminated string starting at", begin);
        next++;
        if (c == '"') {
            *end = next;
            return true;
        }
        if (next >= p->n) return pyj_fail(p, "Unterminated string starting at", begin);
        c = p->s[next];
        if (c != 'u') {
            e = next + 1;
            if (!c || !strchr("\"\\/bfnrt", c)) return pyj_fail(p, "Invalid \\escape", e - 2);
            continue;
        }
        next++;
        e = next + 4;
        if (e >= p->n) return pyj_fail(p, "Invalid \\uXXXX escape", next - 1);
        const long hi = pyj_u16(p, next);
        if (hi < 0) return pyj_fail(p, "Invalid \\uXXXX escape", e - 5);
        /* a high surrogate takes a following \uXXXX along, when the text is long enough */
        if (hi >= 0xd800 && hi <= 0xdbff && e + 6 < p->n && p->s[e] == '\\' && p->s[e + 1] == 'u') {
            const long lo = pyj_u16(p, e + 2);
            if (lo < 0) return pyj_fail(p, "Invalid \\uXXXX escape", e + 1);
            if (lo >= 0xdc00 && lo <= 0xdfff) e += 6;
        }
    }
}

/* A number at i, as the decoder matches it; false (not a value) when there is none. */
static bool pyj_number(const pyjson *p, size_t i, size_t *end)
{
    const size_t n = p->n;
    if (i < n && p->s[i] == '-') i++;
    if (i >= n) return false;
    if (p->s[i] >= '1' && p->s[i] <= '9') {
        while (i < n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    } else if (p->s[i] == '0') {
        i++;
    } else {
        return false;
    }
    if (i + 1 < n && p->s[i] == '.' && p->s[i + 1] >= '0' && p->s[i + 1] <= '9') {
        i += 2;
        while (i < n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    }
    if (i + 1 < n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        const size_t e = i++;
        if (i + 1 < n && (p->s[i] == '-' || p->s[i] == '+')) i++;
        while (i < n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (!(p->s[i - 1] >= '0' && p->s[i - 1] <= '9')) i = e;
    }
    *end = i;
    return true;
}

static bool pyj_literal(const pyjson *p, size_t i, const char *word, size_t *end)
{
    const size_t k = strlen(word);
    if (i + k > p->n || memcmp(p->s + i, word, k) != 0) return false;
    *end = i + k;
    return true;
}

static bool pyj_value(pyjson *p, size_t i, size_t *end, unsigned depth);

static bool pyj_object(pyjson *p, size_t i, size_t *end, unsigned depth)
{
    i = pyj_skip(p, i);
    if (i < p->n && p->s[i] == '}') {
        *end = i + 1;
        return true;
    }
    for (;;) {
        if (i >= p->n || p->s[i] != '"')
            return pyj_fail(p, "Expecting property name enclosed in double quotes", i);
        if (!pyj_string(p, i + 1, &i)) return false;
        i = pyj_skip(p, i);
        if (i >= p->n || p->s[i] != ':') return pyj_fail(p, "Expecting ':' delimiter", i);
        i = pyj_skip(p, i + 1);
        if (!pyj_value(p, i, &i, depth + 1)) return false;
        i = pyj_skip(p, i);
        if (i < p->n && p->s[i] == '}') break;
        if (i >= p->n || p->s[i] != ',') return pyj_fail(p, "Expecting ',' delimiter", i);
        i = pyj_skip(p, i + 1);
    }
    *end = i + 1;
    return true;
}

static bool pyj_array(pyjson *p, size_t i, size_t *end, unsigned depth)
{
    i = pyj_skip(p, i);
    if (i < p->n && p->s[i] == ']') {
        *end = i + 1;
        return true;
    }
    for (;;) {
        if (!pyj_value(p, i, &i, depth + 1)) return false;
        i = pyj_skip(p, i);
        if (i < p->n && p->s[i] == ']') break;
        if (i >= p->n || p->s[i] != ',') return pyj_fail(p, "Expecting ',' delimiter", i);
        i = pyj_skip(p, i + 1);
    }
    *end = i + 1;
    return true;
}

/* A value at i (no whitespace before it); "Expecting value" where none starts. */
static bool pyj_value(pyjson *p, size_t i, size_t *end, unsigned depth)
{
    if (depth > PYJSON_MAX_DEPTH) return pyj_fail(p, NULL, 0);
    if (i >= p->n) return pyj_fail(p, "Expecting value", i);
    switch (p->s[i]) {
    case '"': return pyj_string(p, i + 1, end);
    case '{': return pyj_object(p, i + 1, end, depth);
    case '[': return pyj_array(p, i + 1, end, depth);
    default: break;
    }
    /* the named constants (Python also takes NaN and the infinities), then a number */
    if (pyj_literal(p, i, "null", end) || pyj_literal(p, i, "true", end) ||
        pyj_literal(p, i, "false", end) || pyj_literal(p, i, "NaN", end) ||
        pyj_literal(p, i, "Infinity", end) || pyj_literal(p, i, "-Infinity", end) ||
        pyj_number(p, i, end))
        return true;
    return pyj_fail(p, "Expecting value", i);
}

bool omsig_json_python_error(const char *text, size_t len, char *out, size_t cap)
{
    pyjson p = {.s = (const unsigned char *)text, .n = len};
    if (cap == 0 || !omsig_utf8_valid(text, len)) return false;
    size_t end = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pyj_fail(&p, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    else if (pyj_value(&p, pyj_skip(&p, 0), &end, 0) && (end = pyj_skip(&p, end)) != len)
        pyj_fail(&p, "Extra data", end);
    if (!p.what) return false;
    /* Python's positions are characters: count the bytes that start one */
    size_t chars = 0, line = 1, col_start = 0;
    for (size_t i = 0; i < p.at && i < len; i++) {
        if (((unsigned char)text[i] & 0xc0) == 0x80) continue;
        if (text[i] == '\n') {
            line++;
            col_start = chars + 1;
        }
        chars++;
    }
    snprintf(out, cap, "%s: line %zu column %zu (char %zu)", p.what, line, chars - col_start + 1,
             chars);
    return true;
}

bool omsig_json_is_object_of(const cJSON *o, const char *const *allowed, const char **bad)
{
    *bad = NULL;
    return cJSON_IsObject(o) && omsig_json_only_keys(o, allowed, bad);
}

const cJSON *omsig_json_member(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

const char *omsig_json_str(const cJSON *o, const char *k)
{
    const cJSON *v = omsig_json_member(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool omsig_json_b64(const cJSON *o, const char *k, uint8_t **out, size_t *len)
{
    const char *s = omsig_json_str(o, k);
    *out = NULL;
    *len = 0;
    return s && omsig_base64_decode(s, strlen(s), out, len) == 0;
}

bool omsig_u64_parse_str(const char *s, uint64_t *out)
{
    return s && omsig_u64_parse(s, strlen(s), out);
}
