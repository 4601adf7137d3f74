/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_args.c - the command line: model_signing's commands and flags in both spellings
 * (--certificate_chain and --certificate-chain), click-style usage errors (exit 2) with
 * click's "Did you mean" hints, --log-level before the command, a method that follows from
 * the flags when the command names none, and help laid out as click lays it out.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum {
    VK = 1 << 0, VC = 1 << 1, VS = 1 << 2, SK = 1 << 3, SC = 1 << 4, DG = 1 << 5, BN = 1 << 6,
    PK = 1 << 7, PC = 1 << 8, /* sign pkcs11-key, sign pkcs11-certificate */
    VERIFY = VK | VC | VS, PEM_KEY = SK | SC, SIGN = SK | SC | PK | PC,
    WALK = VERIFY | SIGN | DG | BN, HASHING = WALK
};

typedef enum { T_FLAG, T_VALUE, T_MULTI } opt_type;

typedef enum {
    O_SIGNATURE, O_PUBLIC_KEY, O_PRIVATE_KEY, O_PASSWORD, O_CHAIN, O_SIGNING_CERT,
    O_LOG_FP, O_VERIFY_TIME, O_IDENTITY, O_PROVIDER, O_TRUST, O_STAGING, O_IGNORE,
    O_GIT, O_NO_GIT, O_SYMLINKS, O_UNSIGNED, O_NO_UNSIGNED, O_SHARD, O_HASH, O_HASHER,
    O_IO, O_THREADS, O_BUFFER, O_JSON, O_QUIET, O_LOG_LEVEL, O_MAX_BUNDLE, O_PKCS11_URI
} opt_id;

typedef struct opt_def {
    const char *name; /* hyphenated, as help shows it; underscores are accepted too */
    const char *ref;  /* model_signing 1.1.1's spelling, for its messages; NULL: omsig's own */
    opt_id id;
    opt_type type;
    unsigned cmds;
    const char *metavar;
    const char *help;
    const char *help_sign; /* for sign, when it differs */
} opt_def;

static const opt_def k_opts[] = {
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
     "Repeatable.",
     "Path to certificate chain of trust, embedded after the leaf. Repeatable."},
    {"log-fingerprints", "--log_fingerprints", O_LOG_FP, T_FLAG, VC, NULL,
     "Log SHA256 fingerprints of all certificates.", NULL},
    {"verify-time", NULL, O_VERIFY_TIME, T_VALUE, VC, "signing|now",
     "Time to validate the chain at: the leaf's notBefore (as model_signing does) or now.  "
     "[default: signing]", NULL},
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
    {"buffer-size", NULL, O_BUFFER, T_VALUE, HASHING, "N[K|M|G]",
     "Bytes of read buffers in flight.  [default: 256M]", NULL},
    {"json", NULL, O_JSON, T_FLAG, HASHING, NULL, "Print a machine-readable report on stdout.", NULL},
    {"quiet", NULL, O_QUIET, T_FLAG, HASHING, NULL,
     "No progress line and no summary of symlinks that point outside the model.", NULL},
    {"log-level", NULL, O_LOG_LEVEL, T_VALUE, HASHING, "LEVEL",
     "As 'omsig --log-level LEVEL COMMAND', where model_signing takes it.", NULL},
};
#define N_OPTS (sizeof k_opts / sizeof k_opts[0])

static const char k_level_names[][9] = {"debug", "info", "warning", "error", "critical"};

/* ---- help, laid out as click lays it out ---------------------------------------------------- */

