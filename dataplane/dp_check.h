/* SPDX-License-Identifier: Apache-2.0 */
/* `redlined --check-config`: what start-up would read beyond the
 * configuration text, checked without binding, starting or changing
 * anything, and a description of what would run. Main thread. */
#ifndef DP_CHECK_H
#define DP_CHECK_H

#include <stddef.h>

#include "dp_config.h"
#include "rl_error.h"

/* dp_check_config checks, for a configuration dp_config_check accepted: the
 * listener's STARTTLS files and those of every client profile (contexts
 * built and freed), the account to drop to (when started as root), and the
 * directories the quarantine store, the tracking log and the control socket
 * go in. Then writes what would run to `out` (capacity `out_cap`, text, one
 * item per line; cut if it does not fit), `policy_version` naming the
 * policy. Returns 0, or RL_EINVAL / RL_ENOMEM with `diag` naming the field
 * ("tls.cert", "user", "quarantine_dir") and the reason. */
int dp_check_config(char *out, size_t out_cap, struct rl_diag *diag, const struct dp_config *cfg,
                    const char *policy_version);

#endif
