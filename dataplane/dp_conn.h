/* SPDX-License-Identifier: Apache-2.0 */
/* Private to dataplane/: the worker's connection objects, shared by
 * dp_worker.c (loop, accept, timers), dp_inbound.c (client sessions and
 * messages) and dp_relay.c (next-hop connections). All of it belongs to one
 * worker thread. */
#ifndef DP_CONN_H
#define DP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dp_buf.h"
#include "dp_config.h"
#include "dp_connlimit.h"
#include "dp_live.h"
#include "dp_msgid.h"
#include "dp_offload.h"
#include "dp_release.h"
#include "dp_scan.h"
#include "dp_snapshot.h"
#include "dp_stats.h"
#include "dp_stream.h"
#include "dp_track.h"
#include "dp_worker.h"
#include "io_backend.h"
#include "scan_message.h"
#include "smtp_client.h"
#include "smtp_server.h"
#include "tls_client.h"
#include "tls_conn.h"
#include "tls_server.h"

#define DP_RX_CAP 16384                       /* inbound read buffer */
#define DP_OUT_RX_CAP 4096                    /* outbound read buffer */
#define DP_ADDR_MAX 512                       /* longest path kept (RFC 5321 4.5.3.1.3: 256) */
#define DP_TICK_MS 100                        /* timer pass interval */
#define DP_BURST 256                          /* events taken from the backend in one turn */
#define DP_ACCEPT_BURST 32                    /* connections a listener accepts in one run */
#define DP_MSG_RESERVE_MAX ((size_t)16 << 20) /* a declared SIZE reserved at DATA up to this */
/* Connections run in one turn until it has taken this long, and make no
 * new backend call after it (dp_stream_begin_run); the rest runs in the
 * next turn, after the backend is polled again. */
#define DP_TURN_BUDGET_NS 150000u

#define DP_DRAIN_MS 30000  /* transactions get this long to finish on drain */
#define DP_CLEAR_MS 600000 /* opportunistic TLS failed with a hop: clear for this long */
#define DP_HELD_MAX 16     /* snapshots one worker may hold at once (transactions pin theirs) */
#define DP_HOP_MAX 1024    /* next hops (host:port, TLS profile) a worker keeps state for */
#define DP_HOP_INDEX 2048  /* hash index slots, a power of two above DP_HOP_MAX */

enum dp_kind {
    DP_K_LISTEN = 0,
    DP_K_IN,
    DP_K_OUT,
    DP_K_JOB, /* a release from the quarantine (dp_release.c) */
};

/* Why a next-hop connection ended under a transaction (the client's reply
 * says which, issue 13). */
enum dp_out_fail {
    DP_OF_LOST = 0, /* closed, reset or unwritable */
    DP_OF_TIMEOUT,  /* a reply did not come in time (RFC 5321 4.5.3.2) */
    DP_OF_ERROR,    /* refused greeting, protocol error */
    DP_OF_TLS,      /* the TLS its profile requires could not be had (tls_fail_* say why) */
};

/* What the client session is waiting for from the relay side. */
enum dp_wait {
    DP_W_NONE = 0,
    DP_W_CONNECT, /* a next-hop connection is being set up for the first RCPT */
    DP_W_RCPT,    /* MAIL (first time) and RCPT sent, replies awaited */
    DP_W_DATA,    /* DATA sent, 354 awaited */
    DP_W_DOT,     /* body sent or being sent, final reply awaited */
    DP_W_SCAN,    /* the message is with a scan thread */
    DP_W_STORE,   /* the message is with the store thread (quarantine) */
    DP_W_HOLD,    /* relayed; its original is with the store thread (keep_original) */
};

struct dp_out;

/* What the relay side tells a transaction. */
enum dp_rev_type {
    DP_REV_READY = 0, /* txn->out is greeted (and its TLS settled): the transaction may start */
    DP_REV_REPLY,     /* the next hop answered `cmd` */
    DP_REV_FAILED,    /* txn->out is gone (closed by the relay side; txn->out is NULL) */
};

