/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_args.c - the command line: model_signing's commands and flags in both spellings
 * (--certificate_chain and --certificate-chain), --log-level before the command, and a method
 * that follows from the flags when the command names none.  What it prints back (help, usage
 * errors) is cli_help.c's.
 */
#include "cli_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

const opt_def omsigcli_opts[] = {
    {"signature", "--signature", O_SIGNATURE, T_VALUE, VERIFY | SIGN, "SIGNATURE_PATH",
     "Location of the signature file to verify.  [required]",
     "Location of the signature file to generate (written atomically; through a symlink, "
     "its target).  [default: model.sig]"},
    {"public-key", "--public_key", O_PUBLIC_KEY, T_VALUE, VK, "PUBLIC_KEY",
     "Path to the public key (PEM) used for verification.  [required]", NULL},
    {"private-key", "--private_key", O_PRIVATE_KEY, T_VALUE, PEM_KEY, "PRIVATE_KEY",
     "Path to the EC private key, as a PEM-encoded file.  [required]", NULL},
    {"password", "--password", O_PASSWORD, T_VALUE, PEM_KEY, "PASSWORD",
     "Password for the key encryption, if any.", NULL},
    {"pkcs11-uri", "--pkcs11_uri", O_PKCS11_URI, T_VALUE, PK | PC, "PKCS11_URI",
     "PKCS #11 URI of the private key (RFC 7512): token= or slot-id=, and object= and/or id= "
     "in its path; module-path= or module-name=, and pin-value= or pin-source= (else the PIN "
     "is asked on the terminal) in its query.  [required]", NULL},
    {"signing-certificate", "--signing_certificate", O_SIGNING_CERT, T_VALUE, SC | PC,
     "CERTIFICATE_PATH",
     "Path to the signing certificate, as a PEM-encoded file (the leaf, optionally followed by its intermediates: all are embedded).  [required]", NULL},
    {"certificate-chain", "--certificate_chain", O_CHAIN, T_MULTI, VC | SC | PC, "CERTIFICATE_PATH",
     "Path to certificate chain of trust: every certificate in it is a trust anchor. "
     "Repeatable.  Without it: the Mozilla CA set the system ships, with a warning.",
     "Path to certificate chain of trust, embedded after the leaf. Repeatable."},
    {"log-fingerprints", "--log_fingerprints", O_LOG_FP, T_FLAG, VC, NULL,
     "Log SHA256 fingerprints of all certificates.", NULL},
    {"verify-time", NULL, O_VERIFY_TIME, T_VALUE, VC, "now|signing",
     "When every certificate of the chain must be valid: now, as the OMS spec asks, or at the "
     "leaf's notBefore (signing), as model_signing 1.1.1 checks it, which lets expired "
     "certificates pass.  [default: now]", NULL},
    {"identity", "--identity", O_IDENTITY, T_VALUE, VS, "IDENTITY",
     "The expected identity of the signer (e.g., name@example.com).  [required]", NULL},
    {"identity-provider", "--identity_provider", O_PROVIDER, T_VALUE, VS, "IDENTITY_PROVIDER",
     "The expected identity provider (e.g., https://accounts.example.com).  [required]", NULL},
    {"trust-config", "--trust_config", O_TRUST, T_VALUE, VS, "TRUST_CONFIG_PATH",
     "The client trust configuration or trusted_root.json to use. Without it: the trust root "
     "sigstore-python cached on this machine, else the copy built into omsig.", NULL},
    {"use-staging", "--use_staging", O_STAGING, T_FLAG, VS, NULL,
     "Use Sigstore's staging instance.", NULL},
    {"ignore-paths", "--ignore-paths", O_IGNORE, T_MULTI, WALK, "IGNORE_PATHS",
     "File paths to ignore when signing or verifying. Repeatable.", NULL},
    {"ignore-git-paths", "--ignore-git-paths", O_GIT, T_FLAG, WALK, NULL,
     "Ignore git-related files when signing or verifying.  [default]", NULL},
    {"no-ignore-git-paths", "--no-ignore-git-paths", O_NO_GIT, T_FLAG, WALK, NULL,
     "Include the git-related files.", NULL},
    {"allow-symlinks", "--allow_symlinks", O_SYMLINKS, T_FLAG, WALK, NULL,
     "Whether to allow following symlinks when signing or verifying files.", NULL},
    {"max-bundle-size", NULL, O_MAX_BUNDLE, T_VALUE, VERIFY, "N[K|M|G]",
     "Refuse larger signature files unread.  [default: 64M]", NULL},
    {"ignore-unsigned-files", "--ignore_unsigned_files", O_UNSIGNED, T_FLAG, VERIFY, NULL,
     "Ignore all files that were not originally signed.", NULL},
    {"no-ignore-unsigned-files", "--no-ignore_unsigned_files", O_NO_UNSIGNED, T_FLAG, VERIFY,
     NULL, "Report files the signature does not list.  [default]", NULL},
    {"shard-size", NULL, O_SHARD, T_VALUE, SIGN | DG | BN, "N[K|M|G]",
     "Hash fixed-size shards of N bytes (a shards manifest; model_signing's CLI cannot "
     "verify it).", NULL},
    {"hash", NULL, O_HASH, T_VALUE, SIGN | DG | BN, "sha256|blake2b|blake3",
     "Content hash (blake2b, blake3: model_signing's CLI cannot sign or verify with it; its "
     "library verifies blake3).  [default: sha256]", NULL},
    {"hasher", NULL, O_HASHER, T_VALUE, HASHING, "auto|cpu|gpu|hybrid",
     "Hashing engine.  [default: auto]", NULL},
    {"io", NULL, O_IO, T_VALUE, HASHING, "auto|uring|pread", "How files are read.  [default: auto]", NULL},
    {"threads", NULL, O_THREADS, T_VALUE, HASHING, "N",
     "CPU hashing threads.  [default: the online cores]", NULL},
    {"gpus", NULL, O_GPUS, T_VALUE, HASHING, "N|LIST",
     "GPUs to hash on: the first N, or the listed ones (0,3; one alone as 2,).  [default: "
     "every visible one]", NULL},
    {"buffer-size", NULL, O_BUFFER, T_VALUE, HASHING, "N[K|M|G]",
     "Bytes of read buffers in flight.  [default: 256M]", NULL},
    {"json", NULL, O_JSON, T_FLAG, HASHING, NULL, "Print a machine-readable report on stdout.", NULL},
    {"quiet", NULL, O_QUIET, T_FLAG, HASHING, NULL,
     "No progress line and no summary of symlinks that point outside the model.", NULL},
    {"log-level", NULL, O_LOG_LEVEL, T_VALUE, HASHING, "LEVEL",
     "As 'omsig --log-level LEVEL COMMAND', where model_signing takes it.", NULL},
};
const size_t omsigcli_n_opts = sizeof omsigcli_opts / sizeof omsigcli_opts[0];

