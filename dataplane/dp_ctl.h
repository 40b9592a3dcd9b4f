/* SPDX-License-Identifier: Apache-2.0 */
/* The dataplane's local control socket: one command line in, one JSON
 * document out, then close. Counters, the quarantine's list, release and
 * delete, reload, and reopening the tracking log. Served by threads of its
 * own, one per connection (blocking calls; never a worker core); only root
 * and the dataplane's own user and group may use it (file mode 0660,
 * SO_PEERCRED and SO_PEERGROUPS). */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stddef.h>

#include "dp_config.h"
#include "dp_release.h"
#include "dp_stats.h"
#include "dp_tls.h"
#include "dp_track.h"
#include "rl_error.h"

#define DP_CTL_LINE_MAX 512   /* longest command line, newline included */
#define DP_CTL_MAX_CLIENTS 16 /* connections served at once; more are told "busy" */

enum dp_ctl_verb {
    DP_CTL_STATS = 0,  /* "stats" */
    DP_CTL_Q_LIST,     /* "quarantine list" */
    DP_CTL_Q_RELEASE,  /* "quarantine release ID" */
    DP_CTL_Q_DELETE,   /* "quarantine delete ID" */
    DP_CTL_RELOAD,     /* "reload": the STARTTLS certificates and keys (dp_tls.h) */
    DP_CTL_LOG_REOPEN, /* "log reopen": the tracking log, after a rotation (dp_track.h) */
};

struct dp_ctl_cmd {
    enum dp_ctl_verb verb;
    char id[129]; /* the message id of release and delete */
};

/* dp_ctl_parse reads one command line (`len` octets at `line`, an optional
 * trailing LF or CRLF) into *out_cmd. Returns 0, or RL_EINVAL with `why`
 * (capacity `why_cap`) saying what is wrong in one sentence. */
int dp_ctl_parse(struct dp_ctl_cmd *out_cmd, char *why, size_t why_cap, const char *line,
                 size_t len);

/* The dataplane's parts the control thread serves, all borrowed until
 * dp_ctl_serve_stop. */
struct dp_ctl_deps {
    const struct dp_boot *boot;        /* the quarantine directory, the tracking log */
    struct dp_worker *const *workers;  /* they run the releases (dp_release.h), in turn */
    const struct dp_stats_core *cores; /* the workers' counters */
    unsigned n_cores;
    const struct dp_stats_proc *proc; /* the process's counters */
    struct dp_tls_reload *reload;     /* `reload`; NULL: refused */
};

/* dp_ctl_serve_start creates the UNIX stream socket at `path` (mode 0660,
 * replacing a stale one) and the thread accepting on it; each connection is
 * served by a thread of its own over `deps` (copied), so a client that sends
 * nothing (cut off after 5 s) or a release waiting on a next hop blocks no
 * other command. Returns 0, or RL_EIO with errno in *out_errno. */
int dp_ctl_serve_start(const char *path, const struct dp_ctl_deps *deps, int *out_errno);

/* dp_ctl_serve_stop stops accepting, cuts idle clients off, waits for the
 * commands in progress and removes the socket. */
void dp_ctl_serve_stop(void);

#endif
