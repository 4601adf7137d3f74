/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign.c - signs a model with the key or certificate method, the private key in a PEM file or
 * in a PKCS #11 token (pkcs11-key, pkcs11-certificate), and writes a bundle that
 * model_signing verifies: the statement, the DSSE envelope over the standard PAE, the
 * verification material, written to a temporary file and renamed into place.
 */
#define _GNU_SOURCE
#include "context.h"
#include "dsse.h"
#include "json_util.h"
#include "model_hash.h"
#include "pki.h"
#include "pki_pkcs11.h"
#include "statement.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PEM_MAX (16u << 20) /* the largest key or certificate file read */

typedef struct signer {
    EVP_PKEY *key;
    const EVP_MD *md;
    STACK_OF(X509) *chain; /* certificate method: leaf first */
    omsig_pkcs11 *p11;     /* pkcs11 methods: the token; key is its private key */
    EVP_PKEY *pub;         /* pkcs11 methods: the token's public key (borrowed from p11) */
} signer;

static bool is_pkcs11(omsig_method m)
{
    return m == OMSIG_METHOD_PKCS11_KEY || m == OMSIG_METHOD_PKCS11_CERTIFICATE;
}

/* The public key of the signing key: a PEM private key holds it; a token has an object. */
static EVP_PKEY *public_of(const signer *s)
{
    return s->pub ? s->pub : s->key;
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw) return -1;
    const size_t n = strlen(pw);
    if (n > (size_t)size) return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

static omsig_status load_private_key(const omsig_options *o, signer *s, omsig_report *r)
{
    BIO *bio = NULL;
    OMSIG_FORWARD_IF_ERROR(omsig_pem_open(o->private_key_path, PEM_MAX, &bio, r));
    ERR_clear_error();
    s->key = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)o->password);
    BIO_free(bio);
    if (!s->key) {
        const unsigned long e = ERR_peek_last_error();
        ERR_clear_error();
        if (!o->password && ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ)
            return omsig_fail(r, OMSIG_E_KEY, "Password was not given but private key is encrypted");
        if (o->password && (ERR_GET_REASON(e) == EVP_R_BAD_DECRYPT ||
                            ERR_GET_REASON(e) == PEM_R_BAD_DECRYPT))
            return omsig_fail(r, OMSIG_E_KEY, "Cannot decrypt the private key '%s': wrong password",
                              o->private_key_path);
        return omsig_fail(r, OMSIG_E_KEY,
                          "Cannot load the private key from '%s': no PEM private key could be read%s",
                          o->private_key_path, o->password ? " (or the password is wrong)" : "");
    }
    s->md = omsig_ec_key_md(s->key, r);
    return s->md ? OMSIG_OK : r->status;
}

/* The key in a PKCS #11 token: only its signing operation is used, in the token. */
static omsig_status load_token_key(const omsig_options *o, signer *s, omsig_report *r)
{
    OMSIG_FORWARD_IF_ERROR(omsig_pkcs11_open(o->pkcs11_uri, o->pkcs11_pin, &s->p11, r));
    s->pub = omsig_pkcs11_public_key(s->p11);
    s->key = omsig_pkcs11_private_key(s->p11);
    if (EVP_PKEY_up_ref(s->key) != 1) {
        s->key = NULL;
        return omsig_nomem(r);
    }
    s->md = omsig_ec_key_md(s->pub, r);
    return s->md ? OMSIG_OK : r->status;
}

static bool in_chain(STACK_OF(X509) *chain, X509 *c)
{
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (X509_cmp(sk_X509_value(chain, i), c) == 0) return true;
    return false;
}

/* Every certificate of the PEM file at path, pushed onto into; *n their number.  A file with
 * none is refused with the message none_fmt (which takes the path). */
static omsig_status read_cert_file(const char *path, STACK_OF(X509) *into, const char *none_fmt,
                                   size_t *n, omsig_report *r)
{
    BIO *bio = NULL;
    OMSIG_FORWARD_IF_ERROR(omsig_pem_open(path, PEM_MAX, &bio, r));
    const omsig_status st = omsig_pem_read_strict_certs(bio, path, into, n, r);
    BIO_free(bio);
    if (st != OMSIG_OK) return st;
    if (*n == 0) return omsig_fail(r, OMSIG_E_CERTIFICATE, none_fmt, path);
    return OMSIG_OK;
}

