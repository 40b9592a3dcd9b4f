/* SPDX-License-Identifier: Apache-2.0 */
/* The versioned configuration store behind a narrow interface: the current
 * version, commit if the version is still N, one version, history, watch.
 * Each version is a whole JSON document with who, when and why. The SQLite
 * implementation (ctl_store_sqlite.c) is the only one today; the interface is
 * what a replicated store (etcd for peer gateways) would implement too.
 * A store handle may be shared by threads: each call is atomic. */
#ifndef CTL_STORE_H
#define CTL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define CTL_COMMENT_MAX 256 /* octets of a version's comment, NUL included */

/* One committed version's metadata. */
struct ctl_version {
    uint64_t n;                    /* 1, 2, ...: 0 means "no version yet" */
    int64_t uid;                   /* who: the committing peer's uid (SO_PEERCRED) */
    int64_t at;                    /* when: seconds since the epoch, UTC */
    char comment[CTL_COMMENT_MAX]; /* why, as the administrator said it */
};

struct ctl_store;

/* The interface. Every function returns 0 or a negative rl_err; documents
 * handed out are malloc'd NUL-terminated JSON text the caller frees. */
struct ctl_store_ops {
    /* current fills *out_v with the newest version and, when `out_doc` is
     * not NULL, its document. An empty store gives n = 0 and the document
     * "{}". */
    int (*current)(struct ctl_store *s, struct ctl_version *out_v, char **out_doc);
    /* get fills *out_v and *out_doc (may be NULL) with version `n`;
     * RL_ENOENT when there is no such version. */
    int (*get)(struct ctl_store *s, struct ctl_version *out_v, char **out_doc, uint64_t n);
    /* commit_if stores `doc` as version expect_n + 1 only if the newest
     * version is still `expect_n`, and sets *out_n to the new number.
     * RL_EAGAIN when another commit came first (nothing stored: read the
     * current version again and redo the change); RL_EIO when the store
     * failed (nothing stored). Durable on return. `comment` is cut to
     * CTL_COMMENT_MAX - 1 octets. */
    int (*commit_if)(struct ctl_store *s, uint64_t *out_n, uint64_t expect_n, const char *doc,
                     int64_t uid, const char *comment);
    /* history fills `out` (capacity `cap`) with the versions below `before`
     * (0: from the newest), newest first, and sets *out_n. */
    int (*history)(struct ctl_store *s, struct ctl_version *out, size_t cap, size_t *out_n,
                   uint64_t before);
    /* watch waits up to `timeout_ms` for a version newer than `after_n`
     * (committed through any handle or process) and sets *out_n to the
     * newest. RL_EAGAIN when none came in time. */
    int (*watch)(struct ctl_store *s, uint64_t *out_n, uint64_t after_n, int timeout_ms);
    void (*free)(struct ctl_store *s);
};

struct ctl_store {
    const struct ctl_store_ops *ops;
};

/* ctl_store_sqlite_open opens (creating if needed) the SQLite store at
 * `path`: WAL journal, synchronous=FULL, so a crash at any moment keeps every
 * version whose commit returned and never shows half of one. Returns 0 with
 * *out_store, RL_EIO with `diag` saying why (unreadable, corrupt, newer
 * schema). Free with out_store->ops->free. */
int ctl_store_sqlite_open(struct ctl_store **out_store, struct rl_diag *diag, const char *path);

#endif
