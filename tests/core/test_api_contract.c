/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_api_contract.c - the C API's contract for programs: options without
 * omsig_options_init() (zeroed, or stack garbage) and options from a newer or an unknown
 * header are refused with OMSIG_E_USAGE by every entry point; out-of-range values (hash = 7,
 * serialization = 9, shard_size above 2^53, ...) too, and sign then writes nothing; the
 * computed root digest and the signed one come through their own getters (success, a changed
 * file, an extra file, sign, digest); the signer: the SHA-256 of the public key's DER
 * SubjectPublicKeyInfo, the leaf certificate's subject, issuer, validity and fingerprint.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "omsig.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef omsig_status (*entry)(const omsig_options *, omsig_report **);

static const char *g_src;

static void path(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", g_src, rel);
}

/* Every entry point refuses o with OMSIG_E_USAGE and a message holding want; sign writes
 * nothing. */
static void refused(const omsig_options *o, const char *want, const char *sig)
{
    static const entry calls[] = {omsig_verify, omsig_sign, omsig_digest};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        omsig_report *rep = NULL;
        const omsig_status st = calls[i](o, &rep);
        T_CHECK(st == OMSIG_E_USAGE);
        T_CHECK(omsig_report_status(rep) == OMSIG_E_USAGE);
        if (!strstr(omsig_report_message(rep), want)) {
            fprintf(stderr, "call %zu: message '%s' lacks '%s'\n", i, omsig_report_message(rep),
                    want);
            t_failures++;
        }
        T_CHECK(omsig_report_files(rep) == 0 && omsig_report_bytes(rep) == 0);
        omsig_report_free(rep);
    }
    omsig_ctx *ctx = omsig_ctx_new();
    omsig_report *rep = NULL;
    T_CHECK(omsig_ctx_digest(ctx, o, &rep) == OMSIG_E_USAGE);
    omsig_report_free(rep);
    omsig_ctx_free(ctx);
    struct stat sb;
    T_CHECK(stat(sig, &sb) != 0); /* nothing written */
}

