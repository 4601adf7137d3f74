/* SPDX-License-Identifier: Apache-2.0 */
/*
 * omsig_internal.h - private declarations shared by the library's files.  Nothing here is
 * part of the public interface (include/omsig.h is).
 */
#ifndef OMSIG_INTERNAL_H
#define OMSIG_INTERNAL_H

#include "omsig.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define OMSIG_PRIVATE __attribute__((visibility("hidden")))

/* ---- limits (documented in README.md) ------------------------------------------------ */
#define OMSIG_MAX_BUNDLE_BYTES   (64u << 20) /* a bundle larger than this is refused unread */
#define OMSIG_MAX_RESOURCES      10000000u   /* resources in one manifest */
#define OMSIG_MAX_PATH_BYTES     4096u       /* bytes of a resource name or model path */
#define OMSIG_MAX_DEPTH          256u        /* directory nesting in a model, JSON nesting */
#define OMSIG_MAX_DIGEST_BYTES   64u         /* BLAKE2b-512 */
#define OMSIG_DEFAULT_SHARD_SIZE 1000000000ull
#define OMSIG_DEFAULT_BUFFER     (256u << 20)

/* ---- reports and errors (report.c) ---------------------------------------------------- */
typedef struct omsig_problem {
    omsig_problem_kind kind;
    char *name;
    char *expected; /* hex or "" */
    char *actual;
} omsig_problem;

struct omsig_report {
    omsig_status status;
    char *message;
    char **warnings;
    size_t n_warnings;
    uint64_t files;
    uint64_t bytes;
    double hash_seconds;
    double seconds;
    double started;           /* omsig_now() at omsig_report_begin() */
    const char *engine;
    char engine_reason[256];  /* why that engine: the auto rule's estimate, or the flag */
    const char *reader;       /* "io_uring", "pread", "io_uring and pread", or "" */
    char root_digest[2 * 32 + 1];
    const char *trust_root_source; /* sigstore: "trust_config", "sigstore-python-cache", "built-in" */
    char *trust_root;              /* sigstore: which file or copy, and its date */
    omsig_problem *problems;
    size_t n_problems;
    const char *where;             /* debug builds: where the failure was made (omsig_fail) */
};

OMSIG_PRIVATE omsig_report *omsig_report_new(void);
/* The report of a public operation: a new one in *out (when out is not NULL), its clock
 * started.  NULL when memory ran out (then the operation returns OMSIG_E_NOMEM). */
OMSIG_PRIVATE omsig_report *omsig_report_begin(omsig_report **out);
/* Ends what omsig_report_begin() began: records the seconds, frees r when the caller did not
 * ask for it (out NULL), and returns st. */
OMSIG_PRIVATE omsig_status omsig_report_end(omsig_report *r, omsig_report **out,
                                            omsig_status st);
/* Records the first failure of an operation (later ones are ignored) and returns st.  In a
 * debug build (NDEBUG not defined) the report also keeps where it was made, "file.c:123"
 * (r->where); a release build keeps no source names. */
