/* SPDX-License-Identifier: Apache-2.0 */
/* cli_output.c - every line omsig prints about a model: escaped text, warnings in the
 * reference's channels, the --json documents, the progress line. */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The code point of the UTF-8 sequence at p (n bytes left), with its length in *len, or -1
 * when the bytes there are not a well-formed sequence (overlong, surrogate, past U+10FFFF). */
static long utf8_decode(const unsigned char *p, size_t n, size_t *len)
{
    const unsigned c = p[0];
    unsigned need, lo = 0x80, hi = 0xbf;
    long cp;
    if (c < 0x80) {
        *len = 1;
        return (long)c;
    }
    if (c >= 0xc2 && c <= 0xdf) need = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) need = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) need = 3, cp = c & 0x07;
    else return -1;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    if (n < need + 1) return -1;
    for (unsigned k = 1; k <= need; k++) {
        const unsigned b = p[k];
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return -1;
        cp = (cp << 6) | (b & 0x3f);
    }
    *len = need + 1;
    return cp;
}

/* Code points beyond Latin-1 that reorder what follows or end a line: the bidirectional
 * marks, embeddings, overrides and isolates, and the Unicode line and paragraph separators. */
static bool hidden_control(long cp)
{
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The escapes are the ones Python's repr() writes, so that a name reads the same here as in
 * the reference's messages (which print names through repr()): \n, \r and \t; \xNN for the
 * other C0 controls, DEL and the C1 controls (U+0080 to U+009F); \uNNNN for the code points
 * above; and \udcNN for a byte NN that is not part of well-formed UTF-8 (Python's
 * surrogateescape form, which is how the reference shows such a file name).  Backslashes are
 * left as they are: the reference's own repr() text in messages must not change.
 */
char *omsigcli_escape(const char *s)
{
    if (!s) s = "";
    const size_t n = strlen(s);
    /* at most 6 characters for 1 byte (\udcNN) */
    char *out = malloc(6 * n + 1);
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    char *o = out;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        const long cp = utf8_decode(p + i, n - i, &len);
        if (cp < 0) {
            o += sprintf(o, "\\udc%02x", p[i]);
            i++;
            continue;
        }
        if (cp == '\n') o += sprintf(o, "\\n");
        else if (cp == '\r') o += sprintf(o, "\\r");
        else if (cp == '\t') o += sprintf(o, "\\t");
        else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) o += sprintf(o, "\\x%02x", (unsigned)cp);
        else if (hidden_control(cp)) o += sprintf(o, "\\u%04lx", cp);
        else {
            memcpy(o, p + i, len);
            o += len;
        }
        i += len;
    }
    *o = '\0';
    return out;
}

void omsigcli_print_line(FILE *f, const char *prefix, const char *s)
{
    char *e = omsigcli_escape(s);
    fprintf(f, "%s%s\n", prefix ? prefix : "", e ? e : "(out of memory)");
    free(e);
}

/* walk.c's warning for a symlink that leads out of the model (with --allow_symlinks). */
static bool outside_link(const char *w)
{
    return strncmp(w, "Symlink '", 9) == 0 && strstr(w, "' points outside the model") != NULL;
}

