/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sigstore.c - the sigstore method's signature check on the model-transparency vectors,
 * on every case of testdata/sigstore/cases.tsv, and on single steps.  Exits 77 without
 * ../shared.  With CASES_DIR, the same checks on the project's own Sigstore instance instead:
 * SHARED_DIR is then the tree tests/sigstore/make_fixtures.c wrote (signed for IDENTITY and
 * ISSUER) and CASES_DIR the cases tests/sigstore/gen_cases.py derived from it
 * (tests/sigstore/run_fixtures.sh runs both).
 * Usage: test_sigstore [SOURCE_DIR [SHARED_DIR [CASES_DIR IDENTITY ISSUER]]]
 */
#include "helpers.h"
#include "json_util.h"
#include "omsig_internal.h"
#include "sigstore/internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *g_identity = "stefanb@us.ibm.com";
static const char *g_issuer = "https://sigstore.verify.ibm.com/oauth2";

static char g_src[2048], g_shared[4096], g_prod[4200], g_staging[4200];
static char g_cases[4096]; /* the derived bundles and cases.tsv */
static bool g_fixtures;    /* the project's own instance, not the shared vectors */
static char g_tmpdir[64];

static char *join(const char *a, const char *b)
{
    const size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* Loads the trust root, reads the bundle and runs the check; returns the status and copies
 * the message. */
static omsig_status run_check(const char *bundle, const char *trust, const char *identity,
                              const char *issuer, char *msg, size_t msg_size)
{
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_SIGSTORE;
    o.signature_path = bundle;
    o.identity = identity;
    o.identity_provider = issuer;
    o.trust_config_path = trust;
    omsig_report *r = omsig_report_new();
    omsig_bundle b;
    memset(&b, 0, sizeof b);
    omsig_status st = r ? OMSIG_OK : OMSIG_E_NOMEM;
    omsig_pki *p = r ? omsig_pki_sigstore_load(&o, r) : NULL;
    if (!p)
        st = r ? r->status : st;
    else if ((st = omsig_bundle_read(bundle, 0, &b, r)) == OMSIG_OK)
        st = omsig_pki_sigstore_check(p, &o, &b, r);
    snprintf(msg, msg_size, "%s", r && r->message ? r->message : "");
    omsig_bundle_free(&b);
    omsig_pki_free(p);
    omsig_report_free(r);
    return st;
}

/* expected: "OK", or a substring the failure message must hold. */
static void expect(const char *name, omsig_status st, const char *msg, const char *expected)
{
    const bool ok = strcmp(expected, "OK") == 0 ? st == OMSIG_OK
                                                : st != OMSIG_OK && strstr(msg, expected) != NULL;
    printf("%s %-28s %s\n", ok ? "ok  " : "FAIL", name, st == OMSIG_OK ? "verified" : msg);
    if (!ok) {
        fprintf(stderr, "  %s: expected %s\n", name, expected);
        t_failures++;
    }
}

static void check_case(const char *name, const char *bundle, const char *trust,
                       const char *identity, const char *issuer, const char *expected)
{
    char msg[4096];
    const omsig_status st = run_check(bundle, trust, identity, issuer, msg, sizeof msg);
    expect(name, st, msg, expected);
}

static void run_vectors(void)
{
    /* the project's instance makes the two shapes: promise only, promise and RFC 3161 */
    static const char *const versions[] = {"v1.0.0", "v1.1.0", "v0.3.1", "v1.0.1"};
    for (size_t i = 0; i < (g_fixtures ? 2u : 4u); i++) {
        char path[4400], name[64];
        snprintf(path, sizeof path, "%s/vectors/model-transparency/%s-sigstore/model.sig",
                 g_shared, versions[i]);
        snprintf(name, sizeof name, "vector-%s", versions[i]);
        check_case(name, path, g_prod, g_identity, g_issuer, "OK");
    }
}

static void run_table(void)
{
    char *path = join(g_cases, "cases.tsv");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "cannot open %s (regenerate with tests/sigstore/gen_cases.py)\n",
                path ? path : "cases.tsv");
        t_failures++;
        free(path);
        return;
    }
    char line[8192];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *field[6];
        char *save = NULL, *s = line;
        size_t k = 0;
        for (; k < 6 && (field[k] = strtok_r(s, "\t", &save)) != NULL; k++) s = NULL;
        if (k != 6) {
            fprintf(stderr, "bad cases.tsv line: %s\n", line);
            t_failures++;
            continue;
        }
        char bundle[8400];
        if (!strncmp(field[1], "$SHARED/", 8))
            snprintf(bundle, sizeof bundle, "%s/%s", g_shared, field[1] + 8);
        else if (!strncmp(field[1], "$CASES/", 7))
            snprintf(bundle, sizeof bundle, "%s/%s", g_cases, field[1] + 7);
        else
            snprintf(bundle, sizeof bundle, "%s/%s", g_src, field[1]);
        const char *trust = !strcmp(field[2], "staging") ? g_staging : g_prod;
        check_case(field[0], bundle, trust, field[3], field[4], field[5]);
        n++;
    }
    fclose(f);
    free(path);
    T_CHECK(n >= 20);
}

