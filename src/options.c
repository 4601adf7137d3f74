/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.c - what every public call does first with the caller's omsig_options: checks the
 * ABI tag omsig_options_init() wrote, copies the struct into the library's own layout (a
 * caller built against an older, smaller struct gets the defaults for the fields it lacks),
 * and refuses values out of range before any file is read or written.
 */
#include "options.h"

#include <stddef.h>
#include <string.h>

/* The struct as the first version with the ABI tag laid it out: no caller can have less. */
#define OPTIONS_MIN_SIZE (offsetof(omsig_options, struct_size) + sizeof(uint32_t))

static omsig_status range_check(const omsig_options *o, omsig_report *r)
{
    if (o->method < OMSIG_METHOD_KEY || o->method > OMSIG_METHOD_PKCS11_CERTIFICATE)
        return omsig_fail(r, OMSIG_E_USAGE, "options: method %d is not an omsig_method value",
                          (int)o->method);
    if (o->serialization != OMSIG_SERIAL_FILES && o->serialization != OMSIG_SERIAL_SHARDS)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: serialization %d is not an omsig_serialization value",
                          (int)o->serialization);
    if (o->hash < OMSIG_HASH_SHA256 || o->hash > OMSIG_HASH_BLAKE3)
        return omsig_fail(r, OMSIG_E_USAGE, "options: hash %d is not an omsig_hash value",
                          (int)o->hash);
    if (o->hasher < OMSIG_HASHER_AUTO || o->hasher > OMSIG_HASHER_HYBRID)
        return omsig_fail(r, OMSIG_E_USAGE, "options: hasher %d is not an omsig_hasher value",
                          (int)o->hasher);
    if (o->io < OMSIG_IO_AUTO || o->io > OMSIG_IO_PREAD)
        return omsig_fail(r, OMSIG_E_USAGE, "options: io %d is not an omsig_io value",
                          (int)o->io);
    if (o->verify_time != OMSIG_VERIFY_TIME_NOW && o->verify_time != OMSIG_VERIFY_TIME_SIGNING)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: verify_time %d is not an omsig_verify_time value",
                          (int)o->verify_time);
    if (o->shard_size > OMSIG_MAX_SHARD_SIZE)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: shard_size %llu is above 2^53 (9007199254740992), the "
                          "largest shard size a bundle can record and the verifier accepts",
                          (unsigned long long)o->shard_size);
    if (o->serialization == OMSIG_SERIAL_SHARDS && o->shard_size == 0)
        return omsig_fail(r, OMSIG_E_USAGE, "the shard size must be at least 1 byte");
    if (o->n_certificate_chain_paths && !o->certificate_chain_paths)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: n_certificate_chain_paths is %zu but certificate_chain_paths "
                          "is NULL", o->n_certificate_chain_paths);
    if (o->n_ignore_paths && !o->ignore_paths)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: n_ignore_paths is %zu but ignore_paths is NULL",
                          o->n_ignore_paths);
    return OMSIG_OK;
}

void omsig_options_init_size(omsig_options *opt, size_t size)
{
    omsig_options d;
    (omsig_options_init)(&d);
    /* a caller's struct larger than ours comes from a newer header: its size in the tag makes
     * every call refuse it, rather than ignore fields this library does not know */
    d.struct_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    const size_t n = size < sizeof d ? size : sizeof d;
    memcpy(opt, &d, n);
    if (size > n) memset((char *)opt + n, 0, size - n);
}

omsig_status omsig_options_take(const omsig_options *in, omsig_options *out, omsig_report *r)
{
    omsig_options_init(out);
    if (!in) return omsig_fail(r, OMSIG_E_USAGE, "options: NULL");
    if (in->struct_magic != OMSIG_OPTIONS_MAGIC || in->struct_size < OPTIONS_MIN_SIZE)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: not initialised with omsig_options_init() (the struct's "
                          "ABI tag is missing)");
    if (in->struct_size > sizeof *out)
        return omsig_fail(r, OMSIG_E_USAGE,
                          "options: the struct is %u bytes, larger than this library's %zu: "
                          "the program was built against a newer omsig.h than the library it "
                          "runs with", (unsigned)in->struct_size, sizeof *out);
    memcpy(out, in, in->struct_size);
    out->struct_size = (uint32_t)sizeof *out;
    return range_check(out, r);
}