void omsigcli_print_warnings(const omsigcli_args *a, const omsig_report *rep)
{
    const size_t n = omsig_report_warning_count(rep);
    size_t links = 0;
    for (size_t i = 0; i < n; i++) links += outside_link(omsig_report_warning(rep, i));
    bool summed = false;
    for (size_t i = 0; i < n; i++) {
        const char *w = omsig_report_warning(rep, i);
        /* the reference print()s its legacy-format warning (stdout, whatever the level) and
         * logs the rest to stderr */
        if (strncmp(w, "WARNING: ", 9) == 0 && !a->json) {
            omsigcli_print_line(stdout, NULL, w);
            continue;
        }
        if (a->log_level >= OMSIGCLI_LOG_ERROR) continue;
        /* certificate fingerprints are logged at INFO by the reference */
        if (a->log_level >= OMSIGCLI_LOG_WARNING && strstr(w, "] sha256 Fingerprint: ")) continue;
        if (outside_link(w)) {
            /* every file of a Hugging Face or NIM cache links into ../../blobs/: one line */
            if (a->quiet || (summed && a->log_level > OMSIGCLI_LOG_DEBUG)) continue;
            summed = true;
            if (links == 1 || a->log_level <= OMSIGCLI_LOG_DEBUG) {
                omsigcli_print_line(stderr, NULL, w);
            } else {
                char *e = omsigcli_escape(w);
                fprintf(stderr,
                        "%s; and %zu more symlinks point outside the model (as in a Hugging Face "
                        "or NIM cache): omsig --log-level DEBUG lists them, --quiet leaves "
                        "them out\n",
                        e ? e : "(out of memory)", links - 1);
                free(e);
            }
            continue;
        }
        omsigcli_print_line(stderr, NULL, w);
    }
}

void omsigcli_devices_text(const omsig_report *rep, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < omsig_report_device_count(rep) && off < len; i++) {
        int dev = 0;
        uint64_t bytes = 0, streams = 0;
        unsigned readers = 0;
        const char *dropped = "";
        omsig_report_device(rep, i, &dev, &bytes, &streams, &readers, &dropped);
        off += (size_t)snprintf(buf + off, len - off, "%sgpu %d: %.3f GB in %llu streams, %u readers%s%s",
                                off ? "; " : "", dev, (double)bytes / 1e9,
                                (unsigned long long)streams, readers,
                                dropped[0] ? ", dropped out: " : "", dropped);
    }
}

cJSON *omsigcli_devices_json(const omsig_report *rep)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < omsig_report_device_count(rep); i++) {
        int dev = 0;
        uint64_t bytes = 0, streams = 0;
        unsigned readers = 0;
        const char *dropped = "";
        omsig_report_device(rep, i, &dev, &bytes, &streams, &readers, &dropped);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "device", dev);
        cJSON_AddNumberToObject(o, "bytes", (double)bytes);
        cJSON_AddNumberToObject(o, "streams", (double)streams);
        cJSON_AddNumberToObject(o, "readers", readers);
        if (dropped[0]) omsigcli_json_add(o, "dropped", dropped);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

void omsigcli_print_debug(const omsigcli_args *a, const omsig_report *rep)
{
    const char *f = omsig_build_features();
    fprintf(stderr, "debug: omsig %s, features: %.*s\n", OMSIG_VERSION_STRING,
            f[0] ? (int)strlen(f) - 1 : 4, f[0] ? f : "none");
    if (omsig_report_trust_root_source(rep)[0]) {
        char *e = omsigcli_escape(omsig_report_trust_root(rep));
        fprintf(stderr, "debug: trust root: %s, %s\n", omsig_report_trust_root_source(rep),
                e ? e : "?");
        free(e);
    }
    if (omsig_report_engine(rep)[0]) {
        fprintf(stderr, "debug: engine: %s (%s)\n", omsig_report_engine(rep),
                omsig_report_engine_reason(rep));
        const char *io = a->opt.io == OMSIG_IO_URING ? "uring" : a->opt.io == OMSIG_IO_PREAD ? "pread" : "auto";
        fprintf(stderr, "debug: reader: %s (--io %s)\n",
                omsig_report_reader(rep)[0] ? omsig_report_reader(rep) : "none", io);
        for (size_t i = 0; i < omsig_report_device_count(rep); i++) {
            int dev = 0;
            uint64_t bytes = 0, streams = 0;
            unsigned readers = 0;
            const char *dropped = "";
            omsig_report_device(rep, i, &dev, &bytes, &streams, &readers, &dropped);
            fprintf(stderr, "debug: gpu %d: %llu bytes, %llu streams, %u readers\n", dev,
                    (unsigned long long)bytes, (unsigned long long)streams, readers);
            if (dropped[0]) {
                char *e = omsigcli_escape(dropped);
                fprintf(stderr, "debug: gpu %d dropped out: %s\n", dev, e ? e : "?");
                free(e);
            }
        }
    }
    fprintf(stderr, "debug: files: %llu, bytes: %llu, hashing: %.3f s, total: %.3f s\n",
            (unsigned long long)omsig_report_files(rep), (unsigned long long)omsig_report_bytes(rep),
            omsig_report_hash_seconds(rep), omsig_report_seconds(rep));
}

