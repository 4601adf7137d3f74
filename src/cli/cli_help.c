/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_help.c - what the command line says back: help for the program, a command group and a
 * command, laid out as click lays it out from the option table, and click-style usage errors
 * (exit 2) with its "Did you mean" hints.
 */
#include "cli_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- help, laid out as click lays it out ---------------------------------------------------- */

/* click's width: the terminal's ($COLUMNS first), at most 80, less 2, at least 50. */
int omsigcli_help_width(void)
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
void omsigcli_para(FILE *out, const char *text, int width)
{
    fputs("  ", out);
    put_wrapped(out, text, 2, width);
    fputc('\n', out);
}

/* "Usage: PROG ARGS", the arguments wrapped after the prefix as click does (or on the next
 * lines when the prefix leaves less than 20 columns). */
void omsigcli_usage_line(FILE *out, const char *prog, const char *args, int width)
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
    const int w = omsigcli_help_width();
    omsigcli_usage_line(out, "omsig", "[OPTIONS] COMMAND [ARGS]...", w);
    fputc('\n', out);
    omsigcli_para(out,
         "ML model signing and verification: omsig verifies and signs models in the OpenSSF "
         "Model Signing (OMS) format, with model_signing's commands, flags, bundles, messages "
         "and exit codes.",
         w);
    omsigcli_para(out, "Use each subcommand's `--help` option for details on each mode.", w);
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
    omsigcli_para(out,
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
    const int w = omsigcli_help_width();
    omsigcli_usage_line(out, sign ? "omsig sign" : "omsig verify", "[OPTIONS] PKI_METHOD", w);
    fputc('\n', out);
    if (sign) {
        omsigcli_para(out, "Sign models.", w);
        omsigcli_para(out,
             "Produces a cryptographic signature (in the form of a Sigstore bundle) for a "
             "model, either a single file or a directory, and writes it atomically.",
             w);
    } else {
        omsigcli_para(out, "Verify models.", w);
        omsigcli_para(out,
             "Given a model (a single file or a directory) and a cryptographic signature (in "
             "the form of a Sigstore bundle) for the model, checks that the model matches the "
             "signature. The signature is checked before any model byte is read.",
             w);
    }
    omsigcli_para(out,
         sign ? "Without a method word the method follows from the flags: "
                "--signing_certificate certificate, --private_key key, --pkcs11_uri pkcs11-key "
                "(with --signing_certificate pkcs11-certificate), none of these sigstore "
                "(not offered)."
              : "Without a method word the method follows from the flags: --certificate_chain "
                "certificate, --public_key key, --identity/--identity_provider or none of "
                "these sigstore (the default, as in model_signing).",
         w);
    if (!sign)
        omsigcli_para(out,
             "For a custom Sigstore PKI, pass its trust configuration with `--trust_config`. "
             "Without it, omsig verifies offline with the trust root sigstore-python cached on "
             "this machine, else its built-in copy of Sigstore's.",
             w);
    omsigcli_para(out, "Use each subcommand's `--help` option for details on each mode.", w);
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

unsigned omsigcli_cmd_bit(omsigcli_command c, const char *m)
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
    const int w = omsigcli_help_width();
    omsigcli_usage_line(out, a->prog, "[OPTIONS] MODEL_PATH", w);
    fputc('\n', out);
    const char *s = cmd_summary(bit);
    /* paragraphs are separated by a blank line */
    while (*s) {
        const char *e = strstr(s, "\n\n");
        const size_t n = e ? (size_t)(e - s) : strlen(s);
        char *p = strndup(s, n);
        omsigcli_para(out, p ? p : "", w);
        free(p);
        s += n + (e ? 2 : 0);
    }
    fputs("Options:\n", out);
    row rows[omsigcli_n_opts + 1];
    char left[omsigcli_n_opts][64];
    size_t n = 0;
    for (size_t i = 0; i < omsigcli_n_opts; i++) {
        if (!(omsigcli_opts[i].cmds & bit)) continue;
        snprintf(left[n], sizeof left[n], "--%s%s%s", omsigcli_opts[i].name,
                 omsigcli_opts[i].metavar ? " " : "", omsigcli_opts[i].metavar ? omsigcli_opts[i].metavar : "");
        rows[n].left = left[n];
        rows[n].right = (bit & SIGN) && omsigcli_opts[i].help_sign ? omsigcli_opts[i].help_sign : omsigcli_opts[i].help;
        n++;
    }
    rows[n++] = (row){"-h, --help", "Show this message and exit."};
    def_list(out, rows, n, w);
    fputs("\n  ", out);
    put_wrapped(out, "Every flag is also spelled with underscores (--public_key, "
                     "--certificate_chain).", 2, w);
}


