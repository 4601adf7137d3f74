/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_bench.c - `omsig bench MODEL`: hashes a user's model with each available engine and
 * prints what the hardware does against the bounds measured on the spot: the single-core
 * SHA-256 rate times the cores that can be busy, and the rate at which the same files read.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct result {
    const char *engine;
    char picked[16];      /* the engine that ran (auto picks one) */
    char reason[256];
    omsig_status st;
    double seconds;
    uint64_t bytes, files;
    char root[65];
    char message[256];
    char devices[1024];   /* what each GPU did */
    cJSON *devices_json;
} result;

static int bench(omsig_ctx *ctx, const omsigcli_args *a);

static result run(omsig_ctx *ctx, const omsigcli_args *a, omsig_hasher h, const char *name,
                  int read_only)
{
    omsig_options o = a->opt;
    o.hasher = h;
    o.read_only = read_only;
    o.progress = NULL;
    omsig_report *rep = NULL;
    result r = {.engine = name};
    r.st = omsig_ctx_digest(ctx, &o, &rep);
    snprintf(r.picked, sizeof r.picked, "%s", omsig_report_engine(rep));
    snprintf(r.reason, sizeof r.reason, "%s", omsig_report_engine_reason(rep));
    r.seconds = omsig_report_hash_seconds(rep);
    r.bytes = omsig_report_bytes(rep);
    r.files = omsig_report_files(rep);
    snprintf(r.root, sizeof r.root, "%s", omsig_report_root_digest(rep));
    snprintf(r.message, sizeof r.message, "%s", omsig_report_message(rep));
    omsigcli_devices_text(rep, r.devices, sizeof r.devices);
    r.devices_json = omsig_report_device_count(rep) ? omsigcli_devices_json(rep) : NULL;
    omsig_report_free(rep);
    return r;
}

int omsigcli_bench(const omsigcli_args *a)
{
    /* one context for every run: the GPU is set up (and self-tested) once, outside the
     * timings, as a program verifying many models would have it */
    omsig_ctx *ctx = omsig_ctx_new();
    if (!ctx) {
        omsigcli_print_line(stderr, "Benchmark failed with error: ", "out of memory");
        return OMSIGCLI_EXIT_FAIL;
    }
    const int rc = bench(ctx, a);
    omsig_ctx_free(ctx);
    return rc;
}