/* click's width: the terminal's ($COLUMNS first), at most 80, less 2, at least 50. */
static int help_width(void)
{
    long cols = 0;
    const char *env = getenv("COLUMNS");
    if (env && env[0]) {
        char *end = NULL;
        cols = strtol(env, &end, 10);
        if (*end) cols = 0;
    }
    struct winsize ws;
    if (cols <= 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        cols = ws.ws_col;
    if (cols <= 0) cols = 80;
    if (cols > 80) cols = 80;
    return cols - 2 < 50 ? 50 : (int)cols - 2;
}

/* Writes text word-wrapped: the cursor is at column col on the first line, every further line
 * starts at column col; no line passes column width (a longer word stands alone).  A '\n' in
 * text starts a new line. */
static void put_wrapped(FILE *out, const char *text, int col, int width)
{
    const int room = width - col < 10 ? 10 : width - col;
    int used = 0;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fprintf(out, "\n%*s", col, "");
            used = 0;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        const size_t n = strcspn(p, " \n");
        /* the "  [default: ...]" of click keeps its two spaces */
        int gap = used == 0 ? 0 : (p >= text + 2 && p[-1] == ' ' && p[-2] == ' ') ? 2 : 1;
        if (used && used + gap + (int)n > room) {
            fprintf(out, "\n%*s", col, "");
            used = gap = 0;
        }
        if (used == 0 && (int)n > room) { /* a word longer than the line is cut, as textwrap does */
            fprintf(out, "%.*s\n%*s", room, p, col, "");
            p += room;
            continue;
        }
        fprintf(out, "%*s%.*s", gap, "", (int)n, p);
        used += gap + (int)n;
        p += n;
    }
    fputc('\n', out);
}

/* A paragraph indented by two, wrapped, and a blank line. */
static void para(FILE *out, const char *text, int width)
{
    fputs("  ", out);
    put_wrapped(out, text, 2, width);
    fputc('\n', out);
}

/* "Usage: PROG ARGS", the arguments wrapped after the prefix as click does (or on the next
 * lines when the prefix leaves less than 20 columns). */
static void usage_line(FILE *out, const char *prog, const char *args, int width)
{
    const int prefix = (int)strlen("Usage: ") + (int)strlen(prog) + 1;
    if (width >= prefix + 20) {
        fprintf(out, "Usage: %s ", prog);
        put_wrapped(out, args, prefix, width);
    } else {
        fprintf(out, "Usage: %s\n    ", prog);
        put_wrapped(out, args, 4, width);
    }
}

typedef struct row {
    const char *left, *right;
} row;

/* click's definition list: indent 2, first column at most 30 wide, 2 spaces between. */
static void def_list(FILE *out, const row *rows, size_t n, int width)
{
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        const int w = (int)strlen(rows[i].left);
        if (w > first) first = w;
    }
    if (first > 30) first = 30;
    first += 2;
    for (size_t i = 0; i < n; i++) {
        const int w = (int)strlen(rows[i].left);
        fprintf(out, "  %s", rows[i].left);
        if (w <= first - 2) fprintf(out, "%*s", first - w, "");
        else fprintf(out, "\n%*s", first + 2, "");
        put_wrapped(out, rows[i].right, first + 2, width);
    }
}

static bool has_pkcs11(void)
{
    return strstr(omsig_build_features(), "pkcs11 ") != NULL;
}

