/* SPDX-License-Identifier: Apache-2.0 */
/* One TLS connection, sans-I/O: ciphertext from the network is fed in,
 * ciphertext to send is taken out, plaintext is written and read, all over
 * in-memory buffers, so TLS runs on any I/O backend. Never blocks, never
 * touches a socket or a clock. A connection is used by one thread at a time
 * (the worker core that owns it). */
#ifndef TLS_CONN_H
#define TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define TLS_HOP_MAX 263 /* octets of a client session-cache key ("host:port" of a next hop) */

struct tls_conn;
struct tls_server;
struct tls_client;

/* Why a connection failed, for counters ("handshake failures by reason"). */
enum tls_fail {
    TLS_FAIL_NONE = 0,
    TLS_FAIL_PROTOCOL_VERSION, /* no protocol version in common */
    TLS_FAIL_NO_SHARED_CIPHER, /* no cipher suite, group or signature algorithm in common */
    TLS_FAIL_CERT_VERIFY,      /* we refused the peer's certificate (chain, name, pin, dates) */
    TLS_FAIL_NO_PEER_CERT,     /* a client certificate was required and none came */
    TLS_FAIL_PEER_ALERT,       /* the peer aborted with an alert (often: it refused ours) */
    TLS_FAIL_PROTOCOL,         /* malformed or unexpected records: not TLS, or a broken peer */
    TLS_FAIL_EOF,              /* the stream ended without close_notify */
    TLS_FAIL_INTERNAL,         /* out of memory or a library failure */
    TLS_FAIL__COUNT,
};

/* tls_fail_name returns a static counter name for `f` ("protocol_version"). */
const char *tls_fail_name(enum tls_fail f);

/* Digests of the peer certificate. */
enum tls_digest {
    TLS_DIGEST_CERT = 0, /* SHA-256 of the certificate (DER) */
    TLS_DIGEST_SPKI,     /* SHA-256 of its SubjectPublicKeyInfo: what profiles pin */
};

/* What a step that returned RL_EAGAIN waits for. */
enum tls_want {
    TLS_WANT_NOTHING = 0, /* the last step did not block */
    TLS_WANT_INPUT,       /* more ciphertext from the peer: feed it, then call again */
    TLS_WANT_OUTPUT,      /* the output buffer is full: send it, then call again at once */
};

/* The calling pattern, the same for every step below:
 *
 *   feed what the network delivered (tls_conn_feed; tls_conn_feed_eof at
 *   end of stream), call the step (handshake, read, write, shutdown), then
 *   send everything tls_conn_output lends and tls_conn_consume it, whatever
 *   the step returned. On RL_EAGAIN, tls_conn_want says whether to wait for
 *   input or to call again once the output is sent.
 *
 * RL_ETLS is sticky: every later step returns it; tls_conn_failure and
 * tls_conn_reason say why. The caller may still send the output (a fatal
 * alert for the peer) before closing. */

/* tls_conn_accept creates the server side of a connection with `srv`'s
 * current context, which it keeps alive (a reload does not affect it).
 * Returns 0 with *out_c, or RL_ENOMEM. Call on the thread that owns `srv`. */
int tls_conn_accept(struct tls_conn **out_c, struct tls_server *srv);

/* tls_conn_connect creates the client side of a connection to a next hop
 * with profile context `cli`. `host` (may be NULL) is sent as SNI and is the
 * name checked with verify ca when the profile lists no names (an IP
 * literal is never sent as SNI). `hop` (may be NULL: no resumption) keys the
 * session cache: a session kept for it is offered, and the session of this
 * connection is kept for it. Both are copied. Returns 0 with *out_c,
 * RL_EINVAL when the profile's mode is none, `hop` or `host` is too long or
 * verify ca has no name to check, or RL_ENOMEM. Call on the thread that owns `cli`. */
int tls_conn_connect(struct tls_conn **out_c, struct tls_client *cli, const char *hop,
                     const char *host);

/* tls_conn_free releases `c` (NULL is a no-op) without sending anything:
 * call tls_conn_shutdown first for an orderly close. */
void tls_conn_free(struct tls_conn *c);

/* tls_conn_feed takes up to `in_len` octets of ciphertext from the network
 * and sets *out_used. Returns 0, or RL_EAGAIN with *out_used possibly 0 when
 * the input buffer is full (call a step to drain it, then feed the rest),
 * RL_EINVAL after tls_conn_feed_eof, or the sticky RL_ETLS. Copies `in`. */
int tls_conn_feed(struct tls_conn *c, size_t *out_used, const uint8_t *in, size_t in_len);

