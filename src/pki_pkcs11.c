/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki_pkcs11.c - a signing key that stays in a PKCS #11 token, through libp11: the RFC 7512
 * URI parsed as model_signing 1.1.1 parses it, the module loaded for this call alone (a
 * context of its own, nothing kept between calls), the token found by label or slot, the
 * login, the EC private key found by label and/or id.  libp11 gives that key as an EVP_PKEY
 * whose ECDSA operation is a C_Sign(CKM_ECDSA) over the digest omsig computed: the private key
 * is never read.
 */
#define _GNU_SOURCE
#include "pki_pkcs11.h"

#include "dsse.h"
#include "hooks.h"
#include "pki.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libp11.h>
#include <pthread.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Where a module-name= is looked for without a module-path=: model_signing's two folders, and
 * the multiarch one of Debian and Ubuntu. */
static const char *const k_module_dirs[] = {
    "/usr/lib64/pkcs11/",
    "/usr/lib/pkcs11/",
#if defined(__x86_64__)
    "/usr/lib/x86_64-linux-gnu/pkcs11/",
#elif defined(__aarch64__)
    "/usr/lib/aarch64-linux-gnu/pkcs11/",
#endif
};

/* The return values of PKCS #11 (the CKR_ codes libp11 puts on the error queue as reasons)
 * that a user can act on. */
static const struct {
    unsigned long rv;
    const char *name, *words;
} k_ckr[] = {
    {0x05, "CKR_GENERAL_ERROR", "the module failed"},
    {0x06, "CKR_FUNCTION_FAILED", "the token could not do it"},
    {0x30, "CKR_DEVICE_ERROR", "the token has a problem"},
    {0x31, "CKR_DEVICE_MEMORY", "the token is out of memory"},
    {0x32, "CKR_DEVICE_REMOVED", "the token was removed"},
    {0x60, "CKR_KEY_HANDLE_INVALID", "the key is no longer there"},
    {0x68, "CKR_KEY_FUNCTION_NOT_PERMITTED", "the key may not sign"},
    {0x70, "CKR_MECHANISM_INVALID", "the token does not offer ECDSA"},
    {0x82, "CKR_OBJECT_HANDLE_INVALID", "the key is no longer there"},
    {0xA0, "CKR_PIN_INCORRECT", "wrong PIN"},
    {0xA1, "CKR_PIN_INVALID", "the PIN has characters the token does not accept"},
    {0xA2, "CKR_PIN_LEN_RANGE", "the PIN is too long or too short"},
    {0xA4, "CKR_PIN_LOCKED", "the PIN is locked"},
    {0xB0, "CKR_SESSION_CLOSED", "the session was closed"},
    {0xB3, "CKR_SESSION_HANDLE_INVALID", "the session is no longer valid (was the token removed?)"},
    {0xE0, "CKR_TOKEN_NOT_PRESENT", "the token is not present (was it removed?)"},
    {0xE1, "CKR_TOKEN_NOT_RECOGNIZED", "the token is not recognized"},
    {0x101, "CKR_USER_NOT_LOGGED_IN", "not logged in"},
    {0x190, "CKR_CRYPTOKI_NOT_INITIALIZED", "the module is not initialized"},
};

/*
 * The one lock of the library.  A PKCS #11 module is initialised once per process
 * (C_Initialize) and C_Finalize ends every session of it, whoever opened them; libp11 loads and
 * unloads the module with each context.  So the calls that sign with a token run one at a
 * time, from loading the module to unloading it: a second pkcs11 signing in the same process
 * waits for the first.  No other method takes it.
 */
static pthread_mutex_t g_module_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct p11_uri {
    char *token, *object, *slot_id, *module_path, *module_name, *pin_value, *pin_source;
    uint8_t *id;
    size_t id_len;
    bool has_id;
} p11_uri;

struct omsig_pkcs11 {
    bool locked;       /* holds g_module_lock */
    void *dl;          /* our own handle on the module, checked before libp11 loads it */
    PKCS11_CTX *ctx;
    bool loaded;
    PKCS11_SLOT *slots;
    unsigned n_slots;
    PKCS11_SLOT *slot; /* the token's */
    bool logged_in;
    EVP_PKEY *key;     /* backed by the token */
    EVP_PKEY *pub;
    char *token_label;
    char *key_desc;    /* "label 'x' and id %01", for messages */
};

