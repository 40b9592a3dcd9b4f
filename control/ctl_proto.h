/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld's socket protocol (control/README.md "Protocol"): one
 * request line in, one JSON answer out, then close. A request is either a
 * JSON object {"cmd", "args", "comment", "dry_run"} or one of redlined's own
 * command lines (stats, reload, quarantine ...), which controld forwards.
 * Parsing only; no I/O; any thread. */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ctl_store.h"
#include "rl_error.h"

#define CTL_REQ_MAX 1048576 /* octets of a request line, newline included */
#define CTL_FWD_MAX 512     /* octets of a forwarded dataplane line (dp_ctl.h) */

struct ctl_request {
    bool forward;                  /* a dataplane command: `line` goes to redlined as is */
    char line[CTL_FWD_MAX];        /* the forwarded line, without its newline */
    char cmd[48];                  /* "route.add", "config.history", "status", ... */
    json_t *args;                  /* owned object; {} when the request had none */
    char comment[CTL_COMMENT_MAX]; /* why, for an edit's history entry */
    bool dry_run;                  /* validate an edit, do not commit */
};

/* ctl_request_parse reads one request (`len` octets at `line`, an optional
 * trailing LF) into *out_req. Returns 0; RL_ELIMIT for a line over
 * CTL_REQ_MAX; RL_ESYNTAX / RL_EINVAL with `diag` naming the field and the
 * reason (unknown command, wrong type, NUL octet). On 0 the caller calls
 * ctl_request_fini. */
int ctl_request_parse(struct ctl_request *out_req, struct rl_diag *diag, const char *line,
                      size_t len);

/* ctl_request_fini releases what a parsed request owns. */
void ctl_request_fini(struct ctl_request *req);

/* ctl_command_known tells whether `cmd` is a command controld serves. */
bool ctl_command_known(const char *cmd);

#endif
