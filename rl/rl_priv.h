/* SPDX-License-Identifier: Apache-2.0 */
/* Dropping root: the daemons (redlined, redline-controld) bind and open what
 * needs root, hand what they must still write to their own account, then
 * become that account for good. Start-up only. */
#ifndef RL_PRIV_H
#define RL_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "rl_error.h"

/* A path the account must own after the drop; `field` names it in a
 * diagnostic (a configuration key). NULL or "" paths are skipped; a path
 * marked `if_exists` is skipped when it does not exist. `keep_group`
 * leaves its group as it is (a socket whose group says who may use it);
 * otherwise the group becomes the account's primary one. */
struct rl_priv_own {
    const char *field;
    const char *path;
    bool keep_group;
    bool if_exists;
};

/* rl_priv_drop makes the whole process (every thread) run as the account
 * `user`: each path of `own` (`n` of them) is first given to it (chown, its
 * primary group), then supplementary groups are cleared, the group and the
 * user set (setgroups, setgid, setuid, in that order), and the function
 * checks that root cannot be regained. Returns 0; RL_ENOENT when there is
 * no such account (diag's field "user"); RL_EINVAL for an account with uid 0;
 * RL_EIO with diag naming the field and the system's reason. */
int rl_priv_drop(struct rl_diag *diag, const char *user, const struct rl_priv_own *own, size_t n);

#endif