/* ---- the URI -------------------------------------------------------------------------------- */

/* The percent-decoded bytes of s[0..n), NUL-terminated, malloc'd; NULL with *bad set when a
 * '%' is not followed by two hex digits, NULL without it when memory ran out. */
static uint8_t *pct_decode(const char *s, size_t n, size_t *out_len, bool *bad)
{
    uint8_t *out = malloc(n + 1);
    size_t k = 0;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[k++] = (uint8_t)s[i];
            continue;
        }
        if (n - i < 3 || omsig_unhex(s + i + 1, 2, out + k, 1) != 0) {
            free(out);
            *bad = true;
            return NULL;
        }
        k++;
        i += 2;
    }
    out[k] = '\0';
    *out_len = k;
    return out;
}

static void uri_free(p11_uri *u)
{
    free(u->token);
    free(u->object);
    free(u->slot_id);
    free(u->module_path);
    free(u->module_name);
    if (u->pin_value) OPENSSL_cleanse(u->pin_value, strlen(u->pin_value));
    free(u->pin_value);
    free(u->pin_source);
    free(u->id);
    memset(u, 0, sizeof *u);
}

/* One "name=value" of the path (path true) or of the query into u.  Messages quote a path
 * attribute, but only the name of a query attribute: its value may be the PIN. */
static omsig_status uri_attribute(p11_uri *u, const char *s, size_t n, bool path, omsig_report *r)
{
    const char *eq = memchr(s, '=', n);
    if (!eq && path)
        return omsig_fail(r, OMSIG_E_KEY, "Malformed pkcs11 URI: malformed path attribute '%.*s' "
                          "(not NAME=VALUE)", (int)n, s);
    if (!eq)
        return omsig_fail(r, OMSIG_E_KEY, "Malformed pkcs11 URI: malformed query attribute (not "
                          "NAME=VALUE)");
    const size_t nl = (size_t)(eq - s);
    const int shown = path ? (int)n : (int)nl; /* what a message may quote */
    static const char *const names_path[] = {"token", "object", "id", "slot-id"};
    static const char *const names_query[] = {"module-path", "module-name", "pin-value",
                                              "pin-source"};
    char **const slots_path[] = {&u->token, &u->object, NULL, &u->slot_id};
    char **const slots_query[] = {&u->module_path, &u->module_name, &u->pin_value, &u->pin_source};
    const char *const *names = path ? names_path : names_query;
    int which = -1;
    for (int k = 0; k < 4; k++)
        if (strlen(names[k]) == nl && memcmp(names[k], s, nl) == 0) which = k;
    if (which < 0) return OMSIG_OK; /* other RFC 7512 attributes (manufacturer, serial, type,
                                     * ...) narrow nothing here, as in model_signing */
    bool bad = false;
    size_t len = 0;
    uint8_t *v = pct_decode(eq + 1, n - nl - 1, &len, &bad);
    if (!v && bad)
        return omsig_fail(r, OMSIG_E_KEY,
                          "Malformed pkcs11 URI: '%.*s' has a '%%' that is not followed by two "
                          "hex digits", shown, s);
    if (!v) return omsig_nomem(r);
    const bool dup = path && which == 2 ? u->has_id : *(path ? slots_path : slots_query)[which] != NULL;
    if (dup) {
        OPENSSL_cleanse(v, len);
        free(v);
        return omsig_fail(r, OMSIG_E_KEY, "Malformed pkcs11 URI: duplicate %s attribute '%.*s'",
                          path ? "path" : "query", (int)nl, s);
    }
    if (path && which == 2) {
        u->id = v;
        u->id_len = len;
        u->has_id = true;
        return OMSIG_OK;
    }
    if (strlen((char *)v) != len) {
        free(v);
        return omsig_fail(r, OMSIG_E_KEY, "Malformed pkcs11 URI: '%.*s' holds a NUL byte",
                          (int)nl, s);
    }
    *(path ? slots_path : slots_query)[which] = (char *)v;
    return OMSIG_OK;
}

