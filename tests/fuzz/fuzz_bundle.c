/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_bundle.c - libFuzzer target: the bundle parser and the JSON pre-scan on arbitrary bytes. */
#include "bundle.h"
#include "json_util.h"

#include <stdlib.h>
#include <string.h>

static uint64_t count_nodes(const cJSON *v, unsigned depth)
{
    uint64_t n = 1;
    if (depth < 1024)
        for (const cJSON *c = v->child; c; c = c->next) n += count_nodes(c, depth + 1);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size + 1); /* the parser expects a NUL after the text */
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    omsig_report *r = omsig_report_new();
    omsig_bundle b;
    omsig_bundle_parse(buf, size, &b, r);
    omsig_bundle_free(&b);
    omsig_report_free(r);
    /* the pre-scan never prices a text below the nodes of the tree cJSON builds from it */
    uint64_t cost = 0;
    if (!memchr(buf, 0, size) && !omsig_json_prescan((const char *)buf, size, &cost)) {
        cJSON *j = cJSON_ParseWithOpts((const char *)buf, NULL, 1);
        if (j && count_nodes(j, 0) * OMSIG_JSON_NODE_BYTES > cost) abort();
        cJSON_Delete(j);
    }
    free(buf);
    return 0;
}