/* Moves the n certificates of the --signing_certificate file onto s->chain, the leaf (the
 * certificate of the signing key) first, each once. */
static omsig_status take_leaf_first(const omsig_options *o, signer *s, STACK_OF(X509) *file,
                                    size_t n, omsig_report *r)
{
    int leaf = -1;
    for (int i = 0; i < (int)n && leaf < 0; i++)
        if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(file, i)), public_of(s)) == 1) leaf = i;
    if (leaf < 0) {
        /* the URI is not repeated: it may hold the PIN */
        char key_name[PATH_MAX + 16];
        if (s->p11) snprintf(key_name, sizeof key_name, "in the PKCS #11 token (--pkcs11_uri)");
        else snprintf(key_name, sizeof key_name, "'%s'", o->private_key_path);
        return n == 1 ? omsig_fail(r, OMSIG_E_CERTIFICATE,
                                   "The signing certificate '%s' does not belong to the private "
                                   "key %s (their public keys differ)",
                                   o->signing_certificate_path, key_name)
                      : omsig_fail(r, OMSIG_E_CERTIFICATE,
                                   "None of the %zu certificates in '%s' belongs to the private "
                                   "key %s (their public keys differ)",
                                   n, o->signing_certificate_path, key_name);
    }
    X509 *c = sk_X509_delete(file, leaf);
    do {
        if (c && in_chain(s->chain, c)) {
            X509_free(c);
        } else if (c && !sk_X509_push(s->chain, c)) {
            X509_free(c);
            return omsig_nomem(r);
        }
    } while ((c = sk_X509_shift(file)) != NULL);
    return OMSIG_OK;
}

/*
 * The chain to embed: the leaf, then what else the --signing_certificate file holds (a leaf
 * saved with its intermediates, in any order: the leaf is the certificate of the private key),
 * then the --certificate_chain files as given.  model_signing reads one certificate from that
 * file and refuses a second; embedding them all is what makes such a bundle verify.
 */
static omsig_status load_certificates(const omsig_options *o, signer *s, omsig_report *r)
{
    s->chain = sk_X509_new_null();
    STACK_OF(X509) *file = sk_X509_new_null();
    size_t n = 0;
    omsig_status st = !s->chain || !file ? omsig_nomem(r) : OMSIG_OK;
    if (st == OMSIG_OK)
        st = read_cert_file(o->signing_certificate_path, file,
                            "Cannot load the signing certificate from '%s'", &n, r);
    if (st == OMSIG_OK) st = take_leaf_first(o, s, file, n, r);
    sk_X509_pop_free(file, X509_free);
    const int from_file = st == OMSIG_OK ? sk_X509_num(s->chain) : 0;
    for (size_t i = 0; i < o->n_certificate_chain_paths && st == OMSIG_OK; i++) {
        const int before = sk_X509_num(s->chain);
        st = read_cert_file(o->certificate_chain_paths[i], s->chain,
                            "No certificates found in '%s'", &n, r);
        /* a certificate the signing certificate's file already gave is not repeated */
        for (int k = sk_X509_num(s->chain) - 1; st == OMSIG_OK && k >= before; k--) {
            X509 *c = sk_X509_value(s->chain, k);
            bool dup = false;
            for (int j = 1; j < from_file && !dup; j++) dup = X509_cmp(sk_X509_value(s->chain, j), c) == 0;
            if (dup) X509_free(sk_X509_delete(s->chain, k));
        }
    }
    return st;
}

