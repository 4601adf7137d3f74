/* SPDX-License-Identifier: Apache-2.0 */
/* cli_output.c - warnings in the reference's channels, the --json report, the progress line. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void omsigcli_print_warnings(const omsig_report *rep)
{
    for (size_t i = 0; i < omsig_report_warning_count(rep); i++) {
        const char *w = omsig_report_warning(rep, i);
        /* the reference print()s its legacy-format warning and logs the rest to stderr */
        if (strncmp(w, "WARNING: ", 9) == 0)
            printf("%s\n", w);
        else
            fprintf(stderr, "%s\n", w);
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

void omsigcli_print_json(const omsigcli_args *a, const omsig_report *rep, omsig_status st)
{
    cJSON *j = cJSON_CreateObject();
    const char *cmd = a->command == CMD_VERIFY ? "verify" : a->command == CMD_SIGN ? "sign" : "digest";
    cJSON_AddStringToObject(j, "command", cmd);
    if (a->method_word) cJSON_AddStringToObject(j, "method", a->method_word);
    cJSON_AddStringToObject(j, "model", a->opt.model_path);
    if (a->opt.signature_path) cJSON_AddStringToObject(j, "signature", a->opt.signature_path);
    cJSON_AddStringToObject(j, "verdict", st == OMSIG_OK ? "success" : "failure");
    cJSON_AddNumberToObject(j, "status", (double)st);
    cJSON_AddStringToObject(j, "status_name", omsig_strerror(st));
    cJSON_AddStringToObject(j, "message", omsig_report_message(rep));
    if (omsig_report_root_digest(rep)[0])
        cJSON_AddStringToObject(j, "root_digest", omsig_report_root_digest(rep));
    cJSON_AddStringToObject(j, "engine", omsig_report_engine(rep));
    cJSON_AddNumberToObject(j, "files", (double)omsig_report_files(rep));
    cJSON_AddNumberToObject(j, "bytes", (double)omsig_report_bytes(rep));
    cJSON_AddNumberToObject(j, "seconds", omsig_report_seconds(rep));
    cJSON_AddNumberToObject(j, "hash_seconds", omsig_report_hash_seconds(rep));
    cJSON *w = cJSON_AddArrayToObject(j, "warnings");
    for (size_t i = 0; i < omsig_report_warning_count(rep); i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(omsig_report_warning(rep, i)));
    cJSON *p = cJSON_AddArrayToObject(j, "problems");
    for (size_t i = 0; i < omsig_report_problem_count(rep); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", kind_name(omsig_report_problem_kind(rep, i)));
        cJSON_AddStringToObject(o, "name", omsig_report_problem_name(rep, i));
        if (omsig_report_problem_expected(rep, i)[0])
            cJSON_AddStringToObject(o, "expected", omsig_report_problem_expected(rep, i));
        if (omsig_report_problem_actual(rep, i)[0])
            cJSON_AddStringToObject(o, "actual", omsig_report_problem_actual(rep, i));
        cJSON_AddItemToArray(p, o);
    }
    char *s = cJSON_Print(j);
    if (s) puts(s);
    free(s);
    cJSON_Delete(j);
}

static double g_start;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void omsigcli_progress_begin(void) { g_start = now(); }

void omsigcli_progress(void *user, uint64_t done, uint64_t total)
{
    (void)user;
    if (g_start == 0) g_start = now();
    const double dt = now() - g_start;
    const double rate = dt > 0 ? (double)done / dt : 0;
    char eta[32] = "";
    if (rate > 0 && total > done) snprintf(eta, sizeof eta, ", %.0f s left", (double)(total - done) / rate);
    fprintf(stderr, "\r\033[Khashing %.2f / %.2f GB (%.0f%%), %.2f GB/s%s", (double)done / 1e9,
            (double)total / 1e9, total ? 100.0 * (double)done / (double)total : 100.0, rate / 1e9,
            eta);
    fflush(stderr);
}

void omsigcli_progress_end(void)
{
    if (g_start != 0) fputs("\r\033[K", stderr);
}
