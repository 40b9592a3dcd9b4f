/* SPDX-License-Identifier: Apache-2.0 */
/* Per-worker counters and their JSON form. Each worker writes only its own
 * counters (relaxed atomic stores, single writer); the control thread
 * (dp_ctl.h) reads all of them. */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <stdint.h>

#include "io_backend.h"
#include "rl_error.h"
#include "scan_types.h"
#include "tls_conn.h"

enum dp_counter {
    DP_C_CONN_ACCEPTED = 0,
    DP_C_CONN_REFUSED,      /* over a connection limit or draining */
    DP_C_CONN_CLIENT_LIMIT, /* of those: the client's address or network had its share */
    DP_C_CONN_ACTIVE,       /* a gauge */
    DP_C_MSG_RECEIVED,      /* end of data reached */
    DP_C_MSG_RELAYED,       /* next hop said 250 */
    DP_C_MSG_BLOCKED,
    DP_C_MSG_QUARANTINED,
    DP_C_MSG_HELD,     /* relayed redacted, the original kept (policy keep_original) */
    DP_C_HOLD_FAILED,  /* relayed redacted, but the original could not be stored */
    DP_C_MSG_TEMPFAIL, /* 4xx at end of data, any cause */
    DP_C_MSG_PERMFAIL, /* 5xx at end of data, any cause */
    DP_C_MSG_REDACTED, /* relayed with at least one redaction */
    DP_C_BYTES_IN,     /* message octets received */
    DP_C_BYTES_OUT,    /* message octets relayed */
    DP_C_REPLY_2XX,    /* replies to end of data, by class */
    DP_C_REPLY_4XX,
    DP_C_REPLY_5XX,
    DP_C_RELAY_CONNECTS,     /* outbound connections opened */
    DP_C_RELAY_REUSED,       /* transactions on a pooled connection */
    DP_C_RELAY_FAILOVERS,    /* a next hop failed and the next was tried */
    DP_C_RELAY_UNREACHABLE,  /* no next hop of the group could be reached */
    DP_C_RELAY_HOP_DOWN,     /* a next hop failed before greeting: skipped for its back-off */
    DP_C_TRACK_FAILED,       /* tracking lines that could not be written */
    DP_C_MAIL_NO_SPACE,      /* MAIL refused with 452 4.3.1: below min_free_mb */
    DP_C_BUF_ALLOCS,         /* buffer allocations (flat after warm-up) */
    DP_C_TLS_HANDSHAKES,     /* inbound STARTTLS handshakes completed */
    DP_C_TLS_FAILURES,       /* inbound handshakes failed or timed out (by reason: tls_fail) */
    DP_C_TLS_TIMEOUTS,       /* of those, handshakes that did not finish in the command timeout */
    DP_C_TLS_OUT_HANDSHAKES, /* outbound STARTTLS handshakes completed */
    DP_C_TLS_OUT_RESUMED,    /* of those, resumed sessions */
    DP_C_TLS_OUT_FAILURES,   /* outbound handshakes failed or timed out (by reason: tls_out_fail) */
    DP_C_TLS_OUT_NOT_OFFERED, /* a next hop offered no STARTTLS, or refused it, to a profile
                                 that wanted TLS */
    DP_C_TLS_OUT_CLEAR,       /* opportunistic TLS failed: the hop was used in clear */
    DP_C_SNAP_TAKEN,          /* runtime snapshots this worker took (dp_live.h) */
    DP_C_SNAP_VERSION,        /* a gauge: the version of the newest one */
    DP_C_SNAP_DEFERRED,       /* turns a new snapshot waited: slots full, or its policy failed */
    DP_C_SCAN_JOBS,           /* messages scanned by a scan thread (documents, large) */
    DP_C_STORE_JOBS,          /* originals written by the store thread */
    DP_C_CONFIG_VERSION,      /* a gauge: redline-controld's version of that snapshot (0: none) */
    DP_C_RATE_LIMITED,        /* MAIL refused over the licence tier's rate (451 4.7.0) */
    DP_C_LOAD_PERMILLE,       /* a gauge: share of the last second spent working, 0-1000 */
    DP_C_HOPS_DOWN,           /* a gauge: next hops whose last attempt failed before a greeting
                                 (in the totals: hops down across workers, each counted once) */
    DP_C_MSGS_PER_S,          /* a gauge: messages received per second over the last second */
    DP_C_SNAP_LAG_US, /* a gauge: microseconds from the publish of the newest snapshot taken to
                         this worker taking it */
    DP_C__COUNT
};

/* Upper bounds of the loop-turn histogram's buckets, in microseconds; one
 * more bucket holds what is longer. */
#define DP_TURN_BUCKETS 28
extern const uint32_t dp_turn_le_us[DP_TURN_BUCKETS];

/* Next-hop health a worker publishes at each timer pass: the hops it
 * tried, those down first, at most DP_HEALTH_MAX. Words, so that a reader
 * on another thread copies them with atomic loads (a sequence lock). */
#define DP_HEALTH_MAX 64
#define DP_HEALTH_NAME_WORDS 33 /* "host:port" (DP_DOMAIN_MAX + 8 octets with its NUL) */
struct dp_hop_health {
    uint64_t name[DP_HEALTH_NAME_WORDS]; /* NUL-terminated "host:port" */
    uint64_t last_ms;                    /* its last greeting or failure (CLOCK_MONOTONIC ms) */
    uint64_t fails;                      /* failures before a greeting in a row; 0: greeted last */
};