void omsigcli_print_problems(FILE *f, const omsig_report *rep)
{
    for (size_t i = 0; i < omsig_report_problem_count(rep); i++) {
        char *name = omsigcli_escape(omsig_report_problem_name(rep, i));
        uint64_t size = 0;
        switch (omsig_report_problem_kind(rep, i)) {
        case OMSIG_PROBLEM_MISMATCH:
            fprintf(f, "Digest differs for '%s': expected %s, computed %s", name ? name : "?",
                    omsig_report_problem_expected(rep, i), omsig_report_problem_actual(rep, i));
            if (omsig_report_problem_size(rep, i, &size))
                fprintf(f, " (%llu bytes hashed)", (unsigned long long)size);
            fputc('\n', f);
            break;
        case OMSIG_PROBLEM_EXTRA:
            fprintf(f, "Extra file '%s': in the model, not in the signature\n", name ? name : "?");
            break;
        case OMSIG_PROBLEM_MISSING:
            fprintf(f, "Missing file '%s': in the signature, not in the model\n", name ? name : "?");
            break;
        }
        free(name);
    }
}

static const char *kind_name(omsig_problem_kind k)
{
    switch (k) {
    case OMSIG_PROBLEM_EXTRA: return "extra";
    case OMSIG_PROBLEM_MISSING: return "missing";
    case OMSIG_PROBLEM_MISMATCH: return "mismatch";
    }
    return "unknown";
}

/* The status's name in include/omsig.h, for --json's status_name. */
static const char *status_name(omsig_status st)
{
    switch (st) {
    case OMSIG_OK: return "OMSIG_OK";
    case OMSIG_E_GENERIC: return "OMSIG_E_GENERIC";
    case OMSIG_E_CANCELLED: return "OMSIG_E_CANCELLED";
    case OMSIG_E_NOMEM: return "OMSIG_E_NOMEM";
    case OMSIG_E_LIMIT: return "OMSIG_E_LIMIT";
    case OMSIG_E_IO: return "OMSIG_E_IO";
    case OMSIG_E_MODEL_PATH: return "OMSIG_E_MODEL_PATH";
    case OMSIG_E_FILE_CHANGED: return "OMSIG_E_FILE_CHANGED";
    case OMSIG_E_BUNDLE_PARSE: return "OMSIG_E_BUNDLE_PARSE";
    case OMSIG_E_MANIFEST_PARSE: return "OMSIG_E_MANIFEST_PARSE";
    case OMSIG_E_UNSUPPORTED: return "OMSIG_E_UNSUPPORTED";
    case OMSIG_E_MANIFEST_INCONSISTENT: return "OMSIG_E_MANIFEST_INCONSISTENT";
    case OMSIG_E_DIGEST_MISMATCH: return "OMSIG_E_DIGEST_MISMATCH";
    case OMSIG_E_SIGNATURE_INVALID: return "OMSIG_E_SIGNATURE_INVALID";
    case OMSIG_E_KEY: return "OMSIG_E_KEY";
    case OMSIG_E_CERTIFICATE: return "OMSIG_E_CERTIFICATE";
    case OMSIG_E_NO_DEVICE: return "OMSIG_E_NO_DEVICE";
    case OMSIG_E_CUDA: return "OMSIG_E_CUDA";
    case OMSIG_E_USAGE: return "OMSIG_E_USAGE";
    case OMSIG_E_MAX_: break;
    }
    return "unknown";
}

static const char *command_name(omsigcli_command c)
{
    switch (c) {
    case CMD_VERIFY: return "verify";
    case CMD_SIGN: return "sign";
    case CMD_DIGEST: return "digest";
    case CMD_BENCH: return "bench";
    case CMD_NONE: break;
    }
    return NULL;
}

