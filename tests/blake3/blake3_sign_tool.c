/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_sign_tool.c - signs, verifies and digests with hash blake3 through the library API,
 * for the BLAKE3 scripts (the command line need not offer --hash blake3 for them to run).
 *   blake3_sign_tool sign MODEL BUNDLE PRIVATE_KEY [shards]
 *   blake3_sign_tool verify MODEL BUNDLE PUBLIC_KEY
 *   blake3_sign_tool digest MODEL [THREADS]      prints the root digest
 * Exit 0 on success, 1 on failure (the report's message on stderr), 2 on usage.
 */
#include <omsig.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s sign|verify|digest MODEL [BUNDLE KEY [shards]]\n", argv[0]);
        return 2;
    }
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_KEY;
    o.hash = OMSIG_HASH_BLAKE3;
    o.hasher = OMSIG_HASHER_CPU;
    o.model_path = argv[2];
    omsig_report *rep = NULL;
    omsig_status st;
    if (strcmp(argv[1], "sign") == 0 && argc >= 5) {
        o.signature_path = argv[3];
        o.private_key_path = argv[4];
        if (argc > 5 && strcmp(argv[5], "shards") == 0) o.serialization = OMSIG_SERIAL_SHARDS;
        st = omsig_sign(&o, &rep);
    } else if (strcmp(argv[1], "verify") == 0 && argc >= 5) {
        o.signature_path = argv[3];
        o.public_key_path = argv[4];
        st = omsig_verify(&o, &rep);
    } else if (strcmp(argv[1], "digest") == 0) {
        if (argc > 3) o.threads = (unsigned)atoi(argv[3]);
        st = omsig_digest(&o, &rep);
        if (st == OMSIG_OK) printf("%s\n", omsig_report_root_digest(rep));
    } else {
        fprintf(stderr, "usage: %s sign|verify|digest MODEL [BUNDLE KEY [shards]]\n", argv[0]);
        return 2;
    }
    if (st != OMSIG_OK)
        fprintf(stderr, "%s: %s\n", omsig_strerror(st), rep ? omsig_report_message(rep) : "");
    omsig_report_free(rep);
    return st == OMSIG_OK ? 0 : 1;
}
