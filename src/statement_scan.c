/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement_scan.c - the statement's usual shape read in one pass, without a JSON tree.  A
 * manifest of 100,000 files is 300,000 small strings in 100,000 objects: as a cJSON tree that is
 * a million allocations made and freed.  The resources of a statement in the fixed shape
 * signers write are read here straight from the text; anything else (another member, an
 * escape, a number where a string belongs, a repeated key) makes the scan decline, and the
 * statement is read by the JSON parser as before, which accepts or refuses it with its words.
 */
#include "statement_scan.h"
#include "json_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One resource: {"name": "...", "algorithm": "...", "digest": "..."} in any order. */
static bool resource(omsig_json_scanner *s, omsig_scanned_resource *r)
{
    static const char *const k_keys[3] = {"name", "algorithm", "digest"};
    omsig_span *const slot[3] = {&r->name, &r->algorithm, &r->digest};
    unsigned seen = 0;
    if (!omsig_scan_expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!omsig_scan_plain_string(s, &k) || !omsig_scan_expect(s, ':')) return false;
        unsigned i = 0;
        while (i < 3 && !omsig_span_is(&k, k_keys[i])) i++;
        if (i == 3 || (seen & 1u << i) || !omsig_scan_plain_string(s, slot[i])) return false;
        seen |= 1u << i;
        if (!omsig_scan_next_member(s, &more)) return false;
    }
    return seen == 7;
}

static bool resources(omsig_json_scanner *s, omsig_scanned_statement *out, int *err)
{
    if (!omsig_scan_expect(s, '[')) return false;
    omsig_scan_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    size_t cap = 0;
    for (;;) {
        if (out->n_res >= OMSIG_MAX_RESOURCES) return false; /* the parser says too many */
        if (out->n_res == cap) {
            cap = cap ? 2 * cap : 1024;
            void *grown = omsig_reallocarray(out->res, cap, sizeof *out->res);
            if (!grown) {
                *err = -ENOMEM;
                return false;
            }
            out->res = grown;
        }
        if (!resource(s, &out->res[out->n_res])) return false;
        out->n_res++;
        omsig_scan_ws(s);
        if (s->p >= s->end) return false;
        if (*s->p++ == ']') return true;
        if (s->p[-1] != ',') return false;
    }
}

static bool predicate(omsig_json_scanner *s, omsig_scanned_statement *out, int *err)
{
    unsigned seen = 0;
    if (!omsig_scan_expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!omsig_scan_plain_string(s, &k) || !omsig_scan_expect(s, ':')) return false;
        if (omsig_span_is(&k, "serialization") && !(seen & 1)) {
            if (!omsig_scan_value(s, &out->serialization)) return false;
            seen |= 1;
        } else if (omsig_span_is(&k, "resources") && !(seen & 2)) {
            if (!resources(s, out, err)) return false;
            seen |= 2;
        } else {
            return false;
        }
        if (!omsig_scan_next_member(s, &more)) return false;
    }
    return seen == 3;
}

static bool statement(omsig_json_scanner *s, omsig_scanned_statement *out, int *err)
{
    unsigned seen = 0;
    if (!omsig_scan_expect(s, '{')) return false;
    for (bool more = true; more;) {
        omsig_span k;
        if (!omsig_scan_plain_string(s, &k) || !omsig_scan_expect(s, ':')) return false;
        bool ok;
        unsigned bit;
        if (omsig_span_is(&k, "_type"))
            bit = 1, ok = omsig_scan_plain_string(s, &out->type);
        else if (omsig_span_is(&k, "subject"))
            bit = 2, ok = omsig_scan_value(s, &out->subject);
        else if (omsig_span_is(&k, "predicateType"))
            bit = 4, ok = omsig_scan_plain_string(s, &out->predicate_type);
        else if (omsig_span_is(&k, "predicate"))
            bit = 8, ok = !(seen & 8) && predicate(s, out, err);
        else
            return false;
        if (!ok || (seen & bit)) return false;
        seen |= bit;
        if (!omsig_scan_next_member(s, &more)) return false;
    }
    omsig_scan_ws(s);
    return seen == 15 && s->p == s->end;
}

int omsig_statement_scan(const char *text, size_t len, omsig_scanned_statement *out)
{
    memset(out, 0, sizeof *out);
    omsig_json_scanner s = {text, text + len};
    int err = 0;
    if (statement(&s, out, &err)) return 0;
    omsig_statement_scan_free(out);
    return err ? err : 1;
}

void omsig_statement_scan_free(omsig_scanned_statement *s)
{
    free(s->res);
    memset(s, 0, sizeof *s);
}
