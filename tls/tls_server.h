/* SPDX-License-Identifier: Apache-2.0 */
/* The server (inbound STARTTLS) context of one worker: certificate and key,
 * protocol and cipher settings, session tickets under a rotating key ring.
 * Built anywhere (it reads files); then used, ticked and freed by the one
 * worker core that owns it. Reload builds a new context for the worker to
 * swap in; connections keep the context they started with. */
#ifndef TLS_SERVER_H
#define TLS_SERVER_H

#include <stdint.h>

#include "rl_error.h"
#include "tls_profile.h"

#define TLS_TICKET_SECRET_LEN 32

struct tls_server;

/* tls_server_new builds a server context from the server profile `p`
 * (copied): reads its certificate chain and key (PEM, ECDSA or RSA), checks
 * that they match, applies versions, cipher lists and groups, and the client
 * certificate request. Session-ticket keys are derived from `secret`
 * (TLS_TICKET_SECRET_LEN octets, copied; NULL = random, so tickets only work
 * on this context): give every worker the same secret so that a ticket from
 * one is accepted by the others. `now_s` is any clock in seconds that the
 * caller keeps using for tls_server_tick (wall time, so that restarts agree).
 * Returns 0 with *out_srv, RL_EINVAL with `diag` naming the profile field
 * ("tls_profiles.inbound.cert") and why, or RL_ENOMEM. Blocking file reads:
 * not on a worker core. */
int tls_server_new(struct tls_server **out_srv, struct rl_diag *diag, const struct tls_profile *p,
                   const uint8_t *secret, uint64_t now_s);

/* tls_server_reload builds a new context from `cur`'s profile and ticket
 * secret, reading the certificate and key files again: tickets issued by
 * `cur` stay valid. Returns as tls_server_new; `cur` is unchanged. The
 * worker then swaps the new context in and calls tls_server_free on the old
 * one; its connections keep it alive until they end. */
int tls_server_reload(struct tls_server **out_srv, struct rl_diag *diag,
                      const struct tls_server *cur, uint64_t now_s);

/* tls_server_tick moves the ticket keys on to the epoch of `now_s` (seconds,
 * the clock given to tls_server_new): tickets are issued under the current
 * key and accepted under the ticket_keys newest. Call it from the worker's
 * timer; cheap when the epoch did not change. A clock going backwards is
 * ignored. */
void tls_server_tick(struct tls_server *srv, uint64_t now_s);

/* tls_server_profile returns the profile `srv` was built from (borrowed). */
const struct tls_profile *tls_server_profile(const struct tls_server *srv);

/* tls_server_free drops the caller's reference (NULL is a no-op); the context
 * goes when its last connection is freed. Any thread, once. */
void tls_server_free(struct tls_server *srv);

#endif
