/* SPDX-License-Identifier: Apache-2.0 */
/* options.h - the check every public call makes of the caller's options (options.c). */
#ifndef OMSIG_OPTIONS_H
#define OMSIG_OPTIONS_H

#include "report.h"

/* Copies the caller's options into *out, the library's layout, with the defaults for fields a
 * smaller (older) struct lacks.  OMSIG_E_USAGE with the reason in r when the struct was not
 * initialised with omsig_options_init(), comes from a newer header, or holds a value out of
 * range; *out is then the defaults and must not be used. */
OMSIG_PRIVATE omsig_status omsig_options_take(const omsig_options *in, omsig_options *out,
                                              omsig_report *r);

#endif /* OMSIG_OPTIONS_H */
