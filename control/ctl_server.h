/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld's UNIX socket: mode 0660, group the admin group; each
 * peer's credentials are checked with SO_PEERCRED and SO_PEERGROUPS (root,
 * or a member of the admin group; anyone else is refused and logged). One
 * thread accepts; each connection gets a thread of its own for its one
 * request. */
#ifndef CTL_SERVER_H
#define CTL_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctl_service.h"

#define CTL_SERVER_CONNS_MAX 32 /* connections served at once; more are refused */
#define CTL_SERVER_READ_S 10    /* seconds a peer has to send its request */

/* ctl_server_log receives one JSON log line (no newline) from any of the
 * server's threads; it must be thread-safe. */
typedef void (*ctl_server_log)(void *ctx, const char *line);

struct ctl_server_config {
    const char *path;        /* the socket; a stale one is replaced */
    bool admin_gid_set;      /* false: root only */
    gid_t admin_gid;         /* the admin group */
    struct ctl_service *svc; /* borrowed */
    ctl_server_log log;      /* NULL: no log */
    void *log_ctx;
};

struct ctl_server;

/* ctl_server_start binds the socket (0660, group admin_gid) and starts the
 * accepting thread. Returns 0, or RL_EIO with errno in *out_errno. */
int ctl_server_start(struct ctl_server **out_srv, int *out_errno,
                     const struct ctl_server_config *cfg);

/* ctl_server_stop stops accepting, waits for the requests in progress,
 * removes the socket and frees `srv` (NULL is a no-op). */
void ctl_server_stop(struct ctl_server *srv);

/* ctl_peer_allowed tells whether a peer with `uid`, primary `gid` and the
 * `n_groups` supplementary `groups` may use the socket. */
bool ctl_peer_allowed(const struct ctl_server_config *cfg, uid_t uid, gid_t gid,
                      const gid_t *groups, size_t n_groups);

#endif