/* One event, copied (the client's buffers move on). */
struct dp_rev {
    enum dp_rev_type type;
    enum smtp_cmd cmd;
    int code; /* REPLY: the next hop's; FAILED: 451 when TLS could not be had as the
                 profile requires (then enh and text say why), else 0 */
    char enh[16];
    char text[SMTP_CLIENT_TEXT_MAX];
    size_t text_len;
    bool retry;           /* FAILED: the same host may be tried again at once (a stale pooled
                             connection, opportunistic TLS fell back to clear) */
    enum dp_out_fail why; /* FAILED: what the next hop did (the client's reply says it) */
};

#define DP_TXN_EVQ 8 /* events queued at most: greeting, MAIL, RCPT, DATA, dot, failure */

/* The relay side's view of a transaction, owned by its inbound session (or
 * a release job): what to connect to, and the events queued for the owner.
 * The relay side writes only `out`, `hops_tried` and the queue
 * (dp_txn_post); the owner reads the queue on its next run (dp_txn_pop), so
 * calls go one way: owner -> relay. */
struct dp_txn {
    struct dp_base *owner; /* run when an event is queued */
    struct dp_held *held;  /* the snapshot the transaction started with */
    int group;             /* the route's MTA group in held->s, -1 before the first RCPT */
    int tls_profile;       /* the route's client TLS profile (dp_route.tls) in held->s */
    uint32_t hops_tried;   /* bit per hop of the group, this attempt */
    struct dp_out *out;    /* the next-hop connection */
    struct dp_rev ev[DP_TXN_EVQ];
    uint32_t ev_head, ev_n;
    bool ev_lost; /* the queue overflowed: the transaction cannot go on */
};

/* A snapshot this worker holds: the current one, or an older one a
 * transaction started with (dp_wsnap_take). */
struct dp_held {
    const struct dp_snapshot *s; /* NULL: slot free */
    struct dp_scanner *scan;     /* this worker's scanner of s->scan */
    uint32_t users;              /* transactions and connecting next-hop connections pinning it */
};

/* One next hop by stable identity: host:port as configured and the name of
 * the TLS profile its connections were made for (dp_hop.c). */
struct dp_hop {
    bool used;
    uint64_t hash;
    char name[DP_DOMAIN_MAX + 8]; /* "host:port" */
    char profile[64];             /* TLS profile name; "" = the built-in one */
    struct dp_out *pool;          /* idle greeted connections */
    uint32_t n_pool;
    uint32_t refs;           /* live connections to it */
    uint64_t down_until_ms;  /* failed before greeting: not tried until then (back-off) */
    uint32_t fails;          /* failures before a greeting in a row; 0 once it greets */
    uint64_t last_ms;        /* when it last greeted or failed; 0 = not yet */
    bool probing;            /* a connection tries it again after its back-off: only one */
    uint64_t clear_until_ms; /* opportunistic TLS failed: clear until then */
    char clear_why[160];
};

struct dp_hops {
    struct dp_hop *e; /* DP_HOP_MAX entries; an entry never moves */
    uint16_t index[DP_HOP_INDEX];
    uint32_t n_used;
};

/* What the tracking line says of the TLS of the outbound leg. */
struct dp_leg_tls {
    const char *protocol; /* static (tls_conn_protocol); NULL: in clear */
    const char *cipher;
    bool resumed, verified;
    char why_clear[160]; /* in clear although the profile wanted TLS: why ("" when not) */
};

/* One client connection and its current transaction. */
struct dp_in {
    struct dp_base b;
    struct dp_worker *w;
    struct dp_in *next_free;
    bool eof;     /* the client closed its side; finish what was read */
    bool msg_oom; /* the message did not fit in memory: refused at its end */
    struct io_addr peer;
    char peer_ip[IO_ADDR_STRLEN];
    bool relay_ok;                    /* peer inside a relay network */
    bool closing;                     /* flush the output, then close */
    struct dp_connlimit_ticket limit; /* what this connection counts in (dp_connlimit.h) */
    bool live;
    uint64_t hold_until_ms; /* tarpit: nothing is sent or read before this; 0 = none */
    struct smtp_session smtp;
    uint8_t *smtp_mem;
    uint8_t rx[DP_RX_CAP]; /* plaintext for the engine (after STARTTLS: from tls) */
    size_t rx_off, rx_len;
    char helo[256];

