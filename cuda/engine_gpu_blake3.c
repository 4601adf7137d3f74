/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_gpu_blake3.c - the CUDA engine's BLAKE3 path.  BLAKE3 is a tree, so the device hashes
 * one input at a time with a thread per 1 KiB chunk (blake3_kernel.cu): a stream (a file, or a
 * piece of one cut by blake3_split.c) is read in slabs of a power of two of chunks, each slab
 * an aligned subtree of the stream, the engine's batch slots in turn; each slab's chaining
 * value comes back and the host joins them in order (omsig_blake3_push_cv).  A stream that
 * fits in one slab is hashed whole on the device, root included.  Its known-answer test runs
 * at set-up, after SHA-256's.  Each reader group of each device hashes its own stream, so as many
 * BLAKE3 inputs are in flight as there are groups.
 */
#define _GNU_SOURCE
#include "engine_gpu.h"

#include "blake3.h"
#include "blake3_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* BLAKE3 of the len bytes in batch 0's host area on the device, as a whole message (root) or
 * as a piece whose first chunk is `base`; 32 bytes to out.  0 or the CUDA error's code. */
static int b3_device(gpu_group *g, uint64_t len, uint64_t base, int root, uint8_t out[32],
                     omsig_cuda_err *err)
{
    batch *b = &g->b[0];
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, len, cudaMemcpyHostToDevice, g->compute), err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(b->dev, len, base, root,
                                                         g->dev_b3_scratch, b->dev_digests,
                                                         g->compute), err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, 32, cudaMemcpyDeviceToHost,
                                   g->compute), err);
    OMSIG_CUDA_TRY(cudaStreamSynchronize(g->compute), err);
    memcpy(out, b->host_digests, 32);
cleanup:
    return err->code;
}

/* BLAKE3's known-answer test: the published digest of the empty input; lengths around the
 * block, chunk and group boundaries, up to three kernel stages where the slot holds them, as
 * whole messages against the library's BLAKE3; and pieces of a larger message (chaining
 * values, not roots) against the library's hasher started at the same chunk. */
bool omsig_gpu_b3_self_test(gpu_group *g, char *why, size_t why_len)
{
    static const uint8_t k_empty[32] = {
        0xaf, 0x13, 0x49, 0xb9, 0xf5, 0xf9, 0xa1, 0xa6, 0xa0, 0x40, 0x4d, 0xea, 0x36, 0xdc, 0xc9, 0x49,
        0x9b, 0xcb, 0x25, 0xc9, 0xad, 0xc1, 0x12, 0xb7, 0xcc, 0x9a, 0x93, 0xca, 0xe4, 0x1f, 0x32, 0x62};
    static const uint64_t k_len[] = {0,          1,          64,          65,         1023,
                                     1024,       1025,       2048,        2049,       3073,
                                     256 * 1024, 256 * 1024 + 1, 300001,  (3u << 20) + 17,
                                     (64u << 20) + 3 * 1024 + 5};
    /* pieces: (chunks, first chunk) */
    static const uint64_t k_piece[][2] = {{1, 7}, {2, 6}, {256, 512}, {1024, 3072}, {4096, 4096}};
    uint8_t *host = g->b[0].host;
    omsig_cuda_err err = {0};
    uint8_t got[32], want[32];
    const uint64_t max = g->b3_slab;
    for (uint64_t i = 0; i < max && i < (65u << 20); i++) host[i] = (uint8_t)(i * 2654435761u >> 13);
    if (b3_device(g, 0, 0, 1, got, &err) != 0) goto cuda;
    if (memcmp(got, k_empty, 32) != 0) goto wrong;
    for (size_t i = 0; i < sizeof k_len / sizeof k_len[0]; i++) {
        if (k_len[i] > max) continue;
        if (b3_device(g, k_len[i], 0, 1, got, &err) != 0) goto cuda;
        omsig_blake3(host, k_len[i], want);
        if (memcmp(got, want, 32) != 0) goto wrong;
    }
    for (size_t i = 0; i < sizeof k_piece / sizeof k_piece[0]; i++) {
        const uint64_t len = k_piece[i][0] * OMSIG_BLAKE3_CHUNK_LEN - 100;
        if (len > max) continue;
        omsig_blake3_hasher h;
        omsig_blake3_init_at(&h, k_piece[i][1]);
        omsig_blake3_update(&h, host, len);
        omsig_blake3_final_cv(&h, want);
        if (b3_device(g, len, k_piece[i][1], 0, got, &err) != 0) goto cuda;
        if (memcmp(got, want, 32) != 0) goto wrong;
    }
    return true;
cuda:
    snprintf(why, why_len, "the GPU BLAKE3 self-test failed: %s", err.msg);
    return false;
wrong:
    snprintf(why, why_len, "the GPU self-test gave a wrong BLAKE3: the device is not used");
    return false;
}

