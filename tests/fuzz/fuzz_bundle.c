/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_bundle.c - libFuzzer target: the bundle parser on arbitrary bytes. */
#include "omsig_internal.h"

#include <stdlib.h>
#include <string.h>

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
    free(buf);
    return 0;
}
