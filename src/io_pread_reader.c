/* SPDX-License-Identifier: Apache-2.0 */
/* io_pread_reader.c - the portable reader: one stream at a time, one pread(2) per chunk into
 * one buffer.  Used where io_uring cannot be set up, or with --io pread. */
#include "omsig_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct omsig_reader {
    uint8_t *buf;
    size_t size;
    bool busy;
    int fd;
    uint64_t off, end;
    int inject;
};

static omsig_reader *pr_create(const omsig_reader_cfg *cfg, int *err)
{
    omsig_reader *rd = calloc(1, sizeof *rd);
    if (!rd || posix_memalign((void **)&rd->buf, 4096, cfg->slot_size) != 0) {
        free(rd);
        *err = -ENOMEM;
        return NULL;
    }
    rd->size = cfg->slot_size;
    return rd;
}

static void pr_destroy(omsig_reader *rd)
{
    if (!rd) return;
    free(rd->buf);
    free(rd);
}

static int pr_room(const omsig_reader *rd) { return !rd->busy; }

static int pr_add(omsig_reader *rd, int fd, uint64_t off, uint64_t len, int inject)
{
    if (rd->busy) return -EBUSY;
    rd->busy = true;
    rd->fd = fd;
    rd->off = off;
    rd->end = off + len;
    rd->inject = inject;
    if (len) posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_SEQUENTIAL);
    return 0;
}

static ssize_t pr_next(omsig_reader *rd, int h, const uint8_t **p)
{
    (void)h;
    if (rd->off >= rd->end) return 0;
    if (rd->inject) return -rd->inject;
    const size_t want = rd->end - rd->off < rd->size ? (size_t)(rd->end - rd->off) : rd->size;
    size_t got = 0;
    while (got < want) { /* short reads are retried; 0 means the file ended early */
        const ssize_t n = pread(rd->fd, rd->buf + got, want - got, (off_t)(rd->off + got));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return -errno;
        if (n == 0) return -ENODATA;
        got += (size_t)n;
    }
    rd->off += got;
    *p = rd->buf;
    return (ssize_t)got;
}

static void pr_release(omsig_reader *rd, int h) { (void)rd, (void)h; }
static void pr_remove(omsig_reader *rd, int h) { (void)h, rd->busy = false; }

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
