/* SPDX-License-Identifier: Apache-2.0 */
/* The byte stream of one SMTP load-tool connection: the kernel socket itself,
 * or TLS (tls/tls_conn) over it once STARTTLS switched it. Plaintext in and
 * out either way, non-blocking, for edge-triggered epoll. Owns the TLS
 * connection, never the socket. Used by the thread that owns the connection. */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "rl_error.h"

#define BENCH_STREAM_RX ((size_t)32 * 1024) /* ciphertext read per system call */

struct tls_conn;

/* What the TLS handshakes of one tool did, for its report. */
struct bench_tls_stats {
    uint64_t handshakes; /* completed */
    uint64_t failures;   /* failed for good */
    char protocol[16];   /* of the first completed handshake ("TLSv1.3"); "" = none yet */
    char cipher[64];     /* IANA name, same handshake */
};

struct bench_stream {
    struct tls_conn *tls; /* owned; NULL while the stream is in clear */
    int sys_errno;        /* errno of the last RL_EIO */
    bool rd_short;        /* the last socket read was short: the socket is likely empty */
    bool net_eof;         /* the socket reached its end; told to `tls` */
    size_t crx_off;       /* ciphertext read from the socket, not yet fed to `tls` */
    size_t crx_len;
    uint8_t crx[BENCH_STREAM_RX];
};

/* bench_stream_init readies `st` (caller storage) for a new connection, in
 * clear. Cannot fail. */
void bench_stream_init(struct bench_stream *st);

/* bench_stream_start_tls switches `st` to TLS over its socket and takes `c`
 * (from tls_conn_accept or tls_conn_connect). Cannot fail. */
void bench_stream_start_tls(struct bench_stream *st, struct tls_conn *c);

/* bench_stream_tls_done tells whether `st` is in TLS and its handshake
 * completed. */
bool bench_stream_tls_done(const struct bench_stream *st);

/* bench_stream_handshake advances the TLS handshake over socket `fd`,
 * sending and reading what it can, and counts its end in `stats`. Returns 0
 * once it is complete (our last flight may still wait: the next
 * bench_stream_writev sends it), RL_EAGAIN (wait for the socket), RL_EIO (the
 * socket failed or ended) or RL_ETLS. */
int bench_stream_handshake(struct bench_stream *st, int fd, struct bench_tls_stats *stats);

/* bench_stream_read reads up to `cap` octets of plaintext into `buf`: 0 with
 * *out_n > 0; 0 with *out_n == 0 at the end of the stream (EOF, or the
 * peer's close_notify); RL_EAGAIN when there is nothing now (wait for the
 * socket to become readable: call until RL_EAGAIN, as edge-triggered epoll
 * wants); RL_EIO; RL_ETLS. Over TLS it finishes the handshake first. */
int bench_stream_read(struct bench_stream *st, int fd, size_t *out_n, uint8_t *buf, size_t cap);

/* bench_stream_writev sends ciphertext still waiting, then takes plaintext
 * from the `n` pieces of `iov` (n may be 0: only the waiting ciphertext) and
 * sets *out_n to the octets taken. Returns 0 (*out_n may be less than all,
 * or 0 when n is 0 and nothing waits), RL_EAGAIN when the socket took
 * nothing (wait for it to become writable, then call again with the same
 * pieces), RL_EIO or RL_ETLS. Octets taken over TLS may still wait as
 * ciphertext: call again with n = 0 whenever the socket becomes writable. */
int bench_stream_writev(struct bench_stream *st, int fd, size_t *out_n, const struct iovec *iov,
                        unsigned n);

/* bench_stream_error describes the failure `rc` (RL_EIO or RL_ETLS) of the
 * last call, for messages. Valid until the next call on `st`. */
const char *bench_stream_error(const struct bench_stream *st, int rc);

/* bench_stream_fini frees the TLS connection (nothing is sent); the socket
 * stays the caller's to close. NULL members are fine; `st` is zeroed. */
void bench_stream_fini(struct bench_stream *st);

#endif