static void print_top_help(FILE *out)
{
    const int w = help_width();
    usage_line(out, "omsig", "[OPTIONS] COMMAND [ARGS]...", w);
    fputc('\n', out);
    para(out,
         "ML model signing and verification: omsig verifies and signs models in the OpenSSF "
         "Model Signing (OMS) format, with model_signing's commands, flags, bundles, messages "
         "and exit codes.",
         w);
    para(out, "Use each subcommand's `--help` option for details on each mode.", w);
    fputs("Options:\n", out);
    const row opts[] = {
        {"--version", "Show the version and the build's features, and exit."},
        {"--log-level LEVEL",
         "Set the logging level: DEBUG (also the engine, reader, trust root and timings), "
         "INFO, WARNING, ERROR (no warnings) or CRITICAL. This can also be set via the "
         "MODEL_SIGNING_LOG_LEVEL env var.  [default: INFO]"},
        {"-h, --help", "Show this message and exit."},
    };
    def_list(out, opts, sizeof opts / sizeof opts[0], w);
    fputs("\nCommands:\n", out);
    const row cmds[] = {
        {"sign", "Sign models."},
        {"verify", "Verify models."},
        {"digest", "Print a model's root digest, as signing would record it."},
        {"bench", "Hash a model with each engine and compare with the bounds measured now."},
    };
    def_list(out, cmds, sizeof cmds / sizeof cmds[0], w);
    fputs("\nMethods (PKI_METHOD):\n", out);
    const row methods[] = {
        {"verify key", "Verify using a public key (paired with a private one)."},
        {"verify certificate", "Verify using a certificate chain of trust."},
        {"verify sigstore",
         "Verify using Sigstore (DEFAULT verification method), offline: --trust_config, or "
         "the trust root sigstore-python cached, or the one built into omsig."},
        {"sign key", "Sign using a private key (paired with a public one)."},
        {"sign certificate", "Sign using a certificate."},
        {"sign sigstore", "Not offered: keyless signing needs an identity provider online."},
        {"sign pkcs11-key", has_pkcs11() ? "Sign using a private key in a PKCS #11 token."
                                         : "Not in this build: no PKCS#11 support (libp11)."},
        {"sign pkcs11-certificate", has_pkcs11() ? "Sign using a certificate, the private key in "
                                                   "a PKCS #11 token."
                                                 : "Not in this build: no PKCS#11 support "
                                                   "(libp11)."},
    };
    def_list(out, methods, sizeof methods / sizeof methods[0], w);
    fputc('\n', out);
    para(out,
         "Without a method word the method follows from the flags: --certificate_chain "
         "certificate, --public_key key, --identity/--identity_provider or none of these "
         "sigstore (verify); --signing_certificate certificate, --private_key key, "
         "--pkcs11_uri pkcs11-key (with --signing_certificate pkcs11-certificate) (sign).",
         w);
    fputs("  ", out);
    put_wrapped(out, "Exit status: 0 success, 1 verification or signing failed, 2 usage error.",
                2, w);
}

/* `omsig verify --help`, `omsig sign --help`: the methods. */
static void print_group_help(FILE *out, bool sign)
{
    const int w = help_width();
    usage_line(out, sign ? "omsig sign" : "omsig verify", "[OPTIONS] PKI_METHOD", w);
    fputc('\n', out);
    if (sign) {
        para(out, "Sign models.", w);
        para(out,
             "Produces a cryptographic signature (in the form of a Sigstore bundle) for a "
             "model, either a single file or a directory, and writes it atomically.",
             w);
    } else {
        para(out, "Verify models.", w);
        para(out,
             "Given a model (a single file or a directory) and a cryptographic signature (in "
             "the form of a Sigstore bundle) for the model, checks that the model matches the "
             "signature. The signature is checked before any model byte is read.",
             w);
    }
    para(out,
         sign ? "Without a method word the method follows from the flags: "
                "--signing_certificate certificate, --private_key key, --pkcs11_uri pkcs11-key "
                "(with --signing_certificate pkcs11-certificate), none of these sigstore "
                "(not offered)."
              : "Without a method word the method follows from the flags: --certificate_chain "
                "certificate, --public_key key, --identity/--identity_provider or none of "
                "these sigstore (the default, as in model_signing).",
         w);
    if (!sign)
        para(out,
             "For a custom Sigstore PKI, pass its trust configuration with `--trust_config`. "
             "Without it, omsig verifies offline with the trust root sigstore-python cached on "
             "this machine, else its built-in copy of Sigstore's.",
             w);
    para(out, "Use each subcommand's `--help` option for details on each mode.", w);
    fputs("Options:\n", out);
    const row help_row = {"-h, --help", "Show this message and exit."};
    def_list(out, &help_row, 1, w);
    fputs("\nCommands:\n", out);
    if (sign) {
        const row m[] = {
            {"certificate", "Sign using a certificate."},
            {"key", "Sign using a private key (paired with a public one)."},
            {"pkcs11-certificate", has_pkcs11() ? "Sign using a certificate, the private key in "
                                                  "a PKCS #11 token."
                                                : "Not in this build: no PKCS#11 support "
                                                  "(libp11)."},
            {"pkcs11-key", has_pkcs11() ? "Sign using a private key in a PKCS #11 token."
                                        : "Not in this build: no PKCS#11 support (libp11)."},
            {"sigstore", "Not offered: keyless signing needs an identity provider online."},
        };
        def_list(out, m, sizeof m / sizeof m[0], w);
    } else {
        const row m[] = {
            {"certificate", "Verify using a certificate."},
            {"key", "Verify using a public key (paired with a private one)."},
            {"sigstore", "Verify using Sigstore (DEFAULT verification method)."},
        };
        def_list(out, m, sizeof m / sizeof m[0], w);
    }
}

