/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rekor.c - steps 4 and 5 of the Sigstore check: the Rekor entry's inclusion proof
 * (RFC 6962), its signed checkpoint (C2SP signed-note) and its signed entry timestamp.
 */
#include "sigstore/steps.h"

#include <assert.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static bool hash_children(const omsig_der *l, const omsig_der *rt, uint8_t out[32])
{
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    const uint8_t one = 1;
    unsigned int n = 0;
    const bool ok = h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(h, &one, 1) == 1 &&
                    EVP_DigestUpdate(h, l->data, l->len) == 1 &&
                    EVP_DigestUpdate(h, rt->data, rt->len) == 1 &&
                    EVP_DigestFinal_ex(h, out, &n) == 1;
    EVP_MD_CTX_free(h);
    return ok;
}

static int bit_length(uint64_t v)
{
    int n = 0;
    while (v) n++, v >>= 1;
    return n;
}

/* RFC 6962 2.1.1 inclusion proof, split like Trillian into the inner part (below the point
 * where the paths to index and size-1 diverge) and the right border. */
omsig_status omsig_sgs_verify_merkle(const sgs_entry *e, omsig_report *r)
{
    const int inner = bit_length(e->proof_index ^ (e->tree_size - 1));
    const int border = __builtin_popcountll(inner >= 64 ? 0 : e->proof_index >> inner);
    if (e->n_hashes != (size_t)(inner + border))
        return SGS_ENTRY_FAIL(r, "inclusion proof has wrong size: expected %d, got %zu",
                              inner + border, e->n_hashes);
    uint8_t seed[32];
    omsig_buf leaf = {0};
    const uint8_t zero = 0;
    if (omsig_buf_append(&leaf, &zero, 1) || omsig_buf_append(&leaf, e->body, e->body_len) ||
        !omsig_sha256(leaf.data, leaf.len, seed)) {
        omsig_buf_free(&leaf);
        return omsig_nomem(r);
    }
    omsig_buf_free(&leaf);
    omsig_der cur = {seed, 32};
    for (size_t i = 0; i < e->n_hashes; i++) {
        const bool right = i < (size_t)inner && ((e->proof_index >> i) & 1) == 0;
        if (!(right ? hash_children(&cur, &e->hashes[i], seed)
                    : hash_children(&e->hashes[i], &cur, seed)))
            return omsig_nomem(r);
    }
    if (e->root_len != 32 || memcmp(seed, e->root, 32) != 0) {
        char got[65], want[2 * 64 + 1] = "";
        omsig_hex(seed, 32, got);
        omsig_hex(e->root, e->root_len > 64 ? 64 : e->root_len, want);
        return SGS_ENTRY_FAIL(r,
                              "inclusion proof contains invalid root hash: expected %s, "
                              "calculated %s",
                              want, got);
    }
    return OMSIG_OK;
}

