/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_args.c - the command line: model_signing's commands and flags in both spellings
 * (--certificate_chain and --certificate-chain), click-style usage errors (exit 2), help.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    VK = 1 << 0, VC = 1 << 1, VS = 1 << 2, SK = 1 << 3, SC = 1 << 4, DG = 1 << 5, BN = 1 << 6,
    VERIFY = VK | VC | VS, SIGN = SK | SC, WALK = VERIFY | SIGN | DG | BN, HASHING = WALK
};

typedef enum { T_FLAG, T_VALUE, T_MULTI } opt_type;

typedef enum {
    O_SIGNATURE, O_PUBLIC_KEY, O_PRIVATE_KEY, O_PASSWORD, O_CHAIN, O_SIGNING_CERT,
    O_LOG_FP, O_VERIFY_TIME, O_IDENTITY, O_PROVIDER, O_TRUST, O_STAGING, O_IGNORE,
    O_GIT, O_NO_GIT, O_SYMLINKS, O_UNSIGNED, O_NO_UNSIGNED, O_SHARD, O_HASH, O_HASHER,
    O_IO, O_THREADS, O_BUFFER, O_JSON, O_QUIET, O_LOG_LEVEL, O_MAX_BUNDLE
} opt_id;

typedef struct opt_def {
    const char *name; /* hyphenated; underscores are accepted too */
    opt_id id;
    opt_type type;
    unsigned cmds;
    const char *metavar;
    const char *help;
} opt_def;

static const opt_def k_opts[] = {
    {"signature", O_SIGNATURE, T_VALUE, VERIFY | SIGN, "PATH",
     "Signature (bundle) file. Required for verify; sign writes model.sig by default."},
    {"public-key", O_PUBLIC_KEY, T_VALUE, VK, "PEM", "Public key (PEM) to verify with. Required."},
    {"private-key", O_PRIVATE_KEY, T_VALUE, SIGN, "PEM", "EC private key (PEM) to sign with. Required."},
    {"password", O_PASSWORD, T_VALUE, SIGN, "TEXT", "Password of an encrypted private key."},
    {"signing-certificate", O_SIGNING_CERT, T_VALUE, SC, "PEM", "Signing (leaf) certificate. Required."},
    {"certificate-chain", O_CHAIN, T_MULTI, VC | SC, "PEM",
     "Verify: trusted certificates (every one is a trust anchor). Sign: chain to embed. Repeatable."},
    {"log-fingerprints", O_LOG_FP, T_FLAG, VC, NULL, "Log SHA-256 fingerprints of all certificates."},
    {"verify-time", O_VERIFY_TIME, T_VALUE, VC, "signing|now",
     "Time to validate the chain at: the leaf's notBefore (default, as model_signing) or now."},
    {"identity", O_IDENTITY, T_VALUE, VS, "TEXT", "Expected signer identity (SAN)."},
    {"identity-provider", O_PROVIDER, T_VALUE, VS, "URL", "Expected OIDC issuer."},
    {"trust-config", O_TRUST, T_VALUE, VS, "PATH", "Sigstore trust root or client trust config."},
    {"use-staging", O_STAGING, T_FLAG, VS, NULL, "Use the Sigstore staging instance."},
    {"ignore-paths", O_IGNORE, T_MULTI, WALK, "PATH", "File or directory to leave out. Repeatable."},
    {"ignore-git-paths", O_GIT, T_FLAG, WALK, NULL, "Leave out .git, .gitattributes, .github, .gitignore (default)."},
    {"no-ignore-git-paths", O_NO_GIT, T_FLAG, WALK, NULL, "Include the git files."},
    {"allow-symlinks", O_SYMLINKS, T_FLAG, WALK, NULL, "Follow symlinks to files (hashed under the link's name)."},
    {"max-bundle-size", O_MAX_BUNDLE, T_VALUE, VERIFY, "N[K|M|G]", "Refuse larger bundles unread (default 64M)."},
    {"ignore-unsigned-files", O_UNSIGNED, T_FLAG, VERIFY, NULL, "Hash only the files the signature lists."},
    {"no-ignore-unsigned-files", O_NO_UNSIGNED, T_FLAG, VERIFY, NULL, "Report files the signature does not list (default)."},
    {"shard-size", O_SHARD, T_VALUE, SIGN | DG | BN, "N[K|M|G]", "Hash fixed-size shards of N bytes (a shards manifest)."},
    {"hash", O_HASH, T_VALUE, SIGN | DG | BN, "sha256|blake2b", "Content hash (default sha256)."},
    {"hasher", O_HASHER, T_VALUE, HASHING, "auto|cpu|gpu|hybrid", "Hashing engine (default auto)."},
    {"io", O_IO, T_VALUE, HASHING, "auto|uring|pread", "How files are read (default auto)."},
    {"threads", O_THREADS, T_VALUE, HASHING, "N", "CPU hashing threads (default: online cores)."},
    {"buffer-size", O_BUFFER, T_VALUE, HASHING, "N[K|M|G]", "Bytes of read buffers in flight (default 256M)."},
    {"json", O_JSON, T_FLAG, HASHING, NULL, "Print a machine-readable report on stdout."},
    {"quiet", O_QUIET, T_FLAG, HASHING, NULL, "No progress line."},
    {"log-level", O_LOG_LEVEL, T_VALUE, HASHING, "LEVEL", "Accepted for compatibility; warnings always show."},
};
#define N_OPTS (sizeof k_opts / sizeof k_opts[0])

