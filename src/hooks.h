/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.h - test hooks: environment variables that inject faults (OMSIG_FAULT_*) or force a
 * tuning choice (OMSIG_LANES, OMSIG_ASYNC_COPY).  They exist only in a build configured with
 * -DOMSIG_TEST_HOOKS=ON, which the test suite uses; a released library reads none of them.
 */
#ifndef OMSIG_HOOKS_H
#define OMSIG_HOOKS_H

#include <stdlib.h>

#ifdef OMSIG_TEST_HOOKS
#define OMSIG_HAVE_TEST_HOOKS 1
static inline const char *omsig_hook(const char *name) { return getenv(name); }
#else
#define OMSIG_HAVE_TEST_HOOKS 0
static inline const char *omsig_hook(const char *name) { return (void)name, (const char *)0; }
#endif

#endif /* OMSIG_HOOKS_H */
