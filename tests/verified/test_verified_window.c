/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_verified_window.c - the window that verified load closes.  A model is verified, then
 * one of its files is swapped for other bytes, then loaded: verify-then-load succeeds and
 * loads the swapped bytes.  The same swap made while omsig_verify_to() is paused between the
 * signature check and its first read (test hook OMSIG_HOOK_PAUSE_BEFORE_READ) is refused:
 * renamed over the file, the file is refused unread (file changed); rewritten in place with
 * its size and times kept, it is delivered and the verdict is a digest mismatch.  Either way
 * the run does not succeed, so no swapped byte is ever kept.
 */
#include "vl_helpers.h"

#include <sys/stat.h>

static const char *g_src;

/* A plain load: the file's bytes as read now. */
static uint8_t *plain_load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*n ? *n : 1);
    if (p && fread(p, 1, *n, f) != *n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

/* Swaps the file's contents for other bytes of the same size: renamed over it (a new
 * inode), or written in place with its times kept. */
static int swap_file(const char *path, size_t size, bool in_place)
{
    uint8_t *other = malloc(size);
    if (!other) return -1;
    memset(other, 0x5a, size);
    int rc = -1;
    if (in_place) {
        struct stat sb;
        const int fd = open(path, O_WRONLY);
        if (stat(path, &sb) == 0 && fd >= 0 && pwrite(fd, other, size, 0) == (ssize_t)size) {
            const struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
            rc = futimens(fd, ts);
        }
        if (fd >= 0) close(fd);
    } else {
        char tmp[800];
        snprintf(tmp, sizeof tmp, "%s.swap", path);
        rc = vl_write(tmp, other, size) == 0 ? rename(tmp, path) : -1;
    }
    free(other);
    return rc;
}

typedef struct run_arg {
    omsig_options o;
    vl_sink *s;
    omsig_status st;
    omsig_report *rep;
} run_arg;

static void *verified_load(void *arg)
{
    run_arg *a = arg;
    const omsig_sink sink = vl_as_sink(a->s);
    a->st = omsig_verify_to(&a->o, &sink, &a->rep);
    return NULL;
}

/* verify, swap, plain load: the loaded bytes are not the ones that were verified */
static void verify_then_load(vl_model *m, size_t i)
{
    omsig_options o;
    vl_options(m, &o);
    omsig_report *rep = NULL;
    T_CHECK(omsig_verify(&o, &rep) == OMSIG_OK);
    omsig_report_free(rep);
    char path[800];
    snprintf(path, sizeof path, "%s/%s", m->model, m->f[i].name);
    T_CHECK(swap_file(path, m->f[i].size, false) == 0);
    size_t n = 0;
    uint8_t *loaded = plain_load(path, &n);
    T_CHECK(loaded != NULL && n == m->f[i].size);
    /* the window: the load succeeded with bytes that were never verified */
    T_CHECK(loaded && memcmp(loaded, m->f[i].data, n) != 0);
    free(loaded);
    T_CHECK(vl_write(path, m->f[i].data, m->f[i].size) == 0); /* back as signed */
}

/* the same swap inside a verified load, during its pause before the first read */
static void swap_during_verified_load(vl_model *m, size_t i, bool in_place)
{
    vl_sink s;
    T_CHECK(vl_sink_init(&s, m, 0) == 0);
    run_arg a = {.s = &s};
    vl_options(m, &a.o);
    a.o.threads = 2;
    char fifo[700], path[800];
    snprintf(fifo, sizeof fifo, "%s/pause", m->dir);
    snprintf(path, sizeof path, "%s/%s", m->model, m->f[i].name);
    unlink(fifo);
    T_CHECK(mkfifo(fifo, 0600) == 0);
    setenv("OMSIG_HOOK_PAUSE_BEFORE_READ", fifo, 1);
    pthread_t t;
    T_CHECK(pthread_create(&t, NULL, verified_load, &a) == 0);
    /* the run says it is paused: the signature holds, nothing is read yet */
    char line[16] = "";
    FILE *f = fopen(fifo, "r");
    T_CHECK(f && fgets(line, sizeof line, f) != NULL);
    if (f) fclose(f);
    T_STREQ(line, "paused\n");
    pthread_mutex_lock(&s.mu);
    T_CHECK(s.pieces == 0);
    pthread_mutex_unlock(&s.mu);
    T_CHECK(swap_file(path, m->f[i].size, in_place) == 0);
    f = fopen(fifo, "w"); /* go on */
    T_CHECK(f != NULL);
    if (f) fclose(f);
    pthread_join(t, NULL);
    unsetenv("OMSIG_HOOK_PAUSE_BEFORE_READ");
    const omsig_status want = in_place ? OMSIG_E_DIGEST_MISMATCH : OMSIG_E_FILE_CHANGED;
    if (a.st != want)
        fprintf(stderr, "swap %s: status %d (%s), want %d\n", in_place ? "in place" : "renamed",
                a.st, omsig_report_message(a.rep), want);
    T_CHECK(a.st == want);
    T_CHECK(strstr(omsig_report_message(a.rep), m->f[i].name) != NULL);
    /* the sink compares with the signed bytes: a renamed file is refused unread; a file
     * rewritten in place is delivered (its pieces differ) and only the verdict refuses it */
    if (!in_place) {
        T_CHECK(s.errors == 0);
        T_CHECK(vl_covered(&s, i) == 0);
    } else {
        T_CHECK(s.errors > 0);
    }
    omsig_report_free(a.rep);
    vl_sink_end(&s);
    T_CHECK(vl_write(path, m->f[i].data, m->f[i].size) == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return T_FAIL;
    }
    g_src = argv[1];
    if (!strstr(omsig_build_features(), "test-hooks")) {
        fprintf(stderr, "skipped: a build without test hooks (-DOMSIG_TEST_HOOKS=ON)\n");
        return T_SKIP;
    }
    vl_model m;
    T_CHECK(vl_begin(&m, g_src) == 0);
    T_CHECK(vl_add(&m, "config.json", 300) == 0);
    T_CHECK(vl_add(&m, "model-1.safetensors", (2u << 20) + 5) == 0);
    T_CHECK(vl_add(&m, "model-2.safetensors", 600000) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    for (size_t i = 1; i <= 2; i++) { /* a multi-slot file and a one-slot file */
        verify_then_load(&m, i);
        swap_during_verified_load(&m, i, false);
        swap_during_verified_load(&m, i, true);
    }
    vl_end(&m);
    T_DONE();
}
