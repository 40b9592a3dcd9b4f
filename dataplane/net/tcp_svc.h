/* SPDX-License-Identifier: Apache-2.0 */
/* Test and benchmark services over one tcp_stack: echo (RFC 862), discard
 * (RFC 863) and "source" (reads a decimal count and a newline, answers with
 * that many pattern octets, then closes). Sans-I/O like the stack; the
 * stack's core only. */
#ifndef TCP_SVC_H
#define TCP_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "tcp_stack.h"

struct tcp_svc;

/* tcp_svc_pattern returns octet `i` of the source service's stream. */
static inline uint8_t
tcp_svc_pattern(uint64_t i)
{
    return (uint8_t)((i * 31u + 7u) % 251u);
}

/* tcp_svc_new listens on the given ports of `st` (0 skips a service).
 * Returns 0 with *out_s, RL_ENOMEM, or the listen error. */
int tcp_svc_new(struct tcp_svc **out_s, struct tcp_stack *st, uint16_t echo_port,
                uint16_t discard_port, uint16_t source_port);

/* tcp_svc_run accepts and serves whatever the stack reported ready. Returns
 * the number of events handled (burst). */
size_t tcp_svc_run(struct tcp_svc *s, uint64_t now_us);

/* tcp_svc_conns returns the connections being served. */
uint32_t tcp_svc_conns(const struct tcp_svc *s);

/* tcp_svc_free closes every listener and connection. NULL is a no-op. */
void tcp_svc_free(struct tcp_svc *s, uint64_t now_us);

#endif
