/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the omsig program's own declarations; it uses only include/omsig.h of the library. */
#ifndef OMSIGCLI_H
#define OMSIGCLI_H

#include "omsig.h"

#include <stdbool.h>
#include <stddef.h>

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

/* Output: the result lines, warnings, the JSON report and the progress line. */
void omsigcli_print_warnings(const omsig_report *rep);
void omsigcli_print_json(const omsigcli_args *a, const omsig_report *rep, omsig_status st);
void omsigcli_progress(void *user, uint64_t done, uint64_t total);
void omsigcli_progress_begin(void);
void omsigcli_progress_end(void);

int omsigcli_main(int argc, char **argv);
int omsigcli_bench(const omsigcli_args *a);

#endif
