/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_scan.c - libFuzzer target, differential: the fixed-shape readers against the JSON
 * parser.  Each input is read as a statement and as a bundle, once the way verify reads it
 * (omsig_statement_parse, omsig_bundle_parse: the in-place scan where the text has the fixed
 * shape) and once through cJSON alone (the _json variants).  The verdicts must be the same,
 * the messages too, and what was read, field by field.
 *
 * Built with OMSIG_FUZZ_SMOKE_MAIN (the quick test fuzz_scan_corpus) it is a program instead:
 * it reads every file named (bundles and statements), and for a bundle its payload too, and
 * compares each, then a fixed set of changes of each (cut short, bytes changed, whitespace
 * and escapes added, keys renamed): every corpus file and thousands of near misses.
 */
#include "bundle.h"
#include "statement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_input = "the input"; /* what is compared, for the report */

static void differ(const char *what)
{
    fprintf(stderr, "FAIL: %s: the two readings differ in %s\n", g_input, what);
    abort();
}

static void same_str(const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) differ(a ? a : "a missing string");
}

static void same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    if (na != nb || (na && memcmp(a, b, na) != 0)) differ("bytes");
}

static void same_manifest(const omsig_manifest *a, const omsig_manifest *b)
{
    if (a->legacy != b->legacy || a->method != b->method || a->hash != b->hash ||
        a->shard_size != b->shard_size || a->allow_symlinks != b->allow_symlinks ||
        a->n_ignore_paths != b->n_ignore_paths || a->n_res != b->n_res ||
        strcmp(a->root_hex, b->root_hex) != 0)
        differ("the manifest's fields");
    same_str(a->subject_name, b->subject_name);
    for (size_t i = 0; i < a->n_ignore_paths; i++) same_str(a->ignore_paths[i], b->ignore_paths[i]);
    for (size_t i = 0; i < a->n_res; i++) {
        const omsig_resource *x = &a->res[i], *y = &b->res[i];
        same_str(x->name, y->name);
        same_str(x->path, y->path);
        if (x->start != y->start || x->end != y->end) differ("a shard's range");
        same_bytes(x->digest, x->digest_len, y->digest, y->digest_len);
    }
}

static void same_tlog(const omsig_tlog_entry *a, const omsig_tlog_entry *b)
{
    const char *const sa[] = {a->log_index, a->log_id, a->kind, a->version, a->integrated_time,
                              a->set, a->proof_log_index, a->tree_size, a->root_hash,
                              a->checkpoint, a->body};
    const char *const sb[] = {b->log_index, b->log_id, b->kind, b->version, b->integrated_time,
                              b->set, b->proof_log_index, b->tree_size, b->root_hash,
                              b->checkpoint, b->body};
    for (size_t i = 0; i < sizeof sa / sizeof *sa; i++) same_str(sa[i], sb[i]);
    if (a->has_promise != b->has_promise || a->has_proof != b->has_proof ||
        a->n_hashes != b->n_hashes)
        differ("the log entry");
    for (size_t i = 0; i < a->n_hashes; i++) same_str(a->hashes[i], b->hashes[i]);
}

static void same_bundle(const omsig_bundle *a, const omsig_bundle *b)
{
    same_str(a->media_type, b->media_type);
    same_str(a->key_hint, b->key_hint);
    same_str(a->payload_type, b->payload_type);
    same_bytes(a->payload, a->payload_len, b->payload, b->payload_len);
    if (a->payload && a->payload[a->payload_len] != 0) differ("the payload's NUL");
    same_bytes(a->sig, a->sig_len, b->sig, b->sig_len);
    if (a->vm_kind != b->vm_kind || a->n_certs != b->n_certs ||
        a->has_tlog_entries != b->has_tlog_entries || a->n_tlog_entries != b->n_tlog_entries ||
        a->has_timestamps != b->has_timestamps || a->n_timestamps != b->n_timestamps ||
        a->n_signatures != b->n_signatures)
        differ("the bundle's fields");
    for (size_t i = 0; i < a->n_certs; i++)
        same_bytes(a->certs[i].data, a->certs[i].len, b->certs[i].data, b->certs[i].len);
    same_tlog(&a->tlog, &b->tlog);
    for (size_t i = 0; i < a->n_timestamps; i++) same_str(a->timestamps[i], b->timestamps[i]);
}

static void same_verdict(omsig_status sa, const omsig_report *ra, omsig_status sb,
                         const omsig_report *rb)
{
    if (sa != sb) {
        fprintf(stderr, "%s\n%s\n", omsig_report_message(ra), omsig_report_message(rb));
        differ("the verdict");
    }
    if (sa != OMSIG_OK) same_str(omsig_report_message(ra), omsig_report_message(rb));
}

