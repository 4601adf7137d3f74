/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_scan.h - reading JSON text in place, without a tree (json_scan.c): the pieces of the
 * fixed-shape readers of the statement and the bundle.
 */
#ifndef OMSIG_JSON_SCAN_H
#define OMSIG_JSON_SCAN_H

#include "util.h"

typedef struct omsig_span {
    const char *p;
    size_t n;
} omsig_span;

typedef struct omsig_json_scanner {
    const char *p, *end;
} omsig_json_scanner;

/* Skips JSON's four whitespace characters. */
OMSIG_PRIVATE void omsig_scan_ws(omsig_json_scanner *s);
/* Whitespace, then the character c (consumed); false when another comes. */
OMSIG_PRIVATE bool omsig_scan_expect(omsig_json_scanner *s, char c);
/* Whitespace, then a string without escapes or control characters: its bytes in *out.  false
 * for any other string (the readers leave those to the JSON parser) or no string. */
OMSIG_PRIVATE bool omsig_scan_plain_string(omsig_json_scanner *s, omsig_span *out);
/* Whitespace, then the extent of one value of any kind, for a JSON parser to read (brackets
 * matched outside strings, a scalar to the next delimiter).  The extent is right for any
 * valid value; what is not JSON in it the parser refuses.  false for a value nested more than
 * OMSIG_MAX_DEPTH - 2 deep: two levels below the top, it stays within the limit. */
OMSIG_PRIVATE bool omsig_scan_value(omsig_json_scanner *s, omsig_span *out);
/* After a member: ',' (*more) or the object's closing '}' (!*more); false for anything else. */
OMSIG_PRIVATE bool omsig_scan_next_member(omsig_json_scanner *s, bool *more);
OMSIG_PRIVATE bool omsig_span_is(const omsig_span *k, const char *word);

#endif /* OMSIG_JSON_SCAN_H */
