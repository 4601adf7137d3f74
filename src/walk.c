/* SPDX-License-Identifier: Apache-2.0 */
/*
 * walk.c - the model tree: which files make up a model, found the way the reference finds
 * them (dot-files included, symlinked directories listed but not entered, ignore paths as
 * component prefixes), and opened without ever leaving the model directory unless the user
 * allowed symlinks.
 */
#define _GNU_SOURCE
#include "walk.h"
#include "hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const k_git_paths[] = {".git", ".gitattributes", ".github", ".gitignore"};


/* The path the reference prints: the model path as typed, joined with the relative name. */
char *omsig_model_display(const omsig_model *m, const char *rel)
{
    omsig_buf b = {0};
    if (!rel || strcmp(rel, ".") == 0) {
        omsig_buf_puts(&b, m->display_path);
    } else {
        size_t n = strlen(m->display_path);
        while (n > 1 && m->display_path[n - 1] == '/') n--;
        if (!(n == 1 && m->display_path[0] == '.')) {
            omsig_buf_append(&b, m->display_path, n);
            if (m->display_path[n - 1] != '/') omsig_buf_puts(&b, "/");
        }
        omsig_buf_puts(&b, rel);
    }
    return b.data;
}

static omsig_status fail_path(const omsig_model *m, omsig_report *r, omsig_status st,
                              const char *rel, const char *fmt_before, const char *after)
{
    char *d = omsig_model_display(m, rel);
    omsig_fail(r, st, "%s'%s'%s", fmt_before, d ? d : rel, after);
    free(d);
    return st;
}

static omsig_status fail_symlink(const omsig_model *m, omsig_report *r, const char *rel)
{
    return fail_path(m, r, OMSIG_E_MODEL_PATH, rel, "Cannot use ",
                     " because it is a symlink. This behavior can be changed with "
                     "`allow_symlinks`.");
}

static omsig_status fail_special(const omsig_model *m, omsig_report *r, const char *rel)
{
    return fail_path(m, r, OMSIG_E_MODEL_PATH, rel, "Cannot use ",
                     " as file or directory. It could be a special file, it could be missing, "
                     "or there might be a permission issue.");
}

/* Python's Path.name, falling back to the resolved path's basename for "", "." and "..". */
static char *model_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    const char *s = path + n;
    while (s > path && s[-1] != '/') s--;
    const size_t len = (size_t)(path + n - s);
    if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) {
        char *real = realpath(path, NULL);
        if (!real) return omsig_strdup("");
        const char *b = strrchr(real, '/');
        char *out = omsig_strdup(b ? b + 1 : real);
        free(real);
        return out;
    }
    return strndup(s, len);
}

/*
 * Whether the file system at fd updates a folder's change time on every name added, removed
 * or renamed in it, to the nanosecond: the local file systems below do.  Elsewhere (network
 * and FUSE file systems, whose times may be cached or coarse) every file's path is checked
 * after it is hashed instead.
 */
static bool keeps_dir_times(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0) return false;
    switch ((unsigned long)sf.f_type) {
    case 0xEF53:     /* ext2, ext3, ext4 */
    case 0x58465342: /* xfs */
    case 0x9123683E: /* btrfs */
    case 0x01021994: /* tmpfs */
    case 0xF2F52010: /* f2fs */
        return true;
    default:
        return false;
    }
}

/* A folder changed within this many seconds before the walk may change again within the
 * same tick of a coarse clock: its files' paths are checked one by one. */
#define DIR_SETTLE_SECONDS 2

