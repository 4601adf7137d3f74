/* SPDX-License-Identifier: Apache-2.0 */
/* sha256_x86.h - SHA-256 compression on x86-64 SHA extensions, 1 to 3 independent streams
 * interleaved on one core, and a small multi-lane streaming hasher built on it. */
#ifndef OMSIG_SHA256_X86_H
#define OMSIG_SHA256_X86_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the SHA extensions (with SSSE3 and SSE4.1) are present and OMSIG_SHA256 is not
 * "openssl"; decided on the first call and kept for the life of the process.  OMSIG_SHA256=sse
 * keeps the extensions but forces the SSE forms of the 2- and 3-lane kernels. */
int omsig_sha256_x86_available(void);

/* Whole 64-byte blocks.  State is H0..H7 in the usual order.  These execute SHA instructions
 * unconditionally: call them only when omsig_sha256_x86_available() said 1.  In the 2- and
 * 3-lane forms every lane advances by nblocks; the lanes must not share state. */
void omsig_sha256_x86_blocks1(uint32_t state[8], const uint8_t *data, size_t nblocks);
void omsig_sha256_x86_blocks2(uint32_t *state[2], const uint8_t *data[2], size_t nblocks);
void omsig_sha256_x86_blocks3(uint32_t *state[3], const uint8_t *data[3], size_t nblocks);

/* 1 when blocks2 and blocks3 run the forms that use the AVX-512 register file (AMD CPUs with
 * AVX-512VL), 0 when they run the SSE forms (Intel, older AMD, OMSIG_SHA256=sse). */
int omsig_sha256_x86_evex(void);

/* What interleaving gains with the kernels this process runs: the rate of k lanes on one core
 * over the rate of one lane, for k = 1..3 (1.0 for k = 1 and where the extensions are
 * missing), and the lane count with the highest rate.  The figures are a fixed table per kernel
 * form and CPU vendor, from bench_sha256 on the cores measured (bench/README-sha256.md): the
 * gains are a property of the microarchitecture and of this code, and timing them at start-up
 * would cost a tiny run more than it hashes and vary with the machine's load. */
double omsig_sha256_x86_gain(unsigned k);
unsigned omsig_sha256_x86_best_lanes(void);

/* Both forms by name, for tests and benchmarks: _sse needs what blocks1 needs; _evex also
 * needs AVX-512F and AVX-512VL with the OS saving their state (omsig_sha256_x86_evex() == 1 or
 * the CPU checked otherwise). */
void omsig_sha256_x86_blocks2_sse(uint32_t *state[2], const uint8_t *data[2], size_t nblocks);
void omsig_sha256_x86_blocks3_sse(uint32_t *state[3], const uint8_t *data[3], size_t nblocks);
void omsig_sha256_x86_blocks2_evex(uint32_t *state[2], const uint8_t *data[2], size_t nblocks);
void omsig_sha256_x86_blocks3_evex(uint32_t *state[3], const uint8_t *data[3], size_t nblocks);

/* Plain C compression: what the lane API runs when the extensions are missing or turned off. */
void omsig_sha256_portable_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks);

typedef struct omsig_sha256_lane {
    uint32_t h[8];
    uint8_t buf[64];
    size_t buf_len;
    uint64_t total; /* bytes fed so far */
} omsig_sha256_lane;

void omsig_sha256_lane_init(omsig_sha256_lane *l);

/* Feeds k lanes their own data at once; lengths may differ and a length may be 0.  Whole
 * blocks go through the widest interleaved compression that the lanes still holding blocks
 * allow (all k while every lane has some, then fewer), so k may be any count: groups of three
 * are taken in turn.  The lanes must be distinct. */
void omsig_sha256_lanes_update(omsig_sha256_lane *const *lanes, const uint8_t *const *data,
                               const size_t *len, unsigned k);

/* Pads, writes the digest; the lane must be initialised again before reuse. */
void omsig_sha256_lane_final(omsig_sha256_lane *l, uint8_t out[32]);

#endif