/* ---- trust roots built at run time from ../shared (never stored in the repo) -------------- */

static cJSON *read_json(const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (omsig_read_file(path, 16u << 20, &data, &len) != 0) return NULL;
    const char *why = NULL;
    cJSON *j = omsig_json_parse((const char *)data, len, &why);
    free(data);
    return j;
}

static char *write_json(const cJSON *j, const char *name)
{
    char *path = join(g_tmpdir, name);
    char *text = cJSON_PrintUnformatted(j);
    FILE *f = path && text ? fopen(path, "w") : NULL;
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(text);
    return path;
}

static void run_built_roots(void)
{
    cJSON *prod = read_json(g_prod), *stag = read_json(g_staging);
    T_CHECK(prod && stag);
    if (!prod || !stag) goto out;
    char tsa_only[4400], v100[4400];
    snprintf(tsa_only, sizeof tsa_only, "%s/valid-tsa-time-only.sig", g_cases);
    snprintf(v100, sizeof v100, "%s/vectors/model-transparency/v1.0.0-sigstore/model.sig",
             g_shared);

    /* a ClientTrustConfig around the production root */
    cJSON *ctc = cJSON_CreateObject();
    cJSON_AddStringToObject(ctc, "mediaType",
                            "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json");
    cJSON_AddItemToObject(ctc, "trustedRoot", cJSON_Duplicate(prod, 1));
    cJSON *sc = cJSON_AddObjectToObject(ctc, "signingConfig");
    cJSON_AddStringToObject(sc, "mediaType",
                            "application/vnd.dev.sigstore.signingconfig.v0.2+json");
    char *p1 = write_json(ctc, "client_trust_config.json");
    check_case("client-trust-config", v100, p1, g_identity, g_issuer, "OK");
    cJSON_Delete(ctc);
    free(p1);

    /* production with the staging CT logs: the chain holds, the SCT does not */
    cJSON *mixed = cJSON_Duplicate(prod, 1);
    cJSON_ReplaceItemInObject(mixed, "ctlogs",
                              cJSON_Duplicate(cJSON_GetObjectItem(stag, "ctlogs"), 1));
    char *p2 = write_json(mixed, "prod_staging_ctlogs.json");
    check_case("sct-wrong-ct-keys", v100, p2, g_identity, g_issuer,
               "failed to verify SCT on signing certificate: SCT verify failed: keyring: "
               "invalid signature");
    cJSON_Delete(mixed);
    free(p2);

    /* production with the staging Rekor keys: the proof holds; the note's key hint matches the
     * bundle's log ID, no trusted key has that ID, so every key is tried and none verifies */
    mixed = cJSON_Duplicate(prod, 1);
    cJSON_ReplaceItemInObject(mixed, "tlogs",
                              cJSON_Duplicate(cJSON_GetObjectItem(stag, "tlogs"), 1));
    char *p3 = write_json(mixed, "prod_staging_tlogs.json");
    check_case("checkpoint-wrong-rekor-key", v100, p3, g_identity, g_issuer,
               "invalid log entry: checkpoint: invalid signature: keyring: invalid signature");
    cJSON_Delete(mixed);
    free(p3);

    /* production without timestamp authorities, on a bundle whose only time is a TSA's */
    mixed = cJSON_Duplicate(prod, 1);
    cJSON_ReplaceItemInObject(mixed, "timestampAuthorities", cJSON_CreateArray());
    char *p4 = write_json(mixed, "prod_no_tsa.json");
    check_case("timestamp-without-tsa", tsa_only, p4, g_identity, g_issuer,
               "no Timestamp Authorities have been provided to validate this bundle but it "
               "contains a signed timestamp");
    cJSON_Delete(mixed);
    free(p4);

    /* a bare trusted root with another media type */
    mixed = cJSON_Duplicate(prod, 1);
    cJSON_ReplaceItemInObject(
        mixed, "mediaType",
        cJSON_CreateString("application/vnd.dev.sigstore.trustedroot.v0.2+json"));
    char *p5 = write_json(mixed, "root_v02.json");
    check_case("trust-root-media-type", v100, p5, g_identity, g_issuer,
               "unsupported trusted root format");
    cJSON_Delete(mixed);
    free(p5);

    /* no --trust_config: sigstore-python's cached root, else the built-in copy (Sigstore's,
     * which does not hold the project's CA) */
    check_case("no-trust-config", v100, NULL, g_identity, g_issuer,
               g_fixtures ? "failed to build timestamp certificate chain: unable to get local "
                            "issuer certificate"
                          : "OK");
out:
    cJSON_Delete(prod);
    cJSON_Delete(stag);
}

