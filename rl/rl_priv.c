/* SPDX-License-Identifier: Apache-2.0 */
/* Dropping root for good (rl_priv.h). */
#include "rl_priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

int
rl_priv_drop(struct rl_diag *diag, const char *user, const struct rl_priv_own *own, size_t n)
{
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        rl_diag_set(diag, "user", "no such account '%s'", user);
        return RL_ENOENT;
    }
    if (pw->pw_uid == 0) {
        return rl_diag_set(diag, "user", "will not run as root ('%s' has uid 0)", user);
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    for (size_t i = 0; i < n; i++) {
        if (own[i].path == NULL || own[i].path[0] == '\0') {
            continue;
        }
        if (chown(own[i].path, uid, own[i].keep_group ? (gid_t)-1 : gid) != 0 &&
            !(own[i].if_exists && errno == ENOENT)) {
            rl_diag_set(diag, own[i].field, "%s: %s", own[i].path, strerror(errno));
            return RL_EIO;
        }
    }
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        rl_diag_set(diag, "user", "%s", strerror(errno));
        return RL_EIO;
    }
    if (setuid(0) == 0 || seteuid(0) == 0 || (gid != 0 && setgid(0) == 0)) {
        rl_diag_set(diag, "user", "root could be regained after the drop");
        return RL_EIO;
    }
    return 0;
}
