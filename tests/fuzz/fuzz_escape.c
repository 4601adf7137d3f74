/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_escape.c - libFuzzer target: the CLI's escaping of outside text, on arbitrary bytes. The
 * result must be valid UTF-8 with no control, DEL, C1 or bidirectional code point in it. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Strict UTF-8 check that also refuses the code points the escaping must remove. */
static void check(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        const unsigned c = p[i];
        unsigned need;
        unsigned long cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) abort();
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) need = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) need = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) need = 3, cp = c & 0x07;
        else abort();
        if (i + need >= n) abort(); /* truncated */
        for (unsigned k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) abort();
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            abort(); /* overlong, out of range or a surrogate */
        if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
            (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            abort();
        i += need + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char *e = omsigcli_escape(s);
    if (e) {
        const size_t n = strlen(e);
        if (n > 6 * strlen(s)) abort();
        check((const unsigned char *)e, n);
        /* text that needs no escaping comes out unchanged */
        bool plain = true;
        for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
            plain = *p >= 0x20 && *p < 0x7f;
        if (plain && strcmp(e, s) != 0) abort();
    }
    free(e);
    free(s);
    return 0;
}
