/* SPDX-License-Identifier: Apache-2.0 */
/* test_util.c - the small pieces the verdict rests on: base64, hex, Python repr (the legacy
 * PAE and the mismatch messages), path-name rules and the signer's path order. */
#include "helpers.h"
#include "omsig_internal.h"

#include <stdlib.h>

static void check_b64(const char *in, int ok, const char *want)
{
    uint8_t *out = NULL;
    size_t n = 0;
    const int rc = omsig_base64_decode(in, strlen(in), &out, &n);
    T_CHECK((rc == 0) == ok);
    if (ok && rc == 0) {
        T_CHECK(n == strlen(want) && memcmp(out, want, n) == 0);
    }
    free(out);
}

static void check_repr_bytes(const char *in, size_t n, const char *want)
{
    omsig_buf b = {0};
    T_CHECK(omsig_py_repr_bytes(&b, (const uint8_t *)in, n) == 0);
    T_STREQ(b.data, want);
    omsig_buf_free(&b);
}

static void check_repr_str(const char *in, const char *want)
{
    omsig_buf b = {0};
    T_CHECK(omsig_py_repr_str(&b, in) == 0);
    T_STREQ(b.data, want);
    omsig_buf_free(&b);
}

/* Long texts (the bulk decoder's blocks): random bytes of many lengths encoded and decoded
 * back, then each with one character made one outside the alphabet, at every block's edges
 * and inside, which must be refused. */
static void check_b64_long(void)
{
    uint64_t rng = 0x5eed;
    static const char k_bad[] = {'=', '-', '_', '\n', ' ', '\0', '@', '[', '`', '{', ':',
                                 '*', '.', (char)0x80, (char)0xff};
    for (size_t len = 30; len < 700; len += len < 200 ? 1 : 37) {
        uint8_t *data = malloc(len);
        for (size_t i = 0; i < len; i++) data[i] = (uint8_t)t_rnd(&rng);
        char *text = omsig_base64_encode(data, len);
        T_CHECK(text != NULL);
        if (!text) break;
        const size_t n = strlen(text);
        uint8_t *out = NULL;
        size_t out_len = 0;
        T_CHECK(omsig_base64_decode(text, n, &out, &out_len) == 0 && out_len == len &&
                memcmp(out, data, len) == 0);
        free(out);
        for (size_t at = 0; at < n - 4; at += at % 32 == 31 || at % 32 == 0 ? 1 : 7) {
            const char was = text[at];
            text[at] = k_bad[(at + len) % sizeof k_bad];
            T_CHECK(omsig_base64_decode(text, n, &out, &out_len) != 0);
            text[at] = was;
        }
        free(text);
        free(data);
    }
}

int main(void)
{
    check_b64_long();
    /* base64: RFC 4648 vectors, then what must be refused */
    check_b64("", 1, "");
    check_b64("Zg==", 1, "f");
    check_b64("Zm8=", 1, "fo");
    check_b64("Zm9v", 1, "foo");
    check_b64("Zm9vYmFy", 1, "foobar");
    check_b64("Zm9vYg==", 1, "foob");
    check_b64("Zm9", 0, NULL);       /* length */
    check_b64("Zm=v", 0, NULL);      /* padding in the middle */
    check_b64("Zg=a", 0, NULL);
    check_b64("Z===", 0, NULL);      /* too much padding */
    check_b64("Zh==", 0, NULL);      /* non-zero bits under the padding */
    check_b64("Zm9v\n", 0, NULL);
    check_b64("Zm-v", 0, NULL);      /* URL-safe alphabet */

    /* hex */
    uint8_t d[2];
    T_CHECK(omsig_unhex("a0FF", 4, d, 2) == 0 && d[0] == 0xa0 && d[1] == 0xff);
    T_CHECK(omsig_unhex("a0F", 3, d, 2) != 0);
    T_CHECK(omsig_unhex("zz00", 4, d, 2) != 0);
    char hex[5];
    omsig_hex(d, 2, hex);
    T_STREQ(hex, "a0ff");

    /* Python repr: the quote rule and the escapes */
    check_repr_bytes("{\n  \"a\": 1}", 11, "b'{\\n  \"a\": 1}'");
    check_repr_bytes("it's", 4, "b\"it's\"");
    check_repr_bytes("'\"", 2, "b'\\'\"'");
    check_repr_bytes("\x00\x7f\xff\t\\", 5, "b'\\x00\\x7f\\xff\\t\\\\'");
    check_repr_str("Hash mismatch for 'a'", "\"Hash mismatch for 'a'\"");
    check_repr_str("plain", "'plain'");
    check_repr_str("caf\xc3\xa9", "'caf\xc3\xa9'");
    check_repr_str("\xc2\xa0", "'\\xa0'");

    /* the legacy PAE starts as the v0.2.0 vector does */
    omsig_buf pae = {0};
    T_CHECK(omsig_pae_compat((const uint8_t *)"{\n}", 3, &pae) == 0);
    T_STREQ(pae.data, "DSSEV1 28 application/vnd.in-toto+json 3 b'{\\n}'");
    T_CHECK(omsig_pae((const uint8_t *)"{}", 2, &pae) == 0);
    T_STREQ(pae.data, "DSSEv1 28 application/vnd.in-toto+json 2 {}");
    omsig_buf_free(&pae);

    /* resource names */
    T_CHECK(omsig_relpath_problem("a/b.bin", 7) == NULL);
    T_CHECK(omsig_relpath_problem(".hidden/x", 9) == NULL);
    T_CHECK(omsig_relpath_problem("..a/b", 5) == NULL);
    T_CHECK(omsig_relpath_problem("", 0) != NULL);
    T_CHECK(omsig_relpath_problem("/etc/passwd", 11) != NULL);
    T_CHECK(omsig_relpath_problem("../x", 4) != NULL);
    T_CHECK(omsig_relpath_problem("a/../../x", 9) != NULL);
    T_CHECK(omsig_relpath_problem("a/./b", 5) != NULL);
    T_CHECK(omsig_relpath_problem("a//b", 4) != NULL);
    T_CHECK(omsig_relpath_problem("a/", 2) != NULL);
    T_CHECK(omsig_relpath_problem("a\0b", 3) != NULL);

    /* the signer's order: components, so a/README.md comes before a.md */
    T_CHECK(omsig_path_cmp("a/README.md", "a.md") < 0);
    T_CHECK(omsig_path_cmp("references/compare-profiles/README.md",
                           "references/compare-profiles.md") < 0);
    T_CHECK(omsig_path_cmp("a", "a/b") < 0);
    T_CHECK(omsig_path_cmp("A.txt", "a") < 0);
    T_CHECK(omsig_path_cmp("a-b.txt", "a.md") < 0);
    T_CHECK(omsig_path_cmp("x", "x") == 0);

    /* UTF-8 */
    T_CHECK(omsig_utf8_valid("caf\xc3\xa9", 5));
    T_CHECK(!omsig_utf8_valid("\xc3", 1));
    T_CHECK(!omsig_utf8_valid("\xc0\xaf", 2));       /* overlong */
    T_CHECK(!omsig_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
    T_DONE();
}
