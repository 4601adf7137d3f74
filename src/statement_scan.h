/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement_scan.h - the statement's usual shape read without a JSON tree (statement_scan.c).
 */
#ifndef OMSIG_STATEMENT_SCAN_H
#define OMSIG_STATEMENT_SCAN_H

#include "json_scan.h"

typedef struct omsig_scanned_resource {
    omsig_span name, algorithm, digest; /* the strings' bytes, between the quotes */
} omsig_scanned_resource;

typedef struct omsig_scanned_statement {
    omsig_span type, predicate_type;    /* the strings' bytes, between the quotes */
    omsig_span subject, serialization;  /* the JSON text of the values, for a JSON parser */
    omsig_scanned_resource *res;
    size_t n_res;
} omsig_scanned_statement;

/*
 * Reads a statement of the shape every signer writes: an object with exactly the members
 * _type, subject, predicateType and predicate (in any order); predicate an object with exactly
 * serialization and resources; resources an array of objects, each with exactly the string
 * members name, algorithm and digest.  Strings read here hold no escape and no control
 * character, whitespace is JSON's four characters, and nothing follows the object.  The
 * subject and serialization values are only delimited: their text is left to a JSON parser.
 * The text must already have passed the whole-text checks of omsig_json_precheck().
 * Returns 0 when the text has this shape (out->res is then malloc'ed, the spans point into
 * text), 1 when it does not (nothing allocated: read it with the JSON parser, which accepts or
 * refuses it), -ENOMEM.
 */
OMSIG_PRIVATE int omsig_statement_scan(const char *text, size_t len, omsig_scanned_statement *out);
OMSIG_PRIVATE void omsig_statement_scan_free(omsig_scanned_statement *s);

#endif /* OMSIG_STATEMENT_SCAN_H */
