/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement.h - the in-toto statement inside the envelope (statement.c): the expected manifest.
 */
#ifndef OMSIG_STATEMENT_H
#define OMSIG_STATEMENT_H

#include "report.h"

/* ---- format constants ---------------------------------------------------------------------- */
#define OMSIG_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define OMSIG_PREDICATE_TYPE "https://model_signing/signature/v1.0"
#define OMSIG_PREDICATE_TYPE_COMPAT "https://model_signing/Digests/v0.1" /* verify only */

typedef struct omsig_resource {
    char *name;               /* as in the bundle (normalised check passed) */
    char *path;               /* the file part: name (the same pointer, for files), or name
                                 without ":start:end" */
    uint64_t start, end;      /* shards only */
    uint8_t digest[OMSIG_MAX_DIGEST_BYTES];
    size_t digest_len;
} omsig_resource;

typedef struct omsig_manifest {
    bool legacy;              /* Digests/v0.1 */
    char *subject_name;
    char root_hex[65];
    omsig_serialization method;
    omsig_hash hash;
    uint64_t shard_size;
    bool allow_symlinks;
    char **ignore_paths;
    size_t n_ignore_paths;
    omsig_resource *res;
    size_t n_res;
    char *names;              /* when set, every res[i].name points into this one block */
} omsig_manifest;

OMSIG_PRIVATE omsig_status omsig_statement_parse(const uint8_t *payload, size_t len,
                                                 omsig_manifest *m, omsig_report *r);
/* The same through the JSON parser alone (omsig_statement_parse scans the fixed shape signers
 * write when it can): for the tests that compare the two. */
OMSIG_PRIVATE omsig_status omsig_statement_parse_json(const uint8_t *payload, size_t len,
                                                      omsig_manifest *m, omsig_report *r);
OMSIG_PRIVATE void omsig_manifest_free(omsig_manifest *m);
OMSIG_PRIVATE const char *omsig_hash_name(omsig_hash h);
/* A resource's "algorithm" in m's serialization: "sha256", or "sha256-sharded-<size>". */
#define OMSIG_ALGORITHM_MAX 64
OMSIG_PRIVATE const char *omsig_resource_algorithm(const omsig_manifest *m,
                                                   char out[OMSIG_ALGORITHM_MAX]);
OMSIG_PRIVATE size_t omsig_hash_size(omsig_hash h);

/* Root digest over raw digests in order. */
OMSIG_PRIVATE void omsig_root_digest(const omsig_resource *res, size_t n, char out[65]);

#endif /* OMSIG_STATEMENT_H */