static char *statement_json(const omsig_manifest *m, const char *name)
{
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "_type", OMSIG_STATEMENT_TYPE);
    cJSON *subj = cJSON_AddArrayToObject(st, "subject");
    cJSON *s0 = cJSON_CreateObject();
    cJSON_AddItemToArray(subj, s0);
    cJSON_AddStringToObject(s0, "name", name);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(s0, "digest"), "sha256", m->root_hex);
    cJSON_AddStringToObject(st, "predicateType", OMSIG_PREDICATE_TYPE);
    cJSON *pred = cJSON_AddObjectToObject(st, "predicate");
    cJSON *ser = cJSON_AddObjectToObject(pred, "serialization");
    const bool shards = m->method == OMSIG_SERIAL_SHARDS;
    cJSON_AddStringToObject(ser, "method", shards ? "shards" : "files");
    cJSON_AddStringToObject(ser, "hash_type", omsig_hash_name(m->hash));
    cJSON_AddBoolToObject(ser, "allow_symlinks", m->allow_symlinks);
    if (shards) cJSON_AddNumberToObject(ser, "shard_size", (double)m->shard_size);
    if (m->n_ignore_paths) {
        qsort(m->ignore_paths, m->n_ignore_paths, sizeof *m->ignore_paths, omsig_str_cmp);
        cJSON *ign = cJSON_AddArrayToObject(ser, "ignore_paths");
        for (size_t i = 0; i < m->n_ignore_paths; i++)
            cJSON_AddItemToArray(ign, cJSON_CreateString(m->ignore_paths[i]));
    }
    char alg[OMSIG_ALGORITHM_MAX];
    omsig_resource_algorithm(m, alg);
    cJSON *res = cJSON_AddArrayToObject(pred, "resources");
    char hex[2 * OMSIG_MAX_DIGEST_BYTES + 1];
    for (size_t i = 0; i < m->n_res; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", m->res[i].name);
        cJSON_AddStringToObject(e, "algorithm", alg);
        omsig_hex(m->res[i].digest, m->res[i].digest_len, hex);
        cJSON_AddStringToObject(e, "digest", hex);
        cJSON_AddItemToArray(res, e);
    }
    char *out = cJSON_Print(st);
    cJSON_Delete(st);
    return out;
}

/*
 * model_signing records its git ignore paths for a single-file model too (they ignore nothing
 * there): add them to a single file's manifest, so that both tools write the same statement.
 */
static omsig_status single_file_git_paths(const omsig_options *o, omsig_manifest *m)
{
    static const char *const git[] = {".git", ".gitattributes", ".github", ".gitignore"};
    struct stat st;
    if (!o->ignore_git_paths || m->n_res == 0 || strcmp(m->res[0].path, ".") != 0 ||
        (o->allow_symlinks ? stat(o->model_path, &st) : lstat(o->model_path, &st)) != 0 ||
        !S_ISREG(st.st_mode))
        return OMSIG_OK;
    char **v = realloc(m->ignore_paths, (m->n_ignore_paths + 4) * sizeof *v);
    if (!v) return OMSIG_E_NOMEM;
    m->ignore_paths = v;
    for (size_t i = 0; i < 4; i++) {
        bool dup = false;
        for (size_t j = 0; j < m->n_ignore_paths && !dup; j++) dup = strcmp(v[j], git[i]) == 0;
        if (dup) continue;
        if (!(v[m->n_ignore_paths] = strdup(git[i]))) return OMSIG_E_NOMEM;
        m->n_ignore_paths++;
    }
    return OMSIG_OK;
}

static omsig_status sign_pae(const signer *s, const char *payload, uint8_t **sig, size_t *sig_len,
                             omsig_report *r)
{
    omsig_buf pae = {0};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    omsig_status st = OMSIG_OK;
    *sig = NULL;
    ERR_clear_error();
    if (!ctx || omsig_pae((const uint8_t *)payload, strlen(payload), &pae) != 0 ||
        EVP_DigestSignInit(ctx, NULL, s->md, NULL, s->key) != 1 ||
        EVP_DigestSign(ctx, NULL, sig_len, (const uint8_t *)pae.data, pae.len) != 1 ||
        !(*sig = malloc(*sig_len)) ||
        EVP_DigestSign(ctx, *sig, sig_len, (const uint8_t *)pae.data, pae.len) != 1)
        st = s->p11 && ctx && pae.data ? omsig_pkcs11_sign_failed(s->p11, r)
                                       : omsig_fail(r, OMSIG_E_KEY, "ECDSA signing failed");
    /* a token's signature is checked with its public key: a public key object that is not
     * the private key's pair would give a bundle that verifies nowhere */
    if (st == OMSIG_OK && s->p11) {
        if (!omsig_pkey_verify(s->pub, s->md, *sig, *sig_len, pae.data, pae.len))
            st = omsig_fail(r, OMSIG_E_KEY,
                            "The PKCS #11 token's signature does not verify with its public key "
                            "object (the private and public key objects of the URI are not a "
                            "pair)");
        ERR_clear_error();
    }
    EVP_MD_CTX_free(ctx);
    omsig_buf_free(&pae);
    return st;
}

