/* SPDX-License-Identifier: Apache-2.0 */
/* The in-memory backend ("mem", io_backend_new): connections as pairs of
 * byte queues inside one process. Every backend joined to an io_mem_net,
 * the worker's and the test's own peers alike, sees the others' listeners;
 * poll never blocks. Knobs cut every read and write to a few octets and
 * fail a chosen operation, so the runtime's middle can be tested in C with
 * transcripts split anywhere and failures injected at every step. A net and
 * its backends belong to one thread. */
#ifndef IO_MEM_H
#define IO_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "io_backend.h"

struct io_mem_net;

/* What io_mem_net_fail can make fail. */
enum io_mem_op {
    IO_MEM_CONNECT = 0, /* connect returns RL_EIO */
    IO_MEM_ACCEPT,      /* accept returns RL_EIO (the connection is dropped) */
    IO_MEM_READ,        /* read returns RL_EIO and the connection is reset */
    IO_MEM_WRITE,       /* write returns RL_EIO and the connection is reset */
    IO_MEM__OPS
};

/* io_mem_net_new creates an empty net. Returns 0 with *out_net or
 * RL_ENOMEM. */
int io_mem_net_new(struct io_mem_net **out_net);

/* io_mem_net_free frees the net; every backend on it must be freed first.
 * NULL is a no-op. */
void io_mem_net_free(struct io_mem_net *net);

/* io_mem_net_chunk makes every read and write move at most `max` octets
 * (0: no limit), so a transcript is delivered in pieces of that size. */
void io_mem_net_chunk(struct io_mem_net *net, size_t max);

/* io_mem_net_fail makes the `nth` (1 = the next) operation `op` on the net
 * fail; 0 cancels. Counts every backend's operations. */
void io_mem_net_fail(struct io_mem_net *net, enum io_mem_op op, uint64_t nth);

/* io_mem_net_count returns how many operations `op` the net has seen (to
 * size a failure sweep: fail the 1st, the 2nd, ... up to the count). */
uint64_t io_mem_net_count(const struct io_mem_net *net, enum io_mem_op op);

/* io_mem_net_open returns the number of connection ends still open on the
 * net (listeners not counted): 0 once everything was closed. */
size_t io_mem_net_open(const struct io_mem_net *net);

#endif
