/* SPDX-License-Identifier: Apache-2.0 */
/* reader_pread.c - the portable reader: one region of slots, a slot per stream the worker
 * hashes at once, one pread(2) per chunk.  Used where io_uring cannot be set up, or with
 * --io pread. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_LANES 4

typedef struct pstream {
    bool busy;
    int fd;
    uint64_t off, end;
    int inject;
} pstream;

struct omsig_reader {
    size_t size;       /* bytes per slot */
    unsigned n_slots;
    unsigned lanes;
    uint8_t *mem;
    pstream s[MAX_LANES];
};

static omsig_reader *pr_create(const omsig_reader_cfg *cfg, int *err)
{
    omsig_reader *rd = calloc(1, sizeof *rd);
    if (!rd) {
        *err = -ENOMEM;
        return NULL;
    }
    rd->size = cfg->slot_size;
    rd->lanes = cfg->lanes < 1 ? 1 : cfg->lanes > MAX_LANES ? MAX_LANES : cfg->lanes;
    rd->n_slots = cfg->n_slots > rd->lanes ? cfg->n_slots : rd->lanes;
    size_t bytes;
    /* the slots asked for; under a tight memory limit (the reason io_uring's ring could not be
     * mapped, often) one slot per lane is enough to read streams */
    if (!omsig_mul_ok(rd->size, rd->n_slots, &bytes) ||
        posix_memalign((void **)&rd->mem, 4096, bytes) != 0) {
        rd->n_slots = rd->lanes;
        rd->mem = NULL;
    }
    if (!rd->mem && (!omsig_mul_ok(rd->size, rd->n_slots, &bytes) ||
                     posix_memalign((void **)&rd->mem, 4096, bytes) != 0)) {
        free(rd);
        *err = -ENOMEM;
        return NULL;
    }
    return rd;
}

static void pr_destroy(omsig_reader *rd)
{
    if (!rd) return;
    free(rd->mem);
    free(rd);
}

static int pr_room(const omsig_reader *rd)
{
    for (unsigned i = 0; i < rd->lanes; i++)
        if (!rd->s[i].busy) return 1;
    return 0;
}

static int pr_add(omsig_reader *rd, int fd, uint64_t off, uint64_t len, int inject)
{
    for (unsigned i = 0; i < rd->lanes; i++) {
        pstream *s = &rd->s[i];
        if (s->busy) continue;
        *s = (pstream){.busy = true, .fd = fd, .off = off, .end = off + len, .inject = inject};
        if (len >= (1u << 20)) /* readahead advice pays only for longer reads */
            posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_SEQUENTIAL);
        return (int)i;
    }
    return -EBUSY;
}

/* Reads [off, off + len) of fd into dst; short reads are retried, 0 means the file ended
 * early.  inject < 0 (a test hook) halves every read. */
static int read_full(int fd, uint8_t *dst, uint64_t off, uint64_t len, int inject)
{
    uint64_t got = 0;
    while (got < len) {
        uint64_t ask = len - got;
        if (ask > (1u << 30)) ask = 1u << 30;
        if (inject < 0 && ask > 1) ask /= 2;
        const ssize_t n = pread(fd, dst + got, (size_t)ask, (off_t)(off + got));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return -errno;
        if (n == 0) return -ENODATA;
        got += (uint64_t)n;
    }
    return 0;
}

static ssize_t pr_next(omsig_reader *rd, int h, const uint8_t **p)
{
    pstream *s = &rd->s[h];
    if (s->off >= s->end) return 0;
    if (s->inject > 0) return -s->inject;
    const size_t want = s->end - s->off < rd->size ? (size_t)(s->end - s->off) : rd->size;
    uint8_t *buf = rd->mem + (size_t)h * rd->size;
    const int rc = read_full(s->fd, buf, s->off, want, s->inject);
    if (rc < 0) return rc;
    s->off += want;
    *p = buf;
    return (ssize_t)want;
}

static void pr_release(omsig_reader *rd, int h) { (void)rd, (void)h; }
static void pr_remove(omsig_reader *rd, int h) { rd->s[h].busy = false; }

static void pr_memory(const omsig_reader *rd, uint8_t **base, size_t *len)
{
    *base = rd->mem;
    *len = rd->size * rd->n_slots;
}

static int pr_read_batch(omsig_reader *rd, omsig_read_req *req, size_t n)
{
    (void)rd;
    for (size_t i = 0; i < n; i++)
        req[i].res = req[i].inject > 0
                         ? -req[i].inject
                         : read_full(req[i].fd, req[i].dst, req[i].off, req[i].len, req[i].inject);
    return 0;
}

static int pr_stream_fd(const omsig_reader *rd, int h) { return rd->s[h].fd; }
static int pr_open_error(const omsig_reader *rd, int h) { return (void)rd, (void)h, 0; }

const omsig_reader_ops omsig_reader_pread = {
    .name = "pread",
    .create = pr_create,
    .destroy = pr_destroy,
    .room = pr_room,
    .add = pr_add,
    .next = pr_next,
    .release = pr_release,
    .remove = pr_remove,
    .stream_fd = pr_stream_fd,
    .open_error = pr_open_error,
    .memory = pr_memory,
    .read_batch = pr_read_batch,
};
