/* SPDX-License-Identifier: Apache-2.0 */
/* blake3_tables.h - BLAKE3's constants, shared by the portable and the wide backends, and (as
 * the macro lists below, which expand to literals) by the GPU core, cuda/blake3_core.h. */
#ifndef OMSIG_BLAKE3_TABLES_H
#define OMSIG_BLAKE3_TABLES_H

#include <stdint.h>

/* SHA-256's initial hash value, the BLAKE3 IV, as a list of 8 literals. */
#define OMSIG_BLAKE3_IV_LIST                                                                  \
    0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au, 0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, \
        0x5BE0CD19u

/* The message words each round reads: row r is the permutation
 * {2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8} applied r times to 0..15.  OMSIG_BLAKE3_SCHEDULE(X)
 * expands to X(row) for each of the 7 rows in order, a row being 16 literals. */
#define OMSIG_BLAKE3_SCHEDULE(X)                                                              \
    X(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)                                   \
    X(2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)                                   \
    X(3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1)                                   \
    X(10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6)                                   \
    X(12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4)                                   \
    X(9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7)                                   \
    X(11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13)

#define OMSIG_BLAKE3_ROW_(...) {__VA_ARGS__},

static const uint32_t omsig_blake3_iv[8] = {OMSIG_BLAKE3_IV_LIST};

static const uint8_t omsig_blake3_schedule[7][16] = {OMSIG_BLAKE3_SCHEDULE(OMSIG_BLAKE3_ROW_)};

#endif /* OMSIG_BLAKE3_TABLES_H */
