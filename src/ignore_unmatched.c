/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ignore_unmatched.c - the warning for an --ignore-paths entry that matches nothing in the
 * model.  Entries are taken, as the reference takes them, relative to the current directory
 * and not to the model, so `omsig verify key m --ignore-paths weights.bin` run beside m ignores
 * nothing; the warning says so, names where the entry leads, and offers the model's own file
 * when one has that name.
 */
#define _GNU_SOURCE
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whether abs (resolved) is root itself or below it. */
static bool within(const char *abs, const char *root, bool *is_root)
{
    const size_t rl = strlen(root);
    *is_root = strcmp(abs, root) == 0;
    if (*is_root) return true;
    return strncmp(abs, root, rl) == 0 && (rl == 1 || abs[rl] == '/');
}

/* One entry: a warning when it names nothing the walk could list. */
static omsig_status check_entry(const omsig_model *m, const char *entry, const char *root,
                                omsig_report *r)
{
    char *abs = omsig_path_resolve(entry);
    if (!abs) return omsig_nomem(r);
    bool is_root = false;
    const bool inside = within(abs, root, &is_root);
    struct stat sb;
    /* a single-file model is matched only by the file itself; a folder by anything in it */
    const bool matches = m->single_name ? is_root : inside && lstat(abs, &sb) == 0;
    if (!matches) {
        /* the model's own file of that name, which the user likely meant */
        char *meant = NULL;
        if (entry[0] != '/' && !m->single_name && m->root_fd >= 0 &&
            fstatat(m->root_fd, entry, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
            !(meant = omsig_model_display(m, entry))) {
            free(abs);
            return omsig_nomem(r);
        }
        if (entry[0] == '/')
            omsig_warn(r, "--ignore-paths '%s' matches nothing in the model '%s'", entry,
                       m->display_path);
        else
            omsig_warn(r,
                       "--ignore-paths '%s' matches nothing in the model '%s': ignore paths "
                       "are taken relative to the current directory, not to the model, and this "
                       "one names '%s'%s%s%s",
                       entry, m->display_path, abs,
                       meant ? "; to ignore the model's own, give '" : "", meant ? meant : "",
                       meant ? "'" : "");
        free(meant);
    }
    free(abs);
    return OMSIG_OK;
}

omsig_status omsig_model_warn_unmatched_ignores(const omsig_model *m, const omsig_options *o,
                                                omsig_report *r)
{
    if (!o->n_ignore_paths) return OMSIG_OK;
    char *root = omsig_path_resolve(o->model_path);
    if (!root) return omsig_nomem(r);
    omsig_status st = OMSIG_OK;
    for (size_t i = 0; i < o->n_ignore_paths && st == OMSIG_OK; i++)
        if (o->ignore_paths[i] && o->ignore_paths[i][0])
            st = check_entry(m, o->ignore_paths[i], root, r);
    free(root);
    return st;
}
