/* SPDX-License-Identifier: Apache-2.0 */
/* helpers.h - tiny test harness: exit 0 pass, 1 fail, 77 skip (liburing's convention). */
#ifndef OMSIG_TEST_HELPERS_H
#define OMSIG_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 77 };

static int t_failures __attribute__((unused)); /* a test may check nothing itself */

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

/* xorshift64 pseudo-random numbers; each test seeds its own state, so a failure reproduces. */
static inline uint64_t t_rnd(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* n pseudo-random bytes from state. */
static inline void t_fill(uint64_t *state, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(t_rnd(state) >> 56);
}

#endif