static const char *verdict_name(int exit_code)
{
    return exit_code == 0 ? "success" : exit_code == 2 ? "usage_error" : "failure";
}

void omsigcli_json_add(cJSON *obj, const char *key, const char *value)
{
    char *e = omsigcli_escape(value);
    cJSON_AddStringToObject(obj, key, e ? e : "(out of memory)");
    free(e);
}

void omsigcli_json_emit(cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    /* nothing but a document goes to stdout, even when memory runs out */
    puts(s ? s
           : "{\"schema_version\": " OMSIGCLI_JSON_SCHEMA_VERSION_TEXT ", \"verdict\": "
             "\"failure\", \"exit_code\": 1, \"status\": 10, \"status_name\": "
             "\"OMSIG_E_NOMEM\", \"message\": \"out of memory\", \"error\": {\"kind\": "
             "\"failure\", \"message\": \"out of memory\"}}");
    free(s);
    cJSON_Delete(doc);
}

void omsigcli_json_seconds(cJSON *obj, const char *key, double seconds)
{
    /* microseconds: the clock's finer digits are noise, and a shorter number reads better */
    cJSON_AddNumberToObject(obj, key, round(seconds * 1e6) / 1e6);
}

/* key: the string escaped, or null when it is NULL or "" (not known, does not apply). */
static void add_or_null(cJSON *obj, const char *key, const char *value)
{
    if (value && value[0]) omsigcli_json_add(obj, key, value);
    else cJSON_AddNullToObject(obj, key);
}

/* What every document starts with: the schema's version, the verdict and the status. */
static cJSON *doc_head(const omsigcli_args *a, omsig_status st, int exit_code, const char *message)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "schema_version", OMSIGCLI_JSON_SCHEMA_VERSION);
    if (a) {
        const char *cmd = command_name(a->command);
        if (cmd) cJSON_AddStringToObject(j, "command", cmd);
        else cJSON_AddNullToObject(j, "command");
        add_or_null(j, "method", a->command != CMD_DIGEST ? a->method_word : NULL);
        add_or_null(j, "model", a->opt.model_path);
        add_or_null(j, "signature", a->opt.signature_path);
    }
    cJSON_AddStringToObject(j, "verdict", verdict_name(exit_code));
    cJSON_AddNumberToObject(j, "exit_code", exit_code);
    cJSON_AddNumberToObject(j, "status", (double)st);
    cJSON_AddStringToObject(j, "status_name", status_name(st));
    cJSON_AddStringToObject(j, "status_text", omsig_strerror(st));
    omsigcli_json_add(j, "message", message);
    return j;
}

/* The one shape of a verify, sign or digest outcome, usage errors included: every field is
 * there, null (or empty, or 0) where the outcome gives it no value.  rep may be NULL (the run
 * stopped before the library was called). */
