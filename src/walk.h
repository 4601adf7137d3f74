/* SPDX-License-Identifier: Apache-2.0 */
/*
 * walk.h - the model's file tree (walk.c): opening the model, walking it, ignore paths.
 */
#ifndef OMSIG_WALK_H
#define OMSIG_WALK_H

#include "report.h"

#include <stdatomic.h>

struct stat;

typedef struct omsig_file {
    char *path;               /* relative to the model root; "." for a single-file model */
    uint64_t size;
    int64_t mtime_sec;
    uint64_t ino, dev;
    int32_t mtime_nsec;       /* 0 to 999,999,999 */
    uint32_t dir;             /* 1 + its folder's index in the model's dirs, or 0 */
} omsig_file;

/* A folder the walk listed, as it was then: while its change time stays the same, no name in
 * it was added, removed or renamed, so every file found in it is still named by its path. */
typedef struct omsig_dir {
    char *path;               /* relative to the root; "" for the root */
    uint64_t ino, dev;
    int64_t ctime_sec, ctime_nsec;
} omsig_dir;

typedef struct omsig_model {
    const char *display_path; /* the model path as the user typed it (for messages) */
    char *name;               /* the model's name: basename, or of the resolved path */
    int root_fd;              /* directory holding the files */
    char *single_name;        /* single-file model: the file's name within root_fd */
    char *root_real;          /* the resolved directory of root_fd, for symlink warnings */
    bool allow_symlinks;
    char **ignore;            /* relative ignore paths, matched as component prefixes */
    bool ignore_all;          /* an ignore path named the model's root */
    size_t n_ignore;
    omsig_file *files;
    size_t n_files;
    bool watch_dirs;          /* the file system keeps folders' change times (omsig_model_open) */
    omsig_dir *dirs;          /* the folders listed, when watch_dirs */
    size_t n_dirs, cap_dirs;
    const atomic_int *abandon; /* when set and *abandon becomes non-zero, a walk stops */
} omsig_model;

OMSIG_PRIVATE omsig_status omsig_model_open(omsig_model *m, const omsig_options *o,
                                            omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_model_add_ignore(omsig_model *m, const char *rel);
/* Adds the user's --ignore-paths and the signature path, resolved against the CWD. */
OMSIG_PRIVATE omsig_status omsig_model_add_user_ignores(omsig_model *m, const omsig_options *o,
                                                        omsig_report *r);
/* A path as the reference resolves --ignore-paths entries (Python's Path.resolve(strict=False)
 * against the working directory, symlinks followed component by component); malloc'd, NULL
 * when memory runs out. */
OMSIG_PRIVATE char *omsig_path_resolve(const char *path);
/* Warns about each --ignore-paths entry that names nothing in the model (ignore_unmatched.c):
 * it resolves outside the model, or to a path in it that does not exist.  Call once per
 * operation, with the model opened. */
OMSIG_PRIVATE omsig_status omsig_model_warn_unmatched_ignores(const omsig_model *m,
                                                              const omsig_options *o,
                                                              omsig_report *r);
/* Walks the whole tree (sign, digest, verify), in no particular order: sort it to compare. */
OMSIG_PRIVATE omsig_status omsig_model_walk(omsig_model *m, omsig_report *r);
/* Lists a clean tree on several threads (walk_parallel.c): true with m->files filled, false
 * with m unchanged when the tree is not one it lists (the serial walk then does). */
OMSIG_PRIVATE bool omsig_model_walk_parallel(omsig_model *m);
/* Whether rel (relative to the root) lies under an ignore path. */
OMSIG_PRIVATE bool omsig_model_ignored(const omsig_model *m, const char *rel);
/* Forgets listed files that the ignore paths from index first on (added after the walk) now
 * cover. */
OMSIG_PRIVATE void omsig_model_drop_ignored(omsig_model *m, size_t first);
/* Looks up only the named files (verify --ignore_unsigned_files). */
OMSIG_PRIVATE omsig_status omsig_model_stat_list(omsig_model *m, const char *const *paths,
                                                 size_t n, omsig_report *r);
/* Opens rel with flags beneath the root: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or
 * one O_NOFOLLOW component at a time where the kernel lacks it (symlinks followed when the
 * model allows them).  Returns fd or -errno. */
OMSIG_PRIVATE int omsig_model_open_beneath(const omsig_model *m, const char *rel, int flags);
/* A listed file's size, times, identity and folder (an omsig_file.dir value) from st; its
 * path is the caller's. */
OMSIG_PRIVATE void omsig_file_from_stat(omsig_file *f, const struct stat *st, uint32_t dir);
/* Opens a listed file for reading, safely beneath the root. Returns fd or -errno.  Whether it
 * is still the file the walk found is the hashing queue's check (src/hash/queue.c). */
OMSIG_PRIVATE int omsig_model_open_file(const omsig_model *m, const omsig_file *f);
/* Stats what the listed file's path names now, relative to the root, the last component not
 * followed (unless the model allows symlinks).  0 or -errno. */
OMSIG_PRIVATE int omsig_model_stat_path(const omsig_model *m, const omsig_file *f,
                                        struct stat *st);
/* Records the open folder dfd (rel: its path, "" for the root) for the check after hashing;
 * returns the value for omsig_file.dir: 0 when not watched (the files' paths are then checked
 * one by one).  Not thread-safe: the parallel walk calls it under its lock. */
OMSIG_PRIVATE uint32_t omsig_model_add_dir(omsig_model *m, const char *rel, int dfd);
/* Whether folder dir (an omsig_file.dir value, not 0) still is the one the walk listed, with
 * the same change time. */
OMSIG_PRIVATE bool omsig_model_dir_unchanged(const omsig_model *m, uint32_t dir);
OMSIG_PRIVATE void omsig_model_close(omsig_model *m);
/* The path the reference prints for rel: the model path as typed joined with rel (malloc). */
OMSIG_PRIVATE char *omsig_model_display(const omsig_model *m, const char *rel);
/* Sorts files in the reference signer's order. */
OMSIG_PRIVATE void omsig_model_sort(omsig_model *m);

#endif /* OMSIG_WALK_H */