uint32_t omsig_model_add_dir(omsig_model *m, const char *rel, int dfd)
{
    struct stat st;
    struct timespec now;
    if (!m->watch_dirs || m->n_dirs >= UINT32_MAX - 1 || fstat(dfd, &st) != 0 ||
        clock_gettime(CLOCK_REALTIME, &now) != 0 ||
        st.st_ctim.tv_sec > now.tv_sec - DIR_SETTLE_SECONDS)
        return 0;
    if (m->n_dirs == m->cap_dirs) {
        const size_t nc = m->cap_dirs ? 2 * m->cap_dirs : 16;
        omsig_dir *g = omsig_reallocarray(m->dirs, nc, sizeof *g);
        if (!g) return 0;
        m->dirs = g;
        m->cap_dirs = nc;
    }
    omsig_dir *d = &m->dirs[m->n_dirs];
    if (!(d->path = omsig_strdup(rel ? rel : ""))) return 0;
    d->ino = st.st_ino;
    d->dev = st.st_dev;
    d->ctime_sec = st.st_ctim.tv_sec;
    d->ctime_nsec = st.st_ctim.tv_nsec;
    return (uint32_t)++m->n_dirs;
}

bool omsig_model_dir_unchanged(const omsig_model *m, uint32_t dir)
{
    const omsig_dir *d = &m->dirs[dir - 1];
    struct stat st;
    const int rc = d->path[0] ? fstatat(m->root_fd, d->path, &st, AT_SYMLINK_NOFOLLOW)
                              : fstat(m->root_fd, &st);
    return rc == 0 && S_ISDIR(st.st_mode) && st.st_ino == d->ino && st.st_dev == d->dev &&
           st.st_ctim.tv_sec == d->ctime_sec && st.st_ctim.tv_nsec == d->ctime_nsec;
}

omsig_status omsig_model_open(omsig_model *m, const omsig_options *o, omsig_report *r)
{
    memset(m, 0, sizeof *m);
    m->root_fd = -1;
    m->display_path = o->model_path;
    m->allow_symlinks = o->allow_symlinks != 0;
    if (!o->model_path || !o->model_path[0])
        return omsig_fail(r, OMSIG_E_USAGE, "no model path given");
    if (strlen(o->model_path) > OMSIG_MAX_PATH_BYTES)
        return omsig_fail(r, OMSIG_E_LIMIT, "model path is longer than 4096 bytes");
    if (!(m->name = model_name(o->model_path))) return omsig_nomem(r);

    /* "link/" names the link's target to lstat(); the reference refuses it as a symlink */
    char *bare = omsig_strdup(o->model_path);
    if (!bare) return omsig_nomem(r);
    for (size_t n = strlen(bare); n > 1 && bare[n - 1] == '/';) bare[--n] = '\0';
    struct stat st;
    const int lrc = lstat(bare, &st);
    if (lrc == 0 && S_ISLNK(st.st_mode) && !m->allow_symlinks) {
        m->display_path = bare; /* named as pathlib names it: no trailing slash */
        fail_symlink(m, r, NULL);
        m->display_path = o->model_path;
        free(bare);
        return OMSIG_E_MODEL_PATH;
    }
    free(bare);
    if (lrc != 0) return fail_special(m, r, NULL);
    if (S_ISLNK(st.st_mode)) {
        if (!m->allow_symlinks) return fail_symlink(m, r, NULL);
        if (stat(o->model_path, &st) != 0) return fail_special(m, r, NULL);
    }
    const int nofollow = m->allow_symlinks ? 0 : O_NOFOLLOW;
    if (S_ISDIR(st.st_mode)) {
        m->root_fd = open(o->model_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow);
        if (m->root_fd < 0) return fail_special(m, r, NULL);
        m->root_real = realpath(o->model_path, NULL);
        m->watch_dirs = !m->allow_symlinks && keeps_dir_times(m->root_fd);
        if (o->ignore_git_paths)
            for (size_t i = 0; i < 4; i++)
                OMSIG_FORWARD_IF_ERROR(omsig_model_add_ignore(m, k_git_paths[i]) ? omsig_nomem(r)
                                                                                 : OMSIG_OK);
        return OMSIG_OK;
    }
    if (!S_ISREG(st.st_mode)) return fail_special(m, r, NULL);
    /* single-file model: hold its directory, open the file by name */
    char *dir = omsig_strdup(o->model_path);
    if (!dir) return omsig_nomem(r);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    m->single_name = omsig_strdup(base);
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    m->root_fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    m->root_real = realpath(slash ? dir : ".", NULL);
    free(dir);
    if (!m->single_name) return omsig_nomem(r);
    if (m->root_fd < 0) return fail_special(m, r, NULL);
    return OMSIG_OK;
}

