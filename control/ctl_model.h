/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration document redline-controld versions, and the edits
 * redlinectl asks for: route, mta-group, tls-profile, client-network, policy,
 * lexicon, licence, import, rollback. An edit changes a copy of the document;
 * whether the result is a valid configuration is ctl_validate's question.
 * Pure JSON work (jansson), no I/O; any thread. */
#ifndef CTL_MODEL_H
#define CTL_MODEL_H

#include <stdbool.h>

#include <jansson.h>

#include "rl_error.h"

/* The document's keys: the runtime part of redlined's configuration
 * (docs/CONFIG.md) with the policy inline, plus the licence text. */
#define CTL_DOC_GROUPS "mta_groups"       /* object: name -> array of "host:port" */
#define CTL_DOC_ROUTES "routes"           /* array of {"domain", "group", "tls"} */
#define CTL_DOC_PROFILES "tls_profiles"   /* object: name -> profile */
#define CTL_DOC_NETWORKS "relay_networks" /* array of CIDR strings: client networks */
#define CTL_DOC_LIMITS "limits"
#define CTL_DOC_RELAY "relay"
#define CTL_DOC_POLICY "policy"   /* the policy document (docs/POLICY.md), inline */
#define CTL_DOC_LICENSE "license" /* the licence file's text */

/* ctl_model_is_doc_key tells whether `k` is one of the document's keys. */
bool ctl_model_is_doc_key(const char *k);

/* ctl_model_from_dataplane returns a new document holding the runtime part
 * of redlined's own configuration `cfg` (its document keys; listeners,
 * workers, users and paths left out), so that controld's first version is
 * what redlined runs from its file. redlined names its policy by path: that
 * path is stored in *out_policy_path (borrowed from `cfg`, NULL when none)
 * for the caller to read and add as CTL_DOC_POLICY. NULL on ENOMEM. */
json_t *ctl_model_from_dataplane(json_t *cfg, const char **out_policy_path);

/* ctl_model_is_edit tells whether `cmd` ("route.add", ...) changes the
 * document (as opposed to reading it). */
bool ctl_model_is_edit(const char *cmd);

/* ctl_model_apply applies the edit `cmd` with `args` (an object, borrowed)
 * to `doc` in place. `prev` (borrowed, may be NULL) is the document of the
 * version a rollback names, with "n" in args. Returns 0; RL_EINVAL with
 * `diag` naming the argument or document field and why (a duplicate name, a
 * missing one, a wrong type); RL_ENOENT for an unknown command. On failure
 * `doc` may be partly changed: apply to a copy. */
int ctl_model_apply(json_t *doc, struct rl_diag *diag, const char *cmd, json_t *args, json_t *prev);

/* ctl_model_read answers a reading command ("route.list", "route.show",
 * "mta-group.list", ...) from `doc`. Returns a new object to send, or NULL
 * with `diag` set (RL_ENOENT-like: no such name, or unknown command). */
json_t *ctl_model_read(json_t *doc, struct rl_diag *diag, const char *cmd, json_t *args);

/* ctl_model_diff returns an array of {"path", "op": "added"|"removed"|
 * "changed", "old", "new"} turning document `a` into `b`, paths in the
 * form "routes[2].group", "mta_groups.partners". Never NULL but on ENOMEM. */
json_t *ctl_model_diff(json_t *a, json_t *b);

#endif