static const char k_level_names[][9] = {"debug", "info", "warning", "error", "critical"};

/* ---- values --------------------------------------------------------------------------------- */

static const opt_def *find_opt(const char *name, unsigned bits)
{
    for (size_t k = 0; k < omsigcli_n_opts; k++)
        if ((omsigcli_opts[k].cmds & bits) && strcmp(omsigcli_opts[k].name, name) == 0) return &omsigcli_opts[k];
    return NULL;
}

/* The option name of "--some_name[=value]" in hyphenated form, or false if it is too long. */
static bool option_name(const char *arg, char name[64], const char **eq)
{
    *eq = strchr(arg, '=');
    const size_t nl = *eq ? (size_t)(*eq - arg - 2) : strlen(arg + 2);
    if (nl >= 64) return false;
    for (size_t k = 0; k < nl; k++) name[k] = arg[2 + k] == '_' ? '-' : arg[2 + k];
    name[nl] = '\0';
    return true;
}

/* Whether --json is among the options (not as another option's value, not after "--"), so
 * that a usage error found before it is reached is reported as a document too. */
static bool wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) return false;
        if (arg[0] != '-' || arg[1] != '-') continue;
        char name[64];
        const char *eq = NULL;
        if (!option_name(arg, name, &eq)) continue;
        const opt_def *d = find_opt(name, ~0u);
        if (!d) continue;
        if (d->id == O_JSON) return true; /* --json=VALUE too: its usage error is a document */
        if (d->type != T_FLAG && !eq) i++;
    }
    return false;
}

/* A logging level's number (Python's: 10 DEBUG to 50 CRITICAL), any case; 0 if unknown. */
static int parse_level(const char *s)
{
    for (int k = 0; k < 5; k++)
        if (strcasecmp(s, k_level_names[k]) == 0) return 10 * (k + 1);
    return 0;
}

