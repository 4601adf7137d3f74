/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the omsig program's own declarations; it uses only include/omsig.h of the library. */
#ifndef OMSIGCLI_H
#define OMSIGCLI_H

#include "omsig.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { OMSIGCLI_EXIT_OK = 0, OMSIGCLI_EXIT_FAIL = 1, OMSIGCLI_EXIT_USAGE = 2 };

/* --log-level, with Python's numbers: DEBUG adds the engine, reader, trust root and timings;
 * WARNING drops what the reference logs at INFO (certificate fingerprints); ERROR and
 * CRITICAL drop the warnings on stderr too. */
enum {
    OMSIGCLI_LOG_DEBUG = 10, OMSIGCLI_LOG_INFO = 20, OMSIGCLI_LOG_WARNING = 30,
    OMSIGCLI_LOG_ERROR = 40, OMSIGCLI_LOG_CRITICAL = 50
};

typedef enum { CMD_NONE, CMD_VERIFY, CMD_SIGN, CMD_DIGEST, CMD_BENCH } omsigcli_command;

typedef struct omsigcli_args {
    omsigcli_command command;
    const char *method_word;  /* "key", "certificate", "sigstore", "pkcs11-key",
                               * "pkcs11-certificate" (named or implied) */
    const char *prog;         /* "omsig verify key", for usage lines */
    const char *synopsis;     /* what follows prog in a usage line */
    omsig_options opt;
    const char **chain;       /* --certificate-chain, repeatable */
    size_t n_chain;
    const char **ignore;      /* --ignore-paths, repeatable */
    size_t n_ignore;
    int gpus[64];             /* --gpus LIST: opt.gpus points here */
    bool json;
    bool quiet;
    int log_level;            /* OMSIGCLI_LOG_* */
    const char *note;         /* omsig's own advice after the run (sign: who cannot verify it) */
} omsigcli_args;

/* Parses argv into a; returns -1 to go on, or an exit code (help, version, usage error). */
int omsigcli_parse(int argc, char **argv, omsigcli_args *a);
void omsigcli_args_free(omsigcli_args *a);

/*
 * Output.  Every string that did not come from omsig itself (a bundle's fields, a manifest's
 * names, file names, arguments) goes out through omsigcli_escape(), in text and in JSON
 * alike: control characters, DEL, C1 controls, bidirectional and line-separator code points
 * and bytes that are not UTF-8 become visible escapes, so the output is valid UTF-8 with no
 * control character in it.  docs/json.md lists the rules and the --json fields.
 */
/* Returns s escaped (malloc'd; the caller frees it), or NULL when memory runs out. */
char *omsigcli_escape(const char *s);
/* Writes prefix (omsig's own text, as is), s escaped and a newline to f. */
void omsigcli_print_line(FILE *f, const char *prefix, const char *s);
/* Warnings in the reference's channels (the legacy-format WARNING on stdout, unless json: then
 * every warning goes to stderr), filtered by the log level; symlinks that point outside the
 * model are summed up in one line (listed at DEBUG, left out with --quiet). */
void omsigcli_print_warnings(const omsigcli_args *a, const omsig_report *rep);
/* After a digest mismatch's message (the reference's line, which scripts match): one line per
 * file, "Digest differs for 'NAME': expected HEX, computed HEX (N bytes hashed)", "Extra file
 * 'NAME': ..." or "Missing file 'NAME': ...", in the report's order. */
void omsigcli_print_problems(FILE *f, const omsig_report *rep);
/* --log-level DEBUG: the engine and why, the reader, the trust root, the timings. */
void omsigcli_print_debug(const omsigcli_args *a, const omsig_report *rep);
/* What each GPU did ("gpu 0: 1.234 GB in 567 streams, 2 readers"; or "gpu 1: dropped out:
 * why"), the devices joined by "; " into buf; "" when no GPU ran. */
void omsigcli_devices_text(const omsig_report *rep, char *buf, size_t len);
/* The same as a JSON array of {device, bytes, streams, readers[, dropped]}. */
cJSON *omsigcli_devices_json(const omsig_report *rep);
/* --json: the one document of a verify, sign or digest run. */
void omsigcli_print_json(const omsigcli_args *a, const omsig_report *rep, omsig_status st,
                         int exit_code);
/* --json: the document of a run that stopped before the library was called. kind is "usage"
 * (exit 2) or "failure" (exit 1); message is escaped here. */
void omsigcli_print_json_error(const omsigcli_args *a, const char *kind, const char *message,
                               int exit_code);
/* The same with the library's status of the failure (bench: the read pass's). */
void omsigcli_print_json_failure(const omsigcli_args *a, const char *kind, omsig_status st,
                                 const char *message, int exit_code);
/* --json: {"help": text} with exit code 0 (and the head every document has); text is omsig's
 * own, not escaped. */
void omsigcli_print_json_text(const char *key, const char *text);
/* --json --version: the version and the build's features. */
void omsigcli_print_json_version(void);
/* The report's signer as a JSON object, or null when it is not known. */
cJSON *omsigcli_signer_json(const omsig_report *rep);
/* Adds key: seconds, rounded to microseconds. */
void omsigcli_json_seconds(cJSON *obj, const char *key, double seconds);
/* The version of the --json documents' shape (docs/json.md, docs/omsig.schema.json): it
 * changes when a field is removed or changes meaning, not when one is added. */
#define OMSIGCLI_JSON_SCHEMA_VERSION 1
#define OMSIGCLI_JSON_SCHEMA_VERSION_TEXT "1"

/* Adds key: value, escaped, to a JSON object. */
void omsigcli_json_add(cJSON *obj, const char *key, const char *value);
/* Prints a JSON document on stdout and frees it. */
void omsigcli_json_emit(cJSON *doc);
void omsigcli_progress(void *user, uint64_t done, uint64_t total);
/* The progress line: begin installs SIGINT/SIGTERM handlers that clear it before the
 * signal's default action; end clears it and restores them. */
void omsigcli_progress_begin(void);
void omsigcli_progress_end(void);

/* PKCS #11 (cli_pin.c): whether the URI's query gives the PIN (pin-value= or pin-source=);
 * the PIN typed on the terminal without echo, malloc'd (NULL: no terminal on stdin, or the
 * input ended), freed and wiped with omsigcli_free_pin (accepts NULL). */
bool omsigcli_uri_has_pin(const char *uri);
char *omsigcli_ask_pin(const char *prompt);
void omsigcli_free_pin(char *pin);

int omsigcli_main(int argc, char **argv);
int omsigcli_bench(const omsigcli_args *a);
/* OpenSSL set up for the command (cli_openssl.c): verify key and digest skip its
 * configuration file unless OPENSSL_CONF is set or the kernel is in FIPS mode. */
void omsigcli_openssl_init(const omsigcli_args *a);

#endif
