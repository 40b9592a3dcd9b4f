/* SPDX-License-Identifier: Apache-2.0 */
/* The stack on DPDK: EAL start, port set-up (one RX/TX queue pair per core,
 * RSS with a symmetric Toeplitz key where offered, checksum offloads and
 * TSO where offered), and one poll-mode core object per queue that moves mbufs
 * between the port and its tcp_stack. Ports without RSS (tap, af_packet,
 * memif, ring) are steered in software: the core that receives computes the
 * same Toeplitz hash and hands the frame to its owner over an rte_ring.
 * A core object is used by its own lcore only; the group is set up before
 * the cores run and read-only afterwards. */
#ifndef TCP_DPDK_H
#define TCP_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"
#include "tcp_stack.h"

struct rte_mempool;
struct tcp_dpdk_group;
struct tcp_dpdk_core;

/* Per-core counters of the port glue (the stack has its own), one list for
 * the fields and their names (tcp_dpdk_stats_name). offload_tx_csum and
 * offload_tso are 1 when the core's stack leaves TCP checksums, or the
 * cutting of super-segments (TSO), to the port. */
/* clang-format off */
#define TCP_DPDK_STATS_FIELDS(X) \
    X(rx_bursts) X(rx_pkts) X(tx_pkts) X(tx_dropped) X(tx_alloc_failed) X(handoff_out) \
    X(handoff_in) X(handoff_dropped) X(rx_linearized) X(offload_tx_csum) X(offload_tso)
/* clang-format on */

struct tcp_dpdk_stats {
#define TCP_DPDK_STATS_FIELD(name) uint64_t name;
    TCP_DPDK_STATS_FIELDS(TCP_DPDK_STATS_FIELD)
#undef TCP_DPDK_STATS_FIELD
};

#define TCP_DPDK_STATS_COUNT (sizeof(struct tcp_dpdk_stats) / sizeof(uint64_t))

/* tcp_dpdk_stats_name returns the name of counter `i` of struct
 * tcp_dpdk_stats in field order; tcp_dpdk_stats_value its value in `s`. */
const char *tcp_dpdk_stats_name(size_t i);
uint64_t tcp_dpdk_stats_value(const struct tcp_dpdk_stats *s, size_t i);

/* tcp_dpdk_eal_init starts the EAL with `argc`/`argv` (argv[0] is a
 * program name). Returns 0 or RL_EIO with the reason in `diag`. Once per
 * process, before anything else here. */
int tcp_dpdk_eal_init(struct rl_diag *diag, int argc, char **argv);

/* tcp_dpdk_now_us returns a monotonic clock in microseconds (TSC). */
uint64_t tcp_dpdk_now_us(void);

/* tcp_dpdk_group_new configures `port` with `n_cores` RX/TX queue pairs
 * (RSS with a symmetric key and an even indirection table when the port has
 * it and n_cores > 1, else software steering), creates the mbuf pools
 * (`n_mbufs` each, on the port's NUMA node) and, for software steering, one
 * hand-off ring per core; starts the port. With `rx_intr`, asks for RX
 * interrupts where the PMD gives a file descriptor that is readable while
 * frames wait (net_tap), so that an idle core can sleep on it
 * (tcp_dpdk_core_rx_fd). Sets *out_g. Returns 0, RL_EINVAL or RL_EIO with
 * the reason in `diag`. */
int tcp_dpdk_group_new(struct tcp_dpdk_group **out_g, struct rl_diag *diag, uint16_t port,
                       uint16_t n_cores, uint32_t n_mbufs, bool rx_intr);

/* tcp_dpdk_group_name returns the port's DPDK name ("net_tap0",
 * "0000:81:00.0"). */
const char *tcp_dpdk_group_name(const struct tcp_dpdk_group *g);

/* tcp_dpdk_group_driver returns the port's driver ("net_tap", "net_ice"). */
const char *tcp_dpdk_group_driver(const struct tcp_dpdk_group *g);

/* tcp_dpdk_group_set_waker makes the group call `fn(ctx)` when a frame was
 * handed to core `index` (software steering, shared ARP replies), from the
 * handing core's poll, so that a sleeping core wakes. `fn` must be cheap
 * when the core is not asleep. Before the cores run. */
void tcp_dpdk_group_set_waker(struct tcp_dpdk_group *g, uint16_t index, void (*fn)(void *ctx),
                              void *ctx);

/* tcp_dpdk_group_free stops the port and frees the pools and rings, after
 * every core object of the group was freed. NULL is a no-op. */
void tcp_dpdk_group_free(struct tcp_dpdk_group *g);

/* tcp_dpdk_group_mac copies the port's MAC address to `out`. */
void tcp_dpdk_group_mac(const struct tcp_dpdk_group *g, uint8_t out[6]);

/* tcp_dpdk_group_rss tells whether the port steers in hardware. */
bool tcp_dpdk_group_rss(const struct tcp_dpdk_group *g);

/* tcp_dpdk_group_rx_intr tells whether the port's queues have RX interrupts. */
bool tcp_dpdk_group_rx_intr(const struct tcp_dpdk_group *g);

