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
 * Verified load (omsig_verify_to(), docs/verified-load.md): the same verification, with every
 * byte the manifest covers handed to the caller's sink from the buffer it was hashed in, so a
 * program loads exactly the bytes that were verified, read from disk once.
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

/* The largest shard size a bundle can record and a verifier accepts: 2^53 bytes, the largest
 * integer JSON numbers hold exactly. */
#define OMSIG_MAX_SHARD_SIZE (UINT64_C(1) << 53)

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
    OMSIG_E_CANCELLED = 2,          /* the caller stopped the run (omsig_ctx_cancel(), a sink) */
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
    OMSIG_VERIFY_TIME_NOW = 0,    /* the chain is valid now (OMS spec v1.0 section 8.2) */
    OMSIG_VERIFY_TIME_SIGNING = 1 /* valid at the leaf's notBefore (model_signing 1.1.1) */
} omsig_verify_time;

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
    omsig_verify_time verify_time;   /* verify: when the chain must be valid; default now */
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

    /* The struct's ABI tag, written by omsig_options_init(): OMSIG_OPTIONS_MAGIC and the
     * struct's size in the header the caller was built with.  Every call checks both: options
     * that were not initialised are refused (OMSIG_E_USAGE), and a caller built against an
     * older, smaller struct is served (the fields it does not have take their defaults).
     * These two stay at this offset: fields added in later versions go after them. */
    uint32_t struct_magic;
    uint32_t struct_size;
} omsig_options;

#define OMSIG_OPTIONS_MAGIC 0x4f4d534fu /* "OMSO" */

/** Fills @p opt with the defaults above and its ABI tag (struct_magic, struct_size).
 *  Values out of range (an enum value not listed, a shard_size of 0 or above 2^53, which the
 *  verifier refuses) make every call return OMSIG_E_USAGE before it reads or writes a file.
 *  omsig_options_init() is a macro that passes the size of the caller's struct, so a library
 *  with a larger struct writes no byte past the caller's. */
OMSIG_API void omsig_options_init_size(omsig_options *opt, size_t size);
/** The same for a struct of this header's size (for callers that cannot use the macro). */
OMSIG_API void omsig_options_init(omsig_options *opt);
#define omsig_options_init(opt) omsig_options_init_size((opt), sizeof *(opt))

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
 *  "built-in" (omsig's copy of Sigstore's); the certificate method's trust store:
 *  "certificate_chain" (the files given), "mozilla" (the Mozilla CA set the system ships, as
 *  model_signing trusts certifi's) or "openssl-default" (OpenSSL's default locations, where
 *  the system has no Mozilla set); "" for the key method or before it is loaded. */
OMSIG_API const char *omsig_report_trust_root_source(const omsig_report *rep);
/** That trust root in words: the file or copy, the instance, and the start of its newest key. */
OMSIG_API const char *omsig_report_trust_root(const omsig_report *rep);
/** The model's root digest as computed (lowercase hex of the SHA-256 over the resource
 *  digests), or "".  digest and sign: the model's.  verify: the model's, once it was hashed and
 *  held exactly the files the manifest lists (so also on a digest mismatch of their contents);
 *  "" when files were extra or missing (they are not read), or when verify failed earlier. */
OMSIG_API const char *omsig_report_root_digest(const omsig_report *rep);
/** verify: the root digest recorded in the signed statement, once the signature was checked
 *  and the statement read (so also when the model then failed to match); "" otherwise, and
 *  for sign and digest. */
OMSIG_API const char *omsig_report_signed_root_digest(const omsig_report *rep);

/** What a signer field holds (omsig_report_signer()). */
typedef enum {
    OMSIG_SIGNER_KIND = 0,        /* "key", "certificate", "sigstore", or "" when not known */
    OMSIG_SIGNER_SUBJECT = 1,     /* certificate, sigstore: the leaf's subject (RFC 4514) */
    OMSIG_SIGNER_ISSUER = 2,      /* certificate, sigstore: the leaf's issuer (RFC 4514) */
    OMSIG_SIGNER_NOT_BEFORE = 3,  /* certificate, sigstore: validity start, "YYYY-MM-DDTHH:MM:SSZ" */
    OMSIG_SIGNER_NOT_AFTER = 4,   /* certificate, sigstore: validity end, same form */
    OMSIG_SIGNER_FINGERPRINT = 5, /* SHA-256, lowercase hex: of the leaf certificate's DER
                                   * (certificate, sigstore), of the public key's DER
                                   * SubjectPublicKeyInfo (key, pkcs11-key) */
    OMSIG_SIGNER_IDENTITY = 6,    /* sigstore: the identity the certificate was issued to */
    OMSIG_SIGNER_IDENTITY_PROVIDER = 7 /* sigstore: the OIDC issuer that vouched for it */
} omsig_signer_field;

