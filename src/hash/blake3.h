/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3.h - BLAKE3 in hash mode with the 32-byte output (what model_signing's "blake3"
 * records), written from the BLAKE3 specification.  Private to libomsig.
 *
 * The input is split into 1 KiB chunks, each compressed block by block into a chaining value
 * (CV); CVs are joined pairwise into parent nodes, left subtrees always holding the largest
 * power of two of chunks, and the root node is compressed with the ROOT flag.  The hasher keeps
 * the current chunk and a stack of the CVs of completed subtrees (one per set bit of the chunk
 * count), so it never allocates and can be embedded in any struct.
 *
 * For hashing one input in parallel, its chunks can be split into aligned subtrees: a piece
 * that starts at chunk `off` and covers n chunks is a subtree of the whole input's tree when
 * `off` is a multiple of the power of two >= n, and every piece but the last holds exactly a
 * power of two of chunks.  Each piece is hashed on its own (omsig_blake3_init_at, update,
 * omsig_blake3_final_cv); the pieces' CVs are then pushed in order into one hasher
 * (omsig_blake3_push_cv), which may also take the input's tail as bytes (update), and
 * omsig_blake3_final gives the root.  A single piece is the root itself: hash it whole.
 */
#ifndef OMSIG_BLAKE3_H
#define OMSIG_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define OMSIG_BLAKE3_OUT_LEN 32u
#define OMSIG_BLAKE3_BLOCK_LEN 64u
#define OMSIG_BLAKE3_CHUNK_LEN 1024u
#define OMSIG_BLAKE3_MAX_DEPTH 56u /* 2^64 bytes are 2^54 chunks: one CV per level, and one spare */

typedef struct omsig_blake3_hasher {
    uint32_t cv[8];              /* the current chunk's chaining value so far */
    uint64_t chunk;              /* the current chunk's index in the whole input */
    uint64_t base;               /* the first chunk of what this hasher covers */
    uint8_t buf[OMSIG_BLAKE3_BLOCK_LEN]; /* the current chunk's last, not yet compressed block */
    uint8_t buf_len;
    uint8_t blocks;              /* blocks of the current chunk already compressed */
    uint8_t stack_len;
    uint8_t stack[OMSIG_BLAKE3_MAX_DEPTH][OMSIG_BLAKE3_OUT_LEN]; /* CVs of whole subtrees */
} omsig_blake3_hasher;

/* A hasher for a whole input. */
void omsig_blake3_init(omsig_blake3_hasher *h);
/* A hasher for the piece of a larger input that starts at chunk `chunk_offset` (see above). */
void omsig_blake3_init_at(omsig_blake3_hasher *h, uint64_t chunk_offset);
/* Any lengths, any number of calls. */
void omsig_blake3_update(omsig_blake3_hasher *h, const void *data, size_t len);
/* The root digest of everything given since omsig_blake3_init.  0, or -1 when all the hasher
 * holds is one pushed CV (a lone piece has no root: hash it whole).  The hasher is unchanged. */
int omsig_blake3_final(const omsig_blake3_hasher *h, uint8_t out[OMSIG_BLAKE3_OUT_LEN]);
/* The chaining value of the piece given since omsig_blake3_init_at (never the root). */
void omsig_blake3_final_cv(const omsig_blake3_hasher *h, uint8_t cv[OMSIG_BLAKE3_OUT_LEN]);
/* Appends the CV of the next piece, n_chunks long, at a chunk boundary (nothing given since
 * the last whole piece or chunk).  Returns 0, or -1 when the hasher is inside a chunk. */
int omsig_blake3_push_cv(omsig_blake3_hasher *h, const uint8_t cv[OMSIG_BLAKE3_OUT_LEN],
                         uint64_t n_chunks);
/* One shot. */
void omsig_blake3(const void *data, size_t len, uint8_t out[OMSIG_BLAKE3_OUT_LEN]);

/* ---- wide backends (one file each; blake3_portable.c is the one dispatch point) ----------
 * omsig_blake3_many_<isa> hashes W inputs at once (8 for avx2, 16 for avx512), each `blocks`
 * 64-byte blocks long, input i at in + i * stride, from the IV key: the flags of every block,
 * plus flags_start on the first and flags_end on the last; input i's counter is counter + i
 * when counter_step is set, else counter.  Input i's chaining value goes to out + 32 * i.
 * Whole chunks are (stride 1024, 16 blocks, CHUNK_START, CHUNK_END, stepping counter); parent
 * nodes are (stride 64, 1 block, flags PARENT, counter 0).  Never the root: no ROOT flag. */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define OMSIG_BLAKE3_X86 1
#else
#define OMSIG_BLAKE3_X86 0
#endif
#if OMSIG_BLAKE3_X86
void omsig_blake3_many_avx2(const uint8_t *in, size_t stride, size_t blocks, uint64_t counter,
                            int counter_step, uint32_t flags, uint32_t flags_start,
                            uint32_t flags_end, uint8_t *out);
void omsig_blake3_many_avx512(const uint8_t *in, size_t stride, size_t blocks, uint64_t counter,
                              int counter_step, uint32_t flags, uint32_t flags_start,
                              uint32_t flags_end, uint8_t *out);
#endif
/* The backend in use: "portable", "avx2" or "avx512" (chosen once per process). */
const char *omsig_blake3_backend(void);

#endif