/* tcp_dpdk_group_tso tells whether the cores' stacks hand the port TSO
 * super-segments: on where the port offers TCP TSO with IPv4 and TCP
 * checksum offload and multi-segment frames (NICs, net_tap in software; not
 * memif or ring). tcp_dpdk_group_tx_csum tells whether the stacks leave
 * TCP checksums of ordinary frames to the port. */
bool tcp_dpdk_group_tso(const struct tcp_dpdk_group *g);
bool tcp_dpdk_group_tx_csum(const struct tcp_dpdk_group *g);

/* tcp_dpdk_group_set_tso turns TSO off (or back on, where offered) for
 * cores created afterwards (comparisons, tests). */
void tcp_dpdk_group_set_tso(struct tcp_dpdk_group *g, bool on);

/* tcp_dpdk_core_new creates the stack of core `index` (its queue) with
 * `cfg` (the mac field is replaced by the port's when all zero; checksum
 * offload and TSO, tx_csum_offload and tso_max, are set from the port). Returns 0 with *out_c, or
 * an rl_err with `diag`. Call on the lcore that will poll it. */
int tcp_dpdk_core_new(struct tcp_dpdk_core **out_c, struct rl_diag *diag, struct tcp_dpdk_group *g,
                      uint16_t index, const struct tcp_stack_config *cfg);

/* tcp_dpdk_core_free frees the core's stack and returns its mbufs. NULL is
 * a no-op. */
void tcp_dpdk_core_free(struct tcp_dpdk_core *c);

/* tcp_dpdk_core_stack lends the core's stack (for listen, connect, read,
 * write, poll, close). */
struct tcp_stack *tcp_dpdk_core_stack(struct tcp_dpdk_core *c);

/* tcp_dpdk_core_poll runs one bounded turn: at most one RX burst from the
 * queue and one from the hand-off ring into the stack, timers, pending
 * output, and the TX burst. Returns the number of frames received. */
size_t tcp_dpdk_core_poll(struct tcp_dpdk_core *c, uint64_t now_us);

/* tcp_dpdk_core_flush sends what the application queued since the last
 * poll (output of writes and closes, then the TX burst). */
void tcp_dpdk_core_flush(struct tcp_dpdk_core *c, uint64_t now_us);

/* tcp_dpdk_core_stats lends the glue's counters. */
const struct tcp_dpdk_stats *tcp_dpdk_core_stats(const struct tcp_dpdk_core *c);

/* tcp_dpdk_core_rx_fd returns a file descriptor readable while frames wait
 * in the core's RX queue (the group has RX interrupts and the core owns a
 * queue), or -1: then only polling finds them. */
int tcp_dpdk_core_rx_fd(const struct tcp_dpdk_core *c);

/* tcp_dpdk_core_rx_intr arms (`on`) or disarms the core's RX interrupt
 * around a sleep. No-op without one. */
void tcp_dpdk_core_rx_intr(struct tcp_dpdk_core *c, bool on);

/* tcp_dpdk_core_reads_queue tells whether the core reads an RX queue of its
 * own (else it gets its frames from the cores that do). */
bool tcp_dpdk_core_reads_queue(const struct tcp_dpdk_core *c);

/* tcp_dpdk_core_pending tells whether frames handed over by another core
 * wait for this one (checked before sleeping, after announcing it). */
bool tcp_dpdk_core_pending(const struct tcp_dpdk_core *c);

/* What the port itself counted for the core's queues (rte_eth_stats). */
/* clang-format off */
#define TCP_DPDK_PORT_STATS_FIELDS(X) \
    X(port_rx_packets) X(port_tx_packets) X(port_rx_bytes) X(port_tx_bytes) X(port_rx_queue_errors) \
    X(port_rx_missed) X(port_rx_errors) X(port_tx_errors) X(port_rx_nombuf)
/* clang-format on */

struct tcp_dpdk_port_stats {
#define TCP_DPDK_PORT_STATS_FIELD(name) uint64_t name;
    TCP_DPDK_PORT_STATS_FIELDS(TCP_DPDK_PORT_STATS_FIELD)
#undef TCP_DPDK_PORT_STATS_FIELD
};

#define TCP_DPDK_PORT_STATS_COUNT (sizeof(struct tcp_dpdk_port_stats) / sizeof(uint64_t))

/* tcp_dpdk_port_stats_name names counter `i` of struct tcp_dpdk_port_stats. */
const char *tcp_dpdk_port_stats_name(size_t i);

/* tcp_dpdk_core_port_stats reads the port's counters of the core's queue
 * pair (packets, bytes, queue errors), and, for core 0 only, those of the
 * whole port (missed, errors, no mbuf), so that sums over cores count
 * each once. Any thread that may read the port's statistics. */
void tcp_dpdk_core_port_stats(const struct tcp_dpdk_core *c, struct tcp_dpdk_port_stats *out);

/* tcp_dpdk_flow_owner returns which core of `n_cores` owns the connection
 * whose frames arrive from `sip`:`sport` to `dip`:`dport` (host order) on a
 * software-steered port: the symmetric Toeplitz hash modulo n_cores (an RSS
 * port spreads by its indirection table, programmed to agree). */
uint16_t tcp_dpdk_flow_owner(uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport,
                             uint16_t n_cores);

#endif
