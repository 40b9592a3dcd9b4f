/* SPDX-License-Identifier: Apache-2.0 */
/* The client (outbound STARTTLS) context of one profile on one worker:
 * versions, ciphers, peer verification (none, CA bundle and names, pinned
 * key) and a cache of sessions per next hop for resumption. Built anywhere
 * (it reads the CA file); then used and freed by the worker that owns it. */
#ifndef TLS_CLIENT_H
#define TLS_CLIENT_H

#include "rl_error.h"
#include "tls_profile.h"

struct tls_client;

/* tls_client_new builds a client context from the client profile `p`
 * (copied). With verify ca it loads ca_file (or the system's trust store when
 * empty). Returns 0 with *out_cli, RL_EINVAL with `diag` naming the profile
 * field, or RL_ENOMEM. Blocking file reads: not on a worker core. */
int tls_client_new(struct tls_client **out_cli, struct rl_diag *diag, const struct tls_profile *p);

/* tls_client_profile returns the profile `cli` was built from (borrowed). */
const struct tls_profile *tls_client_profile(const struct tls_client *cli);

/* tls_client_forget drops the session kept for `hop`, so that the next
 * connection makes a full handshake. Cannot fail. */
void tls_client_forget(struct tls_client *cli, const char *hop);

/* tls_client_free drops the caller's reference (NULL is a no-op); the context
 * and its sessions go when its last connection is freed. */
void tls_client_free(struct tls_client *cli);

#endif