/* tls_conn_feed_eof tells `c` that the network stream ended. A later read
 * returns end of stream if the peer's close_notify came first, else RL_ETLS
 * with TLS_FAIL_EOF (truncation). */
void tls_conn_feed_eof(struct tls_conn *c);

/* tls_conn_output lends the ciphertext waiting to be sent and sets *out_len
 * (0 when none). Valid until the next call on `c`; more may wait after it is
 * consumed (the buffer wraps). */
const uint8_t *tls_conn_output(struct tls_conn *c, size_t *out_len);

/* tls_conn_consume drops the first `n` octets of the output (clamped). */
void tls_conn_consume(struct tls_conn *c, size_t n);

/* tls_conn_handshake advances the handshake. Returns 0 once it is complete
 * (the output may still hold our last flight: send it), RL_EAGAIN, or
 * RL_ETLS. */
int tls_conn_handshake(struct tls_conn *c);

/* tls_conn_read copies up to `cap` octets of plaintext to `buf`, completing
 * the handshake first if needed: 0 with *out_n > 0; 0 with *out_n == 0 once
 * the peer sent close_notify (end of stream); RL_EAGAIN; RL_ETLS. Also
 * consumes post-handshake messages (session tickets), so a client should
 * read after the handshake even when it expects nothing. */
int tls_conn_read(struct tls_conn *c, size_t *out_n, uint8_t *buf, size_t cap);

/* tls_conn_write encrypts up to `len` octets of `buf`, completing the
 * handshake first if needed: 0 with *out_n > 0 (send the output), RL_EAGAIN
 * when the output is full (send it, then write again with the same octets),
 * RL_ETLS. */
int tls_conn_write(struct tls_conn *c, size_t *out_n, const uint8_t *buf, size_t len);

/* tls_conn_shutdown queues our close_notify (once). Returns 0 when the
 * peer's close_notify was also seen, RL_EAGAIN when ours is queued and the
 * peer's not yet (SMTP may close now: RFC 3207 does not require waiting),
 * RL_EINVAL before the handshake completed (there is nothing to close: close
 * the stream), or RL_ETLS. */
int tls_conn_shutdown(struct tls_conn *c);

/* tls_conn_want returns what the last step that returned RL_EAGAIN waits
 * for. */
enum tls_want tls_conn_want(const struct tls_conn *c);

/* tls_conn_done returns true once the handshake completed. */
bool tls_conn_done(const struct tls_conn *c);

/* tls_conn_protocol returns the negotiated version ("TLSv1.3"), or "" before
 * the handshake completed. Static storage. */
const char *tls_conn_protocol(const struct tls_conn *c);

/* tls_conn_cipher returns the negotiated cipher suite's IANA name
 * ("TLS_AES_128_GCM_SHA256"), or "" before the handshake completed. */
const char *tls_conn_cipher(const struct tls_conn *c);

/* tls_conn_resumed returns true when the handshake resumed a session. */
bool tls_conn_resumed(const struct tls_conn *c);

/* tls_conn_verified returns true when the peer's certificate passed the
 * profile's check (always false with verify none or without a certificate). */
bool tls_conn_verified(const struct tls_conn *c);

/* tls_conn_peer_subject writes the peer certificate's subject (RFC 2253) to
 * `out` (`cap` octets, NUL-terminated, truncated). Returns 0, or RL_EINVAL
 * when the peer sent no certificate (out is then ""). */
int tls_conn_peer_subject(const struct tls_conn *c, char *out, size_t cap);

/* tls_conn_peer_digest writes the `kind` SHA-256 of the peer certificate.
 * Returns 0, RL_EINVAL without a peer certificate, or RL_ENOMEM. */
int tls_conn_peer_digest(const struct tls_conn *c, uint8_t out[32], enum tls_digest kind);

/* tls_conn_failure returns why `c` failed, TLS_FAIL_NONE while it has not. */
enum tls_fail tls_conn_failure(const struct tls_conn *c);

/* tls_conn_reason returns the failure as one sentence ("certificate verify
 * failed: hostname mismatch"), "" while `c` has not failed. Valid while `c`
 * lives. */
const char *tls_conn_reason(const struct tls_conn *c);

/* tls_conn_verify_reason returns why the peer certificate did not pass the
 * profile's check ("certificate verify failed: ..."), also when the
 * handshake went on (opportunistic mode, requested client certificates);
 * "" when it passed or was not checked. Valid while `c` lives. */
const char *tls_conn_verify_reason(const struct tls_conn *c);

#endif