static int level_error(const omsigcli_args *a, const char *val)
{
    return omsigcli_usage_error(a,
                       "Invalid value for '--log-level': '%s' is not one of 'debug', 'info', "
                       "'warning', 'error', 'critical'.",
                       val);
}

/* Bytes with an optional K, M or G (powers of 1024) suffix. */
/* --gpus: "N" (digits) the first N devices; "i,j,..." (a comma makes it a list; "2," is
 * device 2 alone) those devices, each once.  0, or -1 when the value is neither. */
static int parse_gpus(const char *val, omsigcli_args *a)
{
    const size_t max = sizeof a->gpus / sizeof a->gpus[0];
    size_t n = 0;
    const bool list = strchr(val, ',') != NULL;
    for (const char *p = val; *p;) {
        if (*p < '0' || *p > '9') return -1;
        long v = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if ((v = v * 10 + (*p - '0')) > 4096) return -1;
        if (list) {
            if (v >= (long)max || n >= max) return -1;
            for (size_t i = 0; i < n; i++)
                if (a->gpus[i] == (int)v) return -1;
            a->gpus[n++] = (int)v;
            if (*p == ',') {
                p++;
                if (*p == ',') return -1;
            }
        } else if (v < 1 || v > (long)max) {
            return -1;
        } else {
            a->opt.gpus = NULL;
            a->opt.n_gpus = (size_t)v;
            return 0;
        }
    }
    if (!list || n == 0) return -1;
    a->opt.gpus = a->gpus;
    a->opt.n_gpus = n;
    return 0;
}

static bool parse_size(const char *s, uint64_t *out)
{
    errno = 0;
    char *end = NULL;
    if (!s[0] || s[0] == '-') return false;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end == 'i' && shift) end++;
    if (*end == 'B' && shift) end++;
    if (*end) return false;
    if (shift && v > (UINT64_MAX >> shift)) return false;
    *out = (uint64_t)v << shift;
    return true;
}