static omsig_status uri_parse(const char *uri, p11_uri *u, omsig_report *r)
{
    memset(u, 0, sizeof *u);
    if (strncmp(uri, "pkcs11:", 7) != 0) /* the query is not shown: it may hold the PIN */
        return omsig_fail(r, OMSIG_E_KEY, "Malformed pkcs11 URI: missing 'pkcs11:' prefix: %.*s",
                          (int)strcspn(uri, "?"), uri);
    const char *p = uri + 7;
    const char *q = strchr(p, '?');
    const char *path_end = q ? q : p + strlen(p);
    omsig_status st = OMSIG_OK;
    while (p < path_end && st == OMSIG_OK) {
        const char *e = memchr(p, ';', (size_t)(path_end - p));
        if (!e) e = path_end;
        st = uri_attribute(u, p, (size_t)(e - p), true, r);
        p = e + 1;
    }
    if (q && st == OMSIG_OK) {
        p = q + 1;
        const char *end = p + strlen(p);
        while (p <= end && st == OMSIG_OK) {
            const char *e = strchr(p, '&');
            if (!e) e = end;
            st = uri_attribute(u, p, (size_t)(e - p), false, r);
            p = e + 1;
        }
    }
    if (st != OMSIG_OK) return st;
    if (u->slot_id && (!u->slot_id[0] || strspn(u->slot_id, "0123456789") != strlen(u->slot_id) ||
                       strlen(u->slot_id) > 10 || strtoull(u->slot_id, NULL, 10) > 0xFFFFFFFFull))
        return omsig_fail(r, OMSIG_E_KEY, "slot-id must be a number below 2^32: %s", u->slot_id);
    if (u->pin_value && u->pin_source)
        return omsig_fail(r, OMSIG_E_KEY, "URI must not contain pin-source and pin-value");
    if (u->module_name && !u->module_name[0])
        return omsig_fail(r, OMSIG_E_KEY, "module-name attribute is empty");
    if (u->module_path && u->module_path[0] != '/')
        return omsig_fail(r, OMSIG_E_KEY, "path %s of module-path attribute must be absolute",
                          u->module_path);
    if (!u->has_id && !u->object)
        return omsig_fail(r, OMSIG_E_KEY,
                          "Neither 'id' nor 'object' attributes were found in pkcs11 URI: name "
                          "the key with object=LABEL and/or id=%%XX in the URI's path");
    if (!u->token && !u->slot_id)
        return omsig_fail(r, OMSIG_E_KEY,
                          "The pkcs11 URI names no token: add token=LABEL (or slot-id=N) to its "
                          "path");
    return OMSIG_OK;
}

/* "label 'x' and id %01%02" */
static char *key_words(const p11_uri *u)
{
    omsig_buf b = {0};
    if (u->object) omsig_buf_printf(&b, "label '%s'", u->object);
    if (u->has_id) {
        omsig_buf_printf(&b, "%sid ", u->object ? " and " : "");
        for (size_t i = 0; i < u->id_len; i++) omsig_buf_printf(&b, "%%%02X", u->id[i]);
    }
    if (!b.data) omsig_buf_puts(&b, "");
    return b.data;
}

/* ---- the module --------------------------------------------------------------------------- */

/* The file in dir whose name holds the (lowercase) name followed by its end or a '.', as
 * model_signing looks for a module-name=.  malloc'd; NULL when there is none. */
static char *find_in_dir(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char *found = NULL;
    const size_t nl = strlen(name);
    const struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        char lower[256];
        size_t k = 0;
        for (; e->d_name[k] && k + 1 < sizeof lower; k++)
            lower[k] = (char)tolower((unsigned char)e->d_name[k]);
        lower[k] = '\0';
        const char *at = strstr(lower, name);
        if (!at || (at[nl] != '\0' && at[nl] != '.')) continue;
        if (asprintf(&found, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name) < 0)
            found = NULL;
    }
    closedir(d);
    return found;
}