/* ---- BLAKE3: one input at a time, in slabs ------------------------------------------------- */

/* The stream the BLAKE3 feeder is on. */
typedef struct b3_input {
    omsig_stream *s;
    bool whole;                      /* one slab: the device gives the digest (or the piece's CV) */
    omsig_blake3_hasher h;           /* otherwise the slabs' CVs, joined in order */
} b3_input;

/* Takes batch b's slab result, once its kernel is done: the stream's digest when the stream
 * was hashed whole, else the slab's CV pushed into the stream's hasher.  Slots are taken in the
 * order they were launched, so the CVs arrive in file order. */
static int b3_take(feeder *f, batch *b, b3_input *in)
{
    if (!b->busy) return 0;
    OMSIG_CUDA_TRY(cudaEventSynchronize(b->done), &f->err);
    b->busy = false;
    if (in->whole)
        memcpy(in->s->digest, b->host_digests, OMSIG_BLAKE3_OUT_LEN);
    else
        (void)omsig_blake3_push_cv(&in->h, b->host_digests, b->b3_chunks);
    omsig_queue_hashed(f->q, b->bytes);
    f->g->bytes += b->bytes;
cleanup:
    return f->err.code;
}

/* Waits until batch b's host area is the reader's again: its last copy out has fired. */
static int b3_slot_free(feeder *f, batch *b)
{
    OMSIG_CUDA_TRY(cudaEventSynchronize(b->copied), &f->err);
cleanup:
    return f->err.code;
}

/* Copies batch b's slab (len bytes, its first chunk `base` of the file) to the device and
 * hashes it there: the root when `root`, else the slab's CV. */
static int b3_launch(feeder *f, batch *b, uint64_t len, uint64_t base, int root)
{
    gpu_group *g = f->g;
    if (omsig_gpu_batch_check(f) != 0) goto cleanup;
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(b->copy, b->done, 0), &f->err);
    if (len) OMSIG_CUDA_TRY(cudaMemcpyAsync(b->dev, b->host, len, cudaMemcpyHostToDevice, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->copied, b->copy), &f->err);
    OMSIG_CUDA_TRY(cudaStreamWaitEvent(g->compute, b->copied, 0), &f->err);
    OMSIG_CUDA_TRY((cudaError_t)omsig_cuda_blake3_launch(b->dev, len, base, root,
                                                         g->dev_b3_scratch, b->dev_digests,
                                                         g->compute), &f->err);
    OMSIG_CUDA_TRY(cudaMemcpyAsync(b->host_digests, b->dev_digests, 32, cudaMemcpyDeviceToHost,
                                   g->compute), &f->err);
    OMSIG_CUDA_TRY(cudaEventRecord(b->done, g->compute), &f->err);
    b->busy = true;
    b->bytes = len;
    b->b3_chunks = omsig_blake3_core_chunks(len);
cleanup:
    return f->err.code;
}

/* Reads [off, off + len) of fd into batch b's host area, B3_READ_BYTES per request so the
 * reader keeps several in flight.  0, or -1 after reporting the failure through the queue. */