static int bench(omsig_ctx *ctx, const omsigcli_args *a)
{
    const long cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    const double rate1 = omsig_cpu_sha256_rate(64u << 20);
    /* the read rate: the better of two passes that read every byte and hash none */
    result rd = run(ctx, a, OMSIG_HASHER_CPU, "read only", 1);
    double read_rate = 0;
    for (int pass = 0; pass < 2 && rd.st == OMSIG_OK; pass++) {
        if (pass) rd = run(ctx, a, OMSIG_HASHER_CPU, "read only", 1);
        if (rd.seconds > 0 && (double)rd.bytes / rd.seconds > read_rate)
            read_rate = (double)rd.bytes / rd.seconds;
    }
    if (rd.st != OMSIG_OK) {
        omsigcli_print_line(stderr, "Benchmark failed with error: ", rd.message);
        if (a->json) omsigcli_print_json_failure(a, "failure", rd.st, rd.message, OMSIGCLI_EXIT_FAIL);
        return OMSIGCLI_EXIT_FAIL;
    }
    const long busy = (uint64_t)cores < rd.files ? cores : (long)(rd.files ? rd.files : 1);
    const double hash_bound = rate1 * (double)busy;
    const double bound = read_rate > 0 && read_rate < hash_bound ? read_rate : hash_bound;

    /* every engine that works here, and auto; a GPU that cannot be used says why */
    struct { omsig_hasher h; const char *name; } eng[4];
    int n = 0;
    char gpu_why[256];
    const int gpu = omsig_gpu_probe(gpu_why, sizeof gpu_why);
    if (a->opt.hasher == OMSIG_HASHER_AUTO) {
        eng[n++] = (typeof(eng[0])){OMSIG_HASHER_CPU, "cpu"};
        if (gpu) {
            eng[n++] = (typeof(eng[0])){OMSIG_HASHER_GPU, "gpu"};
            eng[n++] = (typeof(eng[0])){OMSIG_HASHER_HYBRID, "hybrid"};
        }
        eng[n++] = (typeof(eng[0])){OMSIG_HASHER_AUTO, "auto"};
    } else {
        static const char *names[] = {"auto", "cpu", "gpu", "hybrid"};
        eng[n++] = (typeof(eng[0])){a->opt.hasher, names[a->opt.hasher]};
    }
    result res[4];
    int exit_code = OMSIGCLI_EXIT_OK;
    for (int i = 0; i < n; i++) {
        res[i] = run(ctx, a, eng[i].h, eng[i].name, 0);
        if (res[i].st != OMSIG_OK) exit_code = OMSIGCLI_EXIT_FAIL;
    }

    if (a->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "schema_version", OMSIGCLI_JSON_SCHEMA_VERSION);
        cJSON_AddStringToObject(j, "command", "bench");
        omsigcli_json_add(j, "model", a->opt.model_path);
        cJSON_AddStringToObject(j, "verdict", exit_code == OMSIGCLI_EXIT_OK ? "success" : "failure");
        cJSON_AddNumberToObject(j, "exit_code", exit_code);
        cJSON_AddNumberToObject(j, "bytes", (double)rd.bytes);
        cJSON_AddNumberToObject(j, "streams", (double)rd.files);
        cJSON_AddNumberToObject(j, "cores", (double)cores);
        cJSON_AddNumberToObject(j, "single_core_gbps", rate1 / 1e9);
        cJSON_AddNumberToObject(j, "hash_bound_gbps", hash_bound / 1e9);
        cJSON_AddNumberToObject(j, "read_gbps", read_rate / 1e9);
        cJSON_AddBoolToObject(j, "gpu_available", gpu);
        if (!gpu) omsigcli_json_add(j, "gpu_reason", gpu_why);
        cJSON *arr = cJSON_AddArrayToObject(j, "engines");
        for (int i = 0; i < n; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "engine", res[i].engine);
            cJSON_AddBoolToObject(e, "ok", res[i].st == OMSIG_OK);
            omsigcli_json_add(e, "engine_used", res[i].picked);
            omsigcli_json_add(e, "engine_reason", res[i].reason);
            if (res[i].st != OMSIG_OK) omsigcli_json_add(e, "error", res[i].message);
            else {
                const double g = (double)res[i].bytes / res[i].seconds;
                omsigcli_json_seconds(e, "seconds", res[i].seconds);
                cJSON_AddNumberToObject(e, "gbps", g / 1e9);
                cJSON_AddNumberToObject(e, "ratio_to_bound", g / bound);
                omsigcli_json_add(e, "root_digest", res[i].root);
            }
            if (res[i].devices_json) cJSON_AddItemToObject(e, "devices", res[i].devices_json);
            res[i].devices_json = NULL;
            cJSON_AddItemToArray(arr, e);
        }
        omsigcli_json_emit(j);
    } else {
        char *model = omsigcli_escape(a->opt.model_path);
        printf("model %s: %.3f GB in %llu streams; %ld cores\n", model ? model : "?",
               (double)rd.bytes / 1e9, (unsigned long long)rd.files, cores);
        free(model);
        printf("bounds: SHA-256 %.2f GB/s per core x %ld = %.2f GB/s; reading the files %.2f GB/s\n",
               rate1 / 1e9, busy, hash_bound / 1e9, read_rate / 1e9);
        printf("%-8s %9s %8s %14s\n", "engine", "seconds", "GB/s", "of the bound");
        for (int i = 0; i < n; i++) {
            if (res[i].st != OMSIG_OK) {
                char prefix[32];
                snprintf(prefix, sizeof prefix, "%-8s failed: ", res[i].engine);
                omsigcli_print_line(stdout, prefix, res[i].message);
                continue;
            }
            const double g = (double)res[i].bytes / res[i].seconds;
            printf("%-8s %9.3f %8.3f %13.0f%%\n", res[i].engine, res[i].seconds, g / 1e9, 100 * g / bound);
            if (eng[i].h == OMSIG_HASHER_AUTO) omsigcli_print_line(stdout, "auto: ", res[i].reason);
            if (res[i].devices[0]) omsigcli_print_line(stdout, "  devices: ", res[i].devices);
        }
        if (!gpu) omsigcli_print_line(stdout, "gpu, hybrid: not measured: ", gpu_why);
    }
    for (int i = 0; i < n; i++) cJSON_Delete(res[i].devices_json); /* text output: unused */
    return exit_code;
}
