/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h - what every file of the library may use: the limits, a growable buffer, hex, base64,
 * Python repr(), paths and checked sizes (util.c).  Below the report layer: what can fail
 * for more than one reason returns 0 or -errno, a predicate returns bool.
 */
#ifndef OMSIG_UTIL_H
#define OMSIG_UTIL_H

#include "omsig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OMSIG_PRIVATE __attribute__((visibility("hidden")))

/* ---- limits (documented in docs/limits.md) ------------------------------------------- */
#define OMSIG_MAX_BUNDLE_BYTES   (64u << 20) /* a bundle larger than this is refused unread */
#define OMSIG_MAX_RESOURCES      10000000u   /* resources in one manifest */
#define OMSIG_MAX_PATH_BYTES     4096u       /* bytes of a resource name or model path */
#define OMSIG_MAX_DEPTH          256u        /* directory nesting in a model, JSON nesting */
#define OMSIG_MAX_DIGEST_BYTES   64u         /* BLAKE2b-512 */
#define OMSIG_DEFAULT_SHARD_SIZE 1000000000ull
#define OMSIG_DEFAULT_BUFFER     (256u << 20)

typedef struct omsig_buf {
    char *data;
    size_t len;
    size_t cap;
} omsig_buf;

OMSIG_PRIVATE int omsig_buf_append(omsig_buf *b, const void *p, size_t n); /* 0 or -ENOMEM */
OMSIG_PRIVATE int omsig_buf_puts(omsig_buf *b, const char *s);
OMSIG_PRIVATE int omsig_buf_printf(omsig_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
OMSIG_PRIVATE void omsig_buf_free(omsig_buf *b);

OMSIG_PRIVATE char *omsig_strdup(const char *s);
OMSIG_PRIVATE void omsig_hex(const uint8_t *in, size_t n, char *out /* 2n+1 */);
/* Decodes exactly n_out bytes of lowercase or uppercase hex: 0, or -EINVAL for any other
 * input.  The helpers below the report layer return 0 or -errno, as this one does. */
OMSIG_PRIVATE int omsig_unhex(const char *in, size_t in_len, uint8_t *out, size_t n_out);
/* Strict standard base64 (RFC 4648 section 4, padding required). Returns 0, -EINVAL or -ENOMEM; *out is
 * malloc'ed (with a NUL after the data) and owned by the caller. */
OMSIG_PRIVATE int omsig_base64_decode(const char *in, size_t n, uint8_t **out, size_t *out_len);
/* The bulk of a base64 text decoded with AVX2 (base64_avx2.c): whole 32-character blocks of
 * alphabet characters from the start, leaving at least the last 49 characters; returns the
 * characters decoded (a multiple of 32: out holds their 3/4 as bytes), 0 without AVX2.  out
 * must have room for 3n/4 bytes. */
OMSIG_PRIVATE size_t omsig_base64_decode_bulk(const char *in, size_t n, uint8_t *out);
OMSIG_PRIVATE char *omsig_base64_encode(const uint8_t *in, size_t n);
/* Python repr() of a str (UTF-8 given) or of a bytes object, appended to b. */
OMSIG_PRIVATE int omsig_py_repr_str(omsig_buf *b, const char *s);
OMSIG_PRIVATE int omsig_py_repr_bytes(omsig_buf *b, const uint8_t *p, size_t n);
OMSIG_PRIVATE bool omsig_utf8_valid(const char *s, size_t n);
OMSIG_PRIVATE int omsig_read_file(const char *path, size_t max, uint8_t **out, size_t *len);
OMSIG_PRIVATE bool omsig_sha256(const void *p, size_t n, uint8_t out[32]);
OMSIG_PRIVATE int omsig_sha256_hex(const void *p, size_t n, char out[65]);
/* n decimal digits (leading zeros allowed, no sign) that fit in 64 bits; false otherwise. */
OMSIG_PRIVATE bool omsig_u64_parse(const char *s, size_t n, uint64_t *out);

/* Checked size arithmetic: false when the result does not fit. */
static inline bool omsig_mul_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool omsig_add_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}
/* calloc/realloc of n items of size, failing (NULL) when n * size overflows. */
OMSIG_PRIVATE void *omsig_reallocarray(void *p, size_t n, size_t size);
/* Bytes with their length (a DER object, a decoded hash). */
typedef struct omsig_der {
    uint8_t *data;
    size_t len;
} omsig_der;
/* Frees the n buffers and the array holding them.  NULL is fine. */
OMSIG_PRIVATE void omsig_der_free(omsig_der *d, size_t n);
/* Frees n strings and the array holding them.  NULL is fine. */
OMSIG_PRIVATE void omsig_strv_free(char **v, size_t n);
/* qsort comparator of char * (or const char *) items, bytewise. */
OMSIG_PRIVATE int omsig_str_cmp(const void *a, const void *b);
/* qsort with a context argument (no file-level state anywhere in the library). */
OMSIG_PRIVATE void omsig_sort(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *, void *), void *ctx);

/* Resource and ignore names: a relative POSIX path with no empty, "." or ".." segment, no
 * NUL, at most OMSIG_MAX_PATH_BYTES.  Returns NULL when fine, else what is wrong. */
OMSIG_PRIVATE const char *omsig_relpath_problem(const char *name, size_t len);
/* Path order of the reference signer: segment by segment, each compared bytewise. */
OMSIG_PRIVATE int omsig_path_cmp(const char *a, const char *b);


OMSIG_PRIVATE double omsig_now(void); /* monotonic seconds */

#endif /* OMSIG_UTIL_H */
