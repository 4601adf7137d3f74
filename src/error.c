/* SPDX-License-Identifier: Apache-2.0 */
/* error.c - the one list of status names. */
#include "util.h"

const char *omsig_strerror(omsig_status st)
{
    switch (st) {
    case OMSIG_OK: return "success";
    case OMSIG_E_GENERIC: return "error";
    case OMSIG_E_CANCELLED: return "the caller stopped the run";
    case OMSIG_E_NOMEM: return "out of memory";
    case OMSIG_E_LIMIT: return "size or count limit exceeded";
    case OMSIG_E_IO: return "file cannot be opened or read";
    case OMSIG_E_MODEL_PATH: return "model path holds something that cannot be used";
    case OMSIG_E_FILE_CHANGED: return "file changed while it was hashed";
    case OMSIG_E_BUNDLE_PARSE: return "malformed signature bundle";
    case OMSIG_E_MANIFEST_PARSE: return "malformed signed statement";
    case OMSIG_E_UNSUPPORTED: return "unsupported algorithm or format";
    case OMSIG_E_MANIFEST_INCONSISTENT: return "root digest does not match the resources";
    case OMSIG_E_DIGEST_MISMATCH: return "model does not match the signature";
    case OMSIG_E_SIGNATURE_INVALID: return "signature does not verify";
    case OMSIG_E_KEY: return "key unusable or not matching";
    case OMSIG_E_CERTIFICATE: return "certificate check failed";
    case OMSIG_E_NO_DEVICE: return "no usable GPU";
    case OMSIG_E_CUDA: return "CUDA error";
    case OMSIG_E_USAGE: return "invalid options";
    case OMSIG_E_MAX_: break;
    }
    return "unknown status";
}