/* One worker's counters, on their own cache lines. */
struct dp_stats_core {
    _Alignas(64) uint64_t c[DP_C__COUNT];
    uint64_t findings[SCAN_T__COUNT];
    uint64_t tls_fail[TLS_FAIL__COUNT];     /* failed inbound handshakes by tls_conn_failure */
    uint64_t tls_out_fail[TLS_FAIL__COUNT]; /* failed outbound handshakes, the same way */
    /* Loop turns that did work (poll wait excluded; dp_worker_step): by wall
     * time, and by the worker thread's CPU time when the worker measures it
     * (boot setting loop_turn_cpu; count 0 otherwise). Wall time minus CPU
     * time is time the thread did not run: preempted, or blocked in the
     * kernel. */
    struct dp_turn_hist {
        uint64_t hist[DP_TURN_BUCKETS + 1]; /* per bucket, not cumulative; the last: longer */
        uint64_t ns_sum;
        uint64_t ns_max;
        /* Where the turn that set ns_max went: the instrument that finds
         * what to split. Written with the maximum; a reader racing with a
         * new maximum may see parts of two turns. */
        struct dp_turn_parts {
            uint64_t wall_ns;    /* the whole turn */
            uint64_t cpu_ns;     /* the thread's CPU time in it; DP_TURN_NO_CPU: not measured */
            uint64_t adopt_ns;   /* taking a new snapshot */
            uint64_t jobs_ns;    /* jobs back from helper threads, a release taken */
            uint64_t run_ns;     /* the connections and jobs run */
            uint64_t timers_ns;  /* the 100 ms timer pass */
            uint64_t events;     /* events the poll gave */
            uint64_t runs;       /* objects run */
            uint64_t worst_ns;   /* the longest single run */
            uint64_t worst_kind; /* its object: 0 listener, 1 inbound, 2 outbound, 3 release */
        } worst;
    } turn_wall, turn_cpu;
    /* The backend's own counters (the DPDK stack's, per port), copied at
     * each timer pass (dp_stats_net); 0 ports with the kernel backend. */
    unsigned net_ports, net_names;
    const char *net_port[IO_COUNTER_PORTS];
    const char *net_name[IO_COUNTERS];
    uint64_t net[IO_COUNTER_PORTS][IO_COUNTERS];
    /* Next-hop health (dp_stats_hops_*): odd `hops_seq` while it is written. */
    uint64_t hops_seq;
    uint64_t n_hops;
    struct dp_hop_health hops[DP_HEALTH_MAX];
};

/* dp_stats_hops_begin, _put and _end publish the worker's next-hop health
 * (its own thread): begin, then put entry `i` (< DP_HEALTH_MAX) for each
 * hop, then end with the number put. A reader sees all of one
 * publication or retries. */
void dp_stats_hops_begin(struct dp_stats_core *s);
void dp_stats_hop_put(struct dp_stats_core *s, unsigned i, const char *name, uint64_t last_ms,
                      uint64_t fails);
void dp_stats_hops_end(struct dp_stats_core *s, unsigned n);

/* dp_stats_net copies the backend's counters `c` into the worker's `s`
 * (the worker's own thread). Names and ports are taken once; their count is
 * published last, so a reader sees names before it counts them. */
void dp_stats_net(struct dp_stats_core *s, const struct io_counters *c);

#define DP_TURN_NO_CPU UINT64_MAX

/* dp_stats_turn counts one loop turn (the worker's own counters): its wall
 * time parts->wall_ns, and its CPU time parts->cpu_ns unless that is
 * DP_TURN_NO_CPU; `parts` says where it went, kept if it is the longest. */
void dp_stats_turn(struct dp_stats_core *s, const struct dp_turn_parts *parts);

/* Counters of the process rather than of a worker: written under the
 * reloader's lock (dp_tls.h), read by the control thread. */
struct dp_stats_proc {
    uint64_t tls_reloads;         /* reloads that gave every worker a new STARTTLS context */
    uint64_t tls_reload_failures; /* reloads refused (nothing changed) */
};

/* dp_counter_name returns the JSON name of `c` ("messages_relayed", ...). */
const char *dp_counter_name(enum dp_counter c);

/* dp_stats_bump adds `n` to one counter slot; only its worker writes it, so
 * a relaxed load and store suffice (readers see whole values). */
static inline void
dp_stats_bump(uint64_t *slot, uint64_t n)
{
    __atomic_store_n(slot, __atomic_load_n(slot, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* dp_stats_add adds `n` to counter `c` of the calling worker's `s`. */
static inline void
dp_stats_add(struct dp_stats_core *s, enum dp_counter c, uint64_t n)
{
    dp_stats_bump(&s->c[c], n);
}

/* dp_stats_set sets gauge `c` of the calling worker's `s` to `v`. */
static inline void
dp_stats_set(struct dp_stats_core *s, enum dp_counter c, uint64_t v)
{
    __atomic_store_n(&s->c[c], v, __ATOMIC_RELAXED);
}

/* dp_stats_sub takes `n` from gauge `c` of the calling worker's `s`. */
static inline void
dp_stats_sub(struct dp_stats_core *s, enum dp_counter c, uint64_t n)
{
    dp_stats_bump(&s->c[c], (uint64_t)0 - n);
}

/* dp_stats_json writes the counters of `n_cores` workers as one JSON object
 * (totals and per worker; `proc`, which may be NULL, among the totals) to
 * `out` (capacity `out_cap`). The totals hold "next_hops": each hop any
 * worker tried, once, [{"hop", "down", "fails", "workers", "workers_down"}],
 * down when the latest attempt of any worker on it failed before a
 * greeting; their "next_hops_down" counts those. Returns the length, or 0
 * if it does not fit or memory ran out. Callable from any thread. */
size_t dp_stats_json(char *out, size_t out_cap, const struct dp_stats_proc *proc,
                     const struct dp_stats_core *cores, unsigned n_cores);

#endif
