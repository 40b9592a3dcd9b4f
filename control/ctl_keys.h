/* SPDX-License-Identifier: Apache-2.0 */
/* The licence public keys this build trusts: a table generated at build time
 * by `redline-license embed` from the meson option license_keys (the tests'
 * builds embed a key they generate instead). Read-only; any thread. */
#ifndef CTL_KEYS_H
#define CTL_KEYS_H

#include <stddef.h>

#include "ctl_license.h"

/* ctl_keys holds ctl_n_keys trusted keys (ctl_n_keys may be 0: then every
 * licence is refused and the gateway runs in evaluation mode). */
extern const struct ctl_license_key ctl_keys[];
extern const size_t ctl_n_keys;

#endif
