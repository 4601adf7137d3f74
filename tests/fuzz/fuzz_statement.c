/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_statement.c - libFuzzer target: the DSSE PAE encoders and the statement parser. */
#include "omsig_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    omsig_buf pae = {0};
    omsig_pae(buf, size, &pae);
    omsig_pae_compat(buf, size, &pae);
    omsig_buf_free(&pae);
    omsig_report *r = omsig_report_new();
    omsig_manifest m;
    if (omsig_statement_parse(buf, size, &m, r) == OMSIG_OK) {
        /* what parsed must be safe to use: names checked, digests sized */
        for (size_t i = 0; i < m.n_res; i++) {
            if (strcmp(m.res[i].path, ".") != 0 &&
                omsig_relpath_problem(m.res[i].path, strlen(m.res[i].path)))
                abort();
            if (m.res[i].digest_len != 32 && m.res[i].digest_len != 64) abort();
        }
    }
    omsig_manifest_free(&m);
    omsig_report_free(r);
    free(buf);
    return 0;
}