static int b3_read(feeder *f, batch *b, const omsig_stream *s, int fd, int inject, uint64_t off,
                   uint64_t len)
{
    gpu_group *g = f->g;
    size_t n = 0;
    for (uint64_t at = 0; at < len; at += B3_READ_BYTES, n++)
        g->req[n] = (omsig_read_req){.fd = fd, .off = s->offset + off + at,
                                     .len = len - at < B3_READ_BYTES ? len - at : B3_READ_BYTES,
                                     .dst = b->host + at, .inject = inject};
    if (n && g->rops->read_batch(g->rd, g->req, n) < 0) {
        omsig_queue_fail(f->q, OMSIG_E_IO, "the %s reader failed", g->rops->name);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if (g->req[k].res < 0) {
            omsig_queue_fail_read(f->q, s->file, -g->req[k].res);
            return -1;
        }
    return 0;
}

/* Hashes stream s (a whole file, or a piece of one: s->b3_piece) on the device, slab after
 * slab, reading the next slab while the last one is copied and hashed.  0 when done, -1 on a
 * file failure (reported through the queue), 2 on a CUDA error (s is then not finished). */
static int b3_stream(feeder *f, omsig_stream *s, b3_input *in)
{
    gpu_group *g = f->g;
    const uint64_t slab = g->b3_slab;
    const uint64_t base = s->offset / OMSIG_BLAKE3_CHUNK_LEN; /* pieces start on a chunk */
    const uint64_t slabs = s->length ? s->length / slab + (s->length % slab != 0) : 1;
    in->s = s;
    in->whole = slabs == 1;
    if (s->b3_piece)
        omsig_blake3_init_at(&in->h, base);
    else
        omsig_blake3_init(&in->h);
    int inject = 0;
    const int fd = omsig_queue_open(f->q, s, &inject);
    if (fd < 0) return -1;
    int rc = 0;
    for (uint64_t j = 0; j < slabs && rc == 0; j++) {
        batch *b = &g->b[f->next];
        const uint64_t off = j * slab, len = s->length - off < slab ? s->length - off : slab;
        if (b3_slot_free(f, b) != 0) rc = 2;
        else if (b3_read(f, b, s, fd, inject, off, len) != 0) rc = -1;
        else if (b3_take(f, b, in) != 0) rc = 2;
        else if (b3_launch(f, b, len, base + off / OMSIG_BLAKE3_CHUNK_LEN,
                           in->whole && !s->b3_piece) != 0) rc = 2;
        f->next = (f->next + 1) % N_BATCHES;
    }
    for (unsigned k = 0; k < N_BATCHES && rc == 0; k++)
        if (b3_take(f, &g->b[(f->next + k) % N_BATCHES], in) != 0) rc = 2;
    if (rc == 0 && omsig_queue_check_unchanged(f->q, s, fd) != OMSIG_OK) rc = -1;
    if (rc == 0) g->streams++;
    close(fd);
    if (rc == 0 && !in->whole) {
        if (s->b3_piece)
            omsig_blake3_final_cv(&in->h, s->digest);
        else
            (void)omsig_blake3_final(&in->h, s->digest);
    }
    omsig_queue_tick(f->q);
    return rc;
}

/* The BLAKE3 feeder of one group: streams from the queue's short end, one at a time (each
 * group of each device on its own).  A CUDA error puts the stream it was on back on the queue. */
int omsig_gpu_b3_run(feeder *f)
{
    gpu_group *g = f->g;
    b3_input *in = malloc(sizeof *in);
    if (!in) {
        omsig_queue_fail(f->q, OMSIG_E_NOMEM, "out of memory");
        return -1;
    }
    int rc = 0;
    omsig_stream *s = NULL;
    while (rc == 0 && !omsig_queue_stopped(f->q)) {
        if (omsig_queue_take_shortest(f->q, &s, 1, UINT64_MAX) == 0) {
            s = NULL;
            break;
        }
        rc = b3_stream(f, s, in);
    }
    free(in);
    cudaStreamSynchronize(g->compute);
    for (unsigned k = 0; k < N_BATCHES; k++) {
        cudaStreamSynchronize(g->b[k].copy);
        g->b[k].busy = false;
    }
    if (rc == 2 && s) omsig_queue_put_back(f->q, &s, 1);
    return rc;
}
