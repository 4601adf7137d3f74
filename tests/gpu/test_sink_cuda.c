/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sink_cuda.c - the CUDA sink of verified load (cuda/sink_cuda.c) with the stand-in CUDA
 * runtime (fake_cuda.c), whose copies read their source only when they run: a read slot
 * reused before its copy ran leaves wrong bytes in "device" memory.  The device bytes must
 * equal the files, through the table of offsets and through a map callback, with both readers
 * and a small ring (every slot reused many times); a file with no destination stops the run
 * and says which; and with the test hook that releases each slot as soon as its copy is queued
 * (OMSIG_FAULT_SINK_EARLY_RELEASE), the comparison must see wrong bytes: the check can fail.
 * Built a second time against the CUDA runtime (test_sink_cuda_device, label gpu) for a device.
 */
#include "../verified/vl_helpers.h"

#include <cuda_runtime_api.h>

static const char *g_src;

typedef struct dev_model {
    uint8_t *dev;
    uint64_t total;
    const char *names[VL_MAX_FILES];
    uint64_t offsets[VL_MAX_FILES];
} dev_model;

static void *map_fn(void *user, const char *name, uint64_t file_size, uint64_t offset, size_t len)
{
    const dev_model *d = user;
    (void)file_size, (void)len;
    for (size_t i = 0; i < VL_MAX_FILES && d->names[i]; i++)
        if (strcmp(d->names[i], name) == 0) return d->dev + d->offsets[i] + offset;
    return NULL;
}

/* Files whose device bytes differ from the file. */
static int compare(const vl_model *m, const dev_model *d)
{
    uint8_t *host = malloc(d->total ? d->total : 1);
    if (!host || cudaMemcpy(host, d->dev, d->total, cudaMemcpyDeviceToHost) != cudaSuccess) {
        free(host);
        return -1;
    }
    int bad = 0;
    for (size_t i = 0; i < m->n; i++)
        bad += memcmp(host + d->offsets[i], m->f[i].data, m->f[i].size) != 0;
    free(host);
    return bad;
}

/* One verified load into device memory; returns the verdict, *bad the files that differ. */
static omsig_status load(const vl_model *m, dev_model *d, bool use_map, omsig_io io,
                         size_t n_names, int *bad, char *err, size_t err_len)
{
    memset(d->dev, 0, d->total);
    omsig_cuda_dest dest = {.device = 0, .base = d->dev, .size = d->total, .names = d->names,
                            .offsets = d->offsets, .n_files = n_names};
    if (use_map) {
        dest.map = map_fn;
        dest.map_user = d;
    }
    char why[256];
    omsig_sink_cuda *cs = omsig_sink_cuda_new(&dest, why, sizeof why);
    if (!cs) {
        fprintf(stderr, "omsig_sink_cuda_new: %s\n", why);
        return OMSIG_E_GENERIC;
    }
    omsig_options o;
    vl_options(m, &o);
    o.threads = 2;
    o.io = io;
    o.buffer_size = 2u << 20;
    omsig_report *rep = NULL;
    const omsig_status st = omsig_verify_to(&o, omsig_sink_cuda_sink(cs), &rep);
    if (st != OMSIG_OK && st != OMSIG_E_CANCELLED)
        fprintf(stderr, "verify_to: %s\n", omsig_report_message(rep));
    snprintf(err, err_len, "%s", omsig_sink_cuda_error(cs));
    omsig_report_free(rep);
    omsig_sink_cuda_free(cs);
    *bad = compare(m, d);
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return T_FAIL;
    }
    g_src = argv[1];
    int n_dev = 0;
    if (cudaGetDeviceCount(&n_dev) != cudaSuccess || n_dev == 0) {
        fprintf(stderr, "skipped: no CUDA device\n");
        return T_SKIP;
    }
    vl_model m;
    T_CHECK(vl_begin(&m, g_src) == 0);
    T_CHECK(vl_add(&m, "config.json", 513) == 0);
    T_CHECK(vl_add(&m, "model-00001.safetensors", (6u << 20) + 100) == 0);
    T_CHECK(vl_add(&m, "model-00002.safetensors", (5u << 20) + 4096) == 0);
    T_CHECK(vl_add(&m, "sub/tokenizer.bin", 200000) == 0);
    T_CHECK(vl_sign(&m, 0, OMSIG_HASH_SHA256) == OMSIG_OK);
    dev_model d = {0};
    for (size_t i = 0; i < m.n; i++) {
        d.names[i] = m.f[i].name;
        d.offsets[i] = d.total;
        d.total += (m.f[i].size + 255) / 256 * 256;
    }
    T_CHECK(cudaMalloc((void **)&d.dev, d.total) == cudaSuccess);
    char err[256];
    int bad = -1;
    const omsig_io ios[] = {OMSIG_IO_AUTO, OMSIG_IO_PREAD};
    for (int io = 0; io < 2; io++)
        for (int use_map = 0; use_map < 2; use_map++) {
            T_CHECK(load(&m, &d, use_map, ios[io], m.n, &bad, err, sizeof err) == OMSIG_OK);
            if (bad) fprintf(stderr, "io %d map %d: %d files differ on the device\n", io, use_map, bad);
            T_CHECK(bad == 0);
            T_STREQ(err, "");
        }
    /* a file the table does not name: the run stops and the sink says which */
    T_CHECK(load(&m, &d, false, OMSIG_IO_AUTO, m.n - 1, &bad, err, sizeof err) == OMSIG_E_CANCELLED);
    T_CHECK(strstr(err, "sub/tokenizer.bin") != NULL);
#ifndef OMSIG_TEST_REAL_CUDA
    /* the test hook hands each slot back before its copy ran: the check must see it (the
     * stand-in runs a copy only when its event is waited on; a device may be quicker) */
    if (strstr(omsig_build_features(), "test-hooks")) {
        setenv("OMSIG_FAULT_SINK_EARLY_RELEASE", "1", 1);
        T_CHECK(load(&m, &d, false, OMSIG_IO_AUTO, m.n, &bad, err, sizeof err) == OMSIG_OK);
        unsetenv("OMSIG_FAULT_SINK_EARLY_RELEASE");
        if (bad <= 0) fprintf(stderr, "slots released before their copies ran went unnoticed\n");
        T_CHECK(bad > 0);
    }
#endif
    cudaFree(d.dev);
    vl_end(&m);
    T_DONE();
}
