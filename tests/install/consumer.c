/* SPDX-License-Identifier: Apache-2.0 */
/* consumer.c - a program built against an installed libomsig (pkg-config or the CMake
 * package): verifies MODEL against SIG with the public key PEM through omsig.h only. */
#include <omsig.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL SIG PUBKEY\n", argv[0]);
        return 2;
    }
    omsig_options opt;
    omsig_options_init(&opt);
    opt.method = OMSIG_METHOD_KEY;
    opt.model_path = argv[1];
    opt.signature_path = argv[2];
    opt.public_key_path = argv[3];
    omsig_report *rep = NULL;
    const omsig_status st = omsig_verify(&opt, &rep);
    const char *features = omsig_build_features(); /* each word followed by a space */
    const size_t flen = strlen(features);
    printf("omsig %s (features: %.*s): %s, %llu files, %llu bytes, root %s%s%s\n",
           OMSIG_VERSION_STRING, flen ? (int)flen - 1 : 4, flen ? features : "none",
           omsig_strerror(st),
           (unsigned long long)omsig_report_files(rep),
           (unsigned long long)omsig_report_bytes(rep), omsig_report_root_digest(rep),
           st == OMSIG_OK ? "" : ": ", st == OMSIG_OK ? "" : omsig_report_message(rep));
    omsig_report_free(rep);
    return st == OMSIG_OK ? 0 : 1;
}
