/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_verified_load.c - omsig_verify_to(): the pieces cover exactly the bytes of the files
 * the manifest names, byte-equal to the files, in increasing offset within each stream (a
 * file, or a shard), with both readers; ignored, extra and unsigned files are never delivered;
 * held pieces released late from another thread hold their slots; a sink that stops the run
 * gets OMSIG_E_CANCELLED and no further pieces; a tampered file is delivered and fails the
 * verdict, which comes last; a bad signature delivers nothing.  Run under ThreadSanitizer
 * and AddressSanitizer in CI as well.
 */
#include "vl_helpers.h"

static const char *g_src;

/* The model every case starts from: small, empty, multi-slot and nested files. */
static int make_model(vl_model *m)
{
    if (vl_begin(m, g_src) != 0) return -1;
    int rc = 0;
    rc |= vl_add(m, "a.bin", 100);
    rc |= vl_add(m, "empty.bin", 0);
    rc |= vl_add(m, "big/weights-1.bin", (3u << 20) + 17);
    rc |= vl_add(m, "big/weights-2.bin", (5u << 20) + 4096);
    rc |= vl_add(m, "big/deeper/c.txt", 70000);
    return rc;
}

/* Every file fully delivered (an empty one as one piece of no bytes, files manifests only:
 * a shards manifest has no entry for it), no error seen. */
static void check_delivered(const vl_sink *s, const char *what, bool empty_too)
{
    for (size_t i = 0; i < s->m->n; i++) {
        if (s->m->f[i].size == 0 && vl_empty_delivered(s, i) != empty_too) {
            fprintf(stderr, "%s: empty file %s: %s\n", what, s->m->f[i].name,
                    empty_too ? "not delivered" : "delivered");
            t_failures++;
        }
        if (vl_covered(s, i) != s->m->f[i].size) {
            fprintf(stderr, "%s: %s: %llu of %zu bytes delivered\n", what, s->m->f[i].name,
                    (unsigned long long)vl_covered(s, i), s->m->f[i].size);
            t_failures++;
        }
    }
    if (s->errors) fprintf(stderr, "%s: %u errors (unknown name '%s')\n", what, s->errors, s->unknown);
    T_CHECK(s->errors == 0);
}

static void check_all_delivered(const vl_sink *s, const char *what)
{
    check_delivered(s, what, true);
}

static omsig_status run(const vl_model *m, vl_sink *s, const omsig_options *o, omsig_report **rep)
{
    const omsig_sink sink = vl_as_sink(s);
    return omsig_verify_to(o, &sink, rep);
}

/* Files manifest: every io and thread count, pieces done at once and held. */
static void files_manifest(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    /* an ignored path and git's files: never read, never delivered */
    char p[700];
    snprintf(p, sizeof p, "%s/.gitattributes", m.model);
    T_CHECK(vl_write(p, "* binary\n", 9) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    const omsig_io ios[] = {OMSIG_IO_AUTO, OMSIG_IO_PREAD};
    for (size_t io = 0; io < 2; io++)
        for (unsigned threads = 1; threads <= 3; threads++)
            for (int hold = 0; hold < 2; hold++) {
                vl_sink s;
                T_CHECK(vl_sink_init(&s, &m, 0) == 0);
                s.hold = hold;
                omsig_options o;
                vl_options(&m, &o);
                o.io = ios[io];
                o.threads = threads;
                o.hasher = OMSIG_HASHER_CPU;
                o.buffer_size = 1u << 20; /* few slots: each is reused many times */
                omsig_report *rep = NULL;
                const omsig_status st = run(&m, &s, &o, &rep);
                char what[128];
                snprintf(what, sizeof what, "files io=%zu threads=%u hold=%d", io, threads, hold);
                if (st != OMSIG_OK) fprintf(stderr, "%s: %s\n", what, omsig_report_message(rep));
                T_CHECK(st == OMSIG_OK);
                T_STREQ(omsig_report_engine(rep), "cpu");
                check_all_delivered(&s, what);
                T_CHECK(s.attached > 0 && s.attached == s.detached);
                /* 1 MiB slots: 1 + 1 + 4 + 6 + 1 pieces (stop_run relies on 13) */
                T_CHECK(s.pieces == 13);
                vl_sink_end(&s);
                omsig_report_free(rep);
            }
    /* auto picks the CPU and says why; a GPU hasher is refused */
    vl_sink s;
    T_CHECK(vl_sink_init(&s, &m, 0) == 0);
    omsig_options o;
    vl_options(&m, &o);
    omsig_report *rep = NULL;
    T_CHECK(run(&m, &s, &o, &rep) == OMSIG_OK);
    T_CHECK(strstr(omsig_report_engine_reason(rep), "verified load") != NULL);
    omsig_report_free(rep);
    o.hasher = OMSIG_HASHER_GPU;
    T_CHECK(run(&m, &s, &o, &rep) == OMSIG_E_USAGE);
    omsig_report_free(rep);
    T_CHECK(omsig_verify_to(&o, NULL, &rep) == OMSIG_E_USAGE);
    omsig_report_free(rep);
    vl_sink_end(&s);
    vl_end(&m);
}

/* Shards manifest: each shard is a stream; every byte once, in order within its shard. */
static void shards_manifest(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    const uint64_t shard = 1u << 20;
    T_CHECK(vl_sign(&m, shard, OMSIG_HASH_SHA256) == OMSIG_OK);
    for (int hold = 0; hold < 2; hold++) {
        vl_sink s;
        T_CHECK(vl_sink_init(&s, &m, shard) == 0);
        s.hold = hold;
        omsig_options o;
        vl_options(&m, &o);
        o.threads = 3;
        o.buffer_size = 2u << 20;
        omsig_report *rep = NULL;
        T_CHECK(run(&m, &s, &o, &rep) == OMSIG_OK);
        check_delivered(&s, hold ? "shards held" : "shards", false);
        vl_sink_end(&s);
        omsig_report_free(rep);
    }
    vl_end(&m);
}

/* BLAKE3: large files are cut into parts for several cores; the parts still tile the file. */
static void blake3_manifest(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_BLAKE3) == OMSIG_OK);
    vl_sink s;
    T_CHECK(vl_sink_init(&s, &m, UINT64_MAX) == 0);
    omsig_options o;
    vl_options(&m, &o);
    o.threads = 3;
    omsig_report *rep = NULL;
    T_CHECK(run(&m, &s, &o, &rep) == OMSIG_OK);
    check_all_delivered(&s, "blake3");
    vl_sink_end(&s);
    omsig_report_free(rep);
    vl_end(&m);
}