static void print_top_help(void)
{
    puts("Usage: omsig [--help] [--version] COMMAND ...\n"
         "\n"
         "  Verify and sign machine-learning models in the OpenSSF Model Signing (OMS) format,\n"
         "  with the same bundles, flags, messages and exit codes as model_signing.\n"
         "\n"
         "Commands:\n"
         "  verify key|certificate MODEL_PATH --signature SIG ...   check a model against a signature\n"
         "  sign key|certificate MODEL_PATH ...                    sign a model\n"
         "  digest MODEL_PATH                                      print the model's root digest\n"
         "  bench MODEL_PATH                                       CPU against GPU against the bounds, on your model\n"
         "\n"
         "Exit status: 0 success, 1 verification or signing failed, 2 usage error.\n"
         "Run 'omsig verify key --help' (and so on) for each command's options.");
}

static unsigned cmd_bit(omsigcli_command c, const char *m)
{
    if (c == CMD_DIGEST) return DG;
    if (c == CMD_BENCH) return BN;
    const bool k = strcmp(m, "key") == 0, ce = strcmp(m, "certificate") == 0;
    if (c == CMD_VERIFY) return k ? VK : ce ? VC : VS;
    return k ? SK : SC;
}

static void print_cmd_help(const omsigcli_args *a, unsigned bit)
{
    printf("Usage: %s [OPTIONS] MODEL_PATH\n\n", a->prog);
    if (bit == DG) puts("  Hash the model as signing would and print sha256:<root digest>.\n");
    else if (bit == BN) puts("  Hash the model with each available engine and compare with the bounds measured now.\n");
    else if (bit & VERIFY) puts("  Verify MODEL_PATH (a directory or a single file) against a signature.\n");
    else puts("  Sign MODEL_PATH (a directory or a single file) and write the bundle atomically.\n");
    puts("Options:");
    for (size_t i = 0; i < N_OPTS; i++) {
        if (!(k_opts[i].cmds & bit)) continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", k_opts[i].name, k_opts[i].metavar ? " " : "",
                 k_opts[i].metavar ? k_opts[i].metavar : "");
        printf("  %-34s %s\n", left, k_opts[i].help);
    }
    printf("  %-34s %s\n", "-h, --help", "Show this message and exit.");
    puts("\nFlags may be spelled with underscores too (--public_key, --certificate_chain).");
}

static int usage_error(const omsigcli_args *a, const char *fmt, const char *arg)
{
    fprintf(stderr, "Usage: %s [OPTIONS] MODEL_PATH\nTry '%s --help' for help.\n\nError: ",
            a->prog ? a->prog : "omsig", a->prog ? a->prog : "omsig");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return OMSIGCLI_EXIT_USAGE;
}

