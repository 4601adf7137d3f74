/* SPDX-License-Identifier: Apache-2.0 */
/* io_pread_reader.c - the portable reader: pread(2), retried on EINTR, one call a chunk. */
#include "omsig_internal.h"

#include <errno.h>
#include <unistd.h>

static ssize_t pread_read(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
    (void)ctx;
    for (;;) {
        const ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) continue; /* O_NONBLOCK on a regular file: never expected */
        return -errno;
    }
}

const omsig_reader_ops omsig_reader_pread = {
    .name = "pread",
    .read = pread_read,
};