static char *bundle_json(const omsig_options *o, const signer *s, const char *payload,
                         const uint8_t *sig, size_t sig_len)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "mediaType", OMSIG_BUNDLE_MEDIA_TYPE);
    cJSON *vm = cJSON_AddObjectToObject(b, "verificationMaterial");
    char *tmp;
    if (o->method == OMSIG_METHOD_KEY || o->method == OMSIG_METHOD_PKCS11_KEY) {
        char hint[65];
        omsig_pki_key_hint(public_of(s), hint);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(vm, "publicKey"), "hint", hint);
    } else {
        cJSON *certs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(vm, "x509CertificateChain"),
                                              "certificates");
        for (int i = 0; i < sk_X509_num(s->chain); i++) {
            unsigned char *der = NULL;
            const int n = i2d_X509(sk_X509_value(s->chain, i), &der);
            tmp = n > 0 ? omsig_base64_encode(der, (size_t)n) : NULL;
            OPENSSL_free(der);
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "rawBytes", tmp ? tmp : "");
            cJSON_AddItemToArray(certs, c);
            free(tmp);
        }
    }
    cJSON_AddArrayToObject(vm, "tlogEntries");
    cJSON *env = cJSON_AddObjectToObject(b, "dsseEnvelope");
    tmp = omsig_base64_encode((const uint8_t *)payload, strlen(payload));
    cJSON_AddStringToObject(env, "payload", tmp ? tmp : "");
    free(tmp);
    cJSON_AddStringToObject(env, "payloadType", OMSIG_IN_TOTO_PAYLOAD_TYPE);
    cJSON *sig0 = cJSON_CreateObject();
    tmp = omsig_base64_encode(sig, sig_len);
    cJSON_AddStringToObject(sig0, "sig", tmp ? tmp : "");
    free(tmp);
    cJSON_AddStringToObject(sig0, "keyid", "");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(env, "signatures"), sig0);
    char *out = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    return out;
}

/* The file a signature path names: through symlinks of its last component (up to 40, as the
 * kernel allows), so that writing keeps the link, as writing the file in place would.  A
 * dangling link names its target, which is created.  malloc'd; NULL when memory runs out. */
static char *final_target(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
        char *link = malloc((size_t)st.st_size + PATH_MAX + 1);
        if (!link) {
            free(cur);
            return NULL;
        }
        const ssize_t n = readlink(cur, link, (size_t)st.st_size + PATH_MAX);
        if (n < 0) {
            free(link);
            break;
        }
        link[n] = '\0';
        char *next = NULL;
        const char *slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash) {
            next = link;
            link = NULL;
        } else if (asprintf(&next, "%.*s/%s", (int)(slash - cur), cur, link) < 0) {
            next = NULL;
        }
        free(link);
        free(cur);
        cur = next;
    }
    return cur;
}

/*
 * Writes data to path through a temporary file in the same directory and a rename, so a
 * reader never sees half a signature.  The file is created as any new file is (mode 0666 less
 * the umask, the directory's default ACL); one that is replaced keeps its mode (and, where
 * allowed, its owner).  A symlink at path stays: the file it points to is replaced.
 */
