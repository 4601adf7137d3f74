/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_avx512.c - BLAKE3 on 16 inputs at once with AVX-512F: lane i of every 512-bit vector
 * belongs to input i, so one G on vectors is sixteen G's, and every rotation is one vprord.
 * Only these functions are compiled for AVX-512; blake3_portable.c calls them after checking
 * the CPU.
 */
#include "blake3.h"
#include "blake3_tables.h"

#if OMSIG_BLAKE3_X86

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* the round macros' short name for the shared schedule (blake3_tables.h) */
static const uint8_t (*const k_sched)[16] = omsig_blake3_schedule;

#define VADD(a, b) _mm512_add_epi32((a), (b))
#define VXOR(a, b) _mm512_xor_si512((a), (b))

#define G(a, b, c, d, x, y)                                                                   \
    do {                                                                                      \
        v[a] = VADD(VADD(v[a], v[b]), (x));                                                   \
        v[d] = _mm512_ror_epi32(VXOR(v[d], v[a]), 16);                                        \
        v[c] = VADD(v[c], v[d]);                                                              \
        v[b] = _mm512_ror_epi32(VXOR(v[b], v[c]), 12);                                        \
        v[a] = VADD(VADD(v[a], v[b]), (y));                                                   \
        v[d] = _mm512_ror_epi32(VXOR(v[d], v[a]), 8);                                         \
        v[c] = VADD(v[c], v[d]);                                                              \
        v[b] = _mm512_ror_epi32(VXOR(v[b], v[c]), 7);                                         \
    } while (0)

#define ROUND(r)                                                                              \
    do {                                                                                      \
        G(0, 4, 8, 12, m[k_sched[r][0]], m[k_sched[r][1]]);                                   \
        G(1, 5, 9, 13, m[k_sched[r][2]], m[k_sched[r][3]]);                                   \
        G(2, 6, 10, 14, m[k_sched[r][4]], m[k_sched[r][5]]);                                  \
        G(3, 7, 11, 15, m[k_sched[r][6]], m[k_sched[r][7]]);                                  \
        G(0, 5, 10, 15, m[k_sched[r][8]], m[k_sched[r][9]]);                                  \
        G(1, 6, 11, 12, m[k_sched[r][10]], m[k_sched[r][11]]);                                \
        G(2, 7, 8, 13, m[k_sched[r][12]], m[k_sched[r][13]]);                                 \
        G(3, 4, 9, 14, m[k_sched[r][14]], m[k_sched[r][15]]);                                 \
    } while (0)

/* Transposes a 16x16 matrix of 32-bit words held as 16 row vectors. */
static inline AVX512 void transpose16(__m512i r[16])
{
    __m512i a[16], b[16];
    for (unsigned k = 0; k < 8; k++) {
        a[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        a[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    /* b[4q + j], 128-bit lane L: word 4L + j of rows 4q .. 4q + 3 */
    for (unsigned q = 0; q < 4; q++) {
        b[4 * q + 0] = _mm512_unpacklo_epi64(a[4 * q], a[4 * q + 2]);
        b[4 * q + 1] = _mm512_unpackhi_epi64(a[4 * q], a[4 * q + 2]);
        b[4 * q + 2] = _mm512_unpacklo_epi64(a[4 * q + 1], a[4 * q + 3]);
        b[4 * q + 3] = _mm512_unpackhi_epi64(a[4 * q + 1], a[4 * q + 3]);
    }
    /* word 4L + j gathers lane L of b[j], b[4 + j], b[8 + j], b[12 + j] */
    for (unsigned j = 0; j < 4; j++) {
        const __m512i c0 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0x44);
        const __m512i c1 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0xEE);
        const __m512i c2 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0x44);
        const __m512i c3 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0xEE);
        r[0 + j] = _mm512_shuffle_i32x4(c0, c2, 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(c0, c2, 0xDD);
        r[8 + j] = _mm512_shuffle_i32x4(c1, c3, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(c1, c3, 0xDD);
    }
}

void AVX512 omsig_blake3_many_avx512(const uint8_t *in, size_t stride, size_t blocks,
                                     uint64_t counter, int counter_step, uint32_t flags,
                                     uint32_t flags_start, uint32_t flags_end, uint8_t *out)
{
    __m512i h[16];
    for (unsigned i = 0; i < 8; i++) h[i] = _mm512_set1_epi32((int)omsig_blake3_iv[i]);
    uint32_t lo[16], hi[16];
    for (unsigned i = 0; i < 16; i++) {
        const uint64_t c = counter + (uint64_t)(counter_step ? i : 0);
        lo[i] = (uint32_t)c;
        hi[i] = (uint32_t)(c >> 32);
    }
    const __m512i ctr_lo = _mm512_loadu_si512(lo);
    const __m512i ctr_hi = _mm512_loadu_si512(hi);
    const __m512i blen = _mm512_set1_epi32((int)OMSIG_BLAKE3_BLOCK_LEN);
    for (size_t b = 0; b < blocks; b++) {
        uint32_t f = flags;
        if (b == 0) f |= flags_start;
        if (b + 1 == blocks) f |= flags_end;
        /* block b of each input of the next call, a call ahead (as blake3_avx2.c does) */
        for (unsigned i = 0; i < 16; i++)
            _mm_prefetch((const char *)((uintptr_t)in + (16 + i) * stride +
                                        b * OMSIG_BLAKE3_BLOCK_LEN),
                         _MM_HINT_T0);
        __m512i m[16];
        for (unsigned i = 0; i < 16; i++)
            m[i] = _mm512_loadu_si512(in + i * stride + b * OMSIG_BLAKE3_BLOCK_LEN);
        transpose16(m);
        __m512i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                         _mm512_set1_epi32((int)omsig_blake3_iv[0]),
                         _mm512_set1_epi32((int)omsig_blake3_iv[1]),
                         _mm512_set1_epi32((int)omsig_blake3_iv[2]),
                         _mm512_set1_epi32((int)omsig_blake3_iv[3]),
                         ctr_lo, ctr_hi, blen, _mm512_set1_epi32((int)f)};
        ROUND(0);
        ROUND(1);
        ROUND(2);
        ROUND(3);
        ROUND(4);
        ROUND(5);
        ROUND(6);
        for (unsigned i = 0; i < 8; i++) h[i] = VXOR(v[i], v[i + 8]);
    }
    for (unsigned i = 8; i < 16; i++) h[i] = _mm512_setzero_si512();
    transpose16(h); /* row i: input i's CV in words 0..7, zeros after */
    for (unsigned i = 0; i < 16; i++)
        _mm256_storeu_si256((__m256i *)(out + i * OMSIG_BLAKE3_OUT_LEN), _mm512_castsi512_si256(h[i]));
}

#endif /* OMSIG_BLAKE3_X86 */