/* Help text on stdout (exit 0) or stderr (exit 2: a command without arguments), or with
 * --json a {"help": text} document: the top level, verify's or sign's methods, or a
 * command's options (bit). */
int omsigcli_help(const omsigcli_args *a, help_kind which, unsigned bit, bool sign, int exit_code)
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
int omsigcli_usage_error2(const omsigcli_args *a, bool with_usage, const char *fmt, const char *a1,
                        const char *a2)
{
    const char *prog = a->prog ? a->prog : "omsig";
    char *msg = format2(fmt, a1, a2);
    if (with_usage) {
        omsigcli_usage_line(stderr, prog, a->synopsis ? a->synopsis : "[OPTIONS] MODEL_PATH", omsigcli_help_width());
        fprintf(stderr, "Try '%s --help' for help.\n\n", prog);
    }
    omsigcli_print_line(stderr, "Error: ", msg ? msg : "out of memory");
    if (a->json) omsigcli_print_json_error(a, "usage", msg ? msg : "out of memory", OMSIGCLI_EXIT_USAGE);
    free(msg);
    return OMSIGCLI_EXIT_USAGE;
}

int omsigcli_usage_error(const omsigcli_args *a, const char *fmt, const char *arg)
{
    return omsigcli_usage_error2(a, true, fmt, arg, NULL);
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
void omsigcli_suggest(const char *word, const char *const *cand, size_t n, double cutoff, char *out,
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
int omsigcli_no_such_option(const omsigcli_args *a, const char *arg, unsigned bits)
{
    char opt[256];
    if (arg[1] != '-') {
        snprintf(opt, sizeof opt, "-%c", arg[1]);
        return omsigcli_usage_error(a, "No such option '%s'.", opt);
    }
    const size_t n = strcspn(arg, "=");
    snprintf(opt, sizeof opt, "%.*s", (int)(n < sizeof opt ? n : sizeof opt - 1), arg);
    /* model_signing's own options first, in its spelling, so that its hint is the same;
     * omsig's options only when none of those is close, and closer */
    const char *cand[omsigcli_n_opts + 3], *own[omsigcli_n_opts];
    char own_name[omsigcli_n_opts][64];
    size_t k = 0, n_own = 0;
    if (bits == 0) {
        cand[k++] = "--version";
        cand[k++] = "--log-level";
    }
    for (size_t i = 0; bits && i < omsigcli_n_opts; i++) {
        if (!(omsigcli_opts[i].cmds & bits)) continue;
        if (omsigcli_opts[i].ref) {
            cand[k++] = omsigcli_opts[i].ref;
        } else {
            snprintf(own_name[i], sizeof own_name[i], "--%s", omsigcli_opts[i].name);
            own[n_own++] = own_name[i];
        }
    }
    cand[k++] = "--help";
    char hint[256];
    omsigcli_suggest(opt, cand, k, 0.6, hint, sizeof hint);
    /* stricter for omsig's: "--cert" is not a typo of "--quiet" */
    if (!hint[0]) omsigcli_suggest(opt, own, n_own, 0.8, hint, sizeof hint);
    return omsigcli_usage_error2(a, true, "No such option '%s'.%s", opt, hint);
}
