/* SPDX-License-Identifier: Apache-2.0 */
/* One round trip on a control socket: a command line out, the whole answer
 * back. Blocking; for the administrator's CLI. */
#ifndef CTL_CLIENT_H
#define CTL_CLIENT_H

#include <stddef.h>

#include "rl_error.h"

/* ctl_client_call connects to the UNIX socket `path`, sends `command` and a
 * newline, and reads until the server closes, waiting at most `timeout_s`
 * seconds for each read. On 0, *out_answer is a malloc'd, NUL-terminated
 * answer (the caller frees it). Returns RL_EINVAL for a path too long, or
 * RL_EIO with errno in *out_errno (ETIMEDOUT for a server that said nothing
 * in time). */
int ctl_client_call(char **out_answer, int *out_errno, const char *path, const char *command,
                    int timeout_s);

#endif