omsig_status omsig_model_add_ignore(omsig_model *m, const char *rel)
{
    char **v = realloc(m->ignore, (m->n_ignore + 1) * sizeof *v);
    if (!v) return OMSIG_E_NOMEM;
    m->ignore = v;
    if (!(v[m->n_ignore] = omsig_strdup(rel))) return OMSIG_E_NOMEM;
    m->n_ignore++;
    return OMSIG_OK;
}

/* Lexically normalises an absolute path in place: no "//", "." or ".." segments. */
static void normalise_abs(char *p)
{
    char *out = p;
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        const char *e = s;
        while (*e && *e != '/') e++;
        const size_t n = (size_t)(e - s);
        if (n == 0 || (n == 1 && s[0] == '.')) {
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (out > p && *--out != '/') {
            }
        } else {
            *out++ = '/';
            memmove(out, s, n);
            out += n;
        }
        s = e;
    }
    if (out == p) *out++ = '/';
    *out = '\0';
}

/* Python's Path.resolve(strict=False), as the reference applies it to every --ignore-paths
 * entry and to the signature path.  The path is made absolute against the working directory
 * and walked one component at a time: a component that is a symlink is replaced by its target,
 * walked the same way (from "/" when absolute), so "lnk/.." is the parent of the link's
 * target and not the directory that holds the link; ".." drops the last component of what is
 * resolved so far; a component that does not exist is kept as written.  After 40 links, a
 * loop as far as Python is concerned, the rest is kept as written, lexically normalised. */
static char *resolve_path(const char *path)
{
    omsig_buf cur = {0}, rest = {0};
    char *out = NULL, *target = NULL;
    unsigned links = 0;
    if (path[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) return NULL;
        const int rc = strcmp(cwd, "/") == 0 ? 0 : omsig_buf_puts(&cur, cwd);
        free(cwd);
        if (rc) goto out;
    }
    if (omsig_buf_puts(&rest, path)) goto out;
    size_t pos = 0; /* rest.data + pos is still to walk */
    while (pos < rest.len) {
        const char *s = rest.data + pos;
        const char *slash = strchr(s, '/');
        const size_t n = slash ? (size_t)(slash - s) : strlen(s);
        const size_t next = pos + n + (slash ? 1 : 0);
        if (n == 0 || (n == 1 && s[0] == '.')) {
            pos = next;
            continue;
        }
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (cur.len > 0 && cur.data[--cur.len] != '/') {
            }
            if (cur.data) cur.data[cur.len] = '\0';
            pos = next;
            continue;
        }
        const size_t before = cur.len;
        if (omsig_buf_puts(&cur, "/") || omsig_buf_append(&cur, s, n)) goto out;
        struct stat st;
        if (lstat(cur.data, &st) != 0 || !S_ISLNK(st.st_mode)) {
            pos = next;
            continue;
        }
        if (++links > 40) { /* the link and the rest as written */
            if (slash && omsig_buf_puts(&cur, slash)) goto out;
            out = omsig_strdup(cur.data);
            if (out) normalise_abs(out);
            goto out;
        }
        target = malloc((size_t)st.st_size + PATH_MAX + 1);
        if (!target) goto out;
        const ssize_t tl = readlink(cur.data, target, (size_t)st.st_size + PATH_MAX);
        if (tl < 0) { /* gone since lstat: keep the name, as a missing component is kept */
            free(target);
            target = NULL;
            pos = next;
            continue;
        }
        target[tl] = '\0';
        cur.len = target[0] == '/' ? 0 : before;
        cur.data[cur.len] = '\0';
        /* walk the target, then what followed the link */
        omsig_buf again = {0};
        if (omsig_buf_puts(&again, target) ||
            (slash && (omsig_buf_puts(&again, "/") || omsig_buf_puts(&again, rest.data + next)))) {
            omsig_buf_free(&again);
            goto out;
        }
        free(target);
        target = NULL;
        omsig_buf_free(&rest);
        rest = again;
        pos = 0;
    }
    out = omsig_strdup(cur.len ? cur.data : "/");
