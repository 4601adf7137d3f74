/* SPDX-License-Identifier: Apache-2.0 */
/* json_util.h - strict JSON loading shared by the bundle and statement parsers. */
#ifndef OMSIG_JSON_UTIL_H
#define OMSIG_JSON_UTIL_H

#include "util.h"

#include <cjson/cJSON.h>

/* What cJSON's tree may cost: a value's node, a string's smallest allocation (glibc chunks,
 * header included), and the budget for a text of len bytes: OMSIG_JSON_TREE_FACTOR times the
 * text plus OMSIG_JSON_TREE_FLOOR.  A tree priced over the budget is refused unbuilt. */
#define OMSIG_JSON_NODE_BYTES   80u
#define OMSIG_JSON_STRING_BYTES 32u
#define OMSIG_JSON_TREE_FACTOR  8u
#define OMSIG_JSON_TREE_FLOOR   (64u << 20)

/* Parses UTF-8 JSON text (len bytes, NUL after them) strictly: valid UTF-8, no NUL byte and
 * no \u0000 escape, nesting within OMSIG_MAX_DEPTH, a tree within omsig_json_tree_budget(len),
 * no duplicate object keys, nothing after the value.  On failure returns NULL and a static
 * description of the problem in *why. */
OMSIG_PRIVATE cJSON *omsig_json_parse(const char *text, size_t len, const char **why);
/* Prices the tree cJSON would build from the text without building it (*cost, in bytes).
 * Returns NULL when it is within budget, else a static description ("is nested too deeply",
 * "holds too many JSON values for its size"); then *cost is the price when it stopped. */
OMSIG_PRIVATE const char *omsig_json_prescan(const char *text, size_t len, uint64_t *cost);
OMSIG_PRIVATE uint64_t omsig_json_tree_budget(size_t len);
/* Where Python's json.loads would refuse text (valid UTF-8), in its words:
 * "Expecting ',' delimiter: line 3 column 5 (char 18)".  false when it would accept it (NaN,
 * duplicate keys: what only omsig refuses) or the text is not valid UTF-8. */
OMSIG_PRIVATE bool omsig_json_python_error(const char *text, size_t len, char *out, size_t cap);
/* Fails unless every key of obj is in the NULL-terminated list; *bad gets the first other. */
OMSIG_PRIVATE bool omsig_json_only_keys(const cJSON *obj, const char *const *allowed,
                                        const char **bad);
/* As omsig_json_only_keys, and false when o is not an object (then *bad is NULL). */
OMSIG_PRIVATE bool omsig_json_is_object_of(const cJSON *o, const char *const *allowed,
                                           const char **bad);
OMSIG_PRIVATE const char *omsig_json_type_name(const cJSON *v);
/* The member k of object o (case-sensitive); NULL when o is not an object or has none. */
OMSIG_PRIVATE const cJSON *omsig_json_member(const cJSON *o, const char *k);
/* The member k when it is a string, else NULL. */
OMSIG_PRIVATE const char *omsig_json_str(const cJSON *o, const char *k);
/* The member k when it is a string of standard base64, decoded (*out malloc'ed). */
OMSIG_PRIVATE bool omsig_json_b64(const cJSON *o, const char *k, uint8_t **out, size_t *len);
/* A protobuf JSON uint64: a decimal string (leading zeros allowed). */
OMSIG_PRIVATE bool omsig_u64_parse_str(const char *s, uint64_t *out);

#endif
