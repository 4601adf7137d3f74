/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - the report every operation fills (report.c) and the library's one error convention
 * above util.c: a function returns an omsig_status and the report holds the message.
 */
#ifndef OMSIG_REPORT_H
#define OMSIG_REPORT_H

#include "util.h"

typedef struct omsig_problem {
    omsig_problem_kind kind;
    char *name;
    char *expected; /* hex or "" */
    char *actual;
    uint64_t size;  /* mismatch: the bytes of the model's file (or shard) that were hashed */
    bool has_size;
} omsig_problem;

/* What one GPU did in an operation (the GPU engine fills it). */
#define OMSIG_REPORT_MAX_DEVICES 64
typedef struct omsig_device_use {
    int device;               /* the CUDA runtime's ordinal */
    unsigned readers;         /* reader groups (host threads) that fed it */
    uint64_t bytes, streams;  /* hashed on it */
    char dropped[256];        /* why it dropped out (set-up, self-test, mid-run), or "" */
} omsig_device_use;

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
    omsig_device_use devices[OMSIG_REPORT_MAX_DEVICES]; /* GPUs the engine had, in its order */
    size_t n_devices;
    char signed_root_digest[2 * 32 + 1]; /* verify: the signed statement's root digest */
    char *signer[OMSIG_SIGNER_IDENTITY_PROVIDER + 1]; /* omsig_report_signer(); NULL: "" */
    char **signer_sans;
    size_t n_signer_sans;
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
/* The same with the size of what was hashed (a mismatch). */
OMSIG_PRIVATE omsig_status omsig_report_add_problem_sized(omsig_report *r, omsig_problem_kind kind,
                                                          const char *name, const char *expected,
                                                          const char *actual, uint64_t size);
/* Who signed (signer.c): the public key (key methods), the leaf certificate (certificate
 * methods, kind "certificate", and sigstore, kind "sigstore").  Replaces what was recorded;
 * OMSIG_E_NOMEM when memory ran out (the report's status is then set too). */
OMSIG_PRIVATE omsig_status omsig_report_signer_key(omsig_report *r, const void *evp_pkey);
/* The same for a key given as its DER SubjectPublicKeyInfo. */
OMSIG_PRIVATE omsig_status omsig_report_signer_spki(omsig_report *r, const uint8_t *der, size_t len);
OMSIG_PRIVATE omsig_status omsig_report_signer_cert(omsig_report *r, const char *kind,
                                                    const void *x509);
/* Frees what was recorded of the signer. */
OMSIG_PRIVATE void omsig_report_signer_clear(omsig_report *r);
/* Sets one text field of the signer (a copy of value). */
OMSIG_PRIVATE omsig_status omsig_report_signer_set(omsig_report *r, omsig_signer_field f,
                                                   const char *value);
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

#endif /* OMSIG_REPORT_H */