static unsigned cmd_bit(omsigcli_command c, const char *m)
{
    if (c == CMD_DIGEST) return DG;
    if (c == CMD_BENCH) return BN;
    const bool k = strcmp(m, "key") == 0, ce = strcmp(m, "certificate") == 0;
    if (c == CMD_VERIFY) return k ? VK : ce ? VC : VS;
    if (strcmp(m, "pkcs11-key") == 0) return PK;
    if (strcmp(m, "pkcs11-certificate") == 0) return PC;
    return k ? SK : SC;
}

static const char *cmd_summary(unsigned bit)
{
    switch (bit) {
    case DG: return "Hash the model as signing would and print sha256:<root digest>.";
    case BN: return "Hash the model with each available engine and compare with the bounds "
                    "measured now.";
    case VK: return "Verify using a public key (paired with a private one).\n\nVerifies the "
                    "integrity of the model at MODEL_PATH (a directory or a single file) "
                    "against the signature given with --signature. The public key given with "
                    "--public_key must be the pair of the private key that signed.";
    case VC: return "Verify using a certificate.\n\nVerifies the integrity of the model at "
                    "MODEL_PATH against the signature given with --signature. The signing "
                    "certificate is in the signature; pass the certificates to trust with "
                    "--certificate_chain (repeatable, or all in one file).";
    case VS: return "Verify using Sigstore (DEFAULT verification method).\n\nVerifies the "
                    "integrity of the model at MODEL_PATH against the signature given with "
                    "--signature, and that it was signed by --identity as vouched for by "
                    "--identity_provider. Offline: the trust root is --trust_config, else the "
                    "one sigstore-python cached on this machine, else the copy built into "
                    "omsig (production, or staging with --use_staging).";
    case SK: return "Sign using a private key (paired with a public one).\n\nSigns the model "
                    "at MODEL_PATH and writes the signature to --signature (model.sig by "
                    "default) atomically.";
    case PK: return "Sign using a private key in a PKCS #11 token.\n\nSigns the model at "
                    "MODEL_PATH and writes the signature to --signature (model.sig by default) "
                    "atomically. omsig computes the digest; the token signs it with the EC key "
                    "(P-256, P-384 or P-521) that --pkcs11_uri names, which never leaves it. "
                    "The bundle is the key method's: 'verify key' with the token's public key "
                    "checks it.\n\nWithout a PIN in the URI omsig asks for it on the terminal "
                    "(no echo); without a terminal, put pin-value=PIN or "
                    "pin-source=file:/path in the URI's query.\n\nA build without libp11 "
                    "answers 'this build has no PKCS#11 support' and exit status 1.";
    case PC: return "Sign using a certificate, the private key in a PKCS #11 token.\n\nSigns "
                    "the model at MODEL_PATH with the EC key in the token that --pkcs11_uri "
                    "names (the token signs the digest omsig computes) and embeds the signing "
                    "certificate (--signing_certificate, which must be the token key's) and the "
                    "chain (--certificate_chain). The bundle is the certificate method's.\n\n"
                    "Without a PIN in the URI omsig asks for it on the terminal (no echo); "
                    "without a terminal, put pin-value=PIN or pin-source=file:/path in the "
                    "URI's query.\n\nA build without libp11 answers 'this build has no "
                    "PKCS#11 support' and exit status 1.";
    default: return "Sign using a certificate.\n\nSigns the model at MODEL_PATH with the "
                    "private key given with --private_key and embeds the signing certificate "
                    "(--signing_certificate) and the chain (--certificate_chain).";
    }
}

