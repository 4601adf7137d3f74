/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_verify.c - libFuzzer target: a whole verification of an arbitrary bundle against a
 * tiny fixed model and the hostile corpus's key, through the public API. */
#define _GNU_SOURCE
#include "omsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char g_model[64], g_key[128];

static void setup(void)
{
    snprintf(g_model, sizeof g_model, "/tmp/omsig-fuzz-%d", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/sub && printf 'hostile model weights\\n' > %s/weights.bin"
                              " && printf '{}\\n' > %s/config.json && printf 'tok\\n' > %s/sub/tokenizer.txt",
             g_model, g_model, g_model, g_model);
    if (system(cmd) != 0) abort();
    const char *key = getenv("OMSIG_FUZZ_KEY");
    snprintf(g_key, sizeof g_key, "%s", key ? key : "testdata/hostile/key.pub.pem");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_model[0]) setup();
    const int fd = memfd_create("bundle", 0);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char sig[64];
    snprintf(sig, sizeof sig, "/proc/self/fd/%d", fd);
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.model_path = g_model;
    o.signature_path = sig;
    o.public_key_path = g_key;
    o.threads = 1;
    omsig_report *r = NULL;
    const omsig_status st = omsig_verify(&o, &r);
    if (st != OMSIG_OK && !omsig_report_message(r)[0]) abort(); /* every failure says why */
    omsig_report_free(r);
    close(fd);
    return 0;
}
