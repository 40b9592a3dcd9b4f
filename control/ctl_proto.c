/* SPDX-License-Identifier: Apache-2.0 */
/* Request lines of redline-controld's socket: which are forwarded to
 * redlined, which are JSON commands, and whether those are well formed. */
#include "ctl_proto.h"

#include <stdio.h>
#include <string.h>

#include "ctl_model.h"

/* Commands that only read, answered by controld itself. */
static const char *const reads[] = {
    "route.list",       "route.show",       "mta-group.list",      "mta-group.show",
    "tls-profile.list", "tls-profile.show", "client-network.list", "policy.show",
    "lexicon.list",     "lexicon.show",     "license.show",        "config.history",
    "config.diff",      "config.show",      "config.export",       "status",
};

/* The first word of each of redlined's own commands (dp_ctl.h). */
static const char *const forwarded[] = {"stats", "reload", "quarantine", "log"};

bool
ctl_command_known(const char *cmd)
{
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        if (strcmp(cmd, reads[i]) == 0) {
            return true;
        }
    }
    return ctl_model_is_edit(cmd);
}

static bool
is_forwarded(const char *line, size_t len)
{
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
        size_t n = strlen(forwarded[i]);
        if (len >= n && memcmp(line, forwarded[i], n) == 0 && (len == n || line[n] == ' ')) {
            return true;
        }
    }
    return false;
}

int
ctl_request_parse(struct ctl_request *out_req, struct rl_diag *diag, const char *line, size_t len)
{
    memset(out_req, 0, sizeof(*out_req));
    if (len > CTL_REQ_MAX) {
        rl_diag_set(diag, "", "request longer than %d octets", CTL_REQ_MAX);
        return RL_ELIMIT;
    }
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    if (memchr(line, '\0', len) != NULL) {
        return rl_diag_set(diag, "", "NUL octet in the request");
    }
    if (memchr(line, '\n', len) != NULL) {
        return rl_diag_set(diag, "", "one request per line");
    }
    if (is_forwarded(line, len)) {
        if (len >= sizeof(out_req->line)) {
            return rl_diag_set(diag, "", "command longer than %d octets", CTL_FWD_MAX - 1);
        }
        memcpy(out_req->line, line, len);
        out_req->line[len] = '\0';
        out_req->forward = true;
        return 0;
    }
    if (len == 0 || line[0] != '{') {
        rl_diag_set(
            diag, "",
            "expected a JSON request or one of stats, reload, quarantine, log (control/README.md)");
        return RL_ESYNTAX;
    }
    json_error_t jerr;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (req == NULL) {
        rl_diag_set(diag, "", "column %d: %s", jerr.column, jerr.text);
        return RL_ESYNTAX;
    }
    int rc = RL_EINVAL;
    const char *k;
    json_t *v;
    json_object_foreach(req, k, v)
    {
        if (strcmp(k, "cmd") != 0 && strcmp(k, "args") != 0 && strcmp(k, "comment") != 0 &&
            strcmp(k, "dry_run") != 0) {
            rl_diag_set(diag, k, "unknown key (expected cmd, args, comment, dry_run)");
            goto out;
        }
    }
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    if (cmd == NULL) {
        rl_diag_set(diag, "cmd", "is required (a string such as \"route.list\")");
        goto out;
    }
    if (strlen(cmd) >= sizeof(out_req->cmd) || !ctl_command_known(cmd)) {
        rl_diag_set(diag, "cmd", "unknown command '%.40s'", cmd);
        goto out;
    }
    json_t *args = json_object_get(req, "args");
    if (args != NULL && !json_is_object(args)) {
        rl_diag_set(diag, "args", "must be an object");
        goto out;
    }
    json_t *comment = json_object_get(req, "comment");
    if (comment != NULL && !json_is_string(comment)) {
        rl_diag_set(diag, "comment", "must be a string");
        goto out;
    }
    if (comment != NULL && json_string_length(comment) >= sizeof(out_req->comment)) {
        rl_diag_set(diag, "comment", "longer than %zu octets", sizeof(out_req->comment) - 1);
        goto out;
    }
    json_t *dry = json_object_get(req, "dry_run");
    if (dry != NULL && !json_is_boolean(dry)) {
        rl_diag_set(diag, "dry_run", "must be true or false");
        goto out;
    }
    snprintf(out_req->cmd, sizeof(out_req->cmd), "%s", cmd);
    snprintf(out_req->comment, sizeof(out_req->comment), "%s",
             comment != NULL ? json_string_value(comment) : "");
    out_req->dry_run = json_is_true(dry);
    out_req->args = args != NULL ? json_incref(args) : json_object();
    rc = out_req->args != NULL ? 0 : RL_ENOMEM;
out:
    json_decref(req);
    return rc;
}

void
ctl_request_fini(struct ctl_request *req)
{
    json_decref(req->args);
    req->args = NULL;
}