static int push(const char ***v, size_t *n, const char *s)
{
    const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

static int apply(omsigcli_args *a, const opt_def *d, const char *val)
{
    omsig_options *o = &a->opt;
    uint64_t n = 0;
    switch (d->id) {
    case O_SIGNATURE: o->signature_path = val; break;
    case O_PUBLIC_KEY: o->public_key_path = val; break;
    case O_PRIVATE_KEY: o->private_key_path = val; break;
    case O_PASSWORD: o->password = val; break;
    case O_PKCS11_URI: o->pkcs11_uri = val; break;
    case O_SIGNING_CERT: o->signing_certificate_path = val; break;
    case O_CHAIN: if (push(&a->chain, &a->n_chain, val)) return -1; break;
    case O_LOG_FP: o->log_fingerprints = 1; break;
    case O_VERIFY_TIME:
        if (strcmp(val, "now") == 0) o->verify_time = OMSIG_VERIFY_TIME_NOW;
        else if (strcmp(val, "signing") == 0) o->verify_time = OMSIG_VERIFY_TIME_SIGNING;
        else return omsigcli_usage_error(a, "Invalid value for '--verify-time': '%s' is not 'now' or 'signing'.", val);
        break;
    case O_IDENTITY: o->identity = val; break;
    case O_PROVIDER: o->identity_provider = val; break;
    case O_TRUST: o->trust_config_path = val; break;
    case O_STAGING: o->use_staging = 1; break;
    case O_IGNORE: if (push(&a->ignore, &a->n_ignore, val)) return -1; break;
    case O_GIT: o->ignore_git_paths = 1; break;
    case O_NO_GIT: o->ignore_git_paths = 0; break;
    case O_SYMLINKS: o->allow_symlinks = 1; break;
    case O_UNSIGNED: o->ignore_unsigned_files = 1; break;
    case O_NO_UNSIGNED: o->ignore_unsigned_files = 0; break;
    case O_SHARD:
        if (!parse_size(val, &n) || n == 0)
            return omsigcli_usage_error(a, "Invalid value for '--shard-size': '%s' is not a positive size.", val);
        /* the OMS statement holds the size as a JSON number: verifiers (omsig's statement.c,
         * model_signing's float) take whole numbers up to 2^53 only */
        if (n > OMSIG_MAX_SHARD_SIZE)
            return omsigcli_usage_error(a, "Invalid value for '--shard-size': '%s' is above 2^53 "
                                           "bytes (9007199254740992), the largest shard size a "
                                           "verifier accepts.", val);
        o->serialization = OMSIG_SERIAL_SHARDS;
        o->shard_size = n;
        break;
    case O_HASH:
        if (strcmp(val, "sha256") == 0) o->hash = OMSIG_HASH_SHA256;
        else if (strcmp(val, "blake2b") == 0) o->hash = OMSIG_HASH_BLAKE2B;
        else if (strcmp(val, "blake3") == 0) o->hash = OMSIG_HASH_BLAKE3;
        else return omsigcli_usage_error(a, "Invalid value for '--hash': '%s' is not one of 'sha256', 'blake2b', 'blake3'.", val);
        break;
    case O_HASHER:
        if (strcmp(val, "auto") == 0) o->hasher = OMSIG_HASHER_AUTO;
        else if (strcmp(val, "cpu") == 0) o->hasher = OMSIG_HASHER_CPU;
        else if (strcmp(val, "gpu") == 0) o->hasher = OMSIG_HASHER_GPU;
        else if (strcmp(val, "hybrid") == 0) o->hasher = OMSIG_HASHER_HYBRID;
        else return omsigcli_usage_error(a, "Invalid value for '--hasher': '%s' is not one of 'auto', 'cpu', 'gpu', 'hybrid'.", val);
        break;
    case O_IO:
        if (strcmp(val, "auto") == 0) o->io = OMSIG_IO_AUTO;
        else if (strcmp(val, "uring") == 0) o->io = OMSIG_IO_URING;
        else if (strcmp(val, "pread") == 0) o->io = OMSIG_IO_PREAD;
        else return omsigcli_usage_error(a, "Invalid value for '--io': '%s' is not one of 'auto', 'uring', 'pread'.", val);
        break;
    case O_THREADS:
        if (!parse_size(val, &n) || n == 0 || n > 4096)
            return omsigcli_usage_error(a, "Invalid value for '--threads': '%s' is not a count from 1 to 4096.", val);
        o->threads = (unsigned)n;
        break;
    case O_GPUS:
        if (parse_gpus(val, a) != 0)
            return omsigcli_usage_error(a, "Invalid value for '--gpus': '%s' is not a count from 1 to 64 or a list of distinct device numbers from 0 to 63 (such as 0,3, or 2, for device 2 alone).", val);
        break;
    case O_BUFFER:
        if (!parse_size(val, &n) || n < (1u << 20))
            return omsigcli_usage_error(a, "Invalid value for '--buffer-size': '%s' is not a size of at least 1M.", val);
        o->buffer_size = (size_t)n;
        break;
    case O_JSON: a->json = true; break;
    case O_QUIET: a->quiet = true; break;
    case O_LOG_LEVEL:
        if (!(a->log_level = parse_level(val))) return level_error(a, val);
        break;
    case O_MAX_BUNDLE:
        if (!parse_size(val, &n) || n < 1024)
            return omsigcli_usage_error(a, "Invalid value for '--max-bundle-size': '%s' is not a size of at least 1K.", val);
        o->max_bundle_size = n;
        break;
    }
    return 0;
}

/* ---- the method, from the word or from the flags --------------------------------------------- */

static const char *const k_method_names[] = {"key", "certificate", "sigstore"};

/*
 * For `verify MODEL --certificate_chain ...` (NVIDIA's form) and the like: the method that the
 * flags after the command name.  Each method's own flags name it (key: --public_key;
 * certificate: --certificate_chain, --log_fingerprints, --verify-time; sigstore: --identity,
 * --identity_provider, --trust_config, --use_staging); none of them means sigstore, as in
 * model_signing.  Signing: --signing_certificate or --certificate_chain name certificate,
 * --private_key or --password alone key.  Flags of two methods are a usage error that names
 * both.  Returns -1 with *method set, or an exit code.
 */
static int infer_method(omsigcli_args *a, int argc, char **argv, int start, bool sign,
                        const char **method)
{
    char seen[3][64] = {{0}}; /* per method: the first flag that named it, as typed */
    char pem_flag[64] = "", uri_flag[64] = ""; /* sign: --private_key or --password; --pkcs11_uri */
    bool sign_key = false;
    for (int i = start; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) break;
        if (arg[0] != '-' || arg[1] != '-') continue;
        char name[64];
        const char *eq = NULL;
        if (!option_name(arg, name, &eq)) continue;
        const opt_def *d = find_opt(name, sign ? SIGN : VERIFY);
        if (!d) continue;
        if (d->type != T_FLAG && !eq) i++;
        const unsigned m = d->cmds & (sign ? SIGN : VERIFY);
        const int which = sign ? ((m & SC) && !(m & SK) ? 1 : -1)
                               : m == VK ? 0 : m == VC ? 1 : m == VS ? 2 : -1;
        if (sign && (d->id == O_PRIVATE_KEY || d->id == O_PASSWORD)) {
            sign_key = true;
            if (!pem_flag[0]) snprintf(pem_flag, sizeof pem_flag, "%.*s", (int)strcspn(arg, "="), arg);
        }
        if (sign && d->id == O_PKCS11_URI && !uri_flag[0])
            snprintf(uri_flag, sizeof uri_flag, "%.*s", (int)strcspn(arg, "="), arg);
        if (which >= 0 && !seen[which][0])
            snprintf(seen[which], sizeof seen[which], "%.*s", (int)strcspn(arg, "="), arg);
    }
    int first = -1, second = -1;
    for (int k = 0; k < 3; k++) {
        if (!seen[k][0]) continue;
        if (first < 0) first = k;
        else if (second < 0) second = k;
    }
    if (second >= 0) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "Conflicting options: '%s' is for the %s method and '%s' for the %s method. "
                 "Name the method to use: 'omsig %s %s MODEL_PATH ...' or 'omsig %s %s "
                 "MODEL_PATH ...'.",
                 seen[first], k_method_names[first], seen[second], k_method_names[second],
                 sign ? "sign" : "verify", k_method_names[first], sign ? "sign" : "verify",
                 k_method_names[second]);
        return omsigcli_usage_error(a, "%s", msg);
    }
    if (sign && uri_flag[0] && pem_flag[0]) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "Conflicting options: '%s' is for the pkcs11-key and pkcs11-certificate methods "
                 "and '%s' for the key and certificate methods. Name the method to use: 'omsig "
                 "sign pkcs11-key MODEL_PATH ...' or 'omsig sign key MODEL_PATH ...'.",
                 uri_flag, pem_flag);
        return omsigcli_usage_error(a, "%s", msg);
    }
    if (sign && uri_flag[0]) *method = first == 1 ? "pkcs11-certificate" : "pkcs11-key";
    else *method = first >= 0 ? k_method_names[first] : sign && sign_key ? "key" : "sigstore";
    return -1;
}