out:
    free(target);
    omsig_buf_free(&cur);
    omsig_buf_free(&rest);
    return out;
}

char *omsig_path_resolve(const char *path) { return resolve_path(path); }

omsig_status omsig_model_add_user_ignores(omsig_model *m, const omsig_options *o,
                                          omsig_report *r)
{
    if (m->single_name) return OMSIG_OK; /* nothing below a file to ignore */
    char *root = resolve_path(o->model_path);
    if (!root) return omsig_nomem(r);
    const size_t rl = strlen(root);
    omsig_status st = OMSIG_OK;
    for (size_t i = 0; i <= o->n_ignore_paths && st == OMSIG_OK; i++) {
        const char *p = i < o->n_ignore_paths ? o->ignore_paths[i] : o->signature_path;
        if (!p || !p[0]) continue;
        char *abs = resolve_path(p);
        if (!abs) {
            st = omsig_nomem(r);
            break;
        }
        /* naming the model's root ignores all of it, as the reference's prefix match does */
        if (strcmp(abs, root) == 0) m->ignore_all = true;
        const bool inside = strncmp(abs, root, rl) == 0 &&
                            (rl == 1 ? abs[1] != '\0' : abs[rl] == '/' && abs[rl + 1] != '\0');
        if (inside && omsig_model_add_ignore(m, abs + (rl == 1 ? 1 : rl + 1)) != OMSIG_OK)
            st = omsig_nomem(r);
        free(abs);
    }
    free(root);
    return st;
}

