/* SPDX-License-Identifier: Apache-2.0 */
/* The quarantine and hold store: one file per message in a maildir-like tree
 * (tmp/ then new/), each file and the directory fsynced before the caller
 * may acknowledge the message; a file is never replaced (issue 13). A free
 * space reserve refuses new mail before the disk is full. Plain blocking
 * file I/O: put is called from a worker only on the rare quarantine path;
 * the rest from the control thread and the space watcher. */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* dp_store_prepare creates `dir`, `dir`/tmp and `dir`/new (mode 0700) if
 * missing. Returns 0 or RL_EIO with errno in *out_errno. */
int dp_store_prepare(const char *dir, int *out_errno);

/* dp_store_recover removes what a crash left in `dir`/tmp: files never
 * acknowledged (the client got no 250 for them) or already in new/. Only
 * with the instance lock held (dp_instance.h), before any put. Sets
 * *out_removed. Returns 0 or RL_EIO with errno in *out_errno. */
int dp_store_recover(const char *dir, unsigned *out_removed, int *out_errno);

/* dp_store_put writes `meta` (one JSON line, `meta_len` octets, no newline),
 * a newline, then the message (`msg`, `msg_len` octets) to `dir`/tmp/`id`
 * (created exclusively), fsyncs it, moves it to `dir`/new/`id`.msg without
 * ever replacing a file there (renameat2 RENAME_NOREPLACE, or link where the
 * file system lacks it) and fsyncs `dir`/new. Only after 0 is the message
 * durable. `id` is a file name ([A-Za-z0-9._-]). Refused when the file system
 * would keep fewer than `reserve` octets free after it. Returns 0, RL_EINVAL
 * for a bad id, RL_ELIMIT for the reserve (errno ENOSPC), or RL_EIO with
 * errno in *out_errno (EEXIST: the id is taken; nothing was replaced); the
 * temporary file is removed on failure. */
int dp_store_put(const char *dir, const char *id, const char *meta, size_t meta_len,
                 const uint8_t *msg, size_t msg_len, uint64_t reserve, int *out_errno);

/* dp_store_free returns the octets an unprivileged writer may still use on
 * the file system of `path` (statvfs), or UINT64_MAX if that cannot be told. */
uint64_t dp_store_free(const char *path);

#define DP_STORE_WATCH_MS 200 /* how often the space watcher looks */

/* dp_store_watch_start starts a thread that checks, every DP_STORE_WATCH_MS,
 * whether each of the `n` directories `dirs` (copied) keeps at least
 * `reserve` octets free; dp_store_low then says so without a system call.
 * Returns 0 or RL_EIO with errno in *out_errno. Start-up, one thread. */
int dp_store_watch_start(const char *const *dirs, unsigned n, uint64_t reserve, int *out_errno);

/* dp_store_low tells whether a watched directory was below its reserve at
 * the last look (then new mail gets 452 4.3.1). Any thread, lock-free. */
bool dp_store_low(void);

/* dp_store_watch_stop stops the watcher. */
void dp_store_watch_stop(void);

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
