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

static void print_top_help(FILE *out)
{
    fputs("Usage: omsig [--help] [--version] COMMAND ...\n"
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
         "Run 'omsig verify key --help' (and so on) for each command's options.\n", out);
}

static unsigned cmd_bit(omsigcli_command c, const char *m)
{
    if (c == CMD_DIGEST) return DG;
    if (c == CMD_BENCH) return BN;
    const bool k = strcmp(m, "key") == 0, ce = strcmp(m, "certificate") == 0;
    if (c == CMD_VERIFY) return k ? VK : ce ? VC : VS;
    return k ? SK : SC;
}

static void print_cmd_help(FILE *out, const omsigcli_args *a, unsigned bit)
{
    fprintf(out, "Usage: %s [OPTIONS] MODEL_PATH\n\n", a->prog);
    if (bit == DG) fputs("  Hash the model as signing would and print sha256:<root digest>.\n\n", out);
    else if (bit == BN) fputs("  Hash the model with each available engine and compare with the bounds measured now.\n\n", out);
    else if (bit & VERIFY) fputs("  Verify MODEL_PATH (a directory or a single file) against a signature.\n\n", out);
    else fputs("  Sign MODEL_PATH (a directory or a single file) and write the bundle atomically.\n\n", out);
    fputs("Options:\n", out);
    for (size_t i = 0; i < N_OPTS; i++) {
        if (!(k_opts[i].cmds & bit)) continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", k_opts[i].name, k_opts[i].metavar ? " " : "",
                 k_opts[i].metavar ? k_opts[i].metavar : "");
        fprintf(out, "  %-34s %s\n", left, k_opts[i].help);
    }
    fprintf(out, "  %-34s %s\n", "-h, --help", "Show this message and exit.");
    fputs("\nFlags may be spelled with underscores too (--public_key, --certificate_chain).\n", out);
}

/* Help (bit 0: the top level): text on stdout, or with --json a {"help": text} document. */
static int help(const omsigcli_args *a, unsigned bit, int exit_code)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = a->json ? open_memstream(&text, &len) : stdout;
    if (!out) {
        omsigcli_print_json_error(a, "failure", "out of memory", OMSIGCLI_EXIT_FAIL);
        return OMSIGCLI_EXIT_FAIL;
    }
    if (bit) print_cmd_help(out, a, bit);
    else print_top_help(out);
    if (a->json) {
        fclose(out);
        omsigcli_print_json_text("help", text ? text : "");
        free(text);
    }
    return exit_code;
}

/* fmt, whose one conversion is %s, with arg: malloc'd, NULL when memory runs out. */
static char *format1(const char *fmt, const char *arg)
{
    const int n = snprintf(NULL, 0, fmt, arg);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) snprintf(msg, (size_t)n + 1, fmt, arg);
    return msg;
}

/* A usage error (exit 2) as click words it, on stderr; with --json also a document on stdout.
 * fmt has one %s, for arg, which comes from the command line and is printed escaped. */
static int usage_error(const omsigcli_args *a, const char *fmt, const char *arg)
{
    const char *prog = a->prog ? a->prog : "omsig";
    char *msg = format1(fmt, arg);
    fprintf(stderr, "Usage: %s [OPTIONS] MODEL_PATH\nTry '%s --help' for help.\n\n", prog, prog);
    omsigcli_print_line(stderr, "Error: ", msg ? msg : "out of memory");
    if (a->json) omsigcli_print_json_error(a, "usage", msg ? msg : "out of memory", OMSIGCLI_EXIT_USAGE);
    free(msg);
    return OMSIGCLI_EXIT_USAGE;
}

static const opt_def *find_opt(const char *name, unsigned bits)
{
    for (size_t k = 0; k < N_OPTS; k++)
        if ((k_opts[k].cmds & bits) && strcmp(k_opts[k].name, name) == 0) return &k_opts[k];
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
        if (d->id == O_JSON && !eq) return true;
        if (d->type != T_FLAG && !eq) i++;
    }
    return false;
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
    a->json = wants_json(argc, argv);
    if (argc < 2) return help(a, 0, OMSIGCLI_EXIT_USAGE);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return help(a, 0, OMSIGCLI_EXIT_OK);
    if (strcmp(argv[1], "--version") == 0) {
        if (a->json) {
            omsigcli_print_json_text("version", "omsig, version " OMSIG_VERSION_STRING);
        } else {
            const char *f = omsig_build_features();
            printf("omsig, version %s\nfeatures: %.*s\n", OMSIG_VERSION_STRING,
                   f[0] ? (int)strlen(f) - 1 : 4, f[0] ? f : "none");
        }
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
        fputs("Usage: omsig [OPTIONS] COMMAND [ARGS]...\nTry 'omsig --help' for help.\n\n", stderr);
        char *e = omsigcli_escape(argv[1]);
        fprintf(stderr, "Error: No such command '%s'.\n", e ? e : "?");
        free(e);
        if (a->json) {
            char *msg = format1("No such command '%s'.", argv[1]);
            omsigcli_print_json_error(a, "usage", msg ? msg : "No such command.", OMSIGCLI_EXIT_USAGE);
            free(msg);
        }
        return OMSIGCLI_EXIT_USAGE;
    }
    a->prog = g_prog;
    const unsigned bit = cmd_bit(a->command, a->method_word ? a->method_word : "");
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return help(a, bit, OMSIGCLI_EXIT_OK);
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
        const char *eq = NULL;
        if (!option_name(arg, name, &eq)) return usage_error(a, "No such option: %s", arg);
        const opt_def *d = find_opt(name, bit);
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
            if (a->json) omsigcli_print_json_error(a, "failure", "out of memory", OMSIGCLI_EXIT_FAIL);
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
