/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_statement_names.c - a statement's resource names must be distinct, whatever order they
 * are listed in: sorted by bytes or by the signer's path order (checked in one pass), or in
 * any other order (checked by a hash set), with the repeated name in the message; each
 * statement read both ways (the fixed-shape scan and the JSON parser).
 */
#include "helpers.h"
#include "statement.h"

#include <stdlib.h>

/* A v1.0 statement of the given names (each resource's digest from its index), root digest
 * consistent, in the fixed shape (so the scan reads it). */
static char *statement(const char *const *names, size_t n)
{
    omsig_resource *res = calloc(n, sizeof *res);
    omsig_buf b = {0};
    if (!res) return NULL;
    omsig_buf_puts(&b, "{\"_type\":\"" OMSIG_STATEMENT_TYPE "\",\"predicateType\":\""
                       OMSIG_PREDICATE_TYPE "\",\"predicate\":{\"serialization\":{\"method\":"
                       "\"files\",\"hash_type\":\"sha256\",\"allow_symlinks\":false},"
                       "\"resources\":[");
    for (size_t i = 0; i < n; i++) {
        res[i].digest_len = 32;
        memset(res[i].digest, (int)i + 1, 32);
        char hex[65];
        omsig_hex(res[i].digest, 32, hex);
        omsig_buf_printf(&b, "%s{\"name\":\"%s\",\"algorithm\":\"sha256\",\"digest\":\"%s\"}",
                         i ? "," : "", names[i], hex);
    }
    char root[65];
    omsig_root_digest(res, n, root);
    omsig_buf_printf(&b, "]},\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"%s\"}}]}", root);
    free(res);
    return (char *)b.data;
}

/* Reads the names both ways: OMSIG_OK, or the failure with `repeated` named in its message. */
static void check(const char *const *names, size_t n, const char *repeated)
{
    char *text = statement(names, n);
    T_CHECK(text != NULL);
    if (!text) return;
    for (int way = 0; way < 2; way++) {
        omsig_report *r = omsig_report_new();
        omsig_manifest m;
        const omsig_status st =
            way ? omsig_statement_parse_json((const uint8_t *)text, strlen(text), &m, r)
                : omsig_statement_parse((const uint8_t *)text, strlen(text), &m, r);
        if (!repeated) {
            if (st != OMSIG_OK) fprintf(stderr, "%s: %s\n", names[0], omsig_report_message(r));
            T_CHECK(st == OMSIG_OK && m.n_res == n);
        } else {
            char want[128];
            snprintf(want, sizeof want, "resource name '%s' appears more than once", repeated);
            T_CHECK(st == OMSIG_E_MANIFEST_PARSE);
            T_CHECK(strstr(omsig_report_message(r), want) != NULL);
        }
        omsig_manifest_free(&m);
        omsig_report_free(r);
    }
    free(text);
}

int main(void)
{
    static const char *const bytes_sorted[] = {"a.b", "a/b", "b", "c/d/e"};
    static const char *const path_sorted[] = {"a/b", "a.b", "b", "c/d/e"};
    static const char *const unsorted[] = {"c", "a", "d", "b"};
    static const char *const adjacent[] = {"a", "b", "b", "c"};
    static const char *const apart[] = {"x", "a", "q", "b", "a", "z"};
    static const char *const two[] = {"q", "r", "a", "q", "r"};
    check(bytes_sorted, 4, NULL);
    check(path_sorted, 4, NULL);
    check(unsorted, 4, NULL);
    check(adjacent, 4, "b");
    check(apart, 6, "a");
    check(two, 5, "q"); /* the first in sorted order is named */
    /* many names, unsorted, one repeated far apart */
    enum { N = 5000 };
    char **many = calloc(N, sizeof *many);
    T_CHECK(many != NULL);
    if (!many) T_DONE();
    for (size_t i = 0; i < N; i++) {
        many[i] = malloc(16);
        snprintf(many[i], 16, "f%05zu", (i * 7919) % N);
    }
    check((const char *const *)many, N, NULL);
    snprintf(many[N - 1], 16, "%s", many[3]);
    check((const char *const *)many, N, many[3]);
    for (size_t i = 0; i < N; i++) free(many[i]);
    free(many);
    T_DONE();
}
