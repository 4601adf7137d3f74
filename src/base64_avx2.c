/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64_avx2.c - the bulk of a base64 text decoded 32 characters at a time with AVX2: a
 * bundle's payload is megabytes of it.  Each block's characters are mapped to their 6-bit
 * values by range (A-Z, a-z, 0-9, '+', '/'), a block holding anything else is left to the
 * scalar decoder (util.c), which decodes the rest and says what is wrong.
 */
#include "util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* 0xff in each byte of x within [lo, hi] (both below 0x80: bytes from 0x80 up are negative
 * to the signed compare, so never in range) */
static inline AVX2 __m256i in_range(__m256i x, char lo, char hi)
{
    return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8((char)(lo - 1))),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(hi + 1)), x));
}

static AVX2 size_t decode_avx2(const char *in, size_t n, uint8_t *out)
{
    /* four 6-bit values a b c d of a 32-bit lane: (a << 6 | b) and (c << 6 | d) as 16-bit
     * words, then (ab << 12 | cd); its three bytes high first, the lanes' 12 bytes together */
    const __m256i pairs = _mm256_set1_epi32(0x01400140), quads = _mm256_set1_epi32(0x00011000);
    const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                           2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    size_t i = 0, k = 0;
    /* 49 characters or more are left: the 32-byte store (24 decoded) stays inside the output,
     * and the last quad, which may hold padding, is the scalar decoder's */
    for (; i + 48 < n; i += 32, k += 24) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(in + i));
        const __m256i up = in_range(x, 'A', 'Z'), low = in_range(x, 'a', 'z');
        const __m256i digit = in_range(x, '0', '9');
        const __m256i plus = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('+'));
        const __m256i slash = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('/'));
        const __m256i ok = _mm256_or_si256(_mm256_or_si256(up, low),
                                           _mm256_or_si256(digit, _mm256_or_si256(plus, slash)));
        if ((unsigned)_mm256_movemask_epi8(ok) != 0xffffffffu) break;
        __m256i off = _mm256_or_si256(_mm256_and_si256(up, _mm256_set1_epi8(-'A')),
                                      _mm256_and_si256(low, _mm256_set1_epi8(26 - 'a')));
        off = _mm256_or_si256(off, _mm256_and_si256(digit, _mm256_set1_epi8(52 - '0')));
        off = _mm256_or_si256(off, _mm256_and_si256(plus, _mm256_set1_epi8(62 - '+')));
        off = _mm256_or_si256(off, _mm256_and_si256(slash, _mm256_set1_epi8(63 - '/')));
        __m256i v = _mm256_add_epi8(x, off);
        v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, pairs), quads);
        v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, order), gather);
        _mm256_storeu_si256((__m256i *)(void *)(out + k), v);
    }
    return i;
}

size_t omsig_base64_decode_bulk(const char *in, size_t n, uint8_t *out)
{
    /* libgcc sets the CPU model up before any constructor of ours runs; only read here */
    return __builtin_cpu_supports("avx2") ? decode_avx2(in, n, out) : 0;
}

#else

size_t omsig_base64_decode_bulk(const char *in, size_t n, uint8_t *out)
{
    (void)in, (void)n, (void)out;
    return 0;
}

#endif