    /* Inbound STARTTLS (RFC 3207). */
    bool tls_pending;      /* 220 to STARTTLS queued: TLS starts once it is sent */
    struct dp_stream st;   /* the client's bytes, in clear or (st.tls) through TLS */
    bool tls_shut;         /* our close_notify is queued */
    uint64_t tls_start_ms; /* tls_conn_accept time, for the handshake timeout */

    bool client_cert_asked; /* the listener's profile asked for a client certificate */

    /* The transaction. */
    struct dp_txn txn;         /* its snapshot (held, from MAIL; NULL between transactions), route,
                                  next-hop connection and relay events */
    char id[DP_MSGID_LEN + 1]; /* the message id, new at each MAIL (dp_msgid.h) */
    char from[DP_ADDR_MAX + 1];
    size_t from_len;
    uint64_t size_param;
    bool body8, smtputf8;
    char rcpt[DP_ADDR_MAX + 1]; /* the RCPT being relayed */
    size_t rcpt_len;
    struct dp_buf rcpts; /* accepted recipients, one per line, for the log */
    uint32_t n_rcpt;
    enum dp_wait wait;
    int mail_code;    /* the next hop's reply to MAIL, 0 until known */
    bool rcpt_queued; /* the first RCPT went out with MAIL (PIPELINING) */
    char mail_enh[16];
    char mail_text[SMTP_CLIENT_TEXT_MAX];
    size_t mail_text_len;
    bool broken; /* the next hop went away mid-transaction */
    /* Why TLS to the last next hop tried failed when the profile required it
     * (the client's 4xx says so when no hop is left); code 0: no such failure. */
    int tls_fail_code;
    char tls_fail_enh[16];
    char tls_fail_text[SMTP_CLIENT_TEXT_MAX];
    struct dp_leg_tls out_tls; /* of the connection that carried the message */
    struct dp_buf msg;         /* the message as received */
    bool msg_wiped;            /* ... wiped by its scan thread (dp_job.msg_wiped) */
    struct dp_buf body;        /* redacted, dot-stuffed, after DP_HEADROOM */
    size_t body_start;         /* where the body starts in `body` */
    struct dp_scan_out so;     /* the scan fed as the text arrives (streaming) */
    bool streaming;            /* ... still on: small text so far */
    bool heavy;                /* documents, HTML or over the turn budget: a scan thread's */
    uint8_t sniff[48];         /* the start of a line cut by the end of a chunk */
    size_t sniff_len;
    bool sniff_on;        /* a line started at the last chunk's end (sniff_len of it kept) */
    struct dp_job job;    /* the scan or store job of this message */
    bool job_out;         /* ... with a helper thread now */
    bool close_after_job; /* the connection went meanwhile: free it once the job is back */
    bool chunking;        /* the next hop takes the message by BDAT LAST */
    uint64_t t_start_ms;  /* MAIL received */
    uint64_t t_end_ms;    /* end of data received */
    /* From the scan, for the tracking log. */
    const char *verdict;
    unsigned counts[SCAN_T__COUNT];
    char actions[160]; /* sanitisation steps as JSON members "html.script_removed":2,... */
    unsigned doc_counts[SCAN_DOC_ACT__COUNT]; /* document actions (scan_doc.h) by kind */
    bool redacted;
    char reply[128]; /* the end-of-data reply sent, for the log */
    char hop_name[DP_DOMAIN_MAX + 8];
};

