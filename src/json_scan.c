/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_scan.c - JSON text read in place: whitespace, plain strings (no escape, no control
 * character: found eight bytes at a time), the extent of any value, an object's members.
 * What a reader built of these does not recognise it declines, and the text goes to the JSON
 * parser (json_util.c), so these never judge a text: they only find its parts.
 */
#include "json_scan.h"
#include "json_util.h"

#include <string.h>

void omsig_scan_ws(omsig_json_scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

bool omsig_scan_expect(omsig_json_scanner *s, char c)
{
    omsig_scan_ws(s);
    if (s->p >= s->end || *s->p != c) return false;
    s->p++;
    return true;
}

bool omsig_scan_plain_string(omsig_json_scanner *s, omsig_span *out)
{
    if (!omsig_scan_expect(s, '"')) return false;
    const size_t n = omsig_json_plain_run(s->p, (size_t)(s->end - s->p));
    if (s->p + n >= s->end || s->p[n] != '"') return false;
    out->p = s->p;
    out->n = n;
    s->p += n + 1;
    return true;
}

bool omsig_span_is(const omsig_span *k, const char *word)
{
    return k->n == strlen(word) && memcmp(k->p, word, k->n) == 0;
}

bool omsig_scan_value(omsig_json_scanner *s, omsig_span *out)
{
    omsig_scan_ws(s);
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
            if (++depth > OMSIG_MAX_DEPTH - 2) return false;
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

bool omsig_scan_next_member(omsig_json_scanner *s, bool *more)
{
    omsig_scan_ws(s);
    if (s->p >= s->end) return false;
    *more = *s->p == ',';
    if (!*more && *s->p != '}') return false;
    s->p++;
    return true;
}
