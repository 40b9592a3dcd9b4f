/* SPDX-License-Identifier: Apache-2.0 */
/* One byte stream over the I/O backend, in clear or through TLS: the one
 * read, write and flush both legs use (dp_inbound.c, dp_relay.c), so the
 * clear/TLS distinction lives here only. Belongs to the connection that
 * embeds it, on that connection's worker. */
#ifndef DP_STREAM_H
#define DP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io_backend.h"
#include "rl_error.h"
#include "tls_conn.h"

#define DP_STREAM_CRX 16384 /* ciphertext read and not yet taken by TLS */
/* Octets one run of a connection moves over the backend, reads and writes
 * together (dp_stream_begin_run): a megabyte body goes out over several
 * worker turns, so no turn copies more than this through one socket. */
#define DP_STREAM_BURST ((size_t)128 * 1024)
/* Octets one write call hands the backend: the kernel's loopback runs the
 * receiver's TCP input inside the sender's call, 0.5-5 us per KB on a
 * loaded virtual machine, so a call of the whole burst could hold a turn
 * for most of a millisecond; smaller calls wake the receiver more often
 * (32 KB cut a 32 KB message and its headers in two calls, two wake-ups). */
#define DP_STREAM_CALL_MAX ((size_t)64 * 1024)

/* What every pollable object starts with; its address is the I/O cookie. */
struct dp_base {
    uint32_t kind; /* the owner's type tag (dp_conn.h) */
    uint32_t h;    /* backend handle */
    bool rd, wr;   /* readiness not yet used up (edge-triggered) */
    bool queued;   /* on the worker's run list */
    struct dp_base *next_run;
    struct dp_base *prev_all, *next_all; /* every live connection, for timers */
};

struct dp_stream {
    struct io_backend *io;
    struct dp_base *b; /* handle and readiness, the owner's */
    struct tls_conn
        *tls; /* NULL: clear; from dp_stream_tls on, every byte goes through it; owned */
    uint8_t crx[DP_STREAM_CRX];
    size_t crx_off, crx_len;
    bool net_eof;         /* the backend stream ended */
    bool eof_fed;         /* ... and tls_conn_feed_eof was called */
    bool spent;           /* this run stopped on its budget, not on the backend */
    size_t budget;        /* octets this run may still move over the backend */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC after which this run makes no new call */
};

/* dp_stream_init sets `st` up in clear over handle `b` of `io`. */
void dp_stream_init(struct dp_stream *st, struct io_backend *io, struct dp_base *b);

/* dp_stream_begin_run gives the stream DP_STREAM_BURST octets and time
 * until `deadline_ns` (CLOCK_MONOTONIC; the turn's, dp_worker_step) for the
 * owner's run that starts: reads and writes stop (as if the backend would
 * block, its readiness kept) once either is spent. The first call of a run
 * is always made, so every run moves something. */
void dp_stream_begin_run(struct dp_stream *st, uint64_t deadline_ns);

/* dp_stream_spent tells whether the run used up its octets or its time: the
 * owner has more to move and runs again next turn. */
bool dp_stream_spent(const struct dp_stream *st);

/* dp_stream_tls makes `t` (taken) the stream's TLS: from now on reads and
 * writes go through it. Whatever was read in clear and not consumed is the
 * caller's to drop (RFC 3207 4.2, CVE-2011-0411). */
void dp_stream_tls(struct dp_stream *st, struct tls_conn *t);

/* dp_stream_read reads plaintext into buf[0..cap): in clear from the
 * backend; through TLS, ciphertext is read and fed first and plaintext comes
 * once the handshake is done. Sets *out_n and *progress when anything moved.
 * Returns 0 with *out_n > 0, or with *out_n == 0 at the end of the stream
 * (in clear the peer closed; through TLS its close_notify); RL_EAGAIN;
 * RL_ETLS (tls_conn_failure says why: TLS_FAIL_EOF is a close without
 * close_notify); or the backend's RL_EIO. */
int dp_stream_read(struct dp_stream *st, size_t *out_n, uint8_t *buf, size_t cap, bool *progress);

/* dp_stream_write writes plaintext p[0..len) as far as the backend takes it
 * (through TLS: as records, only once the handshake is done, then the
 * ciphertext) and sets *out_n. Returns 0, RL_ETLS or the backend's error. */
int dp_stream_write(struct dp_stream *st, size_t *out_n, const uint8_t *p, size_t len,
                    bool *progress);

/* dp_stream_flush sends the ciphertext TLS has waiting (handshake flights,
 * alerts, close_notify) as far as the backend takes it. Returns 0 or the
 * backend's error; a no-op in clear. */
int dp_stream_flush(struct dp_stream *st, bool *progress);

/* dp_stream_pending returns the ciphertext octets not sent yet. */
size_t dp_stream_pending(const struct dp_stream *st);

/* dp_stream_fini frees the TLS connection and wipes what was read. */
void dp_stream_fini(struct dp_stream *st);

/* A message body being written after the client's commands (borrowed;
 * p NULL: none). */
struct dp_body {
    const uint8_t *p;
    size_t len, off;
};

struct smtp_client;

/* dp_stream_pump writes the client's commands, then the body's octets
 * (after the commands are all out), as far as the stream takes them; at the
 * body's end it tells `cli` (body_sent) and clears body->p. Returns 0,
 * RL_ETLS, or the backend's error. */
int dp_stream_pump(struct dp_stream *st, struct smtp_client *cli, struct dp_body *body,
                   bool *progress);

/* dp_hop_host writes the host of a next hop "host:port" or "[v6]:port" to
 * `out`: the name sent as SNI and checked when a profile lists no names. */
void dp_hop_host(char *out, size_t cap, const char *hop);

#endif
