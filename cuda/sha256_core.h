/* SPDX-License-Identifier: Apache-2.0 */
/* sha256_core.h - SHA-256 compression, block load and padding in one header that builds both as
 * plain C11 on the host and as CUDA __host__ __device__ code, so host tests exercise the very code
 * each GPU thread runs. Nothing here allocates, loops over streams or knows about batches. */
#ifndef OMSIG_SHA256_CORE_H
#define OMSIG_SHA256_CORE_H

#include <stdint.h>

#include "gpu_hd.h"

/* ---- the round functions ------------------------------------------------------------------ */

OMSIG_HD uint32_t omsig_sha256_rotr(uint32_t x, unsigned n)
{
#ifdef __CUDA_ARCH__
    return __funnelshift_r(x, x, n);
#else
    return (x >> n) | (x << (32u - n)); /* n is always 2..25 here */
#endif
}

OMSIG_HD uint32_t omsig_sha256_bswap(uint32_t x)
{
#ifdef __CUDA_ARCH__
    return __byte_perm(x, 0, 0x0123);
#else
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
#endif
}

/* Ch and Maj in the forms that take one fewer operation than the textbook ones. */
OMSIG_HD uint32_t omsig_sha256_ch(uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); }
OMSIG_HD uint32_t omsig_sha256_maj(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) | (z & (x ^ y));
}

OMSIG_HD uint32_t omsig_sha256_big_s0(uint32_t x)
{
    return omsig_sha256_rotr(x, 2) ^ omsig_sha256_rotr(x, 13) ^ omsig_sha256_rotr(x, 22);
}
OMSIG_HD uint32_t omsig_sha256_big_s1(uint32_t x)
{
    return omsig_sha256_rotr(x, 6) ^ omsig_sha256_rotr(x, 11) ^ omsig_sha256_rotr(x, 25);
}
OMSIG_HD uint32_t omsig_sha256_small_s0(uint32_t x)
{
    return omsig_sha256_rotr(x, 7) ^ omsig_sha256_rotr(x, 18) ^ (x >> 3);
}
OMSIG_HD uint32_t omsig_sha256_small_s1(uint32_t x)
{
    return omsig_sha256_rotr(x, 17) ^ omsig_sha256_rotr(x, 19) ^ (x >> 10);
}

/* ---- init and compress -------------------------------------------------------------------- */

/* Sets the eight state words to the SHA-256 initial value. */
OMSIG_HD void omsig_sha256_core_init(uint32_t s[8])
{
    s[0] = 0x6a09e667u;
    s[1] = 0xbb67ae85u;
    s[2] = 0x3c6ef372u;
    s[3] = 0xa54ff53au;
    s[4] = 0x510e527fu;
    s[5] = 0x9b05688cu;
    s[6] = 0x1f83d9abu;
    s[7] = 0x5be0cd19u;
}

/* One round. `i` is a literal round number and `k` its literal constant, so after expansion
 * every index into the 16-word window is a constant (the window stays in registers) and every
 * K is an immediate operand. From round 16 on, the window slot of round i-16 is replaced by
 * W[i] before it is used. The callers rotate the roles of a..h instead of moving values. */
#define OMSIG_SHA256_ROUND(a, b, c, d, e, f, g, h, i, k)                                       \
    do {                                                                                       \
        if ((i) >= 16)                                                                         \
            w[(i)&15] += omsig_sha256_small_s1(w[((i) + 14) & 15]) + w[((i) + 9) & 15] +       \
                         omsig_sha256_small_s0(w[((i) + 1) & 15]);                             \
        const uint32_t t1_ = (h) + omsig_sha256_big_s1(e) + omsig_sha256_ch(e, f, g) + (k) +   \
                             w[(i)&15];                                                        \
        (d) += t1_;                                                                            \
        (h) = t1_ + omsig_sha256_big_s0(a) + omsig_sha256_maj(a, b, c);                        \
    } while (0)

#define OMSIG_SHA256_8ROUNDS(i, k0, k1, k2, k3, k4, k5, k6, k7)                                \
    do {                                                                                       \
        OMSIG_SHA256_ROUND(a, b, c, d, e, f, g, h, (i) + 0, k0);                               \
        OMSIG_SHA256_ROUND(h, a, b, c, d, e, f, g, (i) + 1, k1);                               \
        OMSIG_SHA256_ROUND(g, h, a, b, c, d, e, f, (i) + 2, k2);                               \
        OMSIG_SHA256_ROUND(f, g, h, a, b, c, d, e, (i) + 3, k3);                               \
        OMSIG_SHA256_ROUND(e, f, g, h, a, b, c, d, (i) + 4, k4);                               \
        OMSIG_SHA256_ROUND(d, e, f, g, h, a, b, c, (i) + 5, k5);                               \
        OMSIG_SHA256_ROUND(c, d, e, f, g, h, a, b, (i) + 6, k6);                               \
        OMSIG_SHA256_ROUND(b, c, d, e, f, g, h, a, (i) + 7, k7);                               \
    } while (0)

/* Compresses one block, given as its 16 big-endian words, into the state. The 64 rounds are
 * written out in full: no W[64] array, no constant table in memory. */