static cJSON *report_doc(const omsigcli_args *a, const omsig_report *rep, omsig_status st,
                         int exit_code, const char *message)
{
    static const omsigcli_args none = {.command = CMD_NONE};
    cJSON *j = doc_head(a ? a : &none, st, exit_code, message);
    cJSON_AddNullToObject(j, "error");
    add_or_null(j, "root_digest", omsig_report_root_digest(rep));
    add_or_null(j, "signed_root_digest", omsig_report_signed_root_digest(rep));
    cJSON_AddItemToObject(j, "signer", omsigcli_signer_json(rep));
    add_or_null(j, "trust_root_source", omsig_report_trust_root_source(rep));
    add_or_null(j, "trust_root", omsig_report_trust_root(rep));
    omsigcli_json_add(j, "engine", omsig_report_engine(rep));
    omsigcli_json_add(j, "engine_reason", omsig_report_engine_reason(rep));
    omsigcli_json_add(j, "reader", omsig_report_reader(rep));
    cJSON_AddItemToObject(j, "devices", omsigcli_devices_json(rep));
    cJSON_AddNumberToObject(j, "files", (double)omsig_report_files(rep));
    cJSON_AddNumberToObject(j, "bytes", (double)omsig_report_bytes(rep));
    omsigcli_json_seconds(j, "seconds", omsig_report_seconds(rep));
    omsigcli_json_seconds(j, "hash_seconds", omsig_report_hash_seconds(rep));
    cJSON *w = cJSON_AddArrayToObject(j, "warnings");
    for (size_t i = 0; i < omsig_report_warning_count(rep); i++) {
        char *e = omsigcli_escape(omsig_report_warning(rep, i));
        cJSON_AddItemToArray(w, cJSON_CreateString(e ? e : "(out of memory)"));
        free(e);
    }
    if (a && a->note) cJSON_AddItemToArray(w, cJSON_CreateString(a->note));
    cJSON *p = cJSON_AddArrayToObject(j, "problems");
    for (size_t i = 0; i < omsig_report_problem_count(rep); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", kind_name(omsig_report_problem_kind(rep, i)));
        omsigcli_json_add(o, "name", omsig_report_problem_name(rep, i));
        add_or_null(o, "expected", omsig_report_problem_expected(rep, i));
        add_or_null(o, "actual", omsig_report_problem_actual(rep, i));
        uint64_t size = 0;
        if (omsig_report_problem_size(rep, i, &size))
            cJSON_AddNumberToObject(o, "size", (double)size);
        else
            cJSON_AddNullToObject(o, "size");
        cJSON_AddItemToArray(p, o);
    }
    return j;
}

cJSON *omsigcli_signer_json(const omsig_report *rep)
{
    const char *kind = omsig_report_signer(rep, OMSIG_SIGNER_KIND);
    if (!kind[0]) return cJSON_CreateNull();
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", kind);
    add_or_null(s, "fingerprint", omsig_report_signer(rep, OMSIG_SIGNER_FINGERPRINT));
    add_or_null(s, "subject", omsig_report_signer(rep, OMSIG_SIGNER_SUBJECT));
    add_or_null(s, "issuer", omsig_report_signer(rep, OMSIG_SIGNER_ISSUER));
    add_or_null(s, "not_before", omsig_report_signer(rep, OMSIG_SIGNER_NOT_BEFORE));
    add_or_null(s, "not_after", omsig_report_signer(rep, OMSIG_SIGNER_NOT_AFTER));
    if (strcmp(kind, "key") == 0) {
        cJSON_AddNullToObject(s, "sans");
    } else {
        cJSON *sans = cJSON_AddArrayToObject(s, "sans");
        for (size_t i = 0; i < omsig_report_signer_san_count(rep); i++) {
            char *e = omsigcli_escape(omsig_report_signer_san(rep, i));
            cJSON_AddItemToArray(sans, cJSON_CreateString(e ? e : "(out of memory)"));
            free(e);
        }
    }
    add_or_null(s, "identity", omsig_report_signer(rep, OMSIG_SIGNER_IDENTITY));
    add_or_null(s, "identity_provider", omsig_report_signer(rep, OMSIG_SIGNER_IDENTITY_PROVIDER));
    return s;
}

/* The report's document with an error object {kind, message}. */
static void emit_failure(const omsigcli_args *a, const omsig_report *rep, const char *kind,
                         omsig_status st, const char *message, int exit_code)
{
    cJSON *j = report_doc(a, rep, st, exit_code, message);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "kind", kind);
    omsigcli_json_add(e, "message", message);
    cJSON_ReplaceItemInObject(j, "error", e);
    omsigcli_json_emit(j);
}

void omsigcli_print_json(const omsigcli_args *a, const omsig_report *rep, omsig_status st,
                         int exit_code)
{
    if (exit_code == OMSIGCLI_EXIT_USAGE) /* options the library refused: a usage error too */
        emit_failure(a, rep, "usage", st, omsig_report_message(rep), exit_code);
    else
        omsigcli_json_emit(report_doc(a, rep, st, exit_code, omsig_report_message(rep)));
}