/* One next-hop connection; in a transaction (owner set) or pooled. */
struct dp_out {
    struct dp_base b;
    struct smtp_client cli;
    uint8_t *cli_mem;
    uint8_t rx[DP_OUT_RX_CAP];
    size_t rx_off, rx_len;
    struct dp_hop *hop;   /* whom it talks to (counted in hop->refs) */
    uint32_t hop_index;   /* its place in the owner's MTA group (dp_in.hops_tried) */
    struct dp_txn *owner; /* the transaction it serves; NULL: pooled or abandoned */
    bool ready;           /* greeted; transactions may start */
    bool in_pool;
    bool fresh; /* taken from the pool, no reply yet in this transaction */
    bool live;
    struct dp_body body;  /* borrowed from the owner while writing the body */
    uint64_t deadline_ms; /* connect/greeting deadline, 0 once ready */
    uint64_t idle_since_ms;
    struct dp_out *pool_next; /* in the idle pool of its hop */

    /* Outbound STARTTLS (RFC 3207) per the route's profile. */
    struct dp_held *held;  /* the snapshot it was opened under, until greeted (then NULL) */
    int tls_profile;       /* dp_route.tls in held->s */
    uint64_t profile_hash; /* dp_snapshot_profile_hash: reused only under the same settings */
    enum tls_mode mode;    /* the profile's mode */
    struct dp_stream st;   /* after the 220 to STARTTLS (st.tls) every byte goes through TLS */
    bool clear_only;       /* opportunistic TLS failed with this hop: stay in clear */
    struct dp_leg_tls leg; /* for the tracking line */
};

struct dp_worker {
    unsigned id;
    const struct dp_boot *boot;
    struct dp_live *live;
    const struct dp_control *ctl;
    struct io_backend *io;
    struct dp_stats_core *stats;
    struct dp_held held[DP_HELD_MAX];
    struct dp_held *cur; /* the newest snapshot taken (dp_wsnap_adopt) */
    struct dp_hops hops;
    struct dp_release *release_inbox; /* offered by the control thread (atomic) */
    struct dp_release *release;       /* the release running, or NULL */
    uint32_t releases_done;           /* releases ended (atomic; a futex word for dp_release_run) */
    struct dp_helpers *helpers;       /* store and scan threads; NULL: all inline */
    uint32_t jobs_out;                /* jobs with them now */

    struct dp_base listeners[DP_MAX_LISTEN];
    uint32_t n_listeners;
    bool accepting;

    struct smtp_client_limits clim;
    size_t smtp_mem_len, cli_mem_len;

    struct dp_in *in_free; /* idle client objects, linked through b.next_run */
    struct dp_out *out_free;
    uint32_t n_in;      /* live client connections */
    struct dp_base all; /* list head of live connections */
    struct dp_base *run_head, *run_tail;

    struct dp_bufpool bufs;
    uint64_t now_ms;
    uint64_t next_tick_ms;
    uint64_t busy_ns;          /* loop-turn time in the current load window */
    uint64_t run_deadline_ns;  /* this turn's runs make no backend call after it */
    bool turn_cpu;             /* each turn's CPU time measured too (boot loop_turn_cpu) */
    uint64_t load_window_ms;   /* when that window started */
    uint64_t load_window_msgs; /* messages received when it started */
    struct io_counters netc;   /* the backend's own counters, read at each tick */
    struct dp_msgid ids;       /* message ids unique across restarts and instances */
    time_t date_sec;           /* the second the dates below show */
    char date_iso[24];         /* for tracking lines */
    char date_rfc5322[40];     /* for Received: */
    bool draining;
    uint64_t drain_deadline_ms;
    uint64_t beat; /* loop passes, read by the watchdog thread (dp_notify.h) */
};

/* dp_worker.c */
void dp_run_later(struct dp_worker *w, struct dp_base *b);
void dp_link(struct dp_worker *w, struct dp_base *b);
void dp_unlink(struct dp_base *b);

void dp_worker_put_in(struct dp_worker *w, struct dp_in *in);
void dp_worker_put_out(struct dp_worker *w, struct dp_out *o);
struct dp_out *dp_worker_get_out(struct dp_worker *w);

