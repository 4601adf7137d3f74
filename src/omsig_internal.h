/* SPDX-License-Identifier: Apache-2.0 */
/*
 * omsig_internal.h - every private stage header at once, for the hashing half (src/hash),
 * sign.c and the tests.  The front end's files include only the stage headers they use:
 * util.h, report.h, bundle.h, dsse.h, pki.h, statement.h, walk.h, model_hash.h.  Nothing
 * here is part of the public interface (include/omsig.h is).
 */
#ifndef OMSIG_INTERNAL_H
#define OMSIG_INTERNAL_H

#include "bundle.h"
#include "dsse.h"
#include "model_hash.h"
#include "pki.h"
#include "report.h"
#include "statement.h"
#include "util.h"
#include "walk.h"

#include <stdatomic.h>
#include <time.h>

#endif /* OMSIG_INTERNAL_H */