#define omsig_fail(r, st, ...) omsig_fail_at((r), (st), OMSIG_HERE, __VA_ARGS__)
OMSIG_PRIVATE omsig_status omsig_fail_at(omsig_report *r, omsig_status st, const char *where,
                                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#ifdef NDEBUG
#define OMSIG_HERE ((const char *)0)
#else
#define OMSIG_STR_(x) #x
#define OMSIG_STR(x) OMSIG_STR_(x)
#ifdef __FILE_NAME__
#define OMSIG_HERE (__FILE_NAME__ ":" OMSIG_STR(__LINE__))
#else
#define OMSIG_HERE (__FILE__ ":" OMSIG_STR(__LINE__))
#endif
#endif
OMSIG_PRIVATE omsig_status omsig_vfail(omsig_report *r, omsig_status st, const char *fmt,
                                       va_list ap);
OMSIG_PRIVATE void omsig_warn(omsig_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds one problem to the report's list.  When memory runs out the report's status becomes
 * OMSIG_E_NOMEM (a verdict missing a problem would be wrong) and that is returned. */
OMSIG_PRIVATE omsig_status omsig_report_add_problem(omsig_report *r, omsig_problem_kind kind,
                                                    const char *name, const char *expected,
                                                    const char *actual)
    __attribute__((warn_unused_result));
OMSIG_PRIVATE double omsig_now(void); /* monotonic seconds */
/* Records "out of memory" as the failure (OMSIG_E_NOMEM) and returns OMSIG_E_NOMEM. */
OMSIG_PRIVATE omsig_status omsig_nomem(omsig_report *r);
/* "[Errno N] text: 'path'", the way the reference reports a file it cannot open (err > 0). */
OMSIG_PRIVATE omsig_status omsig_fail_open(omsig_report *r, int err, const char *path);

/* Returns a failure on to the caller; the report already holds its message. */
#define OMSIG_FORWARD_IF_ERROR(expr)                                                           \
    do {                                                                                       \
        const omsig_status omsig_st_ = (expr);                                                 \
        if (omsig_st_ != OMSIG_OK) return omsig_st_;                                           \
    } while (0)

/* ---- small helpers (util.c) ------------------------------------------------------------ */
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

/* Resource and ignore names: a relative POSIX path with no empty, "." or ".." segment, no
 * NUL, at most OMSIG_MAX_PATH_BYTES.  Returns NULL when fine, else what is wrong. */
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
/* Frees n strings and the array holding them.  NULL is fine. */
OMSIG_PRIVATE void omsig_strv_free(char **v, size_t n);
/* qsort comparator of char * (or const char *) items, bytewise. */
OMSIG_PRIVATE int omsig_str_cmp(const void *a, const void *b);
/* qsort with a context argument (no file-level state anywhere in the library). */
OMSIG_PRIVATE void omsig_sort(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *, void *), void *ctx);

OMSIG_PRIVATE const char *omsig_relpath_problem(const char *name, size_t len);
/* Path order of the reference signer: segment by segment, each compared bytewise. */
OMSIG_PRIVATE int omsig_path_cmp(const char *a, const char *b);

/* ---- the bundle (bundle.c) ------------------------------------------------------------ */
typedef enum {
    OMSIG_VM_PUBLIC_KEY = 1,
    OMSIG_VM_X509_CHAIN = 2,
    OMSIG_VM_CERTIFICATE = 3
} omsig_vm_kind;

typedef struct omsig_der {
    uint8_t *data;
    size_t len;
} omsig_der;

typedef struct omsig_bundle {
    void *json;               /* cJSON root, kept for the sigstore method */
    char *media_type;
    omsig_vm_kind vm_kind;
    char *key_hint;           /* publicKey.hint; NULL when absent, null or empty */
    omsig_der *certs;         /* x509CertificateChain (leaf first) or the one certificate */
    size_t n_certs;
    bool has_tlog_entries;
    size_t n_tlog_entries;
    uint8_t *payload;         /* decoded DSSE payload, NUL-terminated */
    size_t payload_len;
    char *payload_type;
    uint8_t *sig;             /* signatures[0].sig, DER */
    size_t sig_len;
    size_t n_signatures;
} omsig_bundle;

/* Frees the n buffers and the array holding them.  NULL is fine. */
OMSIG_PRIVATE void omsig_der_free(omsig_der *d, size_t n);

OMSIG_PRIVATE omsig_status omsig_bundle_parse(const uint8_t *data, size_t len, omsig_bundle *b,
                                              omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_bundle_read(const char *path, uint64_t max_bytes,
                                             omsig_bundle *b, omsig_report *r);
OMSIG_PRIVATE void omsig_bundle_free(omsig_bundle *b);
OMSIG_PRIVATE omsig_status omsig_bundle_check_media_type(const omsig_bundle *b,
                                                         omsig_report *r);

/* ---- format constants ---------------------------------------------------------------------- */
#define OMSIG_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define OMSIG_IN_TOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define OMSIG_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define OMSIG_PREDICATE_TYPE "https://model_signing/signature/v1.0"
#define OMSIG_PREDICATE_TYPE_COMPAT "https://model_signing/Digests/v0.1" /* verify only */

/* ---- DSSE (dsse.c) ----------------------------------------------------------------------- */
/* Standard DSSEv1 PAE with the in-toto type, or the legacy v0.2.0 form. */
OMSIG_PRIVATE int omsig_pae(const uint8_t *body, size_t n, omsig_buf *out);
/* PAE with another payload type (the envelope's, for the sigstore method). */
OMSIG_PRIVATE int omsig_pae_typed(const char *type, const uint8_t *body, size_t n,
                                  omsig_buf *out);
OMSIG_PRIVATE int omsig_pae_compat(const uint8_t *body, size_t n, omsig_buf *out);
/* Verifies sig over the standard PAE with md, then over the compat PAE with compat_md.
 * key is an EVP_PKEY*, md/compat_md are EVP_MD*.  OMSIG_OK or OMSIG_E_SIGNATURE_INVALID. */
OMSIG_PRIVATE omsig_status omsig_dsse_verify(void *key, const void *md, const void *compat_md,
                                             const omsig_bundle *b, omsig_report *r);
/* The digest an EC key's curve implies (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512);
 * NULL with a message in r for any other key. */
OMSIG_PRIVATE const void *omsig_ec_key_md(void *key, omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_check_payload_type(const omsig_bundle *b, omsig_report *r);

/* ---- keys (pki_key.c); the verification methods are in pki.h ------------------------------ */
/* Loads a PEM public key (text before the PEM block allowed). */
OMSIG_PRIVATE void *omsig_pki_load_public_key(const char *path, omsig_report *r);
/* Lowercase hex SHA-256 of the key's PEM SubjectPublicKeyInfo. */
OMSIG_PRIVATE int omsig_pki_key_hint(void *key, char out[65]);

/* ---- the statement (statement.c) ---------------------------------------------------------- */
typedef struct omsig_resource {
    char *name;               /* as in the bundle (normalised check passed) */
    char *path;               /* the file part: name, or name without ":start:end" */
    uint64_t start, end;      /* shards only */
    uint8_t digest[OMSIG_MAX_DIGEST_BYTES];
    size_t digest_len;
} omsig_resource;

typedef struct omsig_manifest {
    bool legacy;              /* Digests/v0.1 */
    char *subject_name;
    char root_hex[65];
    omsig_serialization method;
    omsig_hash hash;
    uint64_t shard_size;
    bool allow_symlinks;
    char **ignore_paths;
    size_t n_ignore_paths;
    omsig_resource *res;
    size_t n_res;
} omsig_manifest;

OMSIG_PRIVATE omsig_status omsig_statement_parse(const uint8_t *payload, size_t len,
                                                 omsig_manifest *m, omsig_report *r);
OMSIG_PRIVATE void omsig_manifest_free(omsig_manifest *m);
OMSIG_PRIVATE const char *omsig_hash_name(omsig_hash h);
/* A resource's "algorithm" in m's serialization: "sha256", or "sha256-sharded-<size>". */
#define OMSIG_ALGORITHM_MAX 64
OMSIG_PRIVATE const char *omsig_resource_algorithm(const omsig_manifest *m,
                                                   char out[OMSIG_ALGORITHM_MAX]);
OMSIG_PRIVATE size_t omsig_hash_size(omsig_hash h);

/* ---- the model tree (walk.c) ------------------------------------------------------------ */
typedef struct omsig_file {
    char *path;               /* relative to the model root; "." for a single-file model */
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    uint64_t ino, dev;
} omsig_file;

typedef struct omsig_model {
    const char *display_path; /* the model path as the user typed it (for messages) */
    char *name;               /* the model's name: basename, or of the resolved path */
    int root_fd;              /* directory holding the files */
    char *single_name;        /* single-file model: the file's name within root_fd */
    char *root_real;          /* the resolved directory of root_fd, for symlink warnings */
    bool allow_symlinks;
    char **ignore;            /* relative ignore paths, matched as component prefixes */
    bool ignore_all;          /* an ignore path named the model's root */
    size_t n_ignore;
    omsig_file *files;
    size_t n_files;
    const atomic_int *abandon; /* when set and *abandon becomes non-zero, a walk stops */
} omsig_model;

OMSIG_PRIVATE omsig_status omsig_model_open(omsig_model *m, const omsig_options *o,
                                            omsig_report *r);
OMSIG_PRIVATE omsig_status omsig_model_add_ignore(omsig_model *m, const char *rel);
/* Adds the user's --ignore-paths and the signature path, resolved against the CWD. */
OMSIG_PRIVATE omsig_status omsig_model_add_user_ignores(omsig_model *m, const omsig_options *o,
                                                        omsig_report *r);
/* Walks the whole tree (sign, digest, verify). */
OMSIG_PRIVATE omsig_status omsig_model_walk(omsig_model *m, omsig_report *r);
/* Forgets listed files that the ignore paths (added after the walk) now cover. */
OMSIG_PRIVATE void omsig_model_drop_ignored(omsig_model *m);
/* Looks up only the named files (verify --ignore_unsigned_files). */
OMSIG_PRIVATE omsig_status omsig_model_stat_list(omsig_model *m, const char *const *paths,
                                                 size_t n, omsig_report *r);
/* Opens a listed file for reading, safely beneath the root. Returns fd or -errno.  Whether it
 * is still the file the walk found is the hashing queue's check (src/hash/queue.c). */
OMSIG_PRIVATE int omsig_model_open_file(const omsig_model *m, const omsig_file *f);
OMSIG_PRIVATE void omsig_model_close(omsig_model *m);
/* The path the reference prints for rel: the model path as typed joined with rel (malloc). */
OMSIG_PRIVATE char *omsig_model_display(const omsig_model *m, const char *rel);
/* Sorts files in the reference signer's order. */
OMSIG_PRIVATE void omsig_model_sort(omsig_model *m);

/* Streams, the plan, the queue, readers and engines: src/hash/ (plan.h, queue.h, reader.h,
 * engine.h).  sign.c and digest.c hash a model as the signer records it; compare.c checks a
 * model against its manifest. */
struct omsig_ctx;
OMSIG_PRIVATE omsig_status omsig_hash_model(struct omsig_ctx *ctx, const omsig_options *o,
                                            omsig_manifest *m, char **model_name,
                                            omsig_report *r);

/* ---- comparing (compare.c) ---------------------------------------------------------------- */
/* walked: the tree listed while the bundle was checked (owned from here on), or NULL. */
OMSIG_PRIVATE omsig_status omsig_verify_model(struct omsig_ctx *ctx, const omsig_options *o,
                                              const omsig_manifest *m, omsig_model *walked,
                                              omsig_report *r);
/* Root digest over raw digests in order. */
OMSIG_PRIVATE void omsig_root_digest(const omsig_resource *res, size_t n, char out[65]);

#endif /* OMSIG_INTERNAL_H */