/* dp_wsnap.c: the snapshots a worker holds */
/* dp_wsnap_adopt takes the current snapshot if it is new to this worker
 * (a pointer swap: its scanner and TLS contexts are built) and pins it. Call once
 * per loop turn, after the quiescent state. Returns false when nothing
 * changed or it could not be taken yet (no free slot; counted). */
bool dp_wsnap_adopt(struct dp_worker *w);
/* dp_wsnap_take pins the current snapshot for a transaction or connection. */
struct dp_held *dp_wsnap_take(struct dp_worker *w);
/* dp_wsnap_put releases a pin of dp_wsnap_take; NULL is a no-op. */
void dp_wsnap_put(struct dp_worker *w, struct dp_held *h);
/* dp_wsnap_fini lets every held snapshot go (worker teardown). */
void dp_wsnap_fini(struct dp_worker *w);

/* dp_hop.c: next hops by identity */
int dp_hops_init(struct dp_hops *t);
void dp_hops_fini(struct dp_hops *t);
/* dp_hop_get finds or adds the hop (name, profile); NULL when the table is
 * full of hops in use. */
struct dp_hop *dp_hop_get(struct dp_hops *t, const char *name, const char *profile);
/* dp_hops_sweep forgets unused hops once the table is half full (timer). */
void dp_hops_sweep(struct dp_hops *t, uint64_t now_ms);

/* dp_inbound.c */
void dp_in_accept(struct dp_worker *w, struct dp_in *in);
void dp_in_run(struct dp_worker *w, struct dp_in *in);
void dp_in_tick(struct dp_worker *w, struct dp_in *in);
void dp_in_drain(struct dp_worker *w, struct dp_in *in);
void dp_in_close(struct dp_worker *w, struct dp_in *in);

/* dp_inbound.c: a job of a session came back (dp_offload.h) */
void dp_in_job_done(struct dp_worker *w, struct dp_job *j);

/* dp_release.c: the worker's side of a release job */
/* dp_release_take starts a release offered since the last turn. */
void dp_release_take(struct dp_worker *w);
/* dp_release_step acts on the relay's events for release `r`. */
void dp_release_step(struct dp_worker *w, struct dp_release *r);
/* dp_release_abort ends the offered and the running release (the worker
 * stops): "the gateway is stopping", RL_EAGAIN. */
void dp_release_abort(struct dp_worker *w);

/* dp_relay.c: called by a transaction's owner only */
/* dp_txn_init readies `t` for owner `b` (no snapshot, no route). */
void dp_txn_init(struct dp_txn *t, struct dp_base *b);
/* dp_txn_pop takes the oldest queued event into *out; false when none. */
bool dp_txn_pop(struct dp_txn *t, struct dp_rev *out);
/* dp_txn_clear drops queued events (the transaction was reset). */
void dp_txn_clear(struct dp_txn *t);
/* dp_relay_acquire gives `t` a connection to the next untried hop of its
 * group (t->held, t->group, t->tls_profile): a pooled one (DP_REV_READY is
 * queued at once) or a new one (READY once greeted, FAILED if not).
 * Returns 0, RL_EIO when every hop was tried, or RL_ENOMEM. */
int dp_relay_acquire(struct dp_worker *w, struct dp_txn *t);
/* dp_relay_release pools `o` after its transaction ended well. */
void dp_relay_release(struct dp_worker *w, struct dp_out *o);
/* dp_relay_detach takes `o` from its transaction: pooled, reset or closed
 * as its state allows; it posts nothing to the transaction any more. */
void dp_relay_detach(struct dp_worker *w, struct dp_out *o);
/* dp_relay_command sends what the caller queued on o->cli. */
void dp_relay_command(struct dp_worker *w, struct dp_out *o);
/* dp_relay_send_body writes body[0..len) (borrowed until the reply to it)
 * after the queued commands. */
void dp_relay_send_body(struct dp_worker *w, struct dp_out *o, const uint8_t *body, size_t len);
void dp_out_run(struct dp_worker *w, struct dp_out *o);
void dp_out_tick(struct dp_worker *w, struct dp_out *o);
void dp_out_close(struct dp_worker *w, struct dp_out *o);

#endif