/* ---- single steps ---------------------------------------------------------------------------- */

static omsig_pki *load_prod(omsig_report *r)
{
    omsig_options o;
    omsig_options_init(&o);
    o.method = OMSIG_METHOD_SIGSTORE;
    o.identity = g_identity;
    o.identity_provider = g_issuer;
    o.trust_config_path = g_prod;
    return omsig_pki_sigstore_load(&o, r);
}

static void free_pki(omsig_pki *p) { omsig_pki_free(p); }

static bool read_bundle(const char *path, omsig_bundle *b)
{
    omsig_report *r = omsig_report_new();
    const bool ok = r && omsig_bundle_read(path, 0, b, r) == OMSIG_OK;
    omsig_report_free(r);
    return ok;
}

/* The decoded canonicalizedBody of the bundle's first tlog entry. */
static uint8_t *entry_body(const omsig_bundle *b, size_t *len)
{
    const char *s = b->n_tlog_entries > 0 ? b->tlog.body : NULL;
    uint8_t *out = NULL;
    if (!s || omsig_base64_decode(s, strlen(s), &out, len) != 0) return NULL;
    return out;
}

static void body_case(const char *name, const char *kind, const char *version, const char *body,
                      size_t len, const omsig_bundle *b, const char *expected)
{
    omsig_report *r = omsig_report_new();
    const omsig_status st =
        omsig_sigstore_check_entry_body(kind, version, (const uint8_t *)body, len, b, r);
    expect(name, st, r && r->message ? r->message : "", expected);
    omsig_report_free(r);
}

static void run_steps(void)
{
    char v100p[4400], sctp[4400], bodyp[4400];
    snprintf(v100p, sizeof v100p, "%s/vectors/model-transparency/v1.0.0-sigstore/model.sig",
             g_shared);
    snprintf(sctp, sizeof sctp, "%s/sct-bitflip.sig", g_cases);
    snprintf(bodyp, sizeof bodyp, "%s/body-payload-hash.sig", g_cases);
    omsig_bundle v100, sct, body;
    memset(&v100, 0, sizeof v100);
    memset(&sct, 0, sizeof sct);
    memset(&body, 0, sizeof body);
    omsig_report *r = omsig_report_new();
    omsig_pki *p = r ? load_prod(r) : NULL;
    T_CHECK(p != NULL);
    if (!p || !read_bundle(v100p, &v100) || !read_bundle(sctp, &sct) ||
        !read_bundle(bodyp, &body)) {
        t_failures++;
        goto out;
    }

    /* step 2 alone */
    omsig_report *r1 = omsig_report_new();
    omsig_status st = omsig_sigstore_check_sct(p, v100.certs[0].data, v100.certs[0].len,
                                               v100.certs[0].data, v100.certs[0].len, r1);
    expect("step-sct-original", st, r1->message ? r1->message : "", "OK");
    omsig_report_free(r1);
    r1 = omsig_report_new();
    st = omsig_sigstore_check_sct(p, sct.certs[0].data, sct.certs[0].len, v100.certs[0].data,
                                  v100.certs[0].len, r1);
    expect("step-sct-bitflip", st, r1->message ? r1->message : "",
           "failed to verify SCT on signing certificate: SCT verify failed: keyring: invalid "
           "signature");
    omsig_report_free(r1);

    /* step 8 alone: dsse 0.0.1 */
    size_t len = 0;
    uint8_t *orig = entry_body(&v100, &len);
    T_CHECK(orig != NULL);
    if (orig) {
        body_case("step-body-original", "dsse", "0.0.1", (const char *)orig, len, &v100, "OK");
        body_case("step-body-unsupported", "intoto", "0.0.1", (const char *)orig, len, &v100,
                  "Unsupported DSSE log entry type: intoto/0.0.1");
        char *text = strndup((const char *)orig, len);
        const char *why = NULL;
        cJSON *j = text ? omsig_json_parse(text, len, &why) : NULL;
        cJSON *s0 = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "signatures"), 0);
        if (s0) {
            cJSON_ReplaceItemInObject(s0, "signature", cJSON_CreateString("AAAA"));
            char *t = cJSON_PrintUnformatted(j);
            body_case("step-body-signatures", "dsse", "0.0.1", t, strlen(t), &v100,
                      "log entry signatures do not match bundle");
            free(t);
        } else {
            t_failures++;
        }
        cJSON_Delete(j);
        free(text);
        free(orig);
    }
    uint8_t *tampered = entry_body(&body, &len);
    T_CHECK(tampered != NULL);
    if (tampered)
        body_case("step-body-payload-hash", "dsse", "0.0.1", (const char *)tampered, len, &body,
                  "log entry payload hash does not match bundle");
    free(tampered);

    /* step 8 alone: a Rekor v2 hashedrekord 0.0.2 body built from the vector's parts */
    omsig_buf pae = {0};
    uint8_t dg[32];
    unsigned int dl = 0;
    if (omsig_buf_printf(&pae, "DSSEv1 %zu %s %zu ", strlen(v100.payload_type),
                         v100.payload_type, v100.payload_len) == 0 &&
        omsig_buf_append(&pae, v100.payload, v100.payload_len) == 0 &&
        EVP_Digest(pae.data, pae.len, dg, &dl, EVP_sha256(), NULL) == 1) {
        char *d64 = omsig_base64_encode(dg, 32);
        char *s64 = omsig_base64_encode(v100.sig, v100.sig_len);
        char *c64 = omsig_base64_encode(v100.certs[0].data, v100.certs[0].len);
        omsig_buf v2 = {0};
        const char *fmt = "{\"kind\":\"hashedrekord\",\"apiVersion\":\"0.0.2\",\"spec\":{"
                          "\"hashedRekordV002\":{\"data\":{\"algorithm\":\"SHA2_256\","
                          "\"digest\":\"%s\"},\"signature\":{\"content\":\"%s\",\"verifier\":{"
                          "\"x509Certificate\":{\"rawBytes\":\"%s\"},\"keyDetails\":"
                          "\"PKIX_ECDSA_P256_SHA_256\"}}}}}";
        omsig_buf_printf(&v2, fmt, d64, s64, c64);
        body_case("step-body-rekor-v2", "hashedrekord", "0.0.2", v2.data, v2.len, &v100, "OK");
        v2.len = 0;
        omsig_buf_printf(&v2, fmt, s64 + 8, s64, c64); /* wrong digest */
        body_case("step-body-rekor-v2-digest", "hashedrekord", "0.0.2", v2.data, v2.len, &v100,
                  "transparency log entry is inconsistent with other materials");
        omsig_buf_free(&v2);
        free(d64);
        free(s64);
        free(c64);
    } else {
        t_failures++;
    }
    omsig_buf_free(&pae);
