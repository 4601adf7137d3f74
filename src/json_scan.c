/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_scan.c - JSON text read in place: the extent of any value (the rest of the pieces are
 * inline in json_scan.h).  What a reader built of these does not recognise it declines, and
 * the text goes to the JSON parser (json_util.c), so these never judge a text: they only find
 * its parts.
 */
#include "json_scan.h"

#include <string.h>

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

