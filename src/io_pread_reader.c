/* SPDX-License-Identifier: Apache-2.0 */
/* io_pread_reader.c - the portable reader: a buffer per stream the worker hashes at once, one
 * pread(2) per chunk.  Used where io_uring cannot be set up, or with --io pread. */
#include "omsig_internal.h"

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
    uint8_t *buf;
} pstream;

struct omsig_reader {
    size_t size;
    unsigned lanes;
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
    for (unsigned i = 0; i < rd->lanes; i++) {
        if (posix_memalign((void **)&rd->s[i].buf, 4096, cfg->slot_size) != 0) {
            for (unsigned j = 0; j < i; j++) free(rd->s[j].buf);
            free(rd);
            *err = -ENOMEM;
            return NULL;
        }
    }
    return rd;
}

static void pr_destroy(omsig_reader *rd)
{
    if (!rd) return;
    for (unsigned i = 0; i < rd->lanes; i++) free(rd->s[i].buf);
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
        s->busy = true;
        s->fd = fd;
        s->off = off;
        s->end = off + len;
        s->inject = inject;
        if (len) posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_SEQUENTIAL);
        return (int)i;
    }
    return -EBUSY;
}

static ssize_t pr_next(omsig_reader *rd, int h, const uint8_t **p)
{
    pstream *s = &rd->s[h];
    if (s->off >= s->end) return 0;
    if (s->inject > 0) return -s->inject;
    const size_t want = s->end - s->off < rd->size ? (size_t)(s->end - s->off) : rd->size;
    size_t got = 0;
    while (got < want) { /* short reads are retried; 0 means the file ended early */
        size_t ask = want - got;
        if (s->inject < 0 && ask > 1) ask /= 2; /* test hook: reads come back short */
        const ssize_t n = pread(s->fd, s->buf + got, ask, (off_t)(s->off + got));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return -errno;
        if (n == 0) return -ENODATA;
        got += (size_t)n;
    }
    s->off += got;
    *p = s->buf;
    return (ssize_t)got;
}

static void pr_release(omsig_reader *rd, int h) { (void)rd, (void)h; }
static void pr_remove(omsig_reader *rd, int h) { rd->s[h].busy = false; }

const omsig_reader_ops omsig_reader_pread = {
    .name = "pread",
    .create = pr_create,
    .destroy = pr_destroy,
    .room = pr_room,
    .add = pr_add,
    .next = pr_next,
    .release = pr_release,
    .remove = pr_remove,
};
