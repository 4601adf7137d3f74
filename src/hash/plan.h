/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plan.h - the streams to hash: a model's files, or its shards, as (file, offset, length)
 * ranges, ordered longest first.  One builder serves sign and digest (every range of every
 * file) and verify (the ranges the model and the manifest both name, with what only one side
 * names set aside for the verdict).
 */
#ifndef OMSIG_HASH_PLAN_H
#define OMSIG_HASH_PLAN_H

#include "omsig_internal.h"

typedef struct omsig_stream {
    const omsig_file *file;
    uint64_t offset;
    uint64_t length;
    omsig_hash hash;
    size_t res;                             /* verify: the manifest resource it is compared with;
                                             * in a BLAKE3 piece plan, the stream it is part of */
    bool b3_piece;                          /* a BLAKE3 subtree: digest gets its chaining value */
    uint8_t digest[OMSIG_MAX_DIGEST_BYTES]; /* out */
} omsig_stream;

/* The byte ranges a file of @p size contributes: with shard_size 0 (files method) the whole
 * file, empty or not; otherwise consecutive shards of shard_size, none for an empty file.
 * Written so that no size near 2^64 overflows. */
static inline uint64_t omsig_range_count(uint64_t size, uint64_t shard_size)
{
    return shard_size ? size / shard_size + (size % shard_size != 0) : 1;
}
static inline void omsig_range(uint64_t size, uint64_t shard_size, uint64_t k, uint64_t *start,
                               uint64_t *end)
{
    *start = shard_size ? k * shard_size : 0;
    *end = shard_size && size - *start > shard_size ? *start + shard_size : size;
}

typedef struct omsig_plan {
    omsig_stream *streams;
    size_t n_streams;
    size_t *order;            /* indices into streams, longest first */
    uint64_t total_bytes;
    uint64_t longest;         /* bytes of the longest stream */
} omsig_plan;

/* What verify found on one side only.  Names are owned here. */
typedef struct omsig_plan_diff {
    char **extra;             /* in the model, not in the manifest: a file, a shard, or a run
                               * of shards summed up in one name */
    size_t n_extra;
    size_t *missing;          /* manifest resources the model lacks (indices) */
    size_t n_missing;
    char **empty_unlisted;    /* shards: empty files, which have no shard to list */
    size_t n_empty_unlisted;
} omsig_plan_diff;

/* Sign and digest: every range of every file of @p m, in the model's order. */
OMSIG_PRIVATE omsig_status omsig_plan_all(omsig_plan *p, const omsig_model *m,
                                          uint64_t shard_size, omsig_hash hash,
                                          omsig_report *r);
/* Verify's index of a manifest's resources by path.  It needs the manifest alone, so it can
 * be built while the model is still being walked, which leaves the pairing only lookups. */
typedef struct omsig_plan_index {
    const omsig_manifest *man;
    size_t *by_key;           /* resource indices sorted by (path, start); NULL when the
                               * manifest lists them in that order */
    uint64_t *table;          /* a path's hash in the upper half, 1 + the by_key index where
                               * its run starts in the lower; 0: free; NULL: no table (binary
                               * searches instead) */
    size_t mask;              /* table slots - 1 */
} omsig_plan_index;

OMSIG_PRIVATE omsig_status omsig_plan_index_build(omsig_plan_index *ix,
                                                  const omsig_manifest *man, omsig_report *r);
OMSIG_PRIVATE void omsig_plan_index_free(omsig_plan_index *ix);

/* Verify: a stream per range both @p m and @p man name (stream.res says which resource);
 * the rest in @p d.  Time and memory are bounded by the number of files and resources, not by
 * file sizes: a run of extra shards longer than a few is one name.  @p ix: an index of @p man
 * built before, or NULL to build one here. */
OMSIG_PRIVATE omsig_status omsig_plan_expected(omsig_plan *p, omsig_plan_diff *d,
                                               const omsig_model *m, const omsig_manifest *man,
                                               const omsig_plan_index *ix, omsig_report *r);
/* BLAKE3 hashes a tree of 1 KiB chunks, so one file can be hashed by every core: each stream
 * long enough is cut into pieces of 2^k chunks at multiples of their size (blake3_split.c),
 * which the engines hash as streams of their own; join then combines each file's pieces'
 * chaining values, in order, into its digest.  *out is empty when nothing was worth cutting. */
OMSIG_PRIVATE omsig_status omsig_plan_split_blake3(const omsig_plan *in, unsigned workers,
                                                   omsig_plan *out, omsig_report *r);
OMSIG_PRIVATE void omsig_plan_join_blake3(omsig_plan *in, const omsig_plan *pieces);
OMSIG_PRIVATE void omsig_plan_free(omsig_plan *p);
OMSIG_PRIVATE void omsig_plan_diff_free(omsig_plan_diff *d);

#endif /* OMSIG_HASH_PLAN_H */
