/* SPDX-License-Identifier: Apache-2.0 */
/*
 * omsig.h - the one public header of libomsig: verify, sign and digest models in the
 * OpenSSF Model Signing (OMS) format.  Everything else in the tree is private.
 *
 * Usage:
 *   omsig_options opt;
 *   omsig_options_init(&opt);
 *   opt.method = OMSIG_METHOD_KEY;
 *   opt.model_path = "./model"; opt.signature_path = "model.sig";
 *   opt.public_key_path = "key.pub.pem";
 *   omsig_report *rep = NULL;
 *   omsig_status st = omsig_verify(&opt, &rep);
 *   puts(st == OMSIG_OK ? "ok" : omsig_report_message(rep));
 *   omsig_report_free(rep);
 *
 * The library never prints.  Messages, warnings and per-file problems are in the report.
 *
 * Threads: every function here is safe to call from several threads at once, each call with
 * its own report (the library keeps no mutable global state).  An omsig_ctx is used by one
 * call at a time: give each thread its own, or use the one-shot calls, which make and free a
 * context of their own.
 */
#ifndef OMSIG_H
#define OMSIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OMSIG_VERSION_MAJOR 0
#define OMSIG_VERSION_MINOR 1
#define OMSIG_VERSION_PATCH 0
#define OMSIG_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define OMSIG_API __attribute__((visibility("default")))
#else
#define OMSIG_API
#endif

/*
 * Status codes.  Values are stable: a value never changes meaning once released.
 * Ranges: 1-9 generic, 10-19 resources, 20-29 I/O and the model tree, 30-39 the bundle and
 * statement, 40-49 cryptographic verdicts, 50-59 hardware engines, 60-69 usage.
 */
typedef enum {
    OMSIG_OK = 0,
    OMSIG_E_GENERIC = 1,
    OMSIG_E_NOMEM = 10,
    OMSIG_E_LIMIT = 11,             /* a documented size or count limit was exceeded */
    OMSIG_E_IO = 20,                /* a file could not be opened or read */
    OMSIG_E_MODEL_PATH = 21,        /* the model tree holds something that cannot be used */
    OMSIG_E_FILE_CHANGED = 22,      /* a file changed while it was hashed */
    OMSIG_E_BUNDLE_PARSE = 30,      /* the signature file is not a well-formed bundle */
    OMSIG_E_MANIFEST_PARSE = 31,    /* the signed statement is not a well-formed manifest */
    OMSIG_E_UNSUPPORTED = 32,       /* well-formed but not supported (RSA keys, ...) */
    OMSIG_E_MANIFEST_INCONSISTENT = 33, /* root digest does not match the resources */
    OMSIG_E_DIGEST_MISMATCH = 40,   /* the model differs from the signed manifest */
    OMSIG_E_SIGNATURE_INVALID = 41, /* the signature does not verify */
    OMSIG_E_KEY = 42,               /* key unusable or not matching the bundle */
    OMSIG_E_CERTIFICATE = 43,       /* certificate chain or usage check failed */
    OMSIG_E_NO_DEVICE = 50,         /* the GPU engine was asked for but is not available */
    OMSIG_E_CUDA = 51,              /* a CUDA call failed */
    OMSIG_E_USAGE = 60,             /* invalid options */
    OMSIG_E_MAX_                    /* never use directly */
} omsig_status;

/** Returns a static, human-readable name for a status; never NULL. */
OMSIG_API const char *omsig_strerror(omsig_status st);

typedef enum {
    OMSIG_METHOD_KEY = 1,         /* ECDSA public key (verify) or private key (sign) */
    OMSIG_METHOD_CERTIFICATE = 2, /* X.509 certificate chain */
    OMSIG_METHOD_SIGSTORE = 3,    /* keyless: Fulcio certificate and Rekor entry */
    OMSIG_METHOD_PKCS11_KEY = 4,  /* sign: as KEY, the private key in a PKCS #11 token */
    OMSIG_METHOD_PKCS11_CERTIFICATE = 5 /* sign: as CERTIFICATE, the key in a PKCS #11 token */
} omsig_method;