out:
    omsig_bundle_free(&v100);
    omsig_bundle_free(&sct);
    omsig_bundle_free(&body);
    free_pki(p);
    omsig_report_free(r);
}

static void remove_tmpdir(void)
{
    static const char *const files[] = {"client_trust_config.json", "prod_staging_ctlogs.json",
                                        "prod_staging_tlogs.json", "prod_no_tsa.json",
                                        "root_v02.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = join(g_tmpdir, files[i]);
        if (p) unlink(p);
        free(p);
    }
    rmdir(g_tmpdir);
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : getenv("OMSIG_SOURCE_DIR");
    snprintf(g_src, sizeof g_src, "%s", src ? src : ".");
    const char *shared = argc > 2 ? argv[2] : getenv("OMSIG_SHARED_DIR");
    if (shared)
        snprintf(g_shared, sizeof g_shared, "%s", shared);
    else
        snprintf(g_shared, sizeof g_shared, "%s/../shared", g_src);
    snprintf(g_prod, sizeof g_prod, "%s/vectors/sigstore/trusted_root.production.json", g_shared);
    snprintf(g_staging, sizeof g_staging, "%s/vectors/sigstore/trusted_root.staging.json",
             g_shared);
    if (argc > 5) {
        g_fixtures = true;
        snprintf(g_cases, sizeof g_cases, "%s", argv[3]);
        g_identity = argv[4];
        g_issuer = argv[5];
    } else {
        snprintf(g_cases, sizeof g_cases, "%s/testdata/sigstore", g_src);
    }
    if (g_fixtures && (access(g_prod, R_OK) != 0 || access(g_staging, R_OK) != 0)) {
        printf("FAIL: the project's Sigstore instance has no trust roots under "
               "%s/vectors/sigstore\n", g_shared);
        return T_FAIL;
    }
    if (access(g_prod, R_OK) != 0 || access(g_staging, R_OK) != 0) {
        printf("skip: no Sigstore trust roots under %s/vectors/sigstore (the sigstore_fixtures "
               "test runs these checks on the project's own Sigstore instance)\n",
               g_shared);
        return T_SKIP;
    }
    snprintf(g_tmpdir, sizeof g_tmpdir, "/tmp/omsig_sigstore_XXXXXX");
    if (!mkdtemp(g_tmpdir)) {
        perror("mkdtemp");
        return T_FAIL;
    }
    run_vectors();
    run_table();
    run_built_roots();
    run_steps();
    remove_tmpdir();
    T_DONE();
}
