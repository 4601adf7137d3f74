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

typedef enum { CMD_NONE, CMD_VERIFY, CMD_SIGN, CMD_DIGEST, CMD_BENCH } omsigcli_command;

typedef struct omsigcli_args {
    omsigcli_command command;
    const char *method_word;  /* "key", "certificate", "sigstore" */
    const char *prog;         /* "omsig verify key", for usage lines */
    omsig_options opt;
    const char **chain;       /* --certificate-chain, repeatable */
    size_t n_chain;
    const char **ignore;      /* --ignore-paths, repeatable */
    size_t n_ignore;
    bool json;
    bool quiet;
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
/* Text mode: warnings in the reference's channels (the legacy-format WARNING on stdout). */
void omsigcli_print_warnings(const omsig_report *rep);
/* --json: the one document of a verify, sign or digest run. */
void omsigcli_print_json(const omsigcli_args *a, const omsig_report *rep, omsig_status st,
                         int exit_code);
/* --json: the document of a run that stopped before the library was called. kind is "usage"
 * (exit 2) or "failure" (exit 1); message is escaped here. */
void omsigcli_print_json_error(const omsigcli_args *a, const char *kind, const char *message,
                               int exit_code);
/* --json: {"help": text} or {"version": text} with exit code 0; text is omsig's own, not
 * escaped. */
void omsigcli_print_json_text(const char *key, const char *text);
/* Adds key: value, escaped, to a JSON object. */
void omsigcli_json_add(cJSON *obj, const char *key, const char *value);
/* Prints a JSON document on stdout and frees it. */
void omsigcli_json_emit(cJSON *doc);
void omsigcli_progress(void *user, uint64_t done, uint64_t total);
void omsigcli_progress_begin(void);
void omsigcli_progress_end(void);

int omsigcli_main(int argc, char **argv);
int omsigcli_bench(const omsigcli_args *a);

#endif