static char g_prog[64];

/* The options before the command: --log-level, --version, --help.  Returns -1 with *next at
 * the command, or an exit code. */
static int parse_top(omsigcli_args *a, int argc, char **argv, int *next)
{
    int i = 1, eager = 0; /* 'h' or 'v': the first of --help and --version */
    a->synopsis = "[OPTIONS] COMMAND [ARGS]...";
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            if (!eager) eager = 'h';
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            if (!eager) eager = 'v';
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        char name[64];
        const char *eq = NULL;
        if (arg[1] == '-' && option_name(arg, name, &eq) && strcmp(name, "log-level") == 0) {
            const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                a->prog = NULL;
                return omsigcli_usage_error2(a, false, "Option '%s' requires an argument.", arg, NULL);
            }
            if (!(a->log_level = parse_level(val))) return level_error(a, val);
            continue;
        }
        if (arg[1] == '-' && option_name(arg, name, &eq) && strcmp(name, "json") == 0) {
            if (!eq) continue; /* a document for what follows; not a model_signing option */
            char typed[64];
            snprintf(typed, sizeof typed, "%.*s", (int)(eq - arg), arg);
            return omsigcli_usage_error2(a, false, "Option '%s' does not take a value.", typed, NULL);
        }
        return omsigcli_no_such_option(a, arg, 0);
    }
    if (eager == 'h') return omsigcli_help(a, H_TOP, 0, false, OMSIGCLI_EXIT_OK);
    if (eager == 'v') {
        if (a->json) {
            omsigcli_print_json_version();
        } else {
            const char *f = omsig_build_features();
            printf("omsig, version %s\nfeatures: %.*s\n", OMSIG_VERSION_STRING,
                   f[0] ? (int)strlen(f) - 1 : 4, f[0] ? f : "none");
        }
        return OMSIGCLI_EXIT_OK;
    }
    if (i >= argc) {
        if (argc == 1) return omsigcli_help(a, H_TOP, 0, false, OMSIGCLI_EXIT_USAGE);
        return omsigcli_usage_error(a, "%s", "Missing command.");
    }
    *next = i;
    return -1;
}

