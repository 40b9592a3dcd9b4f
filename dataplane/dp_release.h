/* SPDX-License-Identifier: Apache-2.0 */
/* Releases one quarantined message: relays it, as stored, to the next hops of
 * its recipients' route, in order, over an I/O backend of its own. Blocking
 * (one message at a time, each reply bounded by a timeout); for the control
 * thread, never a worker core. */
#ifndef DP_RELEASE_H
#define DP_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "io_backend.h"

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

/* dp_release_send relays `msg` (`msg_len` octets, a complete RFC 5322 message
 * with CRLF lines) from `from` to the `n_rcpts` mailboxes `rcpts` through the
 * route of the first recipient's domain in `rt`, trying the MTA group's
 * hosts in order while they cannot be reached or greet with 4xx. `be` is a
 * backend owned by the caller's thread. Fills *out_result. Returns 0 when
 * *out_result says what happened (delivered or refused by a next hop),
 * RL_ENOENT when no route matches the recipients, RL_EINVAL for bad
 * arguments, or RL_EIO when no next hop could be reached. */
int dp_release_send(struct dp_release_result *out_result, struct io_backend *be,
                    const struct dp_runtime *rt, const char *from, const char *const *rcpts,
                    size_t n_rcpts, const uint8_t *msg, size_t msg_len);

#endif