/* Files the manifest does not cover: extra (the verdict fails), unsigned with
 * ignore_unsigned_files (success), ignored by the caller (success).  None is delivered. */
static void uncovered_files(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    char p[700];
    snprintf(p, sizeof p, "%s/big/extra.bin", m.model);
    T_CHECK(vl_write(p, "not signed", 10) == 0);
    for (int mode = 0; mode < 3; mode++) {
        vl_sink s;
        T_CHECK(vl_sink_init(&s, &m, 0) == 0);
        omsig_options o;
        vl_options(&m, &o);
        o.ignore_unsigned_files = mode == 1;
        const char *ign[1] = {p};
        if (mode == 2) {
            o.ignore_paths = ign;
            o.n_ignore_paths = 1;
        }
        omsig_report *rep = NULL;
        const omsig_status st = run(&m, &s, &o, &rep);
        T_CHECK(st == (mode == 0 ? OMSIG_E_DIGEST_MISMATCH : OMSIG_OK));
        /* the extra file is not in the model's list: its name would be counted unknown */
        T_CHECK(s.unknown[0] == 0);
        if (mode) check_all_delivered(&s, "unsigned/ignored");
        vl_sink_end(&s);
        omsig_report_free(rep);
    }
    vl_end(&m);
}

/* A sink that stops: OMSIG_E_CANCELLED, and nothing after the stop on one thread. */
static void stop_run(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    for (int how = 0; how < 3; how++) {
        vl_sink s;
        T_CHECK(vl_sink_init(&s, &m, 0) == 0);
        s.stop_after = 3;
        s.hold = how == 1;
        s.stop_on_release = how == 1;
        omsig_options o;
        vl_options(&m, &o);
        o.threads = how == 2 ? 3 : 1;
        o.buffer_size = 1u << 20;
        omsig_report *rep = NULL;
        const omsig_status st = run(&m, &s, &o, &rep);
        T_CHECK(st == OMSIG_E_CANCELLED);
        T_CHECK(omsig_report_status(rep) == OMSIG_E_CANCELLED);
        T_STREQ(omsig_strerror(st), "the caller stopped the run");
        T_STREQ(omsig_report_message(rep), "the caller stopped the run");
        /* one thread: nothing after the stop; several: the others' calls begun before the
         * library saw the stop may still come, but the run ends long before its 13 pieces */
        if (how < 2 ? s.after_stop != 0 : s.pieces >= 13) {
            fprintf(stderr, "stop %d: %u pieces after the stop, %u in all\n", how, s.after_stop,
                    s.pieces);
            t_failures++;
        }
        T_CHECK(s.errors == 0);
        vl_sink_end(&s);
        omsig_report_free(rep);
    }
    vl_end(&m);
}

/* A tampered file (same size, same time) is delivered, then the verdict fails; a wrong key
 * fails before any piece. */
static void tampered_and_unsigned(void)
{
    vl_model m;
    T_CHECK(make_model(&m) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    vl_sink s;
    T_CHECK(vl_sink_init(&s, &m, 0) == 0);
    omsig_options o;
    vl_options(&m, &o);
    char key[700];
    snprintf(key, sizeof key, "%s/testdata/pki/p384.pub.pem", g_src);
    o.public_key_path = key;
    omsig_report *rep = NULL;
    T_CHECK(run(&m, &s, &o, &rep) != OMSIG_OK);
    T_CHECK(s.pieces == 0);
    omsig_report_free(rep);
    vl_sink_end(&s);

    /* flip one byte of weights-2 in place, keeping its size and times */
    char p[700];
    snprintf(p, sizeof p, "%s/big/weights-2.bin", m.model);
    struct stat sb;
    T_CHECK(stat(p, &sb) == 0);
    const int fd = open(p, O_WRONLY);
    const uint8_t b = (uint8_t)~m.f[3].data[12345];
    T_CHECK(fd >= 0 && pwrite(fd, &b, 1, 12345) == 1);
    close(fd);
    const struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
    T_CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
    m.f[3].data[12345] = b; /* the sink compares with what is on disk now */
    T_CHECK(vl_sink_init(&s, &m, 0) == 0);
    vl_options(&m, &o);
    const omsig_status st = run(&m, &s, &o, &rep);
    T_CHECK(st == OMSIG_E_DIGEST_MISMATCH);
    T_CHECK(strstr(omsig_report_message(rep), "weights-2.bin") != NULL);
    check_all_delivered(&s, "tampered"); /* delivered, and the verdict says not to keep it */
    omsig_report_free(rep);
    vl_sink_end(&s);
    vl_end(&m);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return T_FAIL;
    }
    g_src = argv[1];
    files_manifest();
    shards_manifest();
    blake3_manifest();
    uncovered_files();
    stop_run();
    tampered_and_unsigned();
    T_DONE();
}