/*
 * `verify certificat MODEL ...`: with no method word the first argument is the model, so a
 * mistyped method would be reported as a model that does not exist or as an extra argument.
 * It is taken for a method word when no such path exists and either another argument follows
 * or it is close to a method's name: then "No such method", with click's "Did you mean" hint,
 * or the list of methods when none is close.  Returns -1 to go on, or the usage error's code.
 */
static int mistyped_method(omsigcli_args *a, const char *extra)
{
    static const char *const verify_methods[] = {"certificate", "key", "sigstore"};
    static const char *const sign_methods[] = {"certificate", "key", "pkcs11-certificate",
                                               "pkcs11-key", "sigstore"};
    const bool sign = a->command == CMD_SIGN;
    const char *const *cand = sign ? sign_methods : verify_methods;
    const size_t n = sign ? 5 : 3;
    const char *word = a->opt.model_path;
    struct stat sb;
    if (!word || lstat(word, &sb) == 0 || errno != ENOENT) return -1;
    char hint[256];
    omsigcli_suggest(word, cand, n, 0.6, hint, sizeof hint);
    if (!hint[0] && !extra) return -1;
    if (!hint[0]) {
        size_t len = (size_t)snprintf(hint, sizeof hint, " The methods of 'omsig %s' are ",
                                      sign ? "sign" : "verify");
        for (size_t i = 0; i < n && len < sizeof hint; i++)
            len += (size_t)snprintf(hint + len, sizeof hint - len, "%s'%s'", i ? ", " : "", cand[i]);
        if (len < sizeof hint) snprintf(hint + len, sizeof hint - len, ".");
    }
    /* the usage line is the command's, as click prints it for an unknown subcommand */
    snprintf(g_prog, sizeof g_prog, "omsig %s", sign ? "sign" : "verify");
    a->synopsis = "[OPTIONS] PKI_METHOD";
    a->method_word = NULL;
    return omsigcli_usage_error2(a, true, "No such method '%s'.%s", word, hint);
}

/* `omsig sign sigstore`: refused with the reason, which --help shows too. */
static int sign_sigstore_refused(const omsigcli_args *a, int argc, char **argv, int i)
{
    const char *why = "omsig signs with the 'key' and 'certificate' methods (and 'pkcs11-key', "
                      "'pkcs11-certificate'); keyless Sigstore signing needs an identity provider "
                      "online and is not offered.";
    for (int k = i; k < argc && strcmp(argv[k], "--") != 0; k++) {
        if (strcmp(argv[k], "--help") != 0 && strcmp(argv[k], "-h") != 0) continue;
        char *text = NULL;
        size_t len = 0;
        FILE *out = a->json ? open_memstream(&text, &len) : stdout;
        if (!out) return OMSIGCLI_EXIT_FAIL;
        omsigcli_usage_line(out, g_prog, "[OPTIONS] MODEL_PATH", omsigcli_help_width());
        fputc('\n', out);
        omsigcli_para(out, why, omsigcli_help_width());
        if (a->json) {
            fclose(out);
            omsigcli_print_json_text("help", text ? text : "");
            free(text);
        }
        return OMSIGCLI_EXIT_OK;
    }
    return omsigcli_usage_error(a, "%s", why);
}

static omsig_method method_of_word(const char *w)
{
    return strcmp(w, "key") == 0                  ? OMSIG_METHOD_KEY
           : strcmp(w, "certificate") == 0        ? OMSIG_METHOD_CERTIFICATE
           : strcmp(w, "pkcs11-key") == 0         ? OMSIG_METHOD_PKCS11_KEY
           : strcmp(w, "pkcs11-certificate") == 0 ? OMSIG_METHOD_PKCS11_CERTIFICATE
                                                  : OMSIG_METHOD_SIGSTORE;
}