static omsig_status write_atomically(const char *path, const char *data, omsig_report *r)
{
    char *target = final_target(path), *tmp = NULL;
    int fd = -1, err = 0;
    if (!target) return omsig_nomem(r);
    struct stat old;
    const bool replacing = stat(target, &old) == 0 && S_ISREG(old.st_mode);
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        uint8_t rnd[6];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            const unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
            memcpy(rnd, &t, sizeof rnd);
            rnd[0] ^= (uint8_t)tries;
        }
        free(tmp);
        if (asprintf(&tmp, "%s.tmp%02x%02x%02x%02x%02x%02x", target, rnd[0], rnd[1], rnd[2],
                     rnd[3], rnd[4], rnd[5]) < 0) {
            tmp = NULL;
            err = ENOMEM;
            break;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && errno != EEXIST) {
            err = errno;
            break;
        }
    }
    if (fd < 0) {
        if (!err) err = EEXIST;
        free(tmp);
        free(target);
        return err == ENOMEM ? omsig_nomem(r)
                             : omsig_fail(r, OMSIG_E_IO, "Cannot write the signature '%s': %s",
                                          path, strerror(err));
    }
    if (replacing) {
        if (old.st_uid != geteuid() || old.st_gid != getegid()) {
            const int rc = fchown(fd, old.st_uid, old.st_gid);
            (void)rc; /* not allowed: the new file is the caller's, as a new file would be */
        }
        fchmod(fd, old.st_mode & 07777);
    }
    size_t len = strlen(data), off = 0;
    while (off < len && !err) {
        const ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno != EINTR) err = errno;
        if (n > 0) off += (size_t)n;
    }
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, target) != 0) err = errno;
    if (err) unlink(tmp);
    free(tmp);
    free(target);
    if (err) return omsig_fail(r, OMSIG_E_IO, "Cannot write the signature '%s': %s", path, strerror(err));
    return OMSIG_OK;
}

omsig_status omsig_ctx_sign(omsig_ctx *ctx, const omsig_options *o, omsig_report **out)
{
    omsig_report *r = omsig_report_begin(out);
    if (!r) return OMSIG_E_NOMEM;
    signer s = {0};
    omsig_manifest man;
    memset(&man, 0, sizeof man);
    char *name = NULL, *payload = NULL, *bundle = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    omsig_status st;
    if (!o || !o->model_path || !o->signature_path ||
        !(is_pkcs11(o->method) ? o->pkcs11_uri : o->private_key_path)) {
        st = omsig_fail(r, OMSIG_E_USAGE, "a model, a signature path and a private key (a PEM "
                                          "file or a PKCS #11 URI) are required");
        goto out;
    }
    if (o->method != OMSIG_METHOD_KEY && o->method != OMSIG_METHOD_CERTIFICATE &&
        !is_pkcs11(o->method)) {
        st = omsig_fail(r, OMSIG_E_USAGE, "omsig signs with the key and certificate methods only "
                                          "(the private key in a PEM file or a PKCS #11 token)");
        goto out;
    }
    const bool with_cert = o->method == OMSIG_METHOD_CERTIFICATE ||
                           o->method == OMSIG_METHOD_PKCS11_CERTIFICATE;
    if (with_cert && !o->signing_certificate_path) {
        st = omsig_fail(r, OMSIG_E_USAGE, "the certificate method needs a signing certificate");
        goto out;
    }
    /* keys first: a wrong password or PIN costs nothing, not a 100 GB read */
    st = is_pkcs11(o->method) ? load_token_key(o, &s, r) : load_private_key(o, &s, r);
    if (st != OMSIG_OK) goto out;
    if (with_cert && (st = load_certificates(o, &s, r)) != OMSIG_OK) goto out;
    if ((st = omsig_hash_model(ctx, o, &man, &name, r)) != OMSIG_OK) goto out;
    if (man.n_res == 0) {
        st = omsig_fail(r, OMSIG_E_MODEL_PATH,
                        "Cannot sign '%s': the model has no files (or only empty files in a "
                        "shards manifest, or only ignored ones)", o->model_path);
        goto out;
    }
    if (single_file_git_paths(o, &man) != OMSIG_OK) goto nomem;
    if (!(payload = statement_json(&man, name && name[0] ? name : "model"))) goto nomem;
    if ((st = sign_pae(&s, payload, &sig, &sig_len, r)) != OMSIG_OK) goto out;
    if (!(bundle = bundle_json(o, &s, payload, sig, sig_len))) goto nomem;
    st = write_atomically(o->signature_path, bundle, r);
    goto out;
nomem:
    st = omsig_nomem(r);
out:
    free(name);
    free(payload);
    free(bundle);
    free(sig);
    omsig_manifest_free(&man);
    EVP_PKEY_free(s.key);
    omsig_pkcs11_close(s.p11); /* after the key that refers to it */
    sk_X509_pop_free(s.chain, X509_free);
    return omsig_ctx_call_done(ctx, omsig_report_end(r, out, st));
}
