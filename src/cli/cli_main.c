/* SPDX-License-Identifier: Apache-2.0 */
/* cli_main.c - omsig's entry point: parse, run one library call, print, exit 0/1/2. */
#include "cli.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int omsigcli_main(int argc, char **argv)
{
    omsigcli_args a;
    const int rc = omsigcli_parse(argc, argv, &a);
    if (rc >= 0) {
        omsigcli_args_free(&a);
        return rc;
    }
    /* A verify's freed memory stays in the heap for its next allocation instead of going
     * back to the kernel: it frees the bundle's tens of MB before it allocates its plan, and
     * a fresh mapping costs a page fault per 4 KiB touched (100,000 files: 18,700 faults
     * before, 12,200 after).  Blocks over 32 MiB are still mapped apart.  Not for sign, whose
     * peak it raised (a million files: 874 to 928 MiB).  A setting of the process, so the
     * program's to make, not the library's. */
    if (a.command == CMD_VERIFY) {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 128 << 20);
    }
    omsigcli_openssl_init(&a);
    if (a.command == CMD_BENCH) {
        const int brc = omsigcli_bench(&a);
        omsigcli_args_free(&a);
        return brc;
    }
    /* a token's PIN that the URI does not give is asked here, on the terminal: the library
     * never prompts */
    char *pin = NULL;
    if (a.command == CMD_SIGN &&
        (a.opt.method == OMSIG_METHOD_PKCS11_KEY || a.opt.method == OMSIG_METHOD_PKCS11_CERTIFICATE) &&
        strstr(omsig_build_features(), "pkcs11 ") && strncmp(a.opt.pkcs11_uri, "pkcs11:", 7) == 0 &&
        !omsigcli_uri_has_pin(a.opt.pkcs11_uri))
        a.opt.pkcs11_pin = pin = omsigcli_ask_pin("PIN of the PKCS #11 token: ");
    if (!a.quiet && !a.json && isatty(STDERR_FILENO)) {
        a.opt.progress = omsigcli_progress;
        omsigcli_progress_begin();
    }

    omsig_report *rep = NULL;
    omsig_status st;
    const char *ok_line, *fail_prefix;
    switch (a.command) {
    case CMD_VERIFY:
        st = omsig_verify(&a.opt, &rep);
        ok_line = "Verification succeeded";
        fail_prefix = "Verification failed with error: ";
        break;
    case CMD_SIGN:
        st = omsig_sign(&a.opt, &rep);
        ok_line = "Signing succeeded";
        fail_prefix = "Signing failed with error: ";
        break;
    default:
        st = omsig_digest(&a.opt, &rep);
        ok_line = NULL;
        fail_prefix = "Computing digest failed: ";
        break;
    }
    if (a.opt.progress) omsigcli_progress_end();
    const int exit_code = st == OMSIG_OK        ? OMSIGCLI_EXIT_OK
                          : st == OMSIG_E_USAGE ? OMSIGCLI_EXIT_USAGE
                                                : OMSIGCLI_EXIT_FAIL;
    /* model_signing's CLI hashes whole files with sha256: it cannot verify what these make */
    if (a.command == CMD_SIGN && st == OMSIG_OK &&
        (a.opt.serialization == OMSIG_SERIAL_SHARDS || a.opt.hash != OMSIG_HASH_SHA256))
        a.note = a.opt.hash == OMSIG_HASH_BLAKE3
                     ? "Note: model_signing's CLI cannot verify this signature (blake3 digests, "
                       "--hash blake3): it hashes with sha256; its library verifies it "
                       "(hashing_algorithm=\"blake3\"), as omsig does. With blake3 a model is "
                       "signed file by file, as model_signing signs it, --shard-size or not."
                 : a.opt.serialization == OMSIG_SERIAL_SHARDS && a.opt.hash != OMSIG_HASH_SHA256
                     ? "Note: model_signing's CLI cannot verify this signature (a shards "
                       "manifest, --shard-size, of blake2b digests, --hash blake2b): it hashes "
                       "whole files with sha256. omsig verifies it; sign without both flags "
                       "for a bundle that both tools verify."
                 : a.opt.serialization == OMSIG_SERIAL_SHARDS
                     ? "Note: model_signing's CLI cannot verify this signature (a shards "
                       "manifest, --shard-size): it hashes whole files. omsig verifies it; "
                       "sign without --shard-size for a bundle that both tools verify."
                     : "Note: model_signing's CLI cannot verify this signature (blake2b "
                       "digests, --hash blake2b): it hashes with sha256. omsig verifies it; "
                       "sign without --hash blake2b for a bundle that both tools verify.";
    /* stdout holds the document and nothing else with --json; warnings are in it and on
     * stderr */
    omsigcli_print_warnings(&a, rep);
    if (a.log_level <= OMSIGCLI_LOG_DEBUG) omsigcli_print_debug(&a, rep);
    if (a.json) {
        omsigcli_print_json(&a, rep, st, exit_code);
    } else if (st == OMSIG_OK && ok_line) {
        puts(ok_line);
    } else if (st == OMSIG_OK) {
        omsigcli_print_line(stdout, "sha256:", omsig_report_root_digest(rep));
    }
    if (a.note && a.log_level < OMSIGCLI_LOG_ERROR) {
        fflush(stdout);
        fprintf(stderr, "%s\n", a.note);
    }
    if (st != OMSIG_OK) omsigcli_print_line(stderr, fail_prefix, omsig_report_message(rep));
    if (st != OMSIG_OK) omsigcli_print_problems(stderr, rep);
    omsig_report_free(rep);
    omsigcli_free_pin(pin);
    omsigcli_args_free(&a);
    fflush(stdout);
    return exit_code;
}

#ifndef OMSIGCLI_NO_MAIN
int main(int argc, char **argv) { return omsigcli_main(argc, argv); }
#endif