/* verify|sign [METHOD]: the method named, or implied by the flags that follow. */
static int parse_method(omsigcli_args *a, const char *cmd, int argc, char **argv, int *next)
{
    int i = *next, rc;
    const bool sign = cmd[0] == 's';
    a->command = sign ? CMD_SIGN : CMD_VERIFY;
    snprintf(g_prog, sizeof g_prog, "omsig %s", cmd);
    a->prog = g_prog;
    a->synopsis = "[OPTIONS] PKI_METHOD";
    if (i >= argc) return omsigcli_help(a, H_GROUP, 0, sign, OMSIGCLI_EXIT_USAGE);
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
        return omsigcli_help(a, H_GROUP, 0, sign, OMSIGCLI_EXIT_OK);
    const char *word = argv[i];
    const bool named = strcmp(word, "key") == 0 || strcmp(word, "certificate") == 0 ||
        strcmp(word, "sigstore") == 0 ||
        (sign && (strcmp(word, "pkcs11-key") == 0 || strcmp(word, "pkcs11-certificate") == 0));
    if (named) {
        a->method_word = word;
        i++;
    } else if ((rc = infer_method(a, argc, argv, i, sign, &a->method_word)) >= 0) {
        return rc;
    }
    snprintf(g_prog, sizeof g_prog, "omsig %s %s", cmd, a->method_word);
    a->synopsis = "[OPTIONS] MODEL_PATH";
    a->opt.method = method_of_word(a->method_word);
    *next = i;
    if (sign && a->opt.method == OMSIG_METHOD_SIGSTORE) {
        /* implied by no flag at all: a mistyped method word is the likelier mistake */
        if (!named && word[0] != '-') {
            a->opt.model_path = word;
            const char *extra = i + 1 < argc && argv[i + 1][0] != '-' ? argv[i + 1] : NULL;
            const int rc_typo = mistyped_method(a, extra);
            a->opt.model_path = NULL;
            if (rc_typo >= 0) return rc_typo;
        }
        return sign_sigstore_refused(a, argc, argv, i);
    }
    return -1;
}

/* The command word and, for verify and sign, the method; -1 to go on, else an exit code. */
static int parse_command(omsigcli_args *a, int argc, char **argv, int *next)
{
    const char *cmd = argv[(*next)++];
    if (strcmp(cmd, "verify") == 0 || strcmp(cmd, "sign") == 0)
        return parse_method(a, cmd, argc, argv, next);
    if (strcmp(cmd, "digest") == 0 || strcmp(cmd, "bench") == 0) {
        a->command = cmd[0] == 'd' ? CMD_DIGEST : CMD_BENCH;
        snprintf(g_prog, sizeof g_prog, "omsig %s", cmd);
        a->prog = g_prog;
        a->synopsis = "[OPTIONS] MODEL_PATH";
        return -1;
    }
    static const char *const cmds[] = {"bench", "digest", "sign", "verify"};
    char hint[256];
    omsigcli_suggest(cmd, cmds, 4, 0.6, hint, sizeof hint);
    return omsigcli_usage_error2(a, true, "No such command '%s'.%s", cmd, hint);
}

/* One --option (and its value, which may be the next argument); -1 to go on. */
static int parse_option(omsigcli_args *a, unsigned bit, int argc, char **argv, int *at)
{
    const char *arg = argv[*at];
    if (arg[1] != '-') return omsigcli_no_such_option(a, arg, bit);
    char name[64];
    const char *eq = NULL;
    if (!option_name(arg, name, &eq)) return omsigcli_no_such_option(a, arg, bit);
    const opt_def *d = find_opt(name, bit);
    if (!d) return omsigcli_no_such_option(a, arg, bit);
    const char *val = NULL;
    if (d->type == T_FLAG) {
        if (eq) {
            char typed[64];
            snprintf(typed, sizeof typed, "%.*s", (int)(eq - arg), arg);
            return omsigcli_usage_error2(a, false, "Option '%s' does not take a value.", typed, NULL);
        }
    } else if (eq) {
        val = eq + 1;
    } else if (*at + 1 < argc) {
        val = argv[++*at];
    } else {
        return omsigcli_usage_error2(a, false, "Option '%s' requires an argument.", arg, NULL);
    }
    const int rc = apply(a, d, val);
    if (rc < 0) {
        fputs("omsig: out of memory\n", stderr);
        if (a->json) omsigcli_print_json_error(a, "failure", "out of memory", OMSIGCLI_EXIT_FAIL);
        return OMSIGCLI_EXIT_FAIL;
    }
    return rc > 0 ? rc : -1;
}

