/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_split.c - one large BLAKE3 file on every core.  BLAKE3's tree puts the largest
 * power-of-two number of chunks on the left at every level, so pieces of 2^k chunks that start
 * at multiples of 2^k chunks are whole subtrees: each is hashed on its own (its chaining value,
 * omsig_blake3_init_at/final_cv), and pushing the pieces' values in order into one hasher
 * gives the file's digest (omsig_blake3_push_cv).  The last piece may be shorter; it is still
 * the subtree the full tree has there.
 */
#include "blake3.h"
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#define PIECE_MIN (1u << 20)  /* 1024 chunks: below that a piece costs more than it saves */
#define PIECES_PER_WORKER 4u  /* enough pieces for the workers to even out */

/* Bytes per piece for a stream of len bytes: a power of two of at least PIECE_MIN, so that
 * about PIECES_PER_WORKER pieces per worker come out of it; 0 when it is not worth cutting. */
static uint64_t piece_bytes(uint64_t len, unsigned workers)
{
    if (workers < 2 || len < 2ull * PIECE_MIN) return 0;
    const uint64_t want = len / ((uint64_t)workers * PIECES_PER_WORKER);
    uint64_t p = PIECE_MIN;
    while (p < want && p < (1ull << 62)) p <<= 1;
    return len > p ? p : 0; /* one piece: hash it whole */
}

static uint64_t pieces_of(uint64_t len, uint64_t p) { return len / p + (len % p != 0); }

static int longest_first(const void *a, const void *b, void *ctx)
{
    const omsig_stream *s = ctx;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (s[i].length != s[j].length) return s[i].length > s[j].length ? -1 : 1;
    return i < j ? -1 : i > j;
}

omsig_status omsig_plan_split_blake3(const omsig_plan *in, unsigned workers, omsig_plan *out,
                                     omsig_report *r)
{
    memset(out, 0, sizeof *out);
    uint64_t n = 0;
    bool any = false;
    for (size_t i = 0; i < in->n_streams; i++) {
        const uint64_t p = piece_bytes(in->streams[i].length, workers);
        n += p ? pieces_of(in->streams[i].length, p) : 1;
        any |= p != 0;
    }
    if (!any) return OMSIG_OK;
    if (n > SIZE_MAX / sizeof(omsig_stream) ||
        !(out->streams = calloc((size_t)n, sizeof *out->streams)) ||
        !(out->order = calloc((size_t)n, sizeof *out->order))) {
        omsig_plan_free(out);
        return omsig_fail(r, OMSIG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->n_streams; i++) {
        const omsig_stream *s = &in->streams[i];
        const uint64_t p = piece_bytes(s->length, workers);
        if (!p) {
            omsig_stream *o = &out->streams[out->n_streams++];
            *o = *s;
            o->res = i;
            continue;
        }
        for (uint64_t off = 0; off < s->length; off += p) {
            omsig_stream *o = &out->streams[out->n_streams++];
            *o = *s;
            o->offset = s->offset + off;
            o->length = s->length - off < p ? s->length - off : p;
            o->res = i;
            o->b3_piece = true;
        }
    }
    /* longest first, as every plan */
    for (size_t i = 0; i < out->n_streams; i++) out->order[i] = i;
    omsig_sort(out->order, out->n_streams, sizeof *out->order, longest_first, out->streams);
    out->total_bytes = in->total_bytes;
    out->longest = out->n_streams ? out->streams[out->order[0]].length : 0;
    return OMSIG_OK;
}

void omsig_plan_join_blake3(omsig_plan *in, const omsig_plan *pieces)
{
    size_t k = 0;
    while (k < pieces->n_streams) {
        const omsig_stream *first = &pieces->streams[k];
        omsig_stream *s = &in->streams[first->res];
        if (!first->b3_piece) {
            memcpy(s->digest, first->digest, OMSIG_BLAKE3_OUT_LEN);
            k++;
            continue;
        }
        /* the pieces of one stream sit together, in file order */
        omsig_blake3_hasher h;
        omsig_blake3_init(&h);
        for (; k < pieces->n_streams && pieces->streams[k].res == first->res; k++) {
            const omsig_stream *piece = &pieces->streams[k];
            const uint64_t chunks = piece->length / OMSIG_BLAKE3_CHUNK_LEN +
                                    (piece->length % OMSIG_BLAKE3_CHUNK_LEN != 0);
            omsig_blake3_push_cv(&h, piece->digest, chunks);
        }
        omsig_blake3_final(&h, s->digest);
    }
}
