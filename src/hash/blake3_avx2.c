/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blake3_avx2.c - BLAKE3 on 8 inputs at once with AVX2: lane i of every 256-bit vector belongs
 * to input i, so one G on vectors is eight G's.  Only these functions are compiled for AVX2;
 * blake3_portable.c calls them after checking the CPU.
 */
#include "blake3.h"
#include "blake3_tables.h"

#if OMSIG_BLAKE3_X86

#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2")))

/* the round macros' short name for the shared schedule (blake3_tables.h) */
static const uint8_t (*const k_sched)[16] = omsig_blake3_schedule;

static inline AVX2 __m256i vadd(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
static inline AVX2 __m256i vxor(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }

/* Rotations by whole bytes are one byte shuffle; the others two shifts and an or. */
static inline AVX2 __m256i rot16(__m256i x)
{
    const __m256i s = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                       2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    return _mm256_shuffle_epi8(x, s);
}

static inline AVX2 __m256i rot8(__m256i x)
{
    const __m256i s = _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                       1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
    return _mm256_shuffle_epi8(x, s);
}

static inline AVX2 __m256i rot12(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20));
}

static inline AVX2 __m256i rot7(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25));
}

#define G(a, b, c, d, x, y)                                                                   \
    do {                                                                                      \
        v[a] = vadd(vadd(v[a], v[b]), (x));                                                     \
        v[d] = rot16(vxor(v[d], v[a]));                                                        \
        v[c] = vadd(v[c], v[d]);                                                               \
        v[b] = rot12(vxor(v[b], v[c]));                                                        \
        v[a] = vadd(vadd(v[a], v[b]), (y));                                                     \
        v[d] = rot8(vxor(v[d], v[a]));                                                         \
        v[c] = vadd(v[c], v[d]);                                                               \
        v[b] = rot7(vxor(v[b], v[c]));                                                         \
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

/* Transposes an 8x8 matrix of 32-bit words held as 8 row vectors. */
static inline AVX2 void transpose8(__m256i r[8])
{
    const __m256i a0 = _mm256_unpacklo_epi32(r[0], r[1]), a1 = _mm256_unpackhi_epi32(r[0], r[1]);
    const __m256i a2 = _mm256_unpacklo_epi32(r[2], r[3]), a3 = _mm256_unpackhi_epi32(r[2], r[3]);
    const __m256i a4 = _mm256_unpacklo_epi32(r[4], r[5]), a5 = _mm256_unpackhi_epi32(r[4], r[5]);
    const __m256i a6 = _mm256_unpacklo_epi32(r[6], r[7]), a7 = _mm256_unpackhi_epi32(r[6], r[7]);
    /* per 128-bit half: b0 = rows 0..3 word 0, b1 = word 1, b2 = word 2, b3 = word 3 */
    const __m256i b0 = _mm256_unpacklo_epi64(a0, a2), b1 = _mm256_unpackhi_epi64(a0, a2);
    const __m256i b2 = _mm256_unpacklo_epi64(a1, a3), b3 = _mm256_unpackhi_epi64(a1, a3);
    const __m256i b4 = _mm256_unpacklo_epi64(a4, a6), b5 = _mm256_unpackhi_epi64(a4, a6);
    const __m256i b6 = _mm256_unpacklo_epi64(a5, a7), b7 = _mm256_unpackhi_epi64(a5, a7);
    r[0] = _mm256_permute2x128_si256(b0, b4, 0x20);
    r[1] = _mm256_permute2x128_si256(b1, b5, 0x20);
    r[2] = _mm256_permute2x128_si256(b2, b6, 0x20);
    r[3] = _mm256_permute2x128_si256(b3, b7, 0x20);
    r[4] = _mm256_permute2x128_si256(b0, b4, 0x31);
    r[5] = _mm256_permute2x128_si256(b1, b5, 0x31);
    r[6] = _mm256_permute2x128_si256(b2, b6, 0x31);
    r[7] = _mm256_permute2x128_si256(b3, b7, 0x31);
}

/* Block `off` of each of the 8 inputs, as 16 vectors of message word j across the inputs. */
static inline AVX2 void load_msg(const uint8_t *in, size_t stride, size_t off, __m256i m[16])
{
    for (unsigned half = 0; half < 2; half++) {
        __m256i *r = m + 8 * half;
        for (unsigned i = 0; i < 8; i++)
            r[i] = _mm256_loadu_si256((const __m256i *)(in + i * stride + off + 32 * half));
        transpose8(r);
    }
}

void AVX2 omsig_blake3_many_avx2(const uint8_t *in, size_t stride, size_t blocks,
                                 uint64_t counter, int counter_step, uint32_t flags,
                                 uint32_t flags_start, uint32_t flags_end,
                                 uint8_t *out)
{
    __m256i h[8];
    for (unsigned i = 0; i < 8; i++) h[i] = _mm256_set1_epi32((int)omsig_blake3_iv[i]);
    uint32_t lo[8], hi[8];
    for (unsigned i = 0; i < 8; i++) {
        const uint64_t c = counter + (uint64_t)(counter_step ? i : 0);
        lo[i] = (uint32_t)c;
        hi[i] = (uint32_t)(c >> 32);
    }
    const __m256i ctr_lo = _mm256_loadu_si256((const __m256i *)lo);
    const __m256i ctr_hi = _mm256_loadu_si256((const __m256i *)hi);
    const __m256i blen = _mm256_set1_epi32((int)OMSIG_BLAKE3_BLOCK_LEN);
    for (size_t b = 0; b < blocks; b++) {
        uint32_t f = flags;
        if (b == 0) f |= flags_start;
        if (b + 1 == blocks) f |= flags_end;
        /* Eight streams 1 KiB apart are too many for the hardware prefetcher to follow, so
         * block b of each input of the next call (the next 8 chunks, which the caller hashes
         * next when it walks a large input) is fetched now, a whole call ahead of its use.
         * Fetching a few blocks ahead within this call instead was 20% slower from memory
         * (its last blocks fetched the next input's start, already in cache).  A prefetch
         * past the end of the input is harmless: it never faults (the address is
         * computed as an integer, so no pointer leaves its object). */
        for (unsigned i = 0; i < 8; i++)
            _mm_prefetch((const char *)((uintptr_t)in + (8 + i) * stride +
                                        b * OMSIG_BLAKE3_BLOCK_LEN),
                         _MM_HINT_T0);
        __m256i m[16];
        load_msg(in, stride, b * OMSIG_BLAKE3_BLOCK_LEN, m);
        __m256i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                         _mm256_set1_epi32((int)omsig_blake3_iv[0]),
                         _mm256_set1_epi32((int)omsig_blake3_iv[1]),
                         _mm256_set1_epi32((int)omsig_blake3_iv[2]),
                         _mm256_set1_epi32((int)omsig_blake3_iv[3]),
                         ctr_lo, ctr_hi, blen, _mm256_set1_epi32((int)f)};
        ROUND(0);
        ROUND(1);
        ROUND(2);
        ROUND(3);
        ROUND(4);
        ROUND(5);
        ROUND(6);
        for (unsigned i = 0; i < 8; i++) h[i] = vxor(v[i], v[i + 8]);
    }
    transpose8(h);
    for (unsigned i = 0; i < 8; i++)
        _mm256_storeu_si256((__m256i *)(out + i * OMSIG_BLAKE3_OUT_LEN), h[i]);
}

#endif /* OMSIG_BLAKE3_X86 */
