/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reader.h - readers bring a file range's bytes into memory for an engine.  One ops table,
 * two implementations: io_uring (reader_uring.c: many reads in flight into a ring of slots in
 * one mapping) and pread (reader_pread.c: portable, one read at a time).  reader.c picks one
 * in one place, with a real fallback to pread when io_uring cannot be set up.
 *
 * A worker adds streams (an open file and a byte range) while the reader has room, takes each
 * stream's chunks in order with next() and hands each back with release().  For a GPU feeder,
 * read_batch() reads many ranges at once into given places of the reader's memory (many small
 * files packed into one slot), and memory() exposes that memory so it can be registered with
 * the device.  Chunks are hashed where they land: no copy.
 */
#ifndef OMSIG_HASH_READER_H
#define OMSIG_HASH_READER_H

#include "omsig_internal.h"

typedef struct omsig_reader omsig_reader;

typedef struct omsig_reader_cfg {
    size_t slot_size;  /* bytes per slot, a multiple of 4096 */
    unsigned n_slots;  /* slots of this reader */
    bool try_direct;   /* O_DIRECT for large, uncached, aligned streams */
    unsigned lanes;    /* streams the worker consumes at once (1..3) */
    bool async_copy;   /* cores are idle: let kernel workers copy from the page cache */
    unsigned queue_depth; /* reads in flight for read_batch(); 0: n_slots */
} omsig_reader_cfg;

/* One range of a batch: bytes [off, off + len) of fd go to dst (inside the reader's memory). */
typedef struct omsig_read_req {
    int fd;
    uint64_t off;
    uint64_t len;
    uint8_t *dst;
    int inject;        /* test hook as for add(); 0 normally */
    int res;           /* out: 0, or -errno (-ENODATA when the file ended early) */
    uint64_t got;      /* the reader's own: bytes read so far */
} omsig_read_req;

typedef struct omsig_reader_ops {
    const char *name;
    /* NULL with *err = -errno when the reader cannot be set up on this machine. */
    omsig_reader *(*create)(const omsig_reader_cfg *cfg, int *err);
    void (*destroy)(omsig_reader *rd);
    /* 1 if add() would accept another stream now. */
    int (*room)(const omsig_reader *rd);
    /* Starts reading [off, off+len) of fd; returns a handle >= 0, or -errno.  inject_errno is
     * a test hook, 0 normally: > 0 makes the stream's first read fail with that error, < 0
     * makes every read return short. */
    int (*add)(omsig_reader *rd, int fd, uint64_t off, uint64_t len, int inject_errno);
    /* Optional (NULL where the reader cannot): as add(), but the reader opens path beneath
     * the folder dfd itself (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, read-only), owns the
     * descriptor and closes it at remove().  -ENOSYS when this reader cannot open (the caller
     * opens the file and calls add()).  A failed open is seen at next() as -errno, with
     * open_error() saying so. */
    int (*add_path)(omsig_reader *rd, int dfd, const char *path, uint64_t off, uint64_t len,
                    int inject_errno);
    /* The descriptor of stream h once next() returned its first chunk (or 0): the caller's
     * from add(), the reader's own from add_path(). */
    int (*stream_fd)(const omsig_reader *rd, int h);
    /* -errno when stream h's open by add_path() failed, else 0. */
    int (*open_error)(const omsig_reader *rd, int h);
    /* The next chunk of stream h in order: bytes (> 0), 0 after the last one, or -errno
     * (-ENODATA when the file ended early; -EAGAIN when the worker must release the chunks it
     * holds before this stream can be read). Valid until release(rd, h). */
    ssize_t (*next)(omsig_reader *rd, int h, const uint8_t **p);
    void (*release)(omsig_reader *rd, int h);
    /* Forgets stream h, finished or not; waits for its reads in flight. */
    void (*remove)(omsig_reader *rd, int h);
    /* The memory chunks and batches land in (slot_size x n_slots bytes, 4096-aligned). */
    void (*memory)(const omsig_reader *rd, uint8_t **base, size_t *len);
    /* Reads every request of a batch (no streams may be open meanwhile); each req->res says
     * how it went.  Returns 0, or -errno when the reader itself failed. */
    int (*read_batch)(omsig_reader *rd, omsig_read_req *req, size_t n);
} omsig_reader_ops;

OMSIG_PRIVATE extern const omsig_reader_ops omsig_reader_pread;
OMSIG_PRIVATE extern const omsig_reader_ops omsig_reader_uring; /* create fails without it */

/* Creates the reader @p io asks for: io_uring where it can be set up, else pread (with
 * OMSIG_IO_AUTO), or a failure with the reason in why (OMSIG_IO_URING).  *ops says which. */
OMSIG_PRIVATE omsig_reader *omsig_reader_open(omsig_io io, const omsig_reader_cfg *cfg,
                                              const omsig_reader_ops **ops, char *why,
                                              size_t why_len);

/* An O_DIRECT descriptor of fd's file (checked to be the same file) when bytes [off, off + len)
 * are worth reading directly: at least 4 MiB, 4 KiB-aligned, and less than three quarters in
 * the page cache (cachestat, or mincore); else -1.  The io_uring reader's rule, shared with the
 * GPU feeder.  Reads through it must be 4 KiB-aligned in offset, length and memory; a file
 * system without O_DIRECT refuses them with EINVAL. */
OMSIG_PRIVATE int omsig_reader_direct_fd(int fd, uint64_t off, uint64_t len);

#endif /* OMSIG_HASH_READER_H */