typedef enum {
    OMSIG_HASHER_AUTO = 0,        /* pick from the plan and the hardware */
    OMSIG_HASHER_CPU = 1,
    OMSIG_HASHER_GPU = 2,
    OMSIG_HASHER_HYBRID = 3
} omsig_hasher;

typedef enum {
    OMSIG_IO_AUTO = 0,            /* io_uring where the kernel allows it, else pread */
    OMSIG_IO_URING = 1,
    OMSIG_IO_PREAD = 2
} omsig_io;

typedef enum {
    OMSIG_SERIAL_FILES = 0,       /* one digest per file */
    OMSIG_SERIAL_SHARDS = 1       /* one digest per fixed-size byte range of each file */
} omsig_serialization;

typedef enum {
    OMSIG_HASH_SHA256 = 0,
    OMSIG_HASH_BLAKE2B = 1,       /* BLAKE2b-512, unkeyed */
    OMSIG_HASH_BLAKE3 = 2         /* BLAKE3, 32 bytes; files method only (shards sign as files) */
} omsig_hash;

/**
 * Progress callback: called from the hashing threads' coordinator, at most a few times a
 * second, with the bytes hashed so far and the total.  Must be quick and must not call back
 * into the library.
 */
typedef void (*omsig_progress_fn)(void *user, uint64_t bytes_done, uint64_t bytes_total);

/**
 * Options for verify, sign and digest.  Initialise with omsig_options_init() and set what is
 * needed; every pointer is borrowed for the duration of the call only.
 */
typedef struct omsig_options {
    omsig_method method;
    const char *model_path;          /* directory or single file */
    const char *signature_path;      /* bundle to read (verify) or write (sign) */

    /* key method */
    const char *public_key_path;     /* verify: PEM public key */
    const char *private_key_path;    /* sign: PEM private key */
    const char *password;            /* sign: passphrase of an encrypted private key, or NULL */

    /* certificate method */
    const char *const *certificate_chain_paths; /* verify: trusted roots; sign: chain to embed */
    size_t n_certificate_chain_paths;
    const char *signing_certificate_path;       /* sign: the leaf (also pkcs11-certificate) */
    int verify_time_now;             /* verify: validate the chain now, not at leaf notBefore */
    int log_fingerprints;            /* verify: report SHA-256 fingerprints as warnings */
    uint64_t max_bundle_size;        /* verify: larger bundles are refused unread; 0: 64 MiB */

    /* pkcs11-key and pkcs11-certificate methods (sign; a build with "pkcs11" in
     * omsig_build_features(), else they fail with OMSIG_E_UNSUPPORTED) */
    const char *pkcs11_uri;          /* RFC 7512 URI of the private key: token= or slot-id=,
                                      * object= and/or id=; in the query module-path= or
                                      * module-name=, pin-value= or pin-source= */
    const char *pkcs11_pin;          /* the token's PIN when the URI has none, or NULL (a
                                      * token that needs one then fails with a message) */
    /* A PKCS #11 module is process-wide: calls that sign with a token in one process run one
     * after the other (each waits for the one before to unload its module). */

    /* sigstore method */
    const char *identity;
    const char *identity_provider;
    const char *trust_config_path;
    int use_staging;

    /* model walk */
    const char *const *ignore_paths; /* relative to the current directory, or absolute */
    size_t n_ignore_paths;
    int ignore_git_paths;            /* default 1: .git .gitattributes .github .gitignore */
    int allow_symlinks;              /* default 0 */
    int ignore_unsigned_files;       /* verify: hash only what the bundle lists */

    /* sign and digest */
    omsig_serialization serialization; /* default files */
    uint64_t shard_size;             /* for shards; default 1000000000 */
    omsig_hash hash;                 /* default sha256 */

    /* engines */
    omsig_hasher hasher;
    omsig_io io;
    unsigned threads;                /* 0: the number of online cores */
    size_t buffer_size;              /* bytes of read buffers in flight; 0: default 256 MiB */

    int read_only;                   /* digest: read every byte, hash nothing (a read-rate probe) */

    omsig_progress_fn progress;
    void *progress_user;

    /* GPU engine: which devices (CUDA ordinals among the visible ones: CUDA_VISIBLE_DEVICES
     * applies first).  gpus lists them (n_gpus entries); with gpus NULL, n_gpus > 0 takes the
     * first n_gpus devices, and 0 (the default) every device.  A listed device that is not
     * there makes GPU hashing unavailable, with the reason. */
    const int *gpus;
    size_t n_gpus;
} omsig_options;