/* A positional argument: MODEL_PATH, or the first extra one. */
static void positional(omsigcli_args *a, const char *arg, const char **extra)
{
    if (a->opt.model_path && !*extra) *extra = arg;
    if (!a->opt.model_path) a->opt.model_path = arg;
}

/* What a command needs and did not get, checked as click checks: what is missing before what
 * is left over, in the order the options are declared. */
static int check_required(omsigcli_args *a, unsigned bit, const char *extra)
{
    if (!a->opt.model_path) return omsigcli_usage_error(a, "%s", "Missing argument 'MODEL_PATH'.");
    if (a->command == CMD_VERIFY && !a->opt.signature_path)
        return omsigcli_usage_error(a, "%s", "Missing option '--signature'.");
    if (a->command == CMD_SIGN && !a->opt.signature_path) a->opt.signature_path = "model.sig";
    if ((bit & VK) && !a->opt.public_key_path) return omsigcli_usage_error(a, "%s", "Missing option '--public_key'.");
    if ((bit & PEM_KEY) && !a->opt.private_key_path) return omsigcli_usage_error(a, "%s", "Missing option '--private_key'.");
    if ((bit & (PK | PC)) && !a->opt.pkcs11_uri) return omsigcli_usage_error(a, "%s", "Missing option '--pkcs11_uri'.");
    if ((bit & (SC | PC)) && !a->opt.signing_certificate_path)
        return omsigcli_usage_error(a, "%s", "Missing option '--signing_certificate'.");
    if ((bit & VS) && !a->opt.identity) return omsigcli_usage_error(a, "%s", "Missing option '--identity'.");
    if ((bit & VS) && !a->opt.identity_provider)
        return omsigcli_usage_error(a, "%s", "Missing option '--identity_provider'.");
    if (extra) return omsigcli_usage_error(a, "Got unexpected extra argument (%s)", extra);
    return -1;
}

int omsigcli_parse(int argc, char **argv, omsigcli_args *a)
{
    memset(a, 0, sizeof *a);
    omsig_options_init(&a->opt);
    a->json = wants_json(argc, argv);
    /* model_signing's help names this variable (1.1.1 does not read it); a bad value is
     * ignored rather than refused, as the reference ignores every value */
    const char *env = getenv("MODEL_SIGNING_LOG_LEVEL");
    a->log_level = env ? parse_level(env) : 0;
    if (!a->log_level) a->log_level = OMSIGCLI_LOG_INFO;
    int i = 1;
    int rc = parse_top(a, argc, argv, &i);
    if (rc >= 0) return rc;
    const int command_at = i;
    if ((rc = parse_command(a, argc, argv, &i)) >= 0) return rc;
    /* verify and sign without a method word: the method follows from the flags */
    const bool method_implied = (a->command == CMD_VERIFY || a->command == CMD_SIGN) &&
                                i == command_at + 1;
    const unsigned bit = omsigcli_cmd_bit(a->command, a->method_word ? a->method_word : "");
    bool want_help = false;
    const char *extra = NULL; /* the first argument past MODEL_PATH */
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            want_help = true;
        } else if (strcmp(arg, "--") == 0) {
            for (i++; i < argc; i++) positional(a, argv[i], &extra);
            break;
        } else if (arg[0] != '-' || arg[1] == '\0') {
            positional(a, arg, &extra);
        } else if ((rc = parse_option(a, bit, argc, argv, &i)) >= 0) {
            return rc;
        }
    }
    if (want_help) return omsigcli_help(a, H_CMD, bit, false, OMSIGCLI_EXIT_OK);
    if (method_implied && (rc = mistyped_method(a, extra)) >= 0) return rc;
    if ((rc = check_required(a, bit, extra)) >= 0) return rc;
    a->opt.certificate_chain_paths = a->chain;
    a->opt.n_certificate_chain_paths = a->n_chain;
    a->opt.ignore_paths = a->ignore;
    a->opt.n_ignore_paths = a->n_ignore;
    return -1;
}

void omsigcli_args_free(omsigcli_args *a)
{
    free(a->chain);
    free(a->ignore);
    a->chain = a->ignore = NULL;
}
