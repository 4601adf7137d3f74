/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gpu_driver.c - the driver floor: a CUDA runtime of major version M runs on any driver that
 * supports CUDA M.0 or newer (minor version compatibility), and on no older one, where every
 * runtime call fails with "CUDA driver version is insufficient".  The probe asks here first, so
 * a driver that is too old is said in one line naming both versions instead of passing for
 * "no device".  The runtime's version is the one this build links statically (CUDART_VERSION);
 * the driver's comes from cudaDriverGetVersion, which answers without initialising anything.
 */
#include "gpu_driver.h"

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

int omsig_gpu_driver_floor(int runtime) { return runtime / 1000 * 1000; }

int omsig_gpu_driver_branch(int cuda)
{
    /* the oldest Linux driver of each CUDA release (the toolkit's release notes) */
    static const struct { int cuda, branch; } k_branch[] = {
        {11000, 450}, {11010, 455}, {11020, 460}, {11030, 465}, {11040, 470}, {11050, 495},
        {11060, 510}, {11070, 515}, {11080, 520}, {12000, 525}, {12010, 530}, {12020, 535},
        {12030, 545}, {12040, 550}, {12050, 555}, {12060, 560}, {12080, 570}, {12090, 575},
        {13000, 580},
    };
    int branch = 0;
    for (size_t i = 0; i < sizeof k_branch / sizeof k_branch[0]; i++)
        if (k_branch[i].cuda <= cuda) branch = k_branch[i].branch;
    return cuda >= 11000 ? branch : 0;
}

void omsig_gpu_driver_reason(int driver, int runtime, const char *installed, char *why,
                             size_t why_len)
{
    const int need = omsig_gpu_driver_floor(runtime);
    char have[64] = "";
    if (installed && *installed)
        snprintf(have, sizeof have, " (driver %s)", installed);
    else if (omsig_gpu_driver_branch(driver))
        snprintf(have, sizeof have, " (driver %d)", omsig_gpu_driver_branch(driver));
    char need_branch[48] = "";
    if (omsig_gpu_driver_branch(need))
        snprintf(need_branch, sizeof need_branch, " (driver %d or newer)",
                 omsig_gpu_driver_branch(need));
    snprintf(why, why_len,
             "the NVIDIA driver supports CUDA %d.%d%s but this build's GPU engine needs CUDA "
             "%d.%d%s: update the driver%s",
             driver / 1000, driver % 1000 / 10, have, need / 1000, need % 1000 / 10, need_branch,
             need >= 13000 && driver >= 12000 ? " or use a build made with CUDA 12" : "");
}

/* The loaded kernel module's version ("535.104.05"), where the system shows it. */
static void installed_version(char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen("/sys/module/nvidia/version", "re");
    if (!f) return;
    if (fgets(out, (int)len, f)) out[strcspn(out, " \t\r\n")] = '\0';
    else out[0] = '\0';
    fclose(f);
}

omsig_gpu_driver omsig_gpu_driver_check(char *why, size_t why_len)
{
    int driver = 0;
    /* 0 (or an error) when no driver is installed: libcuda.so.1 could not be loaded */
    if (cudaDriverGetVersion(&driver) != cudaSuccess || driver <= 0) {
        snprintf(why, why_len, "no NVIDIA driver is installed (libcuda.so.1 was not found)");
        return OMSIG_GPU_DRIVER_NONE;
    }
    if (driver < omsig_gpu_driver_floor(CUDART_VERSION)) {
        char installed[32];
        installed_version(installed, sizeof installed);
        omsig_gpu_driver_reason(driver, CUDART_VERSION, installed, why, why_len);
        return OMSIG_GPU_DRIVER_OLD;
    }
    return OMSIG_GPU_DRIVER_OK;
}