void omsigcli_print_json_failure(const omsigcli_args *a, const char *kind, omsig_status st,
                                 const char *message, int exit_code)
{
    emit_failure(a, NULL, kind, st, message, exit_code);
}

void omsigcli_print_json_error(const omsigcli_args *a, const char *kind, const char *message,
                               int exit_code)
{
    const omsig_status st = strcmp(kind, "usage") == 0                ? OMSIG_E_USAGE
                            : message && strcmp(message, "out of memory") == 0 ? OMSIG_E_NOMEM
                                                                             : OMSIG_E_GENERIC;
    omsigcli_print_json_failure(a, kind, st, message, exit_code);
}

void omsigcli_print_json_text(const char *key, const char *text)
{
    cJSON *j = doc_head(NULL, OMSIG_OK, 0, "");
    cJSON_AddStringToObject(j, key, text); /* omsig's own text: newlines are meant */
    omsigcli_json_emit(j);
}

void omsigcli_print_json_version(void)
{
    cJSON *j = doc_head(NULL, OMSIG_OK, 0, "");
    cJSON_AddStringToObject(j, "version", "omsig, version " OMSIG_VERSION_STRING);
    cJSON_AddStringToObject(j, "version_number", OMSIG_VERSION_STRING);
    /* the library's build features, one word each ("cuda", "io_uring", "pkcs11", ...) */
    cJSON *f = cJSON_AddArrayToObject(j, "features");
    const char *p = omsig_build_features();
    while (*p) {
        const char *sp = strchr(p, ' ');
        const size_t n = sp ? (size_t)(sp - p) : strlen(p);
        char word[64];
        if (n > 0 && n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            cJSON_AddItemToArray(f, cJSON_CreateString(word));
        }
        p += n + (sp != NULL);
    }
    omsigcli_json_emit(j);
}

static double g_start;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const int k_stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction g_old[3];
static volatile sig_atomic_t g_line_shown;

/* A signal that stops the program: clear the progress line, then let the signal's previous
 * action (normally: terminate) run. */
static void on_stop(int sig)
{
    if (g_line_shown) {
        static const char clear[] = "\r\033[K";
        ssize_t rc = write(STDERR_FILENO, clear, sizeof clear - 1);
        (void)rc;
    }
    for (size_t i = 0; i < sizeof k_stop_signals / sizeof k_stop_signals[0]; i++)
        if (k_stop_signals[i] == sig) sigaction(sig, &g_old[i], NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

void omsigcli_progress_begin(void)
{
    g_start = now();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof k_stop_signals / sizeof k_stop_signals[0]; i++) {
        sigaction(k_stop_signals[i], NULL, &g_old[i]);
        /* a signal the shell ignores (a background job's SIGINT) stays ignored */
        if (g_old[i].sa_handler != SIG_IGN) sigaction(k_stop_signals[i], &sa, NULL);
    }
}

void omsigcli_progress(void *user, uint64_t done, uint64_t total)
{
    (void)user;
    if (g_start == 0) g_start = now();
    const double dt = now() - g_start;
    const double rate = dt > 0 ? (double)done / dt : 0;
    /* an estimate only once it means something: a second of hashing and 2% of the bytes */
    char eta[32] = "";
    if (rate > 0 && total > done && dt >= 1.0 && (double)done >= 0.02 * (double)total)
        snprintf(eta, sizeof eta, ", %.0f s left", (double)(total - done) / rate);
    g_line_shown = 1;
    fprintf(stderr, "\r\033[Khashing %.2f / %.2f GB (%.0f%%), %.2f GB/s%s", (double)done / 1e9,
            (double)total / 1e9, total ? 100.0 * (double)done / (double)total : 100.0, rate / 1e9,
            eta);
    fflush(stderr);
}

void omsigcli_progress_end(void)
{
    if (g_line_shown) fputs("\r\033[K", stderr);
    g_line_shown = 0;
    for (size_t i = 0; i < sizeof k_stop_signals / sizeof k_stop_signals[0]; i++)
        if (g_old[i].sa_handler != SIG_IGN) sigaction(k_stop_signals[i], &g_old[i], NULL);
}
