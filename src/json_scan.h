/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_scan.h - reading JSON text in place, without a tree: the pieces of the fixed-shape
 * readers of the statement and the bundle (the small ones inline here, the extent of any value
 * in json_scan.c), and the plain-run search that json_util.c's Python-error check uses too.
 */
#ifndef OMSIG_JSON_SCAN_H
#define OMSIG_JSON_SCAN_H

#include "util.h"

#include <string.h>

typedef struct omsig_span {
    const char *p;
    size_t n;
} omsig_span;

typedef struct omsig_json_scanner {
    const char *p, *end;
} omsig_json_scanner;

/* The small steps are inline: a manifest's scan takes millions of them. */

/* Skips JSON's four whitespace characters. */
static inline void omsig_scan_ws(omsig_json_scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

/* Whitespace, then the character c (consumed); false when another comes. */
static inline bool omsig_scan_expect(omsig_json_scanner *s, char c)
{
    omsig_scan_ws(s);
    if (s->p >= s->end || *s->p != c) return false;
    s->p++;
    return true;
}

/* Whether the eight bytes at s hold a quote, a backslash or a control character. */
static inline bool omsig_json_special8(const unsigned char *s)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t w;
    memcpy(&w, s, 8);
    const uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & highs;
}

/* How many of the n bytes at s come before the first quote, backslash or control character:
 * a run of string content that needs no decoding (eight bytes at a time). */
static inline size_t omsig_json_plain_run(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i + 8 <= n && !omsig_json_special8(u + i)) i += 8;
    while (i < n && u[i] != '"' && u[i] != '\\' && u[i] >= 0x20) i++;
    return i;
}

/* Whitespace, then a string without escapes or control characters: its bytes in *out.  false
 * for any other string (the readers leave those to the JSON parser) or no string. */
static inline bool omsig_scan_plain_string(omsig_json_scanner *s, omsig_span *out)
{
    if (!omsig_scan_expect(s, '"')) return false;
    const size_t n = omsig_json_plain_run(s->p, (size_t)(s->end - s->p));
    if (s->p + n >= s->end || s->p[n] != '"') return false;
    out->p = s->p;
    out->n = n;
    s->p += n + 1;
    return true;
}

/* Whitespace, then the extent of one value of any kind, for a JSON parser to read (brackets
 * matched outside strings, a scalar to the next delimiter).  The extent is right for any
 * valid value; what is not JSON in it the parser refuses.  false for a value nested more than
 * OMSIG_MAX_DEPTH - 2 deep: two levels below the top, it stays within the limit. */
OMSIG_PRIVATE bool omsig_scan_value(omsig_json_scanner *s, omsig_span *out);
/* After a member: ',' (*more) or the object's closing '}' (!*more); false for anything else. */
static inline bool omsig_scan_next_member(omsig_json_scanner *s, bool *more)
{
    omsig_scan_ws(s);
    if (s->p >= s->end) return false;
    *more = *s->p == ',';
    if (!*more && *s->p != '}') return false;
    s->p++;
    return true;
}

/* Whether the span's bytes are the string word. */
static inline bool omsig_span_is(const omsig_span *k, const char *word)
{
    return k->n == strlen(word) && memcmp(k->p, word, k->n) == 0;
}

#endif /* OMSIG_JSON_SCAN_H */