/* Bytes with an optional K, M or G (powers of 1024) suffix. */
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
    case O_SIGNING_CERT: o->signing_certificate_path = val; break;
    case O_CHAIN: if (push(&a->chain, &a->n_chain, val)) return -1; break;
    case O_LOG_FP: o->log_fingerprints = 1; break;
    case O_VERIFY_TIME:
        if (strcmp(val, "now") == 0) o->verify_time_now = 1;
        else if (strcmp(val, "signing") == 0) o->verify_time_now = 0;
        else return usage_error(a, "Invalid value for '--verify-time': '%s' is not 'signing' or 'now'.", val);
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
            return usage_error(a, "Invalid value for '--shard-size': '%s' is not a positive size.", val);
        o->serialization = OMSIG_SERIAL_SHARDS;
        o->shard_size = n;
        break;
    case O_HASH:
        if (strcmp(val, "sha256") == 0) o->hash = OMSIG_HASH_SHA256;
        else if (strcmp(val, "blake2b") == 0) o->hash = OMSIG_HASH_BLAKE2B;
        else return usage_error(a, "Invalid value for '--hash': '%s' is not 'sha256' or 'blake2b'.", val);
        break;
    case O_HASHER:
        if (strcmp(val, "auto") == 0) o->hasher = OMSIG_HASHER_AUTO;
        else if (strcmp(val, "cpu") == 0) o->hasher = OMSIG_HASHER_CPU;
        else if (strcmp(val, "gpu") == 0) o->hasher = OMSIG_HASHER_GPU;
        else if (strcmp(val, "hybrid") == 0) o->hasher = OMSIG_HASHER_HYBRID;
        else return usage_error(a, "Invalid value for '--hasher': '%s' is not one of 'auto', 'cpu', 'gpu', 'hybrid'.", val);
        break;
    case O_IO:
        if (strcmp(val, "auto") == 0) o->io = OMSIG_IO_AUTO;
        else if (strcmp(val, "uring") == 0) o->io = OMSIG_IO_URING;
        else if (strcmp(val, "pread") == 0) o->io = OMSIG_IO_PREAD;
        else return usage_error(a, "Invalid value for '--io': '%s' is not one of 'auto', 'uring', 'pread'.", val);
        break;
    case O_THREADS:
        if (!parse_size(val, &n) || n == 0 || n > 4096)
            return usage_error(a, "Invalid value for '--threads': '%s' is not a count from 1 to 4096.", val);
        o->threads = (unsigned)n;
        break;
    case O_BUFFER:
        if (!parse_size(val, &n) || n < (1u << 20))
            return usage_error(a, "Invalid value for '--buffer-size': '%s' is not a size of at least 1M.", val);
        o->buffer_size = (size_t)n;
        break;
    case O_JSON: a->json = true; break;
    case O_QUIET: a->quiet = true; break;
    case O_LOG_LEVEL: break;
    case O_MAX_BUNDLE:
        if (!parse_size(val, &n) || n < 1024)
            return usage_error(a, "Invalid value for '--max-bundle-size': '%s' is not a size of at least 1K.", val);
        o->max_bundle_size = n;
        break;
    }
    return 0;
}

static char g_prog[64];