static void print_cmd_help(FILE *out, const omsigcli_args *a, unsigned bit)
{
    const int w = help_width();
    usage_line(out, a->prog, "[OPTIONS] MODEL_PATH", w);
    fputc('\n', out);
    const char *s = cmd_summary(bit);
    /* paragraphs are separated by a blank line */
    while (*s) {
        const char *e = strstr(s, "\n\n");
        const size_t n = e ? (size_t)(e - s) : strlen(s);
        char *p = strndup(s, n);
        para(out, p ? p : "", w);
        free(p);
        s += n + (e ? 2 : 0);
    }
    fputs("Options:\n", out);
    row rows[N_OPTS + 1];
    char left[N_OPTS][64];
    size_t n = 0;
    for (size_t i = 0; i < N_OPTS; i++) {
        if (!(k_opts[i].cmds & bit)) continue;
        snprintf(left[n], sizeof left[n], "--%s%s%s", k_opts[i].name,
                 k_opts[i].metavar ? " " : "", k_opts[i].metavar ? k_opts[i].metavar : "");
        rows[n].left = left[n];
        rows[n].right = (bit & SIGN) && k_opts[i].help_sign ? k_opts[i].help_sign : k_opts[i].help;
        n++;
    }
    rows[n++] = (row){"-h, --help", "Show this message and exit."};
    def_list(out, rows, n, w);
    fputs("\n  ", out);
    put_wrapped(out, "Every flag is also spelled with underscores (--public_key, "
                     "--certificate_chain).", 2, w);
}

typedef enum { H_TOP, H_GROUP, H_CMD } help_kind;

/* Help text on stdout (exit 0) or stderr (exit 2: a command without arguments), or with
 * --json a {"help": text} document: the top level, verify's or sign's methods, or a
 * command's options (bit). */
static int help(const omsigcli_args *a, help_kind which, unsigned bit, bool sign, int exit_code)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = a->json ? open_memstream(&text, &len) : exit_code ? stderr : stdout;
    if (!out) {
        omsigcli_print_json_error(a, "failure", "out of memory", OMSIGCLI_EXIT_FAIL);
        return OMSIGCLI_EXIT_FAIL;
    }
    if (which == H_TOP) print_top_help(out);
    else if (which == H_GROUP) print_group_help(out, sign);
    else print_cmd_help(out, a, bit);
    if (a->json) {
        fclose(out);
        omsigcli_print_json_text("help", text ? text : "");
        free(text);
    }
    return exit_code;
}

/* ---- usage errors ----------------------------------------------------------------------------- */

/* fmt, whose conversions are %s, with the arguments: malloc'd, NULL when memory runs out. */
static char *format2(const char *fmt, const char *a1, const char *a2)
{
    const int n = snprintf(NULL, 0, fmt, a1, a2);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) snprintf(msg, (size_t)n + 1, fmt, a1, a2);
    return msg;
}

/* A usage error (exit 2) as click words it, on stderr; with --json also a document on stdout.
 * fmt has up to two %s, for arguments from the command line, printed escaped.  Without
 * a->prog only the "Error:" line is printed, as click does for an option without its value. */
static int usage_error2(const omsigcli_args *a, bool with_usage, const char *fmt, const char *a1,
                        const char *a2)
{
    const char *prog = a->prog ? a->prog : "omsig";
    char *msg = format2(fmt, a1, a2);
    if (with_usage) {
        usage_line(stderr, prog, a->synopsis ? a->synopsis : "[OPTIONS] MODEL_PATH", help_width());
        fprintf(stderr, "Try '%s --help' for help.\n\n", prog);
    }
    omsigcli_print_line(stderr, "Error: ", msg ? msg : "out of memory");
    if (a->json) omsigcli_print_json_error(a, "usage", msg ? msg : "out of memory", OMSIGCLI_EXIT_USAGE);
    free(msg);
    return OMSIGCLI_EXIT_USAGE;
}

static int usage_error(const omsigcli_args *a, const char *fmt, const char *arg)
{
    return usage_error2(a, true, fmt, arg, NULL);
}