static bool py_isspace(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

/* The next match of findall(r"\u2014 (\S+) (\S+)\n") from *p: the base64 field. */
static bool next_note_sig(const char **p, const char **b64, size_t *len)
{
    static const char dash[] = "\xe2\x80\x94 "; /* em dash, space */
    for (const char *q = *p; *q; q++) {
        if (strncmp(q, dash, 4) != 0) continue;
        const char *name = q + 4, *e = name;
        while (*e && !py_isspace((unsigned char)*e)) e++;
        if (e == name || *e != ' ') continue;
        const char *sig = e + 1, *t = sig;
        while (*t && !py_isspace((unsigned char)*t)) t++;
        if (t == sig || *t != '\n') continue;
        *b64 = sig;
        *len = (size_t)(t - sig);
        *p = t + 1;
        return true;
    }
    return false;
}

/* LogCheckpoint.from_text(note): the checkpoint's root hash (*root, malloc'ed) from the
 * note's text, which must hold an origin, a tree size and the hash. */
static omsig_status checkpoint_root(const char *text, size_t note_len, uint8_t **root,
                                    size_t *root_len, omsig_report *r)
{
    /* strip, split on "\n" */
    const char *h = text, *end = text + note_len;
    while (h < end && py_isspace((unsigned char)*h)) h++;
    while (end > h && py_isspace((unsigned char)end[-1])) end--;
    const char *lines[3];
    size_t lens[3], n_lines = 0;
    for (const char *q = h; q <= end && n_lines < 3;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        lines[n_lines] = q;
        lens[n_lines++] = (size_t)(le - q);
        if (!nl) break;
        q = nl + 1;
    }
    if (n_lines < 3 || h == end)
        return SGS_ENTRY_FAIL(r, "malformed LogCheckpoint: too few items in header");
    if (lens[0] == 0) return SGS_ENTRY_FAIL(r, "malformed LogCheckpoint: empty origin");
    /* the size: int() of the line, so surrounding space and a sign are allowed */
    const char *d = lines[1], *de = lines[1] + lens[1];
    while (d < de && py_isspace((unsigned char)*d)) d++;
    while (de > d && py_isspace((unsigned char)de[-1])) de--;
    if (d < de && (*d == '+' || *d == '-')) d++;
    bool ok = d < de;
    for (; d < de; d++) ok = ok && *d >= '0' && *d <= '9';
    if (!ok) return SGS_ENTRY_FAIL(r, "malformed LogCheckpoint: invalid log size");
    if (omsig_base64_decode(lines[2], lens[2], root, root_len) != 0)
        return SGS_ENTRY_FAIL(r, "malformed LogCheckpoint: invalid root hash");
    return OMSIG_OK;
}

/* The signed note (C2SP signed-note): text, a blank line, then "— name base64(hint4||sig)\n"
 * lines; the checkpoint is the text's origin, tree size and root hash lines. */
omsig_status omsig_sgs_verify_checkpoint(const sgs_state *s, const sgs_entry *e, omsig_report *r)
{
    const char *text = e->checkpoint;
    const char *sep = strstr(text, "\n\n");
    size_t count = 0;
    for (const char *q = text; (q = strstr(q, "\n\n")) != NULL; q += 2) count++;
    if (count != 1)
        return SGS_ENTRY_FAIL(r, "note must contain one blank line, delineating the text from the "
                                 "signature block");
    const size_t note_len = (size_t)(sep - text) + 1;
    const char *data = sep + 2;
    const size_t data_len = strlen(data);
    if (data_len == 0)
        return SGS_ENTRY_FAIL(r, "malformed Note: must contain at least one signature");
    if (data[data_len - 1] != '\n')
        return SGS_ENTRY_FAIL(r, "malformed Note: data section must end with newline");

    /* every signature line must decode to a key hint and a signature (SignedNote.from_text) */
    omsig_status st = OMSIG_OK;
    const char *p = data, *b64;
    size_t b64_len;
    while (st == OMSIG_OK && next_note_sig(&p, &b64, &b64_len)) {
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        if (omsig_base64_decode(b64, b64_len, &raw, &raw_len) != 0)
            st = SGS_ENTRY_FAIL(r, "malformed Note: a signature is not valid base64");
        else if (raw_len < 5)
            st = SGS_ENTRY_FAIL(r, "malformed Note: signature contains too few bytes");
        free(raw);
    }

    uint8_t *cp_root = NULL;
    size_t cp_root_len = 0;
    if (st == OMSIG_OK) st = checkpoint_root(text, note_len, &cp_root, &cp_root_len, r);

    /* the first signature whose key hint is the entry's log ID */
    bool found = false;
    for (p = data; st == OMSIG_OK && !found && next_note_sig(&p, &b64, &b64_len);) {
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        const int rc = omsig_base64_decode(b64, b64_len, &raw, &raw_len);
        if (rc != 0) {
            assert(rc == -ENOMEM); /* it decoded in the first pass */
            st = omsig_nomem(r);
        } else if (e->log_id_len >= 4 && memcmp(raw, e->log_id, 4) == 0) {
            found = true;
            if (!omsig_sgs_keyring_verify(&s->rekor, e->log_id, e->log_id_len, raw + 4, raw_len - 4,
                                          (const uint8_t *)text, note_len))
                st = SGS_ENTRY_FAIL(r, "checkpoint: invalid signature: keyring: invalid signature");
        }
        free(raw);
    }
    if (st == OMSIG_OK && !found) {
        char hex[2 * 64 + 1];
        omsig_hex(e->log_id, e->log_id_len > 64 ? 64 : e->log_id_len, hex);
        st = SGS_ENTRY_FAIL(r, "checkpoint: Signature not found for log ID %s", hex);
    }
    if (st == OMSIG_OK && (cp_root_len != e->root_len || memcmp(cp_root, e->root, e->root_len))) {
        char a[2 * 64 + 1], b[2 * 64 + 1];
        omsig_hex(cp_root, cp_root_len > 64 ? 64 : cp_root_len, a);
        omsig_hex(e->root, e->root_len > 64 ? 64 : e->root_len, b);
        st = SGS_ENTRY_FAIL(
            r, "Inclusion proof contains invalid root hash signature: expected %s got %s", a, b);
    }
    free(cp_root);
    ERR_clear_error();
    return st;
}

/* The SET: the log's signature over RFC 8785 JSON of body, integratedTime, logID, logIndex
 * (keys sorted, no whitespace; integers as plain decimals). */
omsig_status omsig_sgs_verify_set(const sgs_state *s, const sgs_entry *e, omsig_report *r)
{
    char *body = omsig_base64_encode(e->body, e->body_len);
    char *hex = malloc(2 * e->log_id_len + 1);
    omsig_buf doc = {0};
    omsig_status st = OMSIG_OK;
    if (!body || !hex) {
        st = omsig_nomem(r);
        goto out;
    }
    omsig_hex(e->log_id, e->log_id_len, hex);
    if (omsig_buf_printf(&doc, "{\"body\":\"%s\",\"integratedTime\":%llu,\"logID\":\"%s\","
                               "\"logIndex\":%llu}",
                         body, (unsigned long long)e->integrated_time, hex,
                         (unsigned long long)e->log_index)) {
        st = omsig_nomem(r);
        goto out;
    }
    if (!omsig_sgs_keyring_verify(&s->rekor, e->log_id, e->log_id_len, e->set, e->set_len,
                                  (const uint8_t *)doc.data, doc.len))
        st = SGS_ENTRY_FAIL(r, "SET: invalid inclusion promise: keyring: invalid signature");
out:
    ERR_clear_error();
    free(body);
    free(hex);
    omsig_buf_free(&doc);
    return st;
}