/* The module file the URI names, malloc'd, or NULL with the failure in the report. */
static char *module_file(const p11_uri *u, omsig_report *r)
{
    const char *dirs_one[1];
    const char *const *dirs = k_module_dirs;
    size_t n_dirs = sizeof k_module_dirs / sizeof k_module_dirs[0];
    if (u->module_path) {
        struct stat st;
        if (stat(u->module_path, &st) != 0) {
            omsig_fail(r, OMSIG_E_IO, "Cannot load the PKCS #11 module '%s' (module-path): %s",
                       u->module_path, strerror(errno));
            return NULL;
        }
        if (S_ISREG(st.st_mode)) {
            char *m = strdup(u->module_path);
            if (!m) omsig_nomem(r);
            return m;
        }
        if (!S_ISDIR(st.st_mode)) {
            omsig_fail(r, OMSIG_E_IO, "module-path '%s' points to an invalid file type",
                       u->module_path);
            return NULL;
        }
        dirs_one[0] = u->module_path;
        dirs = dirs_one;
        n_dirs = 1;
    }
    if (!u->module_name) {
        omsig_fail(r, OMSIG_E_KEY,
                   "The pkcs11 URI names no module: add module-path=/path/to/module.so (or "
                   "module-name=NAME) to its query");
        return NULL;
    }
    char name[256];
    size_t k = 0;
    for (; u->module_name[k] && k + 1 < sizeof name; k++)
        name[k] = (char)tolower((unsigned char)u->module_name[k]);
    name[k] = '\0';
    omsig_buf where = {0};
    for (size_t i = 0; i < n_dirs; i++) {
        char *m = find_in_dir(dirs[i], name);
        if (m) {
            omsig_buf_free(&where);
            return m;
        }
        omsig_buf_printf(&where, "%s%s", i ? ", " : "", dirs[i]);
    }
    omsig_fail(r, OMSIG_E_IO, "No module '%s' could be found in %s", name,
               where.data ? where.data : "");
    omsig_buf_free(&where);
    return NULL;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* What the token answered last, from this thread's error queue (cleared): "wrong PIN
 * (CKR_PIN_INCORRECT)", or "" with *rv 0 when the queue holds no CKR_ value. */
static const char *last_ckr(unsigned long *rv, char *buf, size_t cap)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0) last = e;
    *rv = last ? ERR_GET_REASON(last) : 0;
    buf[0] = '\0';
    if (!*rv) return buf;
    for (size_t i = 0; i < sizeof k_ckr / sizeof k_ckr[0]; i++)
        if (k_ckr[i].rv == *rv) {
            snprintf(buf, cap, "%s (%s)", k_ckr[i].words, k_ckr[i].name);
            return buf;
        }
    const char *s = ERR_reason_error_string(last);
    if (s) snprintf(buf, cap, "%s (0x%lx)", s, *rv);
    else snprintf(buf, cap, "PKCS #11 error 0x%lx", *rv);
    return buf;
}

/* ---- the PIN ------------------------------------------------------------------------------ */

/* The PIN of pin-source=: a file: URI or an absolute path; the file's first line.  malloc'd;
 * NULL with the failure in the report. */
