/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_hash.h - hashing a model: as the signer records it (digest.c, for sign and digest) or
 * against the manifest of a verified bundle (verify_model.c).
 */
#ifndef OMSIG_MODEL_HASH_H
#define OMSIG_MODEL_HASH_H

#include "statement.h"
#include "walk.h"

/* Streams, the plan, the queue, readers and engines: src/hash/ (plan.h, queue.h, reader.h,
 * engine.h).  sign.c and digest.c hash a model as the signer records it; verify_model.c
 * checks a model against its manifest. */
struct omsig_ctx;
OMSIG_PRIVATE omsig_status omsig_hash_model(struct omsig_ctx *ctx, const omsig_options *o,
                                            omsig_manifest *m, char **model_name,
                                            omsig_report *r);

/* walked: the tree listed while the bundle was checked (owned from here on), or NULL.
 * ix: an index of m's resources built meanwhile (plan.h), or NULL.
 * sink: verified load, every covered piece handed to it (NULL: verify alone). */
struct omsig_plan_index;
OMSIG_PRIVATE omsig_status omsig_verify_model(struct omsig_ctx *ctx, const omsig_options *o,
                                              const omsig_manifest *m, omsig_model *walked,
                                              const struct omsig_plan_index *ix,
                                              const omsig_sink *sink, omsig_report *r);

#endif /* OMSIG_MODEL_HASH_H */