/*
 * difflib.SequenceMatcher(None, a, b).ratio() for strings b of under 200 bytes (so without
 * difflib's "popular element" rule): twice the characters of the matching blocks, found as
 * difflib finds them (the longest match, earliest in a, then earliest in b, then each side),
 * over the total length.
 */
static size_t matched(const char *a, size_t alo, size_t ahi, const char *b, size_t blo,
                      size_t bhi)
{
    size_t besti = alo, bestj = blo, best = 0;
    size_t prev[201] = {0}, cur[201] = {0}; /* run length ending at (i, j), indexed j + 1 */
    for (size_t i = alo; i < ahi; i++) {
        for (size_t j = blo; j < bhi; j++) {
            cur[j + 1] = a[i] == b[j] ? prev[j] + 1 : 0;
            if (cur[j + 1] > best) {
                best = cur[j + 1];
                besti = i + 1 - best;
                bestj = j + 1 - best;
            }
        }
        memcpy(prev, cur, sizeof prev);
        memset(cur, 0, sizeof cur);
    }
    if (best == 0) return 0;
    size_t m = best;
    if (alo < besti && blo < bestj) m += matched(a, alo, besti, b, blo, bestj);
    if (besti + best < ahi && bestj + best < bhi)
        m += matched(a, besti + best, ahi, b, bestj + best, bhi);
    return m;
}

static double ratio(const char *cand, const char *word)
{
    const size_t la = strlen(cand), lb = strlen(word);
    if (la + lb == 0) return 1.0;
    return 2.0 * (double)matched(cand, 0, la, word, 0, lb) / (double)(la + lb);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * click's hint for an unknown name: difflib.get_close_matches(word, candidates) (at most 3,
 * ratio at least the cutoff, 0.6 in click, best first, ties by the larger string), then sorted, as
 * "Did you mean 'x'?" or "(Did you mean one of: 'x', 'y'?)".  Writes "" when nothing is close.
 */
static void suggest(const char *word, const char *const *cand, size_t n, double cutoff, char *out,
                    size_t cap)
{
    out[0] = '\0';
    if (strlen(word) >= 200 || cap == 0) return;
    const char *top[3];
    double score[3];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const double s = ratio(cand[i], word);
        if (s < cutoff) continue;
        /* insert into the best three by (score, string), descending */
        size_t at = k;
        while (at > 0 && (s > score[at - 1] ||
                          (s == score[at - 1] && strcmp(cand[i], top[at - 1]) > 0)))
            at--;
        if (at >= 3) continue;
        for (size_t j = (k < 3 ? k : 2); j > at; j--) {
            top[j] = top[j - 1];
            score[j] = score[j - 1];
        }
        top[at] = cand[i];
        score[at] = s;
        if (k < 3) k++;
    }
    if (k == 0) return;
    qsort(top, k, sizeof top[0], cmp_str);
    size_t len = (size_t)snprintf(out, cap, k == 1 ? " Did you mean " : " (Did you mean one of: ");
    for (size_t i = 0; i < k && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s'%s'", i ? ", " : "", top[i]);
    if (len < cap) snprintf(out + len, cap - len, k == 1 ? "?" : "?)");
}

/* "No such option 'x'." with click's hint among the long options of the command bits (0: the
 * top level).  A single-dash argument is taken letter by letter, as click does. */
