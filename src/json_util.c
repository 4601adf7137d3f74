/* SPDX-License-Identifier: Apache-2.0 */
/* json_util.c - cJSON with the checks a signature format needs: what cJSON accepts but a
 * verifier must not (duplicate keys read differently by other parsers, NUL inside names). */
#include "json_util.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

static bool has_escaped_nul(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0) return true;
        i++; /* skip the escaped character, so "\\u0000" (a backslash, then u0000) is fine */
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
            const char **names = malloc(n * sizeof *names);
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

cJSON *omsig_json_parse(const char *text, size_t len, const char **why)
{
    size_t ws = 0;
    while (ws < len && (text[ws] == ' ' || text[ws] == '\t' || text[ws] == '\n' || text[ws] == '\r'))
        ws++;
    if (ws == len) {
        *why = "is empty";
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        *why = "contains a NUL byte";
        return NULL;
    }
    if (!omsig_utf8_valid(text, len)) {
        *why = "is not valid UTF-8";
        return NULL;
    }
    if (has_escaped_nul(text, len)) {
        *why = "contains an escaped NUL character (\\u0000)";
        return NULL;
    }
    uint64_t cost = 0;
    if ((*why = omsig_json_prescan(text, len, &cost)) != NULL) return NULL;
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