/** Who signed: set by verify once the signature holds, and by sign; "" for a field that does
 *  not apply or is not known. */
OMSIG_API const char *omsig_report_signer(const omsig_report *rep, omsig_signer_field f);
/** The leaf certificate's subject alternative names (certificate, sigstore), each as
 *  "DNS:name", "email:addr", "URI:uri", "IP:addr" or "othername:<oid>". */
OMSIG_API size_t omsig_report_signer_san_count(const omsig_report *rep);
OMSIG_API const char *omsig_report_signer_san(const omsig_report *rep, size_t i);
/** Per-file problems of a digest mismatch, sorted as the reference sorts them. */
OMSIG_API size_t omsig_report_problem_count(const omsig_report *rep);
OMSIG_API omsig_problem_kind omsig_report_problem_kind(const omsig_report *rep, size_t i);
OMSIG_API const char *omsig_report_problem_name(const omsig_report *rep, size_t i);
/** Lowercase hex digests of a mismatch; "" for the side that does not exist. */
OMSIG_API const char *omsig_report_problem_expected(const omsig_report *rep, size_t i);
OMSIG_API const char *omsig_report_problem_actual(const omsig_report *rep, size_t i);
/** The bytes of the model's file (or shard) that were hashed for a mismatch, into *size (may be
 *  NULL); returns 1, or 0 where no size is known (extra and missing files: the manifest records
 *  none) or i is out of range. */
OMSIG_API int omsig_report_problem_size(const omsig_report *rep, size_t i, uint64_t *size);

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
/**
 * Asks the call running on @p ctx to stop; safe to call from any thread (a signal handler
 * included: it stores one atomic flag).  Hashing stops within one read of each thread, no
 * byte more is hashed, and the call returns OMSIG_E_CANCELLED ("the caller stopped the run")
 * unless it failed first for a reason of its own; a bundle being written is not written.
 * Every call on @p ctx clears the request when it returns, so a request that comes when no
 * call is running stops the next call on @p ctx when it starts to hash.  Accepts NULL.
 */
OMSIG_API void omsig_ctx_cancel(omsig_ctx *ctx);
/** omsig_verify(), omsig_sign() and omsig_digest() with the engines of @p ctx. */
OMSIG_API omsig_status omsig_ctx_verify(omsig_ctx *ctx, const omsig_options *opt,
                                        omsig_report **rep);
OMSIG_API omsig_status omsig_ctx_sign(omsig_ctx *ctx, const omsig_options *opt,
                                      omsig_report **rep);
OMSIG_API omsig_status omsig_ctx_digest(omsig_ctx *ctx, const omsig_options *opt,
                                        omsig_report **rep);