static int no_such_option(const omsigcli_args *a, const char *arg, unsigned bits)
{
    char opt[256];
    if (arg[1] != '-') {
        snprintf(opt, sizeof opt, "-%c", arg[1]);
        return usage_error(a, "No such option '%s'.", opt);
    }
    const size_t n = strcspn(arg, "=");
    snprintf(opt, sizeof opt, "%.*s", (int)(n < sizeof opt ? n : sizeof opt - 1), arg);
    /* model_signing's own options first, in its spelling, so that its hint is the same;
     * omsig's options only when none of those is close, and closer */
    const char *cand[N_OPTS + 3], *own[N_OPTS];
    char own_name[N_OPTS][64];
    size_t k = 0, n_own = 0;
    if (bits == 0) {
        cand[k++] = "--version";
        cand[k++] = "--log-level";
    }
    for (size_t i = 0; bits && i < N_OPTS; i++) {
        if (!(k_opts[i].cmds & bits)) continue;
        if (k_opts[i].ref) {
            cand[k++] = k_opts[i].ref;
        } else {
            snprintf(own_name[i], sizeof own_name[i], "--%s", k_opts[i].name);
            own[n_own++] = own_name[i];
        }
    }
    cand[k++] = "--help";
    char hint[256];
    suggest(opt, cand, k, 0.6, hint, sizeof hint);
    /* stricter for omsig's: "--cert" is not a typo of "--quiet" */
    if (!hint[0]) suggest(opt, own, n_own, 0.8, hint, sizeof hint);
    return usage_error2(a, true, "No such option '%s'.%s", opt, hint);
}

/* ---- values --------------------------------------------------------------------------------- */

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

/* A logging level's number (Python's: 10 DEBUG to 50 CRITICAL), any case; 0 if unknown. */
static int parse_level(const char *s)
{
    for (int k = 0; k < 5; k++)
        if (strcasecmp(s, k_level_names[k]) == 0) return 10 * (k + 1);
    return 0;
}

static int level_error(const omsigcli_args *a, const char *val)
{
    return usage_error(a,
                       "Invalid value for '--log-level': '%s' is not one of 'debug', 'info', "
                       "'warning', 'error', 'critical'.",
                       val);
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
    case O_PKCS11_URI: o->pkcs11_uri = val; break;
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
        else if (strcmp(val, "blake3") == 0) o->hash = OMSIG_HASH_BLAKE3;
        else return usage_error(a, "Invalid value for '--hash': '%s' is not one of 'sha256', 'blake2b', 'blake3'.", val);
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
    case O_LOG_LEVEL:
        if (!(a->log_level = parse_level(val))) return level_error(a, val);
        break;
    case O_MAX_BUNDLE:
        if (!parse_size(val, &n) || n < 1024)
            return usage_error(a, "Invalid value for '--max-bundle-size': '%s' is not a size of at least 1K.", val);
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
        return usage_error(a, "%s", msg);
    }
    if (sign && uri_flag[0] && pem_flag[0]) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "Conflicting options: '%s' is for the pkcs11-key and pkcs11-certificate methods "
                 "and '%s' for the key and certificate methods. Name the method to use: 'omsig "
                 "sign pkcs11-key MODEL_PATH ...' or 'omsig sign key MODEL_PATH ...'.",
                 uri_flag, pem_flag);
        return usage_error(a, "%s", msg);
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
                return usage_error2(a, false, "Option '%s' requires an argument.", arg, NULL);
            }
            if (!(a->log_level = parse_level(val))) return level_error(a, val);
            continue;
        }
        if (arg[1] == '-' && option_name(arg, name, &eq) && strcmp(name, "json") == 0 && !eq)
            continue; /* a document for what follows; not a model_signing option */
        return no_such_option(a, arg, 0);
    }
    if (eager == 'h') return help(a, H_TOP, 0, false, OMSIGCLI_EXIT_OK);
    if (eager == 'v') {
        if (a->json) {
            omsigcli_print_json_text("version", "omsig, version " OMSIG_VERSION_STRING);
        } else {
            const char *f = omsig_build_features();
            printf("omsig, version %s\nfeatures: %.*s\n", OMSIG_VERSION_STRING,
                   f[0] ? (int)strlen(f) - 1 : 4, f[0] ? f : "none");
        }
        return OMSIGCLI_EXIT_OK;
    }
    if (i >= argc) {
        if (argc == 1) return help(a, H_TOP, 0, false, OMSIGCLI_EXIT_USAGE);
        return usage_error(a, "%s", "Missing command.");
    }
    *next = i;
    return -1;
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
        usage_line(out, g_prog, "[OPTIONS] MODEL_PATH", help_width());
        fputc('\n', out);
        para(out, why, help_width());
        if (a->json) {
            fclose(out);
            omsigcli_print_json_text("help", text ? text : "");
            free(text);
        }
        return OMSIGCLI_EXIT_OK;
    }
    return usage_error(a, "%s", why);
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
    if (i >= argc) return help(a, H_GROUP, 0, sign, OMSIGCLI_EXIT_USAGE);
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
        return help(a, H_GROUP, 0, sign, OMSIGCLI_EXIT_OK);
    const char *word = argv[i];
    if (strcmp(word, "key") == 0 || strcmp(word, "certificate") == 0 ||
        strcmp(word, "sigstore") == 0 ||
        (sign && (strcmp(word, "pkcs11-key") == 0 || strcmp(word, "pkcs11-certificate") == 0))) {
        a->method_word = word;
        i++;
    } else if ((rc = infer_method(a, argc, argv, i, sign, &a->method_word)) >= 0) {
        return rc;
    }
    snprintf(g_prog, sizeof g_prog, "omsig %s %s", cmd, a->method_word);
    a->synopsis = "[OPTIONS] MODEL_PATH";
    a->opt.method = method_of_word(a->method_word);
    *next = i;
    if (sign && a->opt.method == OMSIG_METHOD_SIGSTORE)
        return sign_sigstore_refused(a, argc, argv, i);
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
    suggest(cmd, cmds, 4, 0.6, hint, sizeof hint);
    return usage_error2(a, true, "No such command '%s'.%s", cmd, hint);
}

