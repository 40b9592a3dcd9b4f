/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-configuration validation for redline-controld: a document is
 * accepted only if redlined could run it, using the dataplane's own
 * configuration parser and checks, the TLS library's contexts (so profile
 * files are read) and the scan engine's compiler (so every lexicon regex
 * compiles). Blocking (files, name resolution, Hyperscan): never on a
 * worker core. */
#ifndef CTL_VALIDATE_H
#define CTL_VALIDATE_H

#include <jansson.h>

#include "rl_error.h"

/* ctl_validate checks the configuration document `doc` (ctl_model.h).
 * Returns 0, or RL_EINVAL / RL_ESYNTAX / RL_ESCAN with `diag` naming the
 * field ("routes[1].group", "policy.lexicons[0].entries[2].regex",
 * "tls_profiles.partner.ca_file") and the reason; RL_ENOMEM. */
int ctl_validate(struct rl_diag *diag, json_t *doc);

#endif
