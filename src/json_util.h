/* SPDX-License-Identifier: Apache-2.0 */
/* json_util.h - strict JSON loading shared by the bundle and statement parsers. */
#ifndef OMSIG_JSON_UTIL_H
#define OMSIG_JSON_UTIL_H

#include "omsig_internal.h"

#include <cjson/cJSON.h>

/* Parses UTF-8 JSON text (len bytes, NUL after them) strictly: valid UTF-8, no NUL byte and
 * no \u0000 escape, no duplicate object keys, nothing after the value.  On failure returns
 * NULL and a static description of the problem in *why. */
OMSIG_PRIVATE cJSON *omsig_json_parse(const char *text, size_t len, const char **why);
/* Fails unless every key of obj is in the NULL-terminated list; *bad gets the first other. */
OMSIG_PRIVATE bool omsig_json_only_keys(const cJSON *obj, const char *const *allowed,
                                        const char **bad);
OMSIG_PRIVATE const char *omsig_json_type_name(const cJSON *v);

#endif
