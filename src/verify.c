/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - the verification pipeline, in the reference's order: load what the user trusts,
 * read the bundle, check its media type, verify the signature, check the payload type, parse
 * the statement (root digest included), and only then read the model.
 */
#include "context.h"
#include "dsse.h"
#include "model_hash.h"
#include "options.h"
#include "plan.h"
#include "pki.h"

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

void(omsig_options_init)(omsig_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = OMSIG_METHOD_KEY;
    o->ignore_git_paths = 1;
    o->serialization = OMSIG_SERIAL_FILES;
    o->shard_size = OMSIG_DEFAULT_SHARD_SIZE;
    o->hash = OMSIG_HASH_SHA256;
    o->hasher = OMSIG_HASHER_AUTO;
    o->io = OMSIG_IO_AUTO;
    o->buffer_size = OMSIG_DEFAULT_BUFFER;
    o->struct_magic = OMSIG_OPTIONS_MAGIC;
    o->struct_size = (uint32_t)sizeof *o;
}

/* The signer of a bundle whose signature held: the key method records its key itself; the
 * certificate and sigstore methods' leaf is the bundle's first certificate. */
static omsig_status record_signer(const omsig_options *o, const omsig_bundle *b, omsig_report *r)
{
    if (b->vm_kind == OMSIG_VM_PUBLIC_KEY || !b->certs || b->n_certs == 0) return OMSIG_OK;
    X509 *leaf = omsig_x509_from_der(b->certs[0].data, b->certs[0].len);
    if (!leaf) return OMSIG_OK; /* the method checked it: cannot happen */
    const bool sigstore = b->vm_kind == OMSIG_VM_CERTIFICATE;
    omsig_status st = omsig_report_signer_cert(r, sigstore ? "sigstore" : "certificate", leaf);
    X509_free(leaf);
    if (st == OMSIG_OK && sigstore)
        st = omsig_report_signer_set(r, OMSIG_SIGNER_IDENTITY, o->identity);
    if (st == OMSIG_OK && sigstore)
        st = omsig_report_signer_set(r, OMSIG_SIGNER_IDENTITY_PROVIDER, o->identity_provider);
    return st;
}

static omsig_status verify_signed(const omsig_options *o, omsig_manifest *man, omsig_report *r)
{
    const omsig_pki_method *method = omsig_pki_method_for(o->method);
    if (!method) return omsig_fail(r, OMSIG_E_USAGE, "unknown signing method");
    omsig_bundle b;
    memset(&b, 0, sizeof b);
    omsig_status st;
    omsig_pki *pki = method->load(o, r);
    if (!pki) return r->status;
    if ((st = omsig_bundle_read(o->signature_path, o->max_bundle_size, &b, r)) != OMSIG_OK) goto out;
    /* key and certificate take only the v0.3 media type, as the reference does; the sigstore
     * method takes the four Sigstore bundle types */
    if (!method->sigstore_bundle_types && (st = omsig_bundle_check_media_type(&b, r)) != OMSIG_OK)
        goto out;
    st = method->check(pki, o, &b, r);
    if (st != OMSIG_OK || (st = omsig_check_payload_type(&b, r)) != OMSIG_OK) goto out;
    if (st == OMSIG_OK) st = record_signer(o, &b, r);
    if (st == OMSIG_OK) st = omsig_statement_parse(b.payload, b.payload_len, man, r);
out:
    omsig_bundle_free(&b);
    omsig_pki_free(pki);
    return st;
}

/*
 * The model's tree is listed while the bundle is read and checked (for 100,000 small files
 * the walk's stats cost as much as the bundle), with the ignore paths known before the
 * manifest: the user's and git's.  Nothing is read or hashed before the signature holds.
 * The manifest's ignore paths then only remove files, so the result is the walk a manifest-
 * first order would give; any problem the early walk meets (a symlink, a special file, a
 * limit) may sit under a path the manifest ignores, so then the tree is walked again after
 * the manifest, which decides.  Symlink warnings and --ignore_unsigned_files keep the
 * manifest-first order.
 */
typedef struct early_walk {
    const omsig_options *o;
    omsig_model model;
    omsig_report *scratch;   /* the early walk's failure is not the verdict */
    omsig_status st;
    atomic_int abandon;      /* the bundle failed: stop walking */
    pthread_t thread;
    bool started;
} early_walk;

/* The early walk's list is held beside the bundle's JSON while that is parsed: only for
 * bundles up to this size (a manifest of about 150,000 files), so the peak memory of a
 * million-file verify stays what it was. */
#define EARLY_WALK_MAX_BUNDLE (32u << 20)
/* A bundle under this size lists a few dozen files at most (about 250 bytes each): their
 * walk costs less than starting and joining the thread, so it runs after the manifest. */