/*
 * ---- Verified load: streaming verification into a sink -------------------------------------
 *
 * omsig_verify_to() verifies as omsig_verify() does and hands every byte the manifest covers
 * to the caller, piece by piece, from the read buffer ("slot") the byte was hashed in: one read
 * from disk serves both the hash and the load, and what is loaded is exactly what was hashed.
 * (docs/verified-load.md has the whole contract, with examples.)
 *
 * Order of events:
 *   1. the bundle's signature and the manifest are checked; a failure returns before any piece;
 *   2. pieces are delivered while the files are hashed, only for files (or shards) that both the
 *      manifest and the model name: ignored paths, extra files and, with
 *      ignore_unsigned_files, unsigned files are never read, so never delivered;
 *   3. the verdict is returned last.  Until it is OMSIG_OK the pieces are untrusted: a caller
 *      keeps nothing it received unless the verdict is success (a tampered file is delivered,
 *      then fails the verdict; a file that changes while it is read fails it as well).
 *
 * Which pieces, in which order.  The pieces of a file tile the ranges that are hashed, each
 * byte once; each piece carries the file's name (as the manifest names it, '/'-separated), the
 * file's size, and the piece's offset in the file.  An empty file of a files manifest comes as
 * one piece of length 0 (a shards manifest has no entry for an empty file).  The library hashes a file in one or more
 * "streams": a whole file for a files manifest (SHA-256, BLAKE2b), one shard [k * shard_size,
 * min((k + 1) * shard_size, size)) for a shards manifest, and for BLAKE3 files large enough to
 * be cut for several cores, one subtree-aligned part.  Each stream is delivered by one thread,
 * in increasing offset, each piece starting where the one before ended; different streams,
 * including streams of the same file, may be delivered at the same time by different threads.
 * A files-manifest SHA-256 file is therefore delivered from offset 0 to its end in order.
 *
 * Threads.  The callback runs on the CPU engine's worker threads (opt->threads of them, one
 * per core by default), or, for a small model hashed on one thread (at most 256 files and
 * 4 MiB; the report's engine reason says "one thread"), on the thread that called
 * omsig_verify_to(); so up to opt->threads calls run at once, each on a different piece; it
 * must be thread-safe and must not call back into the library (other than
 * omsig_piece_release()).  With a sink the CPU engine always hashes: the GPU engine's batches
 * pack many files into one buffer, not a slot per file; OMSIG_HASHER_AUTO picks the CPU (the
 * report's engine reason says so) and OMSIG_HASHER_GPU or OMSIG_HASHER_HYBRID is
 * OMSIG_E_USAGE.
 *
 * The slot.  `data` points into the library's read buffer, valid until the callback returns
 * OMSIG_PIECE_DONE, or, when it returns OMSIG_PIECE_HELD, until it calls
 * omsig_piece_release(token): an asynchronous consumer (a cudaMemcpyAsync out of the slot, an
 * RDMA write) holds the piece and releases it from its completion (a CUDA host function, a
 * thread waiting on an event), from any thread.  The library does not reuse the slot, nor read
 * more of that stream into it, before the release; it hashes the piece meanwhile, so a copy
 * that takes less time than the hash costs nothing.  Release every held piece promptly and
 * without waiting for later pieces or for the verdict: the worker that delivered it waits for
 * the release before it goes on, and omsig_verify_to() returns only after every held piece was
 * released (so when it returns, every copy out of a slot has completed).
 *
 * Stopping.  A callback that returns anything other than OMSIG_PIECE_DONE or OMSIG_PIECE_HELD
 * (OMSIG_PIECE_STOP, say), or a release with stop set, stops the run: the verdict is
 * OMSIG_E_CANCELLED ("the caller stopped the run").  Each worker checks before each piece:
 * with one thread nothing follows the stop; with several, pieces that other workers began
 * before the library saw the stop (a few, one per worker but for a worker preempted in
 * between) may still arrive; none after omsig_verify_to() returns.
 *
 * The buffers callback (optional) tells a DMA consumer which memory pieces will point into:
 * each worker calls it with attach = 1 for its whole read buffer before its first piece (to
 * pin or register it: cudaHostRegister, ibv_reg_mr) and with attach = 0 before it frees the
 * buffer; a non-zero return from attach stops the run (OMSIG_E_CANCELLED).
 *
 * The structures are part of the ABI: their layout never changes; a later version adds new
 * functions, not fields.
 */

/** A delivered piece: pass it to omsig_piece_release() when the callback held it. */
typedef struct omsig_piece omsig_piece;

/** What a piece callback returns. */
enum {
    OMSIG_PIECE_DONE = 0, /* finished with the slot: it may be reused after the return */
    OMSIG_PIECE_STOP = 1, /* stop the run (any value but DONE and HELD does) */
    OMSIG_PIECE_HELD = 2  /* the slot stays the caller's until omsig_piece_release(token) */
};

/** One piece: [offset, offset + len) of the file @p name (of @p file_size bytes) at @p data. */
typedef int (*omsig_piece_fn)(void *user, const char *name, uint64_t file_size, uint64_t offset,
                              const void *data, size_t len, omsig_piece *token);
/** A worker's read buffer, [base, base + len): attach 1 before its first piece, 0 before it
 *  is freed. */
typedef int (*omsig_buffers_fn)(void *user, void *base, size_t len, int attach);

