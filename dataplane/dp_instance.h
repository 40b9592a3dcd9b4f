/* SPDX-License-Identifier: Apache-2.0 */
/* One redlined per state directory and per listener (issue 13): an
 * exclusive lock file in the quarantine directory, held for the life of the
 * process, and a check that no other process listens on our addresses
 * before the workers bind them with SO_REUSEPORT. Start-up code, main
 * thread. */
#ifndef DP_INSTANCE_H
#define DP_INSTANCE_H

#include "dp_config.h"
#include "rl_error.h"

#define DP_INSTANCE_LOCK "redlined.lock" /* in the quarantine and the state directory */

/* dp_instance_lock takes the instance lock of `dir` (an existing
 * directory, the configuration's `field`): creates `dir`/DP_INSTANCE_LOCK
 * (mode 0600) and holds an exclusive flock on it through *out_fd, which the
 * caller keeps open (it is released when the process ends, however it
 * ends). Returns 0, or RL_EIO with `diag` naming `field` and saying which
 * process holds it. */
int dp_instance_lock(int *out_fd, struct rl_diag *diag, const char *field, const char *dir);

/* dp_instance_note_pid writes the calling process's id into the lock file
 * `fd` (after daemon(), the id that stays). Cannot fail visibly: the id is
 * only for the message a second instance prints. */
void dp_instance_note_pid(int fd);

/* dp_instance_check_listeners refuses a configuration whose listeners are
 * already served by another process (io_kernel_listen_free). Returns 0, or
 * RL_EIO with `diag` naming "listen" and the address. */
int dp_instance_check_listeners(const struct dp_config *cfg, struct rl_diag *diag);

#endif