#define EARLY_WALK_MIN_BUNDLE (16u << 10)

/*
 * The early walk yields to the caller's thread, which meanwhile checks the signature and reads
 * the manifest: both sides are needed before hashing starts, and the manifest's is one thread
 * against the walk's several, so at equal priority it ends last and alone (40 ms of a 100,000
 * file verify on two cores, one of them idle).  A lower priority for this thread, which the
 * walk's threads inherit, lets the manifest go first and the walk fill what is left.  Raising
 * a thread's own nice value needs no privilege, and the thread ends with the walk.
 */
static void yield_to_caller(void)
{
    const id_t self = (id_t)syscall(SYS_gettid);
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, self);
    if (errno == 0) (void)setpriority(PRIO_PROCESS, self, nice + 5); /* the kernel caps it at 19 */
}

static void *early_walk_run(void *arg)
{
    early_walk *w = arg;
    yield_to_caller();
    w->st = omsig_model_open(&w->model, w->o, w->scratch);
    w->model.abandon = &w->abandon;
    if (w->st == OMSIG_OK) w->st = omsig_model_add_user_ignores(&w->model, w->o, w->scratch);
    if (w->st == OMSIG_OK) w->st = omsig_model_walk(&w->model, w->scratch);
    return NULL;
}

static void early_walk_start(early_walk *w, const omsig_options *o)
{
    memset(w, 0, sizeof *w);
    w->o = o;
    struct stat sb;
    if (o->ignore_unsigned_files || o->allow_symlinks || stat(o->signature_path, &sb) != 0 ||
        sb.st_size > EARLY_WALK_MAX_BUNDLE || sb.st_size < EARLY_WALK_MIN_BUNDLE ||
        !(w->scratch = omsig_report_new()))
        return;
    w->started = pthread_create(&w->thread, NULL, early_walk_run, w) == 0;
    if (!w->started) omsig_report_free(w->scratch);
}

/* The listed tree, or NULL when there is none to use (the caller walks after the manifest). */
static omsig_model *early_walk_finish(early_walk *w, bool wanted)
{
    if (!w->started) return NULL;
    atomic_store(&w->abandon, !wanted);
    pthread_join(w->thread, NULL);
    omsig_report_free(w->scratch);
    w->started = false;
    if (w->st == OMSIG_OK) return &w->model;
    omsig_model_close(&w->model);
    return NULL;
}

/* Verify, and with a sink (verified load) deliver the covered pieces as they are hashed. */
static omsig_status verify(omsig_ctx *ctx, const omsig_options *given, const omsig_sink *sink,
                           bool want_sink, omsig_report **out)
{
    omsig_report *r = omsig_report_begin(out);
    if (!r) return OMSIG_E_NOMEM;
    omsig_manifest man;
    memset(&man, 0, sizeof man);
    omsig_options opts;
    const omsig_options *o = &opts;
    omsig_status st = omsig_options_take(given, &opts, r);
    if (st != OMSIG_OK) {
        /* refused: nothing read */
    } else if (!o->model_path || !o->signature_path) {
        st = omsig_fail(r, OMSIG_E_USAGE, "a model path and a signature path are required");
    } else if (want_sink && (!sink || !sink->piece)) {
        st = omsig_fail(r, OMSIG_E_USAGE, "a verified load needs a sink with a piece callback");
    } else {
        early_walk w;
        early_walk_start(&w, o);
        st = verify_signed(o, &man, r);
        /* while the walk goes on: the manifest's index for the pairing */
        omsig_plan_index ix = {0};
        const bool indexed = st == OMSIG_OK && w.started;
        if (indexed) st = omsig_plan_index_build(&ix, &man, r);
        omsig_model *walked = early_walk_finish(&w, st == OMSIG_OK);
        if (st == OMSIG_OK) {
            memcpy(r->signed_root_digest, man.root_hex, sizeof r->signed_root_digest);
            st = omsig_verify_model(ctx, o, &man, walked, indexed ? &ix : NULL, sink, r);
        } else if (walked) {
            omsig_model_close(walked);
        }
        omsig_plan_index_free(&ix);
    }
    omsig_manifest_free(&man);
    return omsig_ctx_call_done(ctx, omsig_report_end(r, out, st));
}

omsig_status omsig_ctx_verify(omsig_ctx *ctx, const omsig_options *o, omsig_report **out)
{
    return verify(ctx, o, NULL, false, out);
}

omsig_status omsig_ctx_verify_to(omsig_ctx *ctx, const omsig_options *o, const omsig_sink *sink,
                                 omsig_report **out)
{
    return verify(ctx, o, sink, true, out);
}
