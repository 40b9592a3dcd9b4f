/* SPDX-License-Identifier: Apache-2.0 */
/* The quarantine and hold store: one file per message in a maildir-like tree
 * (tmp/ then new/), each file and the directory fsynced before the caller
 * may acknowledge the message. Plain blocking file I/O; called from a worker
 * only on the rare quarantine path. */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* dp_store_prepare creates `dir`, `dir`/tmp and `dir`/new (mode 0700) if
 * missing. Returns 0 or RL_EIO with errno in *out_errno. */
int dp_store_prepare(const char *dir, int *out_errno);

/* dp_store_put writes `meta` (one JSON line, `meta_len` octets, no newline),
 * a newline, then the message (`msg`, `msg_len` octets) to `dir`/tmp/`id`,
 * fsyncs it, renames it to `dir`/new/`id`.msg and fsyncs `dir`/new. Only
 * after 0 is the message durable. `id` is a file name ([A-Za-z0-9._-]).
 * Returns 0, RL_EINVAL for a bad id, or RL_EIO with errno in *out_errno (the
 * temporary file is removed). */
int dp_store_put(const char *dir, const char *id, const char *meta, size_t meta_len,
                 const uint8_t *msg, size_t msg_len, int *out_errno);

#endif