int omsigcli_parse(int argc, char **argv, omsigcli_args *a)
{
    memset(a, 0, sizeof *a);
    omsig_options_init(&a->opt);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_top_help();
        return argc < 2 ? OMSIGCLI_EXIT_USAGE : OMSIGCLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("omsig, version %s\n", OMSIG_VERSION_STRING);
        return OMSIGCLI_EXIT_OK;
    }
    int i = 2;
    if (strcmp(argv[1], "verify") == 0 || strcmp(argv[1], "sign") == 0) {
        a->command = argv[1][0] == 'v' ? CMD_VERIFY : CMD_SIGN;
        /* as in model_signing, a missing method word means sigstore */
        if (argc > 2 && (strcmp(argv[2], "key") == 0 || strcmp(argv[2], "certificate") == 0 ||
                         strcmp(argv[2], "sigstore") == 0)) {
            a->method_word = argv[2];
            i = 3;
        } else {
            a->method_word = "sigstore";
        }
        snprintf(g_prog, sizeof g_prog, "omsig %s %s", argv[1], a->method_word);
        a->opt.method = a->method_word[0] == 'k' ? OMSIG_METHOD_KEY
                        : a->method_word[0] == 'c' ? OMSIG_METHOD_CERTIFICATE
                                                   : OMSIG_METHOD_SIGSTORE;
        if (a->command == CMD_SIGN && a->opt.method == OMSIG_METHOD_SIGSTORE) {
            a->prog = g_prog;
            return usage_error(a, "%s", "omsig signs with the 'key' and 'certificate' methods; "
                                        "keyless Sigstore signing needs an identity provider "
                                        "online and is not offered.");
        }
    } else if (strcmp(argv[1], "digest") == 0 || strcmp(argv[1], "bench") == 0) {
        a->command = argv[1][0] == 'd' ? CMD_DIGEST : CMD_BENCH;
        snprintf(g_prog, sizeof g_prog, "omsig %s", argv[1]);
    } else {
        fprintf(stderr, "Usage: omsig [OPTIONS] COMMAND [ARGS]...\nTry 'omsig --help' for "
                        "help.\n\nError: No such command '%s'.\n", argv[1]);
        return OMSIGCLI_EXIT_USAGE;
    }
    a->prog = g_prog;
    const unsigned bit = cmd_bit(a->command, a->method_word ? a->method_word : "");
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_cmd_help(a, bit);
            return OMSIGCLI_EXIT_OK;
        }
        if (strcmp(arg, "--") == 0) {
            for (i++; i < argc; i++) {
                if (a->opt.model_path) return usage_error(a, "Got unexpected extra argument (%s)", argv[i]);
                a->opt.model_path = argv[i];
            }
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            if (a->opt.model_path) return usage_error(a, "Got unexpected extra argument (%s)", arg);
            a->opt.model_path = arg;
            continue;
        }
        if (arg[1] != '-') return usage_error(a, "No such option: %s", arg);
        char name[64];
        const char *eq = strchr(arg, '=');
        const size_t nl = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (nl >= sizeof name) return usage_error(a, "No such option: %s", arg);
        for (size_t k = 0; k < nl; k++) name[k] = arg[2 + k] == '_' ? '-' : arg[2 + k];
        name[nl] = '\0';
        const opt_def *d = NULL;
        for (size_t k = 0; k < N_OPTS && !d; k++)
            if ((k_opts[k].cmds & bit) && strcmp(k_opts[k].name, name) == 0) d = &k_opts[k];
        if (!d) return usage_error(a, "No such option: %s", arg);
        const char *val = NULL;
        if (d->type == T_FLAG) {
            if (eq) return usage_error(a, "Option '--%s' does not take a value.", d->name);
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            return usage_error(a, "Option '%s' requires an argument.", arg);
        }
        const int rc = apply(a, d, val);
        if (rc < 0) {
            fputs("omsig: out of memory\n", stderr);
            return OMSIGCLI_EXIT_FAIL;
        }
        if (rc > 0) return rc;
    }
    if (!a->opt.model_path) return usage_error(a, "%s", "Missing argument 'MODEL_PATH'.");
    if (a->command == CMD_VERIFY && !a->opt.signature_path)
        return usage_error(a, "%s", "Missing option '--signature'.");
    if (a->command == CMD_SIGN && !a->opt.signature_path) a->opt.signature_path = "model.sig";
    if ((bit & VK) && !a->opt.public_key_path) return usage_error(a, "%s", "Missing option '--public-key'.");
    if ((bit & SIGN) && !a->opt.private_key_path) return usage_error(a, "%s", "Missing option '--private-key'.");
    if ((bit & SC) && !a->opt.signing_certificate_path)
        return usage_error(a, "%s", "Missing option '--signing-certificate'.");
    if ((bit & VS) && !a->opt.identity) return usage_error(a, "%s", "Missing option '--identity'.");
    if ((bit & VS) && !a->opt.identity_provider)
        return usage_error(a, "%s", "Missing option '--identity-provider'.");
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