static char *pin_from_source(const char *src, omsig_report *r)
{
    const char *path = src;
    if (strncmp(src, "file://", 7) == 0) path = src + 7;
    else if (strncmp(src, "file:", 5) == 0) path = src + 5;
    else if (strchr(src, ':') && src[0] != '/') {
        omsig_fail(r, OMSIG_E_KEY, "PIN URI scheme of '%s' is not supported (use file:)", src);
        return NULL;
    }
    if (path[0] != '/') {
        omsig_fail(r, OMSIG_E_KEY, "PIN URI path '%s' is not absolute", path);
        return NULL;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    const int rc = omsig_read_file(path, 4096, &data, &len);
    if (rc < 0) {
        omsig_fail(r, OMSIG_E_IO, "Cannot read the PIN from '%s' (pin-source): %s", path,
                   strerror(-rc));
        return NULL;
    }
    /* the PIN is the first line: a file written with echo ends in a newline the token would
     * take as part of the PIN */
    size_t n = 0;
    while (n < len && data[n] != '\n' && data[n] != '\r' && data[n] != '\0') n++;
    char *pin = malloc(n + 1);
    if (pin) {
        memcpy(pin, data, n);
        pin[n] = '\0';
    } else {
        omsig_nomem(r);
    }
    OPENSSL_cleanse(data, len);
    free(data);
    return pin;
}

/* ---- test hook ------------------------------------------------------------------------------ */

/* OMSIG_FAULT_PKCS11_PAUSE=READY:GO (test builds): once logged in with the key found, create
 * the file READY and wait (up to a minute) for GO to exist, so that a test can take the
 * token away between the login and the signature. */
static void pause_hook(void)
{
    const char *h = omsig_hook("OMSIG_FAULT_PKCS11_PAUSE");
    const char *colon = h ? strchr(h, ':') : NULL;
    if (!colon) return;
    char ready[1024];
    snprintf(ready, sizeof ready, "%.*s", (int)(colon - h), h);
    FILE *f = fopen(ready, "w");
    if (f) fclose(f);
    for (int i = 0; i < 6000 && access(colon + 1, F_OK) != 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

/* ---- open and close ----------------------------------------------------------------------- */

static bool key_matches(const PKCS11_KEY *k, const p11_uri *u)
{
    if (u->object && (!k->label || strcmp(k->label, u->object) != 0)) return false;
    if (u->has_id && (k->id_len != u->id_len || memcmp(k->id, u->id, u->id_len) != 0)) return false;
    return true;
}

/* The slot of the token the URI names, or NULL with the failure in the report. */
static PKCS11_SLOT *find_slot(omsig_pkcs11 *p, const p11_uri *u, const char *module,
                              omsig_report *r)
{
    if (u->slot_id) {
        const unsigned long want = strtoul(u->slot_id, NULL, 10);
        for (unsigned i = 0; i < p->n_slots; i++) {
            PKCS11_SLOT *s = &p->slots[i];
            if (PKCS11_get_slotid_from_slot(s) != want) continue;
            if (!s->token || !s->token->initialized) {
                omsig_fail(r, OMSIG_E_KEY, "No initialized token in slot %s of the PKCS #11 module '%s'",
                           u->slot_id, module);
                return NULL;
            }
            if (u->token && strcmp(s->token->label, u->token) != 0) {
                omsig_fail(r, OMSIG_E_KEY, "The token in slot %s is not called '%s' (it is '%s')",
                           u->slot_id, u->token, s->token->label);
                return NULL;
            }
            return s;
        }
        omsig_fail(r, OMSIG_E_KEY, "No slot %s in the PKCS #11 module '%s'", u->slot_id, module);
        return NULL;
    }
    omsig_buf names = {0};
    for (unsigned i = 0; i < p->n_slots; i++) {
        PKCS11_SLOT *s = &p->slots[i];
        if (!s->token || !s->token->initialized) continue;
        if (strcmp(s->token->label, u->token) == 0) {
            omsig_buf_free(&names);
            return s;
        }
        omsig_buf_printf(&names, "%s'%s'", names.len ? ", " : "", s->token->label);
    }
    omsig_fail(r, OMSIG_E_KEY, "Could not find a token with label '%s' in the PKCS #11 module '%s' (%s%s)",
               u->token, module, names.len ? "its tokens: " : "it has no token",
               names.len ? names.data : "");
    omsig_buf_free(&names);
    return NULL;
}

/* The key the URI names among n keys, or NULL. */
static PKCS11_KEY *pick_key(PKCS11_KEY *keys, unsigned n, const p11_uri *u)
{
    for (unsigned i = 0; i < n; i++)
        if (key_matches(&keys[i], u)) return &keys[i];
    return NULL;
}

/* Loads the module into p (dlopen first: libp11 prints why a module does not load on stderr,
 * and the library never prints; dlerror() says it in the message instead). */
static omsig_status load_module(omsig_pkcs11 *p, const p11_uri *u, const char *module,
                                 omsig_report *r)
{
    char why[160];
    unsigned long rv = 0;
    dlerror();
    if (!(p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL))) {
        const char *e = dlerror();
        return omsig_fail(r, OMSIG_E_IO, "Cannot load the PKCS #11 module '%s': %s", module,
                          e ? e : "dlopen failed");
    }
    if (!dlsym(p->dl, "C_GetFunctionList"))
        return omsig_fail(r, OMSIG_E_IO,
                          "Cannot load the PKCS #11 module '%s': it is not a PKCS #11 module (no "
                          "C_GetFunctionList)", module);
    ERR_clear_error();
    if (!(p->ctx = PKCS11_CTX_new())) return omsig_nomem(r);
    if (PKCS11_CTX_load(p->ctx, module) != 0) {
        last_ckr(&rv, why, sizeof why);
        return omsig_fail(r, OMSIG_E_IO, "Cannot load the PKCS #11 module '%s'%s%s", module,
                          rv ? ": " : " (not a shared library with C_GetFunctionList, or its "
                                      "C_Initialize failed)",
                          rv ? why : "");
    }
    p->loaded = true;
    if (PKCS11_enumerate_slots(p->ctx, &p->slots, &p->n_slots) != 0) {
        last_ckr(&rv, why, sizeof why);
        return omsig_fail(r, OMSIG_E_KEY, "Cannot list the slots of the PKCS #11 module '%s'%s%s",
                          module, rv ? ": " : "", why);
    }
    if (!(p->slot = find_slot(p, u, module, r))) return r->status;
    if (!(p->token_label = strdup(p->slot->token->label)))
        return omsig_nomem(r);
    return OMSIG_OK;
}

/* Logs in to p's token with the URI's PIN (pin-value=, else pin-source=), else pin_given;
 * without any, only a token that needs no login goes on. */
static omsig_status log_in(omsig_pkcs11 *p, const p11_uri *u, const char *pin_given,
                           omsig_report *r)
{
    PKCS11_TOKEN *tok = p->slot->token;
    char why[160], *pin_file = NULL;
    unsigned long rv = 0;
    omsig_status st = OMSIG_OK;
    const char *pin = u->pin_value;
    if (!pin && u->pin_source && !(pin = pin_file = pin_from_source(u->pin_source, r)))
        return r->status;
    if (!pin) pin = pin_given;
    if (tok->loginRequired && !pin) {
        st = omsig_fail(r, OMSIG_E_KEY,
                        "The PKCS #11 token '%s' needs its PIN: put it in the URI's query as "
                        "pin-value=PIN or pin-source=file:/path/to/pin-file (or run omsig on a "
                        "terminal, which asks for it)", tok->label);
    } else if (pin) {
        if (PKCS11_open_session(p->slot, 0) != 0 || PKCS11_login(p->slot, 0, pin) != 0) {
            last_ckr(&rv, why, sizeof why);
            st = rv == 0xA0 ? omsig_fail(r, OMSIG_E_KEY, "Wrong PIN for the PKCS #11 token '%s'",
                                         tok->label)
                            : omsig_fail(r, OMSIG_E_KEY, "Cannot log in to the PKCS #11 token '%s': %s",
                                         tok->label, why[0] ? why : "the module refused");
        } else {
            p->logged_in = true;
        }
    }
    if (pin_file) OPENSSL_cleanse(pin_file, strlen(pin_file));
    free(pin_file);
    return st;
}

/* The private key the URI names, an EC key, and a copy of its public key: libp11 fills the
 * private key's point in from the public key object of the same id (or the certificate). */
static omsig_status take_key(omsig_pkcs11 *p, const p11_uri *u, omsig_report *r)
{
    PKCS11_TOKEN *tok = p->slot->token;
    char why[160];
    unsigned long rv = 0;
    PKCS11_KEY *keys = NULL;
    unsigned n_keys = 0;
    if (PKCS11_enumerate_keys(tok, &keys, &n_keys) != 0) {
        last_ckr(&rv, why, sizeof why);
        return omsig_fail(r, OMSIG_E_KEY, "Cannot list the private keys of the PKCS #11 token '%s'%s%s",
                          tok->label, rv ? ": " : "", why);
    }
    PKCS11_KEY *key = pick_key(keys, n_keys, u);
    if (!key)
        return omsig_fail(r, OMSIG_E_KEY, "Could not find any private key with %s in the PKCS #11 token '%s'%s",
                          p->key_desc, tok->label,
                          p->logged_in ? "" : " (not logged in: give the PIN to see private keys)");
    const int type = PKCS11_get_key_type(key);
    if (type != EVP_PKEY_EC)
        return omsig_fail(r, OMSIG_E_KEY,
                          "Only elliptic curve keys are supported (the key with %s in the PKCS "
                          "#11 token '%s' is %s)",
                          p->key_desc, tok->label,
                          type == EVP_PKEY_RSA ? "RSA" : OBJ_nid2sn(type) ? OBJ_nid2sn(type) : "unknown");
    if (!(p->key = PKCS11_get_private_key(key))) {
        last_ckr(&rv, why, sizeof why);
        return omsig_fail(r, OMSIG_E_KEY, "Cannot use the private key with %s in the PKCS #11 token '%s'%s%s",
                          p->key_desc, tok->label, rv ? ": " : "", why);
    }
    unsigned char *der = NULL;
    const int der_len = i2d_PUBKEY(p->key, &der);
    if (der_len > 0) {
        const unsigned char *q = der;
        p->pub = d2i_PUBKEY(NULL, &q, der_len);
    }
    OPENSSL_free(der);
    ERR_clear_error();
    if (!p->pub)
        return omsig_fail(r, OMSIG_E_KEY,
                          "The PKCS #11 token '%s' holds no public key for the private key with %s: "
                          "omsig needs it for the signature's key hint or to match the certificate",
                          tok->label, p->key_desc);
    if (!omsig_ec_key_md(p->pub, r)) return r->status;
    return OMSIG_OK;
}

static omsig_status open_token(omsig_pkcs11 *p, const p11_uri *u, const char *pin_given,
                               omsig_report *r)
{
    char *module = module_file(u, r);
    if (!module) return r->status;
    omsig_status st = load_module(p, u, module, r);
    free(module);
    if (st == OMSIG_OK) st = log_in(p, u, pin_given, r);
    if (st == OMSIG_OK) st = take_key(p, u, r);
    if (st == OMSIG_OK) pause_hook();
    ERR_clear_error();
    return st;
}

omsig_status omsig_pkcs11_open(const char *uri, const char *pin, omsig_pkcs11 **out, omsig_report *r)
{
    *out = NULL;
    if (!uri) return omsig_fail(r, OMSIG_E_USAGE, "a PKCS #11 URI is required");
    p11_uri u;
    omsig_status st = uri_parse(uri, &u, r);
    omsig_pkcs11 *p = NULL;
    if (st != OMSIG_OK) goto out;
    if (!(p = calloc(1, sizeof *p)) || !(p->key_desc = key_words(&u))) {
        st = omsig_nomem(r);
        goto out;
    }
    pthread_mutex_lock(&g_module_lock);
    p->locked = true;
    if ((st = open_token(p, &u, pin, r)) != OMSIG_OK) goto out;
    *out = p;
    p = NULL;
out:
    uri_free(&u);
    omsig_pkcs11_close(p);
    return st;
}

EVP_PKEY *omsig_pkcs11_private_key(const omsig_pkcs11 *p) { return p->key; }

EVP_PKEY *omsig_pkcs11_public_key(const omsig_pkcs11 *p) { return p->pub; }

omsig_status omsig_pkcs11_sign_failed(const omsig_pkcs11 *p, omsig_report *r)
{
    char why[160];
    unsigned long rv = 0;
    last_ckr(&rv, why, sizeof why);
    return omsig_fail(r, OMSIG_E_KEY, "The PKCS #11 token '%s' could not sign with the key with %s: %s",
                      p->token_label, p->key_desc, rv ? why : "ECDSA signing failed");
}

void omsig_pkcs11_close(omsig_pkcs11 *p)
{
    if (!p) return;
    /* the keys refer to the slots' objects, and those to the module: in that order */
    EVP_PKEY_free(p->key);
    EVP_PKEY_free(p->pub);
    if (p->logged_in) PKCS11_logout(p->slot);
    if (p->slots) PKCS11_release_all_slots(p->ctx, p->slots, p->n_slots);
    if (p->loaded) PKCS11_CTX_unload(p->ctx);
    if (p->ctx) PKCS11_CTX_free(p->ctx);
    if (p->dl) dlclose(p->dl);
    ERR_clear_error();
    if (p->locked) pthread_mutex_unlock(&g_module_lock);
    free(p->token_label);
    free(p->key_desc);
    free(p);
}