OMSIG_HD void omsig_sha256_core_compress(uint32_t s[8], const uint32_t m[16])
{
    uint32_t w[16];
    OMSIG_UNROLL
    for (int j = 0; j < 16; j++) w[j] = m[j]; /* stays in registers once inlined */
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];

    OMSIG_SHA256_8ROUNDS(0, 0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
                         0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u);
    OMSIG_SHA256_8ROUNDS(8, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u,
                         0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u);
    OMSIG_SHA256_8ROUNDS(16, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
                         0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau);
    OMSIG_SHA256_8ROUNDS(24, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u,
                         0xd5a79147u, 0x06ca6351u, 0x14292967u);
    OMSIG_SHA256_8ROUNDS(32, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u,
                         0x766a0abbu, 0x81c2c92eu, 0x92722c85u);
    OMSIG_SHA256_8ROUNDS(40, 0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
                         0xd6990624u, 0xf40e3585u, 0x106aa070u);
    OMSIG_SHA256_8ROUNDS(48, 0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u,
                         0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u);
    OMSIG_SHA256_8ROUNDS(56, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau,
                         0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u);

    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
    s[5] += f;
    s[6] += g;
    s[7] += h;
}

#undef OMSIG_SHA256_8ROUNDS
#undef OMSIG_SHA256_ROUND

/* ---- loads and stores --------------------------------------------------------------------- */

/* Reads one 64-byte block as 16 big-endian words.
 * @pre on the device, p is 16-byte aligned and points to global memory (four 16-byte read-only
 *      loads); on the host any alignment is fine. */
OMSIG_HD void omsig_sha256_core_load_block(uint32_t w[16], const uint8_t *p)
{
#ifdef __CUDA_ARCH__
    const uint4 *q = (const uint4 *)p;
    OMSIG_UNROLL
    for (int j = 0; j < 4; j++) {
        const uint4 v = __ldg(q + j);
        w[4 * j + 0] = omsig_sha256_bswap(v.x);
        w[4 * j + 1] = omsig_sha256_bswap(v.y);
        w[4 * j + 2] = omsig_sha256_bswap(v.z);
        w[4 * j + 3] = omsig_sha256_bswap(v.w);
    }
#else
    OMSIG_UNROLL
    for (int j = 0; j < 16; j++)
        w[j] = (uint32_t)p[4 * j] << 24 | (uint32_t)p[4 * j + 1] << 16 |
               (uint32_t)p[4 * j + 2] << 8 | (uint32_t)p[4 * j + 3];
#endif
}

/* Writes the state as the 32-byte digest.
 * @pre on the device, out is 16-byte aligned (two 16-byte stores); on the host, any alignment. */
OMSIG_HD void omsig_sha256_core_store_digest(const uint32_t s[8], uint8_t out[32])
{
#ifdef __CUDA_ARCH__
    uint4 *q = (uint4 *)out;
    q[0] = make_uint4(omsig_sha256_bswap(s[0]), omsig_sha256_bswap(s[1]),
                      omsig_sha256_bswap(s[2]), omsig_sha256_bswap(s[3]));
    q[1] = make_uint4(omsig_sha256_bswap(s[4]), omsig_sha256_bswap(s[5]),
                      omsig_sha256_bswap(s[6]), omsig_sha256_bswap(s[7]));
#else
    for (int j = 0; j < 8; j++) {
        out[4 * j + 0] = (uint8_t)(s[j] >> 24);
        out[4 * j + 1] = (uint8_t)(s[j] >> 16);
        out[4 * j + 2] = (uint8_t)(s[j] >> 8);
        out[4 * j + 3] = (uint8_t)s[j];
    }
#endif
}

/* ---- padding ------------------------------------------------------------------------------ */

/* Builds the first padding block: the n tail bytes, then 0x80, then zeros. Each byte is read
 * on its own, so the tail may have any alignment, and no byte at or past tail[n] is read. */
OMSIG_HD void omsig_sha256_core_tail_block(uint32_t w[16], const uint8_t *tail, uint32_t n)
{
    OMSIG_UNROLL
    for (uint32_t j = 0; j < 16; j++) {
        uint32_t v = 0;
        OMSIG_UNROLL
        for (uint32_t t = 0; t < 4; t++) {
            const uint32_t at = 4 * j + t;
            const uint32_t byte = at < n ? tail[at] : (at == n ? 0x80u : 0u);
            v = v << 8 | byte;
        }
        w[j] = v;
    }
}

/* Pads and finishes a message: s holds the state after every whole block, tail the last
 * n (< 64) bytes, total the length of the whole message in bytes. Writes the digest to out
 * (see omsig_sha256_core_store_digest for its alignment). The length is taken modulo 2^61
 * bytes, the most SHA-256 defines. */
OMSIG_HD void omsig_sha256_core_finish(uint32_t s[8], const uint8_t *tail, uint32_t n,
                                       uint64_t total, uint8_t out[32])
{
    uint32_t w[16];
    omsig_sha256_core_tail_block(w, tail, n);
    const uint64_t bits = total << 3;
    /* Past 55 tail bytes the length no longer fits: a second, all-padding block follows. One
     * loop with one compress body keeps a single copy of the rounds in the code. */
    const int blocks = n < 56 ? 1 : 2;
    OMSIG_NO_UNROLL
    for (int b = 0; b < blocks; b++) {
        if (b == blocks - 1) {
            w[14] = (uint32_t)(bits >> 32);
            w[15] = (uint32_t)bits;
        }
        omsig_sha256_core_compress(s, w);
        OMSIG_UNROLL
        for (int j = 0; j < 16; j++) w[j] = 0;
    }
    omsig_sha256_core_store_digest(s, out);
}

#endif
