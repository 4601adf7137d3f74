/* SPDX-License-Identifier: Apache-2.0 */
/* reader.c - the one place that decides between the io_uring and the pread reader. */
#include "reader.h"
#include "hooks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

omsig_reader *omsig_reader_open(omsig_io io, const omsig_reader_cfg *cfg,
                                const omsig_reader_ops **ops, char *why, size_t why_len)
{
    int err = 0;
    omsig_reader *rd = NULL;
    if (io != OMSIG_IO_PREAD) {
        /* OMSIG_FAULT_URING=<errno> (a test hook) stands for a kernel or seccomp filter that
         * refuses io_uring, or a memory limit that its rings do not fit in */
        const char *fault = omsig_hook("OMSIG_FAULT_URING");
        if (fault)
            err = -(atoi(fault) > 0 ? atoi(fault) : ENOSYS);
        else
            rd = omsig_reader_uring.create(cfg, &err);
        if (rd) {
            *ops = &omsig_reader_uring;
            return rd;
        }
        if (io == OMSIG_IO_URING) {
            snprintf(why, why_len,
                     "io_uring is not available here (%s: kernel, seccomp, memory limit or "
                     "build); use --io pread or --io auto",
                     strerror(err ? -err : ENOSYS));
            return NULL;
        }
    }
    err = 0;
    rd = omsig_reader_pread.create(cfg, &err);
    if (!rd) {
        snprintf(why, why_len, "cannot set up the pread reader: %s", strerror(err ? -err : ENOMEM));
        return NULL;
    }
    *ops = &omsig_reader_pread;
    return rd;
}
