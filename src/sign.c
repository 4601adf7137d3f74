/* SPDX-License-Identifier: Apache-2.0 */
/* sign.c - signing (key and certificate methods). */
#include "omsig_internal.h"

omsig_status omsig_sign(const omsig_options *o, omsig_report **out)
{
    (void)o;
    omsig_report *r = omsig_report_new();
    if (out) *out = r;
    if (!r) return OMSIG_E_NOMEM;
    const omsig_status st = omsig_fail(r, OMSIG_E_UNSUPPORTED, "signing is not available in this build yet");
    if (!out) omsig_report_free(r);
    return st;
}