/** Fills @p opt with the defaults above. */
OMSIG_API void omsig_options_init(omsig_options *opt);

/** Kind of a per-file problem found when comparing the model with its manifest. */
typedef enum {
    OMSIG_PROBLEM_EXTRA = 1,      /* in the model, not in the manifest */
    OMSIG_PROBLEM_MISSING = 2,    /* in the manifest, not in the model */
    OMSIG_PROBLEM_MISMATCH = 3    /* in both, digests differ */
} omsig_problem_kind;

/** Result of an operation: opaque, owned by the caller, freed with omsig_report_free(). */
typedef struct omsig_report omsig_report;

/** Frees a report; accepts NULL. */
OMSIG_API void omsig_report_free(omsig_report *rep);
/** The operation's status. */
OMSIG_API omsig_status omsig_report_status(const omsig_report *rep);
/** One-line message for a failure, in the reference tool's words; "" on success. */
OMSIG_API const char *omsig_report_message(const omsig_report *rep);
/** Warnings the reference prints (legacy formats, missing extensions), in order. */
OMSIG_API size_t omsig_report_warning_count(const omsig_report *rep);
OMSIG_API const char *omsig_report_warning(const omsig_report *rep, size_t i);
/** Resources hashed and their bytes; seconds spent hashing; seconds in total. */
OMSIG_API uint64_t omsig_report_files(const omsig_report *rep);
OMSIG_API uint64_t omsig_report_bytes(const omsig_report *rep);
OMSIG_API double omsig_report_hash_seconds(const omsig_report *rep);
OMSIG_API double omsig_report_seconds(const omsig_report *rep);
/** "cpu", "gpu" or "hybrid": which engine hashed. */
OMSIG_API const char *omsig_report_engine(const omsig_report *rep);
/** Why that engine: the auto rule's estimates, or "asked for with --hasher"; "" before hashing. */
OMSIG_API const char *omsig_report_engine_reason(const omsig_report *rep);
/** The reader that brought the bytes: "io_uring", "pread" (io_uring cannot be set up here, or
 *  --io pread), "io_uring and pread" (some threads fell back), or "" before hashing. */
OMSIG_API const char *omsig_report_reader(const omsig_report *rep);
/** GPUs the GPU engine had in this operation (0 when it did not run). */
OMSIG_API size_t omsig_report_device_count(const omsig_report *rep);
/** The i-th of them: its CUDA ordinal (after CUDA_VISIBLE_DEVICES), the bytes and streams it
 *  hashed, the reader threads that fed it, and why it dropped out (set-up, self-test or a CUDA
 *  error mid-run; its streams then went to the other devices or the CPU), "" when it did not.
 *  Any out-pointer may be NULL.  Returns 0 when i is out of range. */
OMSIG_API int omsig_report_device(const omsig_report *rep, size_t i, int *device,
                                  uint64_t *bytes, uint64_t *streams, unsigned *readers,
                                  const char **dropped);
/** The sigstore method's trust root: "trust_config" (the file given), "sigstore-python-cache"
 *  (the trusted_root.json sigstore-python fetched over TUF and keeps in its cache) or
 *  "built-in" (omsig's copy of Sigstore's); "" for the other methods or before it is loaded. */
OMSIG_API const char *omsig_report_trust_root_source(const omsig_report *rep);
/** That trust root in words: the file or copy, the instance, and the start of its newest key. */
OMSIG_API const char *omsig_report_trust_root(const omsig_report *rep);
/** Root digest (lowercase hex of the SHA-256 over the resource digests), or "". */
OMSIG_API const char *omsig_report_root_digest(const omsig_report *rep);
/** Per-file problems of a digest mismatch, sorted as the reference sorts them. */
OMSIG_API size_t omsig_report_problem_count(const omsig_report *rep);
OMSIG_API omsig_problem_kind omsig_report_problem_kind(const omsig_report *rep, size_t i);
OMSIG_API const char *omsig_report_problem_name(const omsig_report *rep, size_t i);
/** Lowercase hex digests of a mismatch; "" for the side that does not exist. */
OMSIG_API const char *omsig_report_problem_expected(const omsig_report *rep, size_t i);
OMSIG_API const char *omsig_report_problem_actual(const omsig_report *rep, size_t i);

