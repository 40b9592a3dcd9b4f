/* SPDX-License-Identifier: Apache-2.0 */
/* The quarantine and hold store: one file per message in a maildir-like tree
 * (tmp/ then new/), each file and the directory fsynced before the caller
 * may acknowledge the message. Plain blocking file I/O: put is called from a
 * worker only on the rare quarantine path; the rest from the control thread. */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <stdbool.h>
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

/* dp_store_id_ok tells whether `id` is a valid message id: 1-128 octets of
 * [A-Za-z0-9._-], not starting with '.'. */
bool dp_store_id_ok(const char *id);

/* dp_store_list calls `fn(ctx, id)` for every message in `dir`/new, in
 * directory order, until `fn` returns non-zero. Returns 0, `fn`'s value, or
 * RL_EIO with errno in *out_errno. */
int dp_store_list(const char *dir, int (*fn)(void *ctx, const char *id), void *ctx, int *out_errno);

/* dp_store_get reads message `id`, at most its first `max_len` octets (the
 * metadata line alone needs a few KiB): on 0, *out_file is a malloc'd copy
 * (the caller frees it) of *out_file_len octets, *out_meta_len the length of
 * its metadata line (no newline; the message starts after the newline) and
 * *out_msg_len the stored message's whole length. Returns RL_EINVAL for a bad
 * id, RL_ENOENT if there is no such message, RL_ESYNTAX for a file without a
 * metadata line within `max_len`, RL_ENOMEM, or RL_EIO with errno in
 * *out_errno. */
int dp_store_get(const char *dir, const char *id, size_t max_len, uint8_t **out_file,
                 size_t *out_file_len, size_t *out_meta_len, size_t *out_msg_len, int *out_errno);

/* dp_store_remove unlinks message `id` and fsyncs `dir`/new, so a released
 * message cannot come back after a crash. Returns 0, RL_EINVAL, RL_ENOENT
 * or RL_EIO with errno in *out_errno. */
int dp_store_remove(const char *dir, const char *id, int *out_errno);

#endif
