/* SPDX-License-Identifier: Apache-2.0 */
/* A test rig for the dataplane runtime's middle: one worker on the
 * in-memory backend (io_mem.h), driven turn by turn with dp_worker_step,
 * with the test's own peers on the same net: clients that play a transcript
 * and next hops that run the project's SMTP server engine. Everything of one
 * rig runs on one thread (several rigs may run on several threads). */
#ifndef DP_RIG_H
#define DP_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_live.h"
#include "dp_stats.h"
#include "dp_worker.h"
#include "io_mem.h"
#include "smtp_server.h"

#define RIG_SINKS 16
#define RIG_CLIENTS 64
#define RIG_SINK_CONNS 64
#define RIG_MSG_MAX (256 * 1024)

/* A next hop: listens on `addr`; accepts recipients of `domain` only (any
 * when empty) and counts the others as misrouted. */
struct rig_sink {
    bool used;
    struct io_addr addr;
    char domain[64];
    uint32_t lh;
    int rcpt_code;     /* reply to RCPT: 0 = 250 */
    int dot_code;      /* reply to the end of data: 0 = 250 */
    unsigned messages; /* accepted (250 given) */
    unsigned misrouted;
    uint8_t *last; /* the last message accepted, as received (dot-unstuffed); owned */
    size_t last_len;
    uint8_t *prev; /* the one before it; owned */
    size_t prev_len;
};

struct rig_sink_conn {
    bool used;
    int sink;
    uint32_t h;
    struct smtp_session s;
    uint8_t mem[8192]; /* smtp_session_mem_size of the default limits: 4608 */
    uint8_t *msg;      /* the message being received; owned */
    size_t msg_len;
    bool closing;
};

/* A client playing a transcript; replies gathered in rx. */
struct rig_client {
    bool used;
    uint32_t h;
    const uint8_t *script; /* borrowed */
    size_t len, sent;
    size_t hold; /* send nothing past this offset until released (split tests) */
    uint8_t rx[8192];
    size_t rx_len;
    bool gone; /* the gateway closed (or reset) the connection */
};

struct rig {
    struct io_mem_net *net;
    struct io_backend *peer; /* the test's side of the net */
    struct dp_boot boot;
    struct dp_live *live; /* borrowed */
    unsigned worker_id;
    struct dp_worker *w;
    struct dp_stats_core *stats;
    struct dp_control ctl;
    struct dp_helpers *helpers; /* store and scan threads; NULL: all inline */
    struct rig_sink sinks[RIG_SINKS];
    struct rig_sink_conn conns[RIG_SINK_CONNS];
    struct rig_client clients[RIG_CLIENTS];
};

/* rig_runtime_json fills `rt` from a JSON configuration text (docs/CONFIG.md)
 * with hop names resolved as IP literals. Returns 0 or the loader's error. */
int rig_runtime_json(struct dp_runtime *rt, const char *json);

/* rig_snapshot builds a snapshot of `rt` for `n_workers` workers. */
struct dp_snapshot *rig_snapshot(const struct dp_runtime *rt, unsigned n_workers);

/* rig_init sets up worker `worker_id` of `live` on a new net listening on
 * `listen` ("10.0.0.1:25"), storing quarantined mail in `store_dir` ("" for
 * none). Returns 0. */
int rig_init(struct rig *r, struct dp_live *live, unsigned worker_id, const char *listen,
             const char *store_dir);

/* rig_helpers gives the worker a store thread and a scan thread. */
int rig_helpers(struct rig *r);

/* rig_fini frees everything of the rig (not `live`). */
void rig_fini(struct rig *r);

/* rig_sink_add listens as a next hop on `addr` ("10.0.1.1:25") taking
 * recipients of `domain` ("" = any). Returns its index. */
int rig_sink_add(struct rig *r, const char *addr, const char *domain);

/* rig_client_start connects a client that will send `script` (`len`
 * octets, borrowed), at most `hold` of it until rig_client_release.
 * Returns its index. */
int rig_client_start(struct rig *r, const uint8_t *script, size_t len, size_t hold);

/* rig_client_release lets client `c` send the rest of its script. */
void rig_client_release(struct rig *r, int c);

/* rig_client_free closes client `c` (if still open) and frees its slot. */
void rig_client_free(struct rig *r, int c);

/* rig_turn runs one worker turn and then the peers once. Returns true when
 * anything moved on the peers' side. */
bool rig_turn(struct rig *r);

/* rig_settle runs turns until nothing moved for a few turns in a row (at
 * most `max` turns). Returns the turns run. */
unsigned rig_settle(struct rig *r, unsigned max);

/* rig_codes writes the reply codes of the final lines client `c` got, in
 * order, to `out` (at most `cap`); returns how many. */
size_t rig_codes(const struct rig *r, int c, int *out, size_t cap);

#endif