/**
 * Verifies the model at opt->model_path against the bundle at opt->signature_path with
 * opt->method.  The signature is checked before any model byte is read.
 * @param rep  receives a report (also on failure, unless memory ran out); may be NULL.
 * @return OMSIG_OK when the model is exactly what was signed; otherwise the first failure:
 *   OMSIG_E_IO, OMSIG_E_BUNDLE_PARSE, OMSIG_E_MANIFEST_PARSE, OMSIG_E_UNSUPPORTED,
 *   OMSIG_E_MANIFEST_INCONSISTENT, OMSIG_E_SIGNATURE_INVALID, OMSIG_E_KEY,
 *   OMSIG_E_CERTIFICATE, OMSIG_E_MODEL_PATH, OMSIG_E_FILE_CHANGED, OMSIG_E_DIGEST_MISMATCH,
 *   OMSIG_E_NO_DEVICE, OMSIG_E_CUDA, OMSIG_E_LIMIT, OMSIG_E_USAGE, OMSIG_E_NOMEM.
 */
OMSIG_API omsig_status omsig_verify(const omsig_options *opt, omsig_report **rep);

/**
 * Signs the model and writes the bundle to opt->signature_path atomically.
 * Same statuses as omsig_verify() where they apply.
 */
OMSIG_API omsig_status omsig_sign(const omsig_options *opt, omsig_report **rep);

/**
 * Hashes the model as signing would (opt->serialization, opt->hash) and stores the root
 * digest in the report (omsig_report_root_digest()).
 */
OMSIG_API omsig_status omsig_digest(const omsig_options *opt, omsig_report **rep);

/**
 * A reusable context: keeps the hashing engines (and, with a GPU, the device buffers and the
 * result of its self-test) between calls, for a program that verifies many models.  A context
 * serves one call at a time; use one per thread.  omsig_verify(), omsig_sign() and
 * omsig_digest() are the same calls with a context of their own.
 */
typedef struct omsig_ctx omsig_ctx;

/** A new context, or NULL when memory ran out.  Nothing is set up until it is used. */
OMSIG_API omsig_ctx *omsig_ctx_new(void);
/** Frees a context and everything it holds; accepts NULL. */
OMSIG_API void omsig_ctx_free(omsig_ctx *ctx);
/** omsig_verify(), omsig_sign() and omsig_digest() with the engines of @p ctx. */
OMSIG_API omsig_status omsig_ctx_verify(omsig_ctx *ctx, const omsig_options *opt,
                                        omsig_report **rep);
OMSIG_API omsig_status omsig_ctx_sign(omsig_ctx *ctx, const omsig_options *opt,
                                      omsig_report **rep);
OMSIG_API omsig_status omsig_ctx_digest(omsig_ctx *ctx, const omsig_options *opt,
                                        omsig_report **rep);

/** 1 if this build has the GPU engine and a CUDA device is present, else 0 with the reason in
 *  @p why (a build without CUDA, no driver, no device). */
OMSIG_API int omsig_gpu_probe(char *why, size_t why_len);

/** 1 if this build has the GPU engine and a CUDA device is present, else 0. */
OMSIG_API int omsig_gpu_available(void);

/**
 * Measures this machine's single-stream SHA-256 rate in memory, in bytes per second, with the
 * CPU engine's hash over @p bytes (at least 16 MiB is sensible).  Returns 0 on failure.
 */
OMSIG_API double omsig_cpu_sha256_rate(size_t bytes);

/** What this build holds, as words each followed by a space: "cuda " (the GPU engine),
 *  "io_uring " (the io_uring reader), "pkcs11 " (signing with a key in a PKCS #11 token,
 *  through libp11), "test-hooks " (fault injection for the test suite: never in a
 *  release).  "" for a build with none. */
OMSIG_API const char *omsig_build_features(void);

/** 1 if io_uring can be set up on this kernel and build, else 0. */
OMSIG_API int omsig_io_uring_available(void);

#ifdef __cplusplus
}
#endif
#endif /* OMSIG_H */