/* Whether rel lies under the ignore path ig (ig itself, or a component prefix of rel). */
static bool under(const char *rel, const char *ig)
{
    if (rel[0] != ig[0]) return false; /* most paths differ at once: no strlen for them */
    const size_t n = strlen(ig);
    return strncmp(rel, ig, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

bool omsig_model_ignored(const omsig_model *m, const char *rel)
{
    if (m->ignore_all) return true;
    for (size_t i = 0; i < m->n_ignore; i++)
        if (under(rel, m->ignore[i])) return true;
    return false;
}

void omsig_model_drop_ignored(omsig_model *m, size_t first)
{
    /* the ignore paths before first were the walk's, which listed nothing they cover; when the
     * others only repeat them (a signer's list holds the usual ones), no file is looked at */
    bool fresh = m->ignore_all;
    for (size_t i = first; i < m->n_ignore && !fresh; i++) {
        fresh = true;
        for (size_t j = 0; j < i && fresh; j++) fresh = strcmp(m->ignore[j], m->ignore[i]) != 0;
    }
    if (!fresh) return;
    size_t k = 0;
    for (size_t i = 0; i < m->n_files; i++) {
        bool drop = m->ignore_all;
        for (size_t j = first; j < m->n_ignore && !drop; j++)
            drop = under(m->files[i].path, m->ignore[j]);
        if (drop)
            free(m->files[i].path);
        else
            m->files[k++] = m->files[i];
    }
    m->n_files = k;
}

void omsig_file_from_stat(omsig_file *f, const struct stat *st, uint32_t dir)
{
    f->size = (uint64_t)st->st_size;
    f->mtime_sec = st->st_mtim.tv_sec;
    f->mtime_nsec = (int32_t)st->st_mtim.tv_nsec;
    f->ino = st->st_ino;
    f->dev = st->st_dev;
    f->dir = dir;
}

static omsig_status add_file(omsig_model *m, const char *rel, const struct stat *st,
                             uint32_t dir, size_t *cap, omsig_report *r)
{
    if (m->n_files == *cap) {
        const size_t nc = *cap ? *cap * 2 : 64;
        omsig_file *f = omsig_reallocarray(m->files, nc, sizeof *f);
        if (!f) return omsig_nomem(r);
        m->files = f;
        *cap = nc;
    }
    omsig_file *f = &m->files[m->n_files];
    if (!(f->path = omsig_strdup(rel))) return omsig_nomem(r);
    omsig_file_from_stat(f, st, dir);
    m->n_files++;
    return OMSIG_OK;
}

typedef enum { ENTRY_FILE, ENTRY_DIR, ENTRY_SKIP } entry_kind;

/* With --allow_symlinks a link may lead out of the model; the reference hashes the target
 * silently, omsig says so. */
static void warn_outside(const omsig_model *m, int dfd, const char *name, const char *rel,
                         omsig_report *r)
{
    char proc[64 + NAME_MAX];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d/%s", dfd, name);
    char *target = realpath(proc, NULL);
    if (!target || !m->root_real) {
        free(target);
        return;
    }
    const size_t n = strlen(m->root_real);
    const bool inside = strncmp(target, m->root_real, n) == 0 &&
                        (target[n] == '/' || (n == 1 && m->root_real[0] == '/'));
    if (!inside) {
        char *d = omsig_model_display(m, rel);
        omsig_warn(r, "Symlink '%s' points outside the model, to '%s'; it is hashed as '%s'",
                   d ? d : name, target, rel ? rel : ".");
        free(d);
    }
    free(target);
}

/* Classifies dfd/name as the reference's check_file_or_directory() would. */
static omsig_status classify(const omsig_model *m, int dfd, const char *name, const char *rel,
                             struct stat *st, entry_kind *kind, omsig_report *r)
{
    if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0) return fail_special(m, r, rel);
    if (S_ISLNK(st->st_mode)) {
        if (!m->allow_symlinks) return fail_symlink(m, r, rel);
        if (fstatat(dfd, name, st, 0) != 0) return fail_special(m, r, rel);
        if (S_ISDIR(st->st_mode)) {
            *kind = ENTRY_SKIP; /* listed, never entered, never a resource */
            return OMSIG_OK;
        }
        warn_outside(m, dfd, name, rel, r);
    }
    if (S_ISREG(st->st_mode))
        *kind = ENTRY_FILE;
    else if (S_ISDIR(st->st_mode))
        *kind = ENTRY_DIR;
    else
        return fail_special(m, r, rel);
    return OMSIG_OK;
}

static omsig_status walk_dir(omsig_model *m, int dfd, omsig_buf *rel, unsigned depth,
                             size_t *cap, omsig_report *r)
{
    if (depth > OMSIG_MAX_DEPTH)
        return fail_path(m, r, OMSIG_E_LIMIT, rel->data, "Directory ",
                         " is nested deeper than 256 levels");
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return fail_special(m, r, rel->len ? rel->data : NULL);
    }
    omsig_status st = OMSIG_OK;
    const size_t base = rel->len;
    const uint32_t dir = omsig_model_add_dir(m, base ? rel->data : "", dirfd(d));
    struct dirent *e;
    /* every entry of this directory is checked before any subdirectory is entered, as the
     * reference's recursive glob lists them: the first problem named is the one it names */
    char **subs = NULL;
    size_t n_subs = 0, cap_subs = 0;
    while (st == OMSIG_OK) {
        if (m->abandon && atomic_load_explicit(m->abandon, memory_order_relaxed)) {
            st = omsig_fail(r, OMSIG_E_GENERIC, "the walk was abandoned");
            break;
        }
        errno = 0;
        if (!(e = readdir(d))) {
            if (errno) st = fail_special(m, r, base ? rel->data : NULL);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        rel->len = base;
        if ((base && omsig_buf_puts(rel, "/")) || omsig_buf_puts(rel, e->d_name)) {
            st = omsig_nomem(r);
            break;
        }
        if (rel->len > OMSIG_MAX_PATH_BYTES) {
            st = fail_path(m, r, OMSIG_E_LIMIT, rel->data, "Path ", " is longer than 4096 bytes");
            break;
        }
        if (omsig_model_ignored(m, rel->data)) continue;
        struct stat sb;
        entry_kind kind;
        if ((st = classify(m, dirfd(d), e->d_name, rel->data, &sb, &kind, r)) != OMSIG_OK) break;
        if (kind == ENTRY_FILE) {
            st = add_file(m, rel->data, &sb, dir, cap, r);
        } else if (kind == ENTRY_DIR) {
            if (n_subs == cap_subs) {
                cap_subs = cap_subs ? 2 * cap_subs : 8;
                char **g = omsig_reallocarray(subs, cap_subs, sizeof *g);
                if (!g) {
                    st = omsig_nomem(r);
                    break;
                }
                subs = g;
            }
            if (!(subs[n_subs] = omsig_strdup(e->d_name))) {
                st = omsig_nomem(r);
                break;
            }
            n_subs++;
        }
    }
    for (size_t i = 0; i < n_subs && st == OMSIG_OK; i++) {
        rel->len = base;
        if ((base && omsig_buf_puts(rel, "/")) || omsig_buf_puts(rel, subs[i])) {
            st = omsig_nomem(r);
            break;
        }
        const int sub = openat(dirfd(d), subs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        st = sub < 0 ? fail_special(m, r, rel->data) : walk_dir(m, sub, rel, depth + 1, cap, r);
    }
    omsig_strv_free(subs, n_subs);
    rel->len = base;
    if (rel->data) rel->data[base] = '\0';
    closedir(d);
    return st;
}

omsig_status omsig_model_walk(omsig_model *m, omsig_report *r)
{
    size_t cap = 0;
    if (m->single_name) {
        struct stat st;
        entry_kind kind;
        OMSIG_FORWARD_IF_ERROR(classify(m, m->root_fd, m->single_name, NULL, &st, &kind, r));
        if (kind != ENTRY_FILE) return fail_special(m, r, NULL);
        return add_file(m, ".", &st, 0, &cap, r);
    }
    /* test hook OMSIG_WALK_SERIAL: one thread, to compare the two walks */
    if (!omsig_hook("OMSIG_WALK_SERIAL") && omsig_model_walk_parallel(m)) return OMSIG_OK;
    /* one thread: a small tree, a symlink allowed, or a problem to name in the reference's
     * order (walk_parallel.c) */
    const int fd = openat(m->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_special(m, r, NULL);
    omsig_buf rel = {0};
    const omsig_status st = walk_dir(m, fd, &rel, 0, &cap, r);
    omsig_buf_free(&rel);
    return st;
}

/* Opens the directory holding rel's last segment; *last points at that segment. */
static int open_parent(const omsig_model *m, const char *rel, const char **last)
{
    const char *slash = strrchr(rel, '/');
    *last = slash ? slash + 1 : rel;
    if (!slash) {
        const int fd = fcntl(m->root_fd, F_DUPFD_CLOEXEC, 0);
        return fd < 0 ? -errno : fd;
    }
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (m->allow_symlinks ? 0 : O_NOFOLLOW);
    int cur = fcntl(m->root_fd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0) return -errno;
    char seg[NAME_MAX + 1];
    for (const char *s = rel; s < slash;) {
        const char *e = memchr(s, '/', (size_t)(slash - s) + 1);
        const size_t n = (size_t)(e - s);
        if (n > NAME_MAX) {
            close(cur);
            return -ENAMETOOLONG;
        }
        memcpy(seg, s, n);
        seg[n] = '\0';
        const int next = openat(cur, seg, flags);
        const int err = errno;
        close(cur);
        if (next < 0) return -err;
        cur = next;
        s = e + 1;
    }
    return cur;
}

omsig_status omsig_model_stat_list(omsig_model *m, const char *const *paths, size_t n,
                                   omsig_report *r)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rel = paths[i];
        if (strcmp(rel, ".") == 0 || m->single_name) {
            /* "." names a single-file model; under a directory it cannot be a file */
            if (!m->single_name || strcmp(rel, ".") != 0) return fail_special(m, r, rel);
            OMSIG_FORWARD_IF_ERROR(omsig_model_walk(m, r));
            continue;
        }
        if (omsig_model_ignored(m, rel)) continue;
        const char *last = NULL;
        const int dfd = open_parent(m, rel, &last);
        if (dfd < 0) return fail_special(m, r, rel);
        struct stat st;
        entry_kind kind;
        omsig_status s = classify(m, dfd, last, rel, &st, &kind, r);
        close(dfd);
        if (s != OMSIG_OK) return s;
        if (kind != ENTRY_FILE) return fail_special(m, r, rel);
        OMSIG_FORWARD_IF_ERROR(add_file(m, rel, &st, 0, &cap, r));
    }
    return OMSIG_OK;
}

int omsig_model_open_beneath(const omsig_model *m, const char *rel, int flags)
{
#ifdef SYS_openat2
    if (!m->allow_symlinks) {
        struct open_how how = {.flags = (uint64_t)flags,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                          RESOLVE_NO_MAGICLINKS};
        const long fd = syscall(SYS_openat2, m->root_fd, rel, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno != ENOSYS && errno != EPERM) return -errno;
    }
#endif
    const char *last = NULL;
    const int dfd = open_parent(m, rel, &last);
    if (dfd < 0) return dfd;
    const int fd = openat(dfd, last, flags | (m->allow_symlinks ? 0 : O_NOFOLLOW));
    const int err = errno;
    close(dfd);
    return fd < 0 ? -err : fd;
}

int omsig_model_open_file(const omsig_model *m, const omsig_file *f)
{
    if (m->single_name) {
        const int fd = openat(m->root_fd, m->single_name,
                              O_RDONLY | O_CLOEXEC | O_NONBLOCK |
                                  (m->allow_symlinks ? 0 : O_NOFOLLOW));
        return fd < 0 ? -errno : fd;
    }
    return omsig_model_open_beneath(m, f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

int omsig_model_stat_path(const omsig_model *m, const omsig_file *f, struct stat *st)
{
    const char *rel = m->single_name ? m->single_name : f->path;
    return fstatat(m->root_fd, rel, st, m->allow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW) == 0 ? 0
                                                                                          : -errno;
}

static int cmp_files(const void *a, const void *b)
{
    return omsig_path_cmp(((const omsig_file *)a)->path, ((const omsig_file *)b)->path);
}

void omsig_model_sort(omsig_model *m)
{
    if (m->n_files > 1) qsort(m->files, m->n_files, sizeof *m->files, cmp_files);
}

void omsig_model_close(omsig_model *m)
{
    if (!m) return;
    if (m->root_fd >= 0) close(m->root_fd);
    omsig_strv_free(m->ignore, m->n_ignore);
    for (size_t i = 0; i < m->n_files; i++) free(m->files[i].path);
    free(m->files);
    for (size_t i = 0; i < m->n_dirs; i++) free(m->dirs[i].path);
    free(m->dirs);
    free(m->name);
    free(m->single_name);
    free(m->root_real);
    memset(m, 0, sizeof *m);
    m->root_fd = -1;
}
