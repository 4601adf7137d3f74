/* SPDX-License-Identifier: Apache-2.0 */
/* helpers.h - tiny test harness: exit 0 pass, 1 fail, 77 skip (liburing's convention). */
#ifndef OMSIG_TEST_HELPERS_H
#define OMSIG_TEST_HELPERS_H

#include <stdio.h>
#include <string.h>

enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 77 };

static int t_failures;

#define T_CHECK(cond)                                                                          \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            t_failures++;                                                                      \
        }                                                                                      \
    } while (0)

#define T_STREQ(a, b)                                                                          \
    do {                                                                                       \
        const char *t_a_ = (a), *t_b_ = (b);                                                   \
        if (strcmp(t_a_, t_b_) != 0) {                                                         \
            fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__, t_a_, t_b_);          \
            t_failures++;                                                                      \
        }                                                                                      \
    } while (0)

#define T_DONE() return t_failures ? T_FAIL : T_PASS

#endif
