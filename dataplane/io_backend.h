/* SPDX-License-Identifier: Apache-2.0 */
/* The one seam between the dataplane and a network stack: kernel sockets
 * today, the DPDK user-space TCP stack later. Connections are numbered
 * handles; no socket or DPDK type appears here. One backend instance belongs
 * to one worker core and is called only from it. */
#ifndef IO_BACKEND_H
#define IO_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "io_addr.h"
#include "rl_error.h"

/* Readiness reported by io_backend_ops.poll; edge-triggered: a flag is
 * reported when the state changes, and the caller keeps reading or writing
 * until RL_EAGAIN before waiting for it again. */
enum io_flag {
    IO_READABLE = 1, /* data, a pending accept, or end of stream can be read */
    IO_WRITABLE = 2, /* send space, or an outgoing connect finished (ok or not) */
    IO_HANGUP = 4,   /* the peer closed or the connection failed; reads tell which */
};

struct io_event {
    uint64_t cookie; /* the value given when the handle was created */
    uint32_t flags;  /* enum io_flag bits */
};

struct io_backend;

#define IO_COUNTER_PORTS 4
#define IO_COUNTERS 80

/* A backend's own counters, when it runs a network stack of its own (the
 * DPDK backend): one set per port, the same names for every port. Names
 * are the backend's, valid until it is freed. */
struct io_counters {
    unsigned n_ports, n_names;
    const char *port[IO_COUNTER_PORTS]; /* "net_tap0", "0000:81:00.0" */
    const char *name[IO_COUNTERS];      /* "tcp_retransmits", ... */
    uint64_t v[IO_COUNTER_PORTS][IO_COUNTERS];
};

struct io_backend_ops {
    const char *name;
    /* listen opens a listener on `addr` for this worker (other workers
     * listen on the same address; the stack spreads connections over them).
     * Sets *out_h. Returns 0, RL_EIO with errno-like detail in *out_detail. */
    int (*listen)(struct io_backend *be, uint32_t *out_h, int *out_detail,
                  const struct io_addr *addr, uint64_t cookie);
    /* accept takes one pending connection of listener `lh`: sets *out_h and
     * *out_peer. Returns 0, RL_EAGAIN when none is pending, RL_EIO. */
    int (*accept)(struct io_backend *be, uint32_t *out_h, struct io_addr *out_peer, uint32_t lh,
                  uint64_t cookie);
    /* connect starts a non-blocking connection to `addr`; completion or
     * failure shows as IO_WRITABLE / IO_HANGUP, and the first read or write
     * returns RL_EIO if it failed. Returns 0 with *out_h, or RL_EIO. */
    int (*connect)(struct io_backend *be, uint32_t *out_h, const struct io_addr *addr,
                   uint64_t cookie);
    /* read copies up to `cap` octets to `buf`: 0 with *out_n > 0; 0 with
     * *out_n == 0 at end of stream; RL_EAGAIN; RL_EIO on a failed connection. */
    int (*read)(struct io_backend *be, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap);
    /* write sends up to `len` octets: 0 with *out_n > 0, RL_EAGAIN, RL_EIO. */
    int (*write)(struct io_backend *be, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len);
    /* close releases `h` (listener or connection). Cannot fail. */
    void (*close)(struct io_backend *be, uint32_t h);
    /* poll fills up to `cap` events, waiting at most `timeout_ms` (0 = do not
     * wait) for the first. Returns the number of events (burst call). */
    size_t (*poll)(struct io_backend *be, struct io_event *out, size_t cap, int timeout_ms);
    /* free releases the backend and every handle it still holds. */
    void (*free)(struct io_backend *be);
    /* wake makes a poll that is waiting (or the next one) return at once,
     * without an event; from any thread. NULL for a backend whose poll never
     * waits long (it spins). */
    void (*wake)(struct io_backend *be);
    /* counters fills `out` with the backend's own counters; NULL for a
     * backend that keeps none (the kernel counts for itself). The backend's
     * thread only. */
    void (*counters)(struct io_backend *be, struct io_counters *out);
};

struct io_backend {
    const struct io_backend_ops *ops;
};

/* A kind of backend: its name and constructor. `arg` is the kind's own
 * (NULL for "kernel"; the struct io_mem_net to join for "mem"). */
struct io_backend_kind {
    const char *name;
    int (*create)(struct io_backend **out_be, const void *arg);
};

/* io_backend_new creates a backend of the kind called `kind` ("kernel":
 * Linux sockets and epoll; "mem": connections inside the process,
 * io_mem.h; others a program registered). Returns 0 with *out_be,
 * RL_ENOENT for a kind no one registered, or the kind's own error
 * (RL_ENOMEM, RL_EIO). Call from the thread that will use the backend. */
int io_backend_new(struct io_backend **out_be, const char *kind, const void *arg);

/* io_backend_register adds `kind` (borrowed, static) to the registry, e.g.
 * the DPDK stack at start-up. Returns 0, RL_EINVAL when the name is taken,
 * RL_ELIMIT when the registry is full. Start-up only, one thread. */
int io_backend_register(const struct io_backend_kind *kind);

/* The built-in kinds (io_kernel.c, io_mem.c). */
extern const struct io_backend_kind io_kernel_kind;
extern const struct io_backend_kind io_mem_kind;

/* io_kernel_listen_free tells whether `addr` is free for this process's
 * listeners: a probe socket binds it without SO_REUSEPORT, which the kernel
 * refuses while any other socket listens there (a second redlined, another
 * MTA), the wildcard address included; TIME_WAIT connections of an earlier
 * run do not count. Returns 0, or RL_EIO with errno in *out_errno
 * (EADDRINUSE: served already). Call at start-up, before listening. */
int io_kernel_listen_free(const struct io_addr *addr, int *out_errno);

#endif
