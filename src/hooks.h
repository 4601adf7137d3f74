/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.h - test hooks: environment variables that inject faults (OMSIG_FAULT_*) or force a
 * tuning choice (OMSIG_LANES, OMSIG_ASYNC_COPY, OMSIG_WALK_SERIAL, OMSIG_URING_NO_OPEN).  They
 * exist only in a build configured with -DOMSIG_TEST_HOOKS=ON, which the test suite uses; a
 * released library reads none of them.
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

/* Test hook <name>=<fifo> (a build with test hooks only): the run stops here, so that a test
 * can change the model at that point.  It writes "paused\n" to the fifo (waiting for a
 * reader), then reads the fifo until a writer closes it.  Without the variable: nothing.
 *   OMSIG_HOOK_PAUSE_BEFORE_READ: after the signature check (the model listed, the plan
 *     made), before the first read (verify_model.c);
 *   OMSIG_HOOK_PAUSE_AFTER_HASH: after each stream's last byte is hashed and its descriptor
 *     checked, before the check that its path still names the file (queue.c; for a file in
 *     a watched folder that check is made after the last stream, walk.h). */
__attribute__((visibility("hidden"))) void omsig_hook_pause(const char *name);

#endif /* OMSIG_HOOKS_H */
