/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_opts.h - what the command line's two halves share: the option table (cli_args.c) and
 * the help and usage-error text laid out from it (cli_help.c).  Private to the omsig program.
 */
#ifndef OMSIGCLI_OPTS_H
#define OMSIGCLI_OPTS_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Which commands an option belongs to: one bit per command and method. */
enum {
    VK = 1 << 0, VC = 1 << 1, VS = 1 << 2, SK = 1 << 3, SC = 1 << 4, DG = 1 << 5, BN = 1 << 6,
    PK = 1 << 7, PC = 1 << 8, /* sign pkcs11-key, sign pkcs11-certificate */
    VERIFY = VK | VC | VS, PEM_KEY = SK | SC, SIGN = SK | SC | PK | PC,
    WALK = VERIFY | SIGN | DG | BN, HASHING = WALK
};

typedef enum { T_FLAG, T_VALUE, T_MULTI } opt_type;

typedef enum {
    O_SIGNATURE, O_PUBLIC_KEY, O_PRIVATE_KEY, O_PASSWORD, O_CHAIN, O_SIGNING_CERT,
    O_LOG_FP, O_VERIFY_TIME, O_IDENTITY, O_PROVIDER, O_TRUST, O_STAGING, O_IGNORE,
    O_GIT, O_NO_GIT, O_SYMLINKS, O_UNSIGNED, O_NO_UNSIGNED, O_SHARD, O_HASH, O_HASHER,
    O_IO, O_THREADS, O_BUFFER, O_JSON, O_QUIET, O_LOG_LEVEL, O_MAX_BUNDLE, O_PKCS11_URI,
    O_GPUS
} opt_id;

typedef struct opt_def {
    const char *name; /* hyphenated, as help shows it; underscores are accepted too */
    const char *ref;  /* model_signing 1.1.1's spelling, for its messages; NULL: omsig's own */
    opt_id id;
    opt_type type;
    unsigned cmds;
    const char *metavar;
    const char *help;
    const char *help_sign; /* for sign, when it differs */
} opt_def;

extern const opt_def omsigcli_opts[];
extern const size_t omsigcli_n_opts;

typedef enum { H_TOP, H_GROUP, H_CMD } help_kind;

/* ---- cli_help.c ---- */
/* click's help width for this terminal. */
int omsigcli_help_width(void);
/* "Usage: PROG ARGS", wrapped as click wraps it. */
void omsigcli_usage_line(FILE *out, const char *prog, const char *args, int width);
/* A paragraph wrapped at width. */
void omsigcli_para(FILE *out, const char *text, int width);
/* The command bit of a command and method word (0 when there is none). */
unsigned omsigcli_cmd_bit(omsigcli_command c, const char *method_word);
/* Prints the help asked for (as JSON with --json) and returns exit_code. */
int omsigcli_help(const omsigcli_args *a, help_kind which, unsigned bit, bool sign, int exit_code);
/* A usage error (exit 2): fmt takes one string argument, arg, or two for usage_error2; with
 * with_usage the usage line and the "Try --help" line come first, as click prints them. */
int omsigcli_usage_error(const omsigcli_args *a, const char *fmt, const char *arg);
int omsigcli_usage_error2(const omsigcli_args *a, bool with_usage, const char *fmt, const char *a1,
                          const char *a2);
/* "No such option", with click's "Did you mean" among the options of the commands in bits. */
int omsigcli_no_such_option(const omsigcli_args *a, const char *arg, unsigned bits);
/* click's "Did you mean" hint for word among cand (empty when none is close enough). */
void omsigcli_suggest(const char *word, const char *const *cand, size_t n, double cutoff, char *out,
                      size_t out_len);

#endif /* OMSIGCLI_OPTS_H */