static void sha256_hex(const unsigned char *p, size_t n, char out[65])
{
    unsigned char md[32];
    EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_api_contract SOURCE_DIR\n");
        return 1;
    }
    g_src = argv[1];
    char dir[] = "/tmp/omsig-contract-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char nested[4096], tampered[4096], extra[4096], sig[4096], bundle[4096], pub[4096],
        key[4096], leaf[4096], leaf_key[4096], chain[4096], root[4096], cert_bundle[4096];
    path(nested, sizeof nested, "testdata/interop/models/nested");
    path(tampered, sizeof tampered, "testdata/interop/models/tampered");
    path(extra, sizeof extra, "testdata/interop/models/extra-file");
    path(bundle, sizeof bundle, "testdata/interop/bundles/nested.sig");
    path(cert_bundle, sizeof cert_bundle, "testdata/interop/bundles/cert-p384.sig");
    path(pub, sizeof pub, "testdata/pki/p256.pub.pem");
    path(key, sizeof key, "testdata/pki/p256.key.pem");
    path(leaf, sizeof leaf, "testdata/pki/leaf-p384.cert.pem");
    path(leaf_key, sizeof leaf_key, "testdata/pki/leaf-p384.key.pem");
    path(chain, sizeof chain, "testdata/pki/int.cert.pem");
    path(root, sizeof root, "testdata/pki/root.cert.pem");
    snprintf(sig, sizeof sig, "%s/model.sig", dir);

    /* ---- the options' ABI tag ---- */
    omsig_options o;
    memset(&o, 0, sizeof o);
    o.model_path = nested, o.signature_path = sig, o.private_key_path = key;
    refused(&o, "not initialised with omsig_options_init()", sig);
    memset(&o, 0xa5, sizeof o); /* stack garbage */
    o.model_path = nested, o.signature_path = sig, o.private_key_path = key;
    refused(&o, "not initialised with omsig_options_init()", sig);
    refused(NULL, "options: NULL", sig);

    omsig_options_init(&o);
    T_CHECK(o.struct_magic == OMSIG_OPTIONS_MAGIC && o.struct_size == sizeof o);
    o.model_path = nested, o.signature_path = sig, o.private_key_path = key;
    o.struct_size = (uint32_t)sizeof o + 16; /* a newer header than the library's */
    refused(&o, "newer omsig.h", sig);
    o.struct_size = 8; /* smaller than any header with the tag */
    refused(&o, "not initialised", sig);
    o.struct_size = (uint32_t)sizeof o;

    /* a caller built against a newer header: init writes its whole struct and no byte more,
     * and the calls refuse what they cannot read */
    union {
        omsig_options o;
        unsigned char bytes[sizeof(omsig_options) + 96];
    } newer;
    memset(&newer, 0x5a, sizeof newer);
    omsig_options_init_size(&newer.o, sizeof newer - 32);
    T_CHECK(newer.o.struct_magic == OMSIG_OPTIONS_MAGIC);
    T_CHECK(newer.o.struct_size == sizeof newer - 32);
    T_CHECK(newer.bytes[sizeof newer - 33] == 0 && newer.bytes[sizeof newer - 32] == 0x5a);
    newer.o.model_path = nested, newer.o.signature_path = sig, newer.o.private_key_path = key;
    refused(&newer.o, "newer omsig.h", sig);
    /* the function (not the macro) and the macro give the same struct */
    omsig_options by_fn, by_macro;
    memset(&by_fn, 0, sizeof by_fn);
    memset(&by_macro, 0xff, sizeof by_macro);
    (omsig_options_init)(&by_fn);
    omsig_options_init(&by_macro);
    T_CHECK(memcmp(&by_fn, &by_macro, sizeof by_fn) == 0);

    /* ---- values out of range ---- */
    omsig_options v = o;
    v.hash = (omsig_hash)7;
    refused(&v, "hash 7 is not", sig);
    v = o, v.serialization = (omsig_serialization)9;
    refused(&v, "serialization 9 is not", sig);
    v = o, v.method = (omsig_method)42;
    refused(&v, "method 42 is not", sig);
    v = o, v.hasher = (omsig_hasher)4;
    refused(&v, "hasher 4 is not", sig);
    v = o, v.io = (omsig_io)-1;
    refused(&v, "io -1 is not", sig);
    v = o, v.verify_time = (omsig_verify_time)2;
    refused(&v, "verify_time 2 is not", sig);
    v = o, v.serialization = OMSIG_SERIAL_SHARDS, v.shard_size = (UINT64_C(1) << 53) + 1;
    refused(&v, "above 2^53", sig);
    v = o, v.shard_size = UINT64_MAX; /* refused with the files method too */
    refused(&v, "above 2^53", sig);
    v = o, v.serialization = OMSIG_SERIAL_SHARDS, v.shard_size = 0;
    refused(&v, "at least 1 byte", sig);
    v = o, v.n_ignore_paths = 3;
    refused(&v, "ignore_paths is NULL", sig);
    v = o, v.n_certificate_chain_paths = 1;
    refused(&v, "certificate_chain_paths is NULL", sig);

    /* 2^53 itself is what a bundle can record: signed, then verified */
    omsig_report *rep = NULL;
    v = o, v.serialization = OMSIG_SERIAL_SHARDS, v.shard_size = UINT64_C(1) << 53;
    T_CHECK(omsig_sign(&v, &rep) == OMSIG_OK);
    char sharded_root[65];
    snprintf(sharded_root, sizeof sharded_root, "%s", omsig_report_root_digest(rep));
    omsig_report_free(rep);
    v = o, v.public_key_path = pub, v.private_key_path = NULL;
    T_CHECK(omsig_verify(&v, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_root_digest(rep), sharded_root);
    T_STREQ(omsig_report_signed_root_digest(rep), sharded_root);
    omsig_report_free(rep);
    unlink(sig);

    /* ---- the computed and the signed root digest ---- */
    static const char nested_root[] =
        "53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395";
    omsig_options vo;
    omsig_options_init(&vo);
    vo.model_path = nested, vo.signature_path = bundle, vo.public_key_path = pub;
    T_CHECK(omsig_verify(&vo, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_root_digest(rep), nested_root);
    T_STREQ(omsig_report_signed_root_digest(rep), nested_root);
    /* the signer: SHA-256 of the key's DER SubjectPublicKeyInfo */
    FILE *f = fopen(pub, "r");
    EVP_PKEY *pk = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    unsigned char *der = NULL;
    const int der_len = pk ? i2d_PUBKEY(pk, &der) : -1;
    char want[65] = "";
    if (der_len > 0) sha256_hex(der, (size_t)der_len, want);
    T_CHECK(der_len > 0);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "key");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_FINGERPRINT), want);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_SUBJECT), "");
    T_CHECK(omsig_report_signer_san_count(rep) == 0);
    T_STREQ(omsig_report_signer(rep, (omsig_signer_field)99), "");
    omsig_report_free(rep);

    vo.model_path = tampered; /* same files, one changed: both digests, different */
    T_CHECK(omsig_verify(&vo, &rep) == OMSIG_E_DIGEST_MISMATCH);
    T_STREQ(omsig_report_signed_root_digest(rep), nested_root);
    T_CHECK(strlen(omsig_report_root_digest(rep)) == 64);
    T_CHECK(strcmp(omsig_report_root_digest(rep), nested_root) != 0);
    char tampered_root[65];
    snprintf(tampered_root, sizeof tampered_root, "%s", omsig_report_root_digest(rep));
    omsig_report_free(rep);
    omsig_options d;
    omsig_options_init(&d);
    d.model_path = tampered; /* the computed root is the one a digest gives */
    T_CHECK(omsig_digest(&d, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_root_digest(rep), tampered_root);
    T_STREQ(omsig_report_signed_root_digest(rep), "");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "");
    omsig_report_free(rep);

    vo.model_path = extra; /* an extra file is not read: no computed root */
    T_CHECK(omsig_verify(&vo, &rep) == OMSIG_E_DIGEST_MISMATCH);
    T_STREQ(omsig_report_signed_root_digest(rep), nested_root);
    T_STREQ(omsig_report_root_digest(rep), "");
    omsig_report_free(rep);

    vo.model_path = nested, vo.public_key_path = leaf; /* fails before the statement */
    T_CHECK(omsig_verify(&vo, &rep) != OMSIG_OK);
    T_STREQ(omsig_report_signed_root_digest(rep), "");
    T_STREQ(omsig_report_root_digest(rep), "");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "");
    omsig_report_free(rep);

    /* ---- the certificate method's signer, verify and sign ---- */
    f = fopen(leaf, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    T_CHECK(x != NULL);
    unsigned char md[32];
    unsigned md_len = 0;
    char cert_fp[65] = "";
    if (x && X509_digest(x, EVP_sha256(), md, &md_len) == 1)
        for (unsigned i = 0; i < md_len; i++) sprintf(cert_fp + 2 * i, "%02x", md[i]);
    const char *chain_paths[] = {root};
    omsig_options co;
    omsig_options_init(&co);
    co.method = OMSIG_METHOD_CERTIFICATE;
    co.model_path = nested, co.signature_path = cert_bundle;
    co.certificate_chain_paths = chain_paths, co.n_certificate_chain_paths = 1;
    T_CHECK(omsig_verify(&co, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "certificate");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_FINGERPRINT), cert_fp);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_SUBJECT), "CN=omsig test leaf-p384,O=omsig test");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_ISSUER),
            "CN=omsig test intermediate CA,O=omsig test");
    T_CHECK(strlen(omsig_report_signer(rep, OMSIG_SIGNER_NOT_BEFORE)) == 20);
    T_CHECK(strlen(omsig_report_signer(rep, OMSIG_SIGNER_NOT_AFTER)) == 20);
    omsig_report_free(rep);

    const char *embed[] = {chain};
    co.signature_path = sig, co.private_key_path = leaf_key, co.signing_certificate_path = leaf;
    co.certificate_chain_paths = embed;
    T_CHECK(omsig_sign(&co, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "certificate");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_FINGERPRINT), cert_fp);
    T_STREQ(omsig_report_root_digest(rep), nested_root);
    T_STREQ(omsig_report_signed_root_digest(rep), "");
    omsig_report_free(rep);

    omsig_options so;
    omsig_options_init(&so);
    so.model_path = nested, so.signature_path = sig, so.private_key_path = key;
    T_CHECK(omsig_sign(&so, &rep) == OMSIG_OK);
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_KIND), "key");
    T_STREQ(omsig_report_signer(rep, OMSIG_SIGNER_FINGERPRINT), want);
    omsig_report_free(rep);

    X509_free(x);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    unlink(sig);
    rmdir(dir);
    T_DONE();
}