typedef struct omsig_sink {
    omsig_piece_fn piece;       /* required */
    omsig_buffers_fn buffers;   /* optional, NULL: not told */
    void *user;                 /* passed to both */
} omsig_sink;

/**
 * Ends a held piece: the library may reuse its slot.  @p stop non-zero also stops the run
 * (OMSIG_E_CANCELLED), for a consumer whose asynchronous work failed.  Any thread; once per
 * held piece.
 */
OMSIG_API void omsig_piece_release(omsig_piece *token, int stop);

/**
 * omsig_verify() that delivers the covered bytes to @p sink as it hashes them (see above).
 * Returns OMSIG_OK only when the model is exactly what was signed; OMSIG_E_CANCELLED when the
 * sink stopped the run; OMSIG_E_USAGE when sink or sink->piece is NULL or a GPU hasher was
 * asked for; otherwise the statuses of omsig_verify().
 */
OMSIG_API omsig_status omsig_verify_to(const omsig_options *opt, const omsig_sink *sink,
                                       omsig_report **rep);
OMSIG_API omsig_status omsig_ctx_verify_to(omsig_ctx *ctx, const omsig_options *opt,
                                           const omsig_sink *sink, omsig_report **rep);

/*
 * ---- A GPU destination: a sink that copies each piece into device memory --------------------
 *
 * Shipped in builds with CUDA ("cuda " in omsig_build_features()); elsewhere
 * omsig_sink_cuda_new() returns NULL with the reason.  Each piece is copied with
 * cudaMemcpyAsync from its slot (each worker's read buffer is registered with
 * cudaHostRegister while the run uses it) and held until the copy's event completed; one
 * completion thread per sink issues the copies and waits on their events (blocking-sync
 * events: no busy wait) and releases each slot after its copy ran.  When omsig_verify_to()
 * returns, every copy has completed.  The device bytes are the verified model only when the
 * verdict is OMSIG_OK.
 *
 * Where a piece goes: map(map_user, name, file_size, offset, len) when map is set (NULL: no
 * destination, the run stops), else base + the file's entry in offsets[] + offset, the file
 * found by name in names[] (n_files of them).  With size non-zero, a destination past
 * base + size stops the run (for the table; map's addresses are the caller's to check).
 * A file with no destination stops the run; omsig_sink_cuda_error() says which.
 */
typedef void *(*omsig_cuda_map_fn)(void *user, const char *name, uint64_t file_size,
                                   uint64_t offset, size_t len);

typedef struct omsig_cuda_dest {
    int device;                     /* CUDA device ordinal of the destination memory */
    void *base;                     /* device memory (with names/offsets) */
    uint64_t size;                  /* bytes at base; 0: not checked */
    const char *const *names;       /* file names as the manifest names them */
    const uint64_t *offsets;        /* where each file starts, from base */
    size_t n_files;
    omsig_cuda_map_fn map;          /* or this, when set */
    void *map_user;
} omsig_cuda_dest;

typedef struct omsig_sink_cuda omsig_sink_cuda;

/** A CUDA sink for @p dest (copied: names and offsets are borrowed until freed), or NULL with
 *  the reason in @p why (no CUDA in this build, no device, out of memory). */
OMSIG_API omsig_sink_cuda *omsig_sink_cuda_new(const omsig_cuda_dest *dest, char *why,
                                               size_t why_len);
/** The sink to pass to omsig_verify_to(); valid until the CUDA sink is freed.  One run at a
 *  time per CUDA sink. */
OMSIG_API const omsig_sink *omsig_sink_cuda_sink(omsig_sink_cuda *s);
/** The first failure of this sink since it was made (a CUDA error, a file with no destination:
 *  why a run it served ended with OMSIG_E_CANCELLED), or "" when there was none. */
OMSIG_API const char *omsig_sink_cuda_error(const omsig_sink_cuda *s);
/** Stops the completion thread and frees the sink; accepts NULL.  Not during a run. */
OMSIG_API void omsig_sink_cuda_free(omsig_sink_cuda *s);

/** 1 if this build has the GPU engine and a CUDA device is present, else 0 with the reason in
 *  @p why (a build without CUDA, no driver, a driver too old for this build's CUDA runtime,
 *  naming both versions, no device). */
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
