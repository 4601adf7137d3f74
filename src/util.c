/* SPDX-License-Identifier: Apache-2.0 */
/* util.c - growable buffers, hex and base64, Python repr(), path-name rules, whole-file reads. */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int omsig_buf_append(omsig_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) return -ENOMEM;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) return -ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int omsig_buf_puts(omsig_buf *b, const char *s) { return omsig_buf_append(b, s, strlen(s)); }

int omsig_buf_printf(omsig_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return -EINVAL;
    if ((size_t)n < sizeof small) return omsig_buf_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) return -ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    const int rc = omsig_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

void omsig_buf_free(omsig_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *omsig_strdup(const char *s)
{
    if (!s) return NULL;
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void omsig_hex(const uint8_t *in, size_t n, char *out)
{
    static const char k[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = k[in[i] >> 4];
        out[2 * i + 1] = k[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* 0-15 for a hex digit, 16 for anything else: a lookup, not branches that digits and letters
 * in random order mispredict (a manifest's digests are that) */
static const uint8_t k_hex[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
    X16, X16, X16,
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  16, 16, 16, 16, 16, 16,
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    X16,
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    X16, X16, X16, X16, X16, X16, X16, X16, X16,
#undef X16
};

int omsig_unhex(const char *in, size_t in_len, uint8_t *out, size_t n_out)
{
    if (in_len != 2 * n_out) return -EINVAL;
    const unsigned char *p = (const unsigned char *)in;
    uint8_t tmp[64]; /* a digest is decoded in one pass, out untouched on failure */
    uint8_t *o = n_out <= sizeof tmp ? tmp : out;
    unsigned bad = 0;
    for (size_t i = 0; i < n_out; i++) {
        const unsigned hi = k_hex[p[2 * i]], lo = k_hex[p[2 * i + 1]];
        bad |= hi | lo;
        o[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    if (bad & 16) return -EINVAL;
    if (o == tmp) memcpy(out, tmp, n_out);
    return 0;
}

/* 0-63 for the alphabet, 64 for anything else ('=' included) */
static const uint8_t k_b64[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

static int b64val(unsigned char c) { return k_b64[c] < 64 ? k_b64[c] : -1; }

int omsig_base64_decode(const char *in, size_t n, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (n % 4 != 0) return -EINVAL;
    size_t pad = 0;
    if (n >= 1 && in[n - 1] == '=') pad++;
    if (n >= 2 && in[n - 2] == '=') pad++;
    uint8_t *o = malloc(n / 4 * 3 + 1);
    if (!o) return -ENOMEM;
    size_t i = omsig_base64_decode_bulk(in, n, o);
    size_t k = i / 4 * 3;
    /* every quad but the last has no padding: four lookups, the check once at the end, and
     * the three bytes stored as four (the fourth is the next quad's first, or the tail's) */
    uint32_t err = 0;
    for (; i + 4 < n; i += 4, k += 3) {
        const unsigned char *q = (const unsigned char *)in + i;
        const uint32_t a = k_b64[q[0]], b = k_b64[q[1]], c = k_b64[q[2]], d = k_b64[q[3]];
        err |= a | b | c | d;
        uint32_t w = a << 26 | b << 20 | c << 14 | d << 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap32(w);
#endif
        memcpy(o + k, &w, 4);
    }
    if (err & 64) goto bad;
    for (; i < n; i += 4) {
        int v[4];
        const bool last = i + 4 == n;
        for (int j = 0; j < 4; j++) {
            const unsigned char c = (unsigned char)in[i + j];
            if (c == '=' && last && j >= 4 - (int)pad) {
                v[j] = 0;
                continue;
            }
            v[j] = b64val(c);
            if (v[j] < 0) goto bad;
        }
        const uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                           (uint32_t)v[3];
        o[k++] = (uint8_t)(w >> 16);
        if (!(last && pad == 2)) o[k++] = (uint8_t)(w >> 8);
        if (!(last && pad >= 1)) o[k++] = (uint8_t)w;
        /* canonical form: the bits under the padding are zero */
        if (last && pad == 2 && (v[1] & 15)) goto bad;
        if (last && pad == 1 && (v[2] & 3)) goto bad;
    }
    o[k] = 0;
    *out = o;
    *out_len = k;
    return 0;
bad:
    free(o);
    return -EINVAL;
}

char *omsig_base64_encode(const uint8_t *in, size_t n)
{
    size_t bytes;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 2 || !omsig_add_ok(4 * ((n + 2) / 3), 1, &bytes)) return NULL;
    char *o = malloc(bytes);
    if (!o) return NULL;
    const int len = EVP_EncodeBlock((unsigned char *)o, in, (int)n);
    o[len] = '\0';
    return o;
}

/* Python 3 picks ' unless the text holds ' and no ". */
static char py_quote(const uint8_t *p, size_t n)
{
    bool sq = false, dq = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\'') sq = true;
        if (p[i] == '"') dq = true;
    }
    return (sq && !dq) ? '"' : '\'';
}

static int py_escape_common(omsig_buf *b, uint8_t c, char q, bool *done)
{
    *done = true;
    switch (c) {
    case '\\': return omsig_buf_puts(b, "\\\\");
    case '\n': return omsig_buf_puts(b, "\\n");
    case '\r': return omsig_buf_puts(b, "\\r");
    case '\t': return omsig_buf_puts(b, "\\t");
    default: break;
    }
    if (c == (uint8_t)q) {
        const char e[3] = {'\\', q, 0};
        return omsig_buf_puts(b, e);
    }
    *done = false;
    return 0;
}

int omsig_py_repr_bytes(omsig_buf *b, const uint8_t *p, size_t n)
{
    const char q = py_quote(p, n);
    int rc = omsig_buf_printf(b, "b%c", q);
    for (size_t i = 0; i < n && !rc; i++) {
        bool done;
        rc = py_escape_common(b, p[i], q, &done);
        if (done || rc) continue;
        if (p[i] < 0x20 || p[i] >= 0x7f)
            rc = omsig_buf_printf(b, "\\x%02x", p[i]);
        else
            rc = omsig_buf_append(b, &p[i], 1);
    }
    return rc ? rc : omsig_buf_append(b, &q, 1);
}

int omsig_py_repr_str(omsig_buf *b, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    const size_t n = strlen(s);
    const char q = py_quote(p, n);
    int rc = omsig_buf_append(b, &q, 1);
    for (size_t i = 0; i < n && !rc; i++) {
        bool done;
        rc = py_escape_common(b, p[i], q, &done);
        if (done || rc) continue;
        if (p[i] < 0x20 || p[i] == 0x7f) {
            rc = omsig_buf_printf(b, "\\x%02x", p[i]);
        } else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0xa0) {
            /* U+0080..U+00A0 are not printable in Python */
            rc = omsig_buf_printf(b, "\\x%02x", p[i + 1]);
            i++;
        } else {
            rc = omsig_buf_append(b, &p[i], 1);
        }
    }
    return rc ? rc : omsig_buf_append(b, &q, 1);
}

bool omsig_utf8_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII eight bytes at a time: a manifest is mostly ASCII */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        const uint8_t c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (size_t j = 1; j < len; j++) {
            if ((p[i + j] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

int omsig_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int e = errno;
        close(fd);
        return -e;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        close(fd);
        return -EFBIG;
    }
    /* a regular file's size, its NUL and a byte more, so that the read which meets the end
     * needs no larger buffer */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 65536, n = 0;
    if (cap < 4096) cap = 4096;
    uint8_t *buf = malloc(cap);
    int rc = 0;
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max + 2) {
                rc = -EFBIG;
                goto out;
            }
            uint8_t *nb = omsig_reallocarray(buf, cap, 2);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        const ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) {
            rc = -EFBIG;
            goto out;
        }
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

void omsig_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

void omsig_der_free(omsig_der *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) free(d[i].data);
    free(d);
}

int omsig_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool omsig_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

int omsig_sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t md[32];
    if (!omsig_sha256(p, n, md)) return -ENOMEM;
    omsig_hex(md, 32, out);
    return 0;
}

bool omsig_u64_parse(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        const uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

const char *omsig_relpath_problem(const char *name, size_t len)
{
    if (len == 0) return "is empty";
    if (memchr(name, '\0', len)) return "contains a NUL byte";
    if (len > OMSIG_MAX_PATH_BYTES) return "is longer than 4096 bytes";
    if (name[0] == '/') return "is an absolute path";
    size_t seg = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && name[i] != '/') continue;
        const char *s = name + seg;
        const size_t sl = i - seg;
        if (sl == 0) return "has an empty path segment";
        if (sl == 2 && s[0] == '.' && s[1] == '.') return "has a '..' segment";
        if (sl == 1 && s[0] == '.') return "has a '.' segment";
        seg = i + 1;
    }
    return NULL;
}

/* Maps a byte so that the end of the string < '/' < every other byte: then comparing the
 * mapped strings compares segment lists. */
static inline int path_key(unsigned char c) { return c == 0 ? 0 : c == '/' ? 1 : c + 1; }

int omsig_path_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        const int x = path_key((unsigned char)*a), y = path_key((unsigned char)*b);
        if (x != y) return x < y ? -1 : 1;
        if (x == 0) return 0;
    }
}

double omsig_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *omsig_reallocarray(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (!omsig_mul_ok(n ? n : 1, size, &bytes)) return NULL;
    return realloc(p, bytes);
}

void omsig_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                void *ctx)
{
    if (n > 1) qsort_r(base, n, size, cmp, ctx);
}