/* 1 when both readings accepted the text as a statement, 2 as a bundle (bits). */
static int compare(const uint8_t *text, size_t size)
{
    omsig_report *ra = omsig_report_new(), *rb = omsig_report_new();
    if (!ra || !rb) differ("memory");
    int accepted = 0;
    omsig_manifest ma, mb;
    const omsig_status sa = omsig_statement_parse(text, size, &ma, ra);
    const omsig_status sb = omsig_statement_parse_json(text, size, &mb, rb);
    same_verdict(sa, ra, sb, rb);
    if (sa == OMSIG_OK) same_manifest(&ma, &mb), accepted |= 1;
    omsig_manifest_free(&ma);
    omsig_manifest_free(&mb);
    omsig_report_free(ra);
    omsig_report_free(rb);
    ra = omsig_report_new(), rb = omsig_report_new();
    if (!ra || !rb) differ("memory");
    omsig_bundle ba, bb;
    const omsig_status ta = omsig_bundle_parse(text, size, &ba, ra);
    const omsig_status tb = omsig_bundle_parse_json(text, size, &bb, rb);
    same_verdict(ta, ra, tb, rb);
    if (ta == OMSIG_OK) same_bundle(&ba, &bb), accepted |= 2;
    omsig_bundle_free(&ba);
    omsig_bundle_free(&bb);
    omsig_report_free(ra);
    omsig_report_free(rb);
    return accepted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size + 1); /* the parsers expect a NUL after the text */
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    compare(buf, size);
    free(buf);
    return 0;
}

#ifdef OMSIG_FUZZ_SMOKE_MAIN
static long g_cases, g_statements, g_bundles;

static void one(const uint8_t *text, size_t n)
{
    uint8_t *buf = malloc(n + 1);
    if (!buf) abort();
    memcpy(buf, text, n);
    buf[n] = 0;
    const int a = compare(buf, n);
    g_cases++;
    g_statements += a & 1;
    g_bundles += (a & 2) != 0;
    free(buf);
}

/* text with its bytes [at, at + cut) replaced by ins */
static void edit(const uint8_t *t, size_t n, size_t at, size_t cut, const char *ins)
{
    const size_t k = strlen(ins);
    if (at > n || cut > n - at) return;
    uint8_t *e = malloc(n - cut + k + 1);
    if (!e) abort();
    memcpy(e, t, at);
    memcpy(e + at, ins, k);
    memcpy(e + at + k, t + at + cut, n - at - cut);
    one(e, n - cut + k);
    free(e);
}

/* The text, then changes of it: the text cut short, and (up to 256 KiB) structural bytes of
 * the first 4 KiB changed or dropped, whitespace and escapes put in, keys renamed. */
static void variants(const uint8_t *t, size_t n)
{
    one(t, n);
    for (size_t cut = 1; cut < n; cut = cut * 2 + 1) one(t, n - cut);
    if (n > (256u << 10)) return; /* the hostile giants: whole and cut short only */
    static const char *const k_repl[] = {"", " ", "x", "\"", "\\", "}", ",", "\x01", "\xc3\xa9"};
    const size_t lim = n < 4096 ? n : 4096;
    size_t structural = 0;
    for (size_t i = 0; i < lim; i++) structural += strchr("{}[]\":,\\", (char)t[i]) != NULL;
    const size_t stride = structural / 48 + 1; /* about 48 places a text */
    for (size_t i = 0, k = 0; i < lim; i++) {
        if (!strchr("{}[]\":,\\", (char)t[i]) || k++ % stride != 0) continue;
        for (size_t r = 0; r < sizeof k_repl / sizeof *k_repl; r++)
            edit(t, n, i, 1, k_repl[(r + i) % (sizeof k_repl / sizeof *k_repl)]);
        edit(t, n, i, 0, " ");
    }
    static const char *const k_keys[] = {"\"name\"", "\"digest\"", "\"algorithm\"",
                                         "\"resources\"", "\"subject\"", "\"payload\"",
                                         "\"dsseEnvelope\"", "\"predicate\"", "\"_type\""};
    for (size_t k = 0; k < sizeof k_keys / sizeof *k_keys; k++) {
        const size_t kl = strlen(k_keys[k]);
        for (size_t i = 0, seen = 0; i + kl <= n && seen < 2; i++) {
            if (memcmp(t + i, k_keys[k], kl) != 0) continue;
            seen++;
            edit(t, n, i + 1, 1, "\\u00");                 /* broken escape */
            edit(t, n, i + 1, 0, "x");                     /* another key */
            edit(t, n, i + kl, 0, ":0,");                  /* a second value */
            edit(t, n, i, 0, "\"extra\":1,");              /* a member before it */
            edit(t, n, i + 1, 1, i % 2 ? "\\u006e" : "\\/");/* an escape in the key */
        }
    }
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *p = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        /* room for the NUL the parsers expect after the text */
        if (*n + 1 >= cap && !(p = realloc(p, cap = cap ? 2 * cap : 65536))) abort();
        const size_t got = fread(p + *n, 1, cap - 1 - *n, f);
        if (!got) break;
        *n += got;
    }
    fclose(f);
    p[*n] = 0;
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        size_t n = 0;
        uint8_t *t = slurp(argv[i], &n);
        g_input = argv[i];
        if (!t) {
            fprintf(stderr, "FAIL: cannot read %s\n", argv[i]);
            return 1;
        }
        variants(t, n);
        omsig_report *r = omsig_report_new();
        omsig_bundle b;
        if (r && omsig_bundle_parse_json(t, n, &b, r) == OMSIG_OK) variants(b.payload, b.payload_len);
        if (r) omsig_bundle_free(&b);
        omsig_report_free(r);
        free(t);
    }
    /* a corpus that never reaches a valid statement and bundle compares nothing useful */
    if (g_statements == 0 || g_bundles == 0) {
        fprintf(stderr, "FAIL: no valid statement (%ld) or bundle (%ld) among the inputs\n",
                g_statements, g_bundles);
        return 1;
    }
    printf("PASS: %ld texts from %d files, %ld valid statements and %ld valid bundles, the "
           "same verdict both ways\n",
           g_cases, argc - 1, g_statements, g_bundles);
    return 0;
}
#endif
