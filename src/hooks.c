/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.c - the test hooks that stop a run at a point for a test to change the model there
 * (OMSIG_HOOK_PAUSE_*); see hooks.h.  In a build without test hooks they do nothing.
 */
#include "hooks.h"

#include <fcntl.h>
#include <unistd.h>

void omsig_hook_pause(const char *name)
{
    const char *fifo = omsig_hook(name);
    if (!fifo || !fifo[0]) return;
    int fd = open(fifo, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    const ssize_t w = write(fd, "paused\n", 7);
    close(fd);
    if (w != 7 || (fd = open(fifo, O_RDONLY | O_CLOEXEC)) < 0) return;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
}
