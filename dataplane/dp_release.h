/* SPDX-License-Identifier: Apache-2.0 */
/* Releasing one quarantined message: a job a worker runs, relaying the
 * message as stored to the next hops of its recipients' route through the
 * worker's own relay (pools, failover, the route's TLS profile) and its own
 * backend, so a release reaches the next hop whichever network stack owns
 * the NIC. The control thread hands the job over and waits for it. */
#ifndef DP_RELEASE_H
#define DP_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "rl_error.h"

struct dp_worker;
struct dp_release;

/* What became of a release. */
struct dp_release_result {
    bool delivered; /* the next hop answered 250 to the message: it may be removed */
    int code;       /* the deciding reply code; 0 when no next hop could be reached */
    char enhanced[16];
    char text[256];              /* that reply's text, or why nothing was sent */
    char hop[DP_DOMAIN_MAX + 8]; /* host:port that answered, "" if none */
    uint32_t rcpt_ok;            /* recipients the next hop accepted */
    uint32_t rcpt_refused;       /* recipients it refused (they do not get the message) */
};

/* dp_release_new prepares the release of `msg` (`msg_len` octets, a
 * complete RFC 5322 message with CRLF lines) from `from` to the `n_rcpts`
 * mailboxes `rcpts`; every argument is borrowed until dp_release_free. The
 * dot-stuffed copy the worker sends is made here, on the calling thread.
 * Returns 0 with *out_r, RL_EINVAL (no recipient, empty message), or
 * RL_ENOMEM. Any thread. */
int dp_release_new(struct dp_release **out_r, const char *from, const char *const *rcpts,
                   size_t n_rcpts, const uint8_t *msg, size_t msg_len);

/* dp_release_offer hands `r` to worker `w`, which starts it on its next
 * turn: through the route of the first recipient's domain in the worker's
 * newest snapshot, the MTA group's hosts in order while they cannot be
 * reached or greet with 4xx. One job at a time per worker: returns RL_EAGAIN
 * when one is waiting to be taken. Any thread. */
int dp_release_offer(struct dp_worker *w, struct dp_release *r);

/* dp_release_done tells whether the worker has finished `r`; then
 * *out_result says what happened and *out_rc is 0 (the result says:
 * delivered or refused), RL_ENOENT (no route for the recipients), RL_EIO (no
 * next hop could be reached; the text says why), RL_ENOMEM, or RL_EAGAIN (the
 * worker stopped before finishing). Any thread (an acquire load). */
bool dp_release_done(const struct dp_release *r, struct dp_release_result *out_result, int *out_rc);

/* dp_release_withdraw takes back a job no worker has taken (the worker has
 * stopped): true if it was still waiting; then the caller may free it. */
bool dp_release_withdraw(struct dp_worker *w, struct dp_release *r);

/* dp_release_free releases `r` once it is done or withdrawn; NULL is a
 * no-op. */
void dp_release_free(struct dp_release *r);

/* dp_release_run offers a release to `w`, wakes it, and waits for the job
 * to end (woken by the worker; a worker that stopped gives RL_EAGAIN). Returns as
 * dp_release_done, or RL_EINVAL / RL_ENOMEM. Blocks: the control thread. */
int dp_release_run(struct dp_release_result *out_result, struct dp_worker *w, const char *from,
                   const char *const *rcpts, size_t n_rcpts, const uint8_t *msg, size_t msg_len);

#endif
