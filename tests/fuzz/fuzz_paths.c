/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_paths.c - libFuzzer target: the resource-name rules and the signer's path order. */
#include "omsig_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *why = omsig_relpath_problem(s, size);
    if (!why) { /* an accepted name never leaves the model */
        if (size == 0 || s[0] == '/' || memchr(s, 0, size)) abort();
        for (size_t i = 0; i + 1 < size; i++)
            if (s[i] == '.' && s[i + 1] == '.' && (i == 0 || s[i - 1] == '/') &&
                (i + 2 == size || s[i + 2] == '/'))
                abort();
    }
    /* the order is a total order: antisymmetric on any split of the input */
    char *a = malloc(size / 2 + 1), *b = malloc(size - size / 2 + 1);
    if (a && b) {
        memcpy(a, s, size / 2);
        a[size / 2] = 0;
        memcpy(b, s + size / 2, size - size / 2);
        b[size - size / 2] = 0;
        const int x = omsig_path_cmp(a, b), y = omsig_path_cmp(b, a);
        if ((x < 0) != (y > 0) || (x == 0) != (y == 0)) abort();
        omsig_buf r = {0};
        omsig_py_repr_str(&r, a);
        omsig_py_repr_bytes(&r, (const uint8_t *)b, strlen(b));
        omsig_buf_free(&r);
    }
    free(a);
    free(b);
    return 0;
}