/* One --option (and its value, which may be the next argument); -1 to go on. */
static int parse_option(omsigcli_args *a, unsigned bit, int argc, char **argv, int *at)
{
    const char *arg = argv[*at];
    if (arg[1] != '-') return no_such_option(a, arg, bit);
    char name[64];
    const char *eq = NULL;
    if (!option_name(arg, name, &eq)) return no_such_option(a, arg, bit);
    const opt_def *d = find_opt(name, bit);
    if (!d) return no_such_option(a, arg, bit);
    const char *val = NULL;
    if (d->type == T_FLAG) {
        if (eq) {
            char typed[64];
            snprintf(typed, sizeof typed, "%.*s", (int)(eq - arg), arg);
            return usage_error2(a, false, "Option '%s' does not take a value.", typed, NULL);
        }
    } else if (eq) {
        val = eq + 1;
    } else if (*at + 1 < argc) {
        val = argv[++*at];
    } else {
        return usage_error2(a, false, "Option '%s' requires an argument.", arg, NULL);
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
    if (!a->opt.model_path) return usage_error(a, "%s", "Missing argument 'MODEL_PATH'.");
    if (a->command == CMD_VERIFY && !a->opt.signature_path)
        return usage_error(a, "%s", "Missing option '--signature'.");
    if (a->command == CMD_SIGN && !a->opt.signature_path) a->opt.signature_path = "model.sig";
    if ((bit & VK) && !a->opt.public_key_path) return usage_error(a, "%s", "Missing option '--public_key'.");
    if ((bit & PEM_KEY) && !a->opt.private_key_path) return usage_error(a, "%s", "Missing option '--private_key'.");
    if ((bit & (PK | PC)) && !a->opt.pkcs11_uri) return usage_error(a, "%s", "Missing option '--pkcs11_uri'.");
    if ((bit & (SC | PC)) && !a->opt.signing_certificate_path)
        return usage_error(a, "%s", "Missing option '--signing_certificate'.");
    if ((bit & VS) && !a->opt.identity) return usage_error(a, "%s", "Missing option '--identity'.");
    if ((bit & VS) && !a->opt.identity_provider)
        return usage_error(a, "%s", "Missing option '--identity_provider'.");
    if (extra) return usage_error(a, "Got unexpected extra argument (%s)", extra);
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
    if ((rc = parse_command(a, argc, argv, &i)) >= 0) return rc;
    const unsigned bit = cmd_bit(a->command, a->method_word ? a->method_word : "");
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
    if (want_help) return help(a, H_CMD, bit, false, OMSIGCLI_EXIT_OK);
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
