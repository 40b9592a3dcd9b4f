/* SPDX-License-Identifier: Apache-2.0 */
/* One load-tool connection's bytes, in clear or over tls_conn: socket reads
 * and writes, the ciphertext kept between them, the handshake pump. Owns the
 * TLS connection; the thread owning the connection calls it. */
#include "bench_stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tls_conn.h"

void
bench_stream_init(struct bench_stream *st)
{
    st->tls = NULL;
    st->sys_errno = 0;
    st->rd_short = false;
    st->net_eof = false;
    st->crx_off = 0;
    st->crx_len = 0;
}

void
bench_stream_start_tls(struct bench_stream *st, struct tls_conn *c)
{
    st->tls = c;
    st->rd_short = false;
    st->crx_off = 0;
    st->crx_len = 0;
}

bool
bench_stream_tls_done(const struct bench_stream *st)
{
    return st->tls != NULL && tls_conn_done(st->tls);
}

static int
io_error(struct bench_stream *st)
{
    st->sys_errno = errno;
    return RL_EIO;
}

/* sock_read reads from `fd` once. A short read marks the socket as likely
 * empty: edge-triggered epoll reports the next arrival anyway, so the read
 * that would only say EAGAIN is saved (RL_EAGAIN at once, one time). Returns
 * 0 with *out_n (0: end of stream), RL_EAGAIN or RL_EIO. */
static int
sock_read(struct bench_stream *st, int fd, size_t *out_n, uint8_t *buf, size_t cap)
{
    *out_n = 0;
    if (st->rd_short) {
        st->rd_short = false;
        return RL_EAGAIN;
    }
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r >= 0) {
            *out_n = (size_t)r;
            st->rd_short = r > 0 && (size_t)r < cap;
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return RL_EAGAIN;
        }
        if (errno != EINTR) {
            return io_error(st);
        }
    }
}

/* send_tls sends the ciphertext waiting in the TLS output. Returns 0 when
 * none is left, RL_EAGAIN when the socket is full, RL_EIO. */
static int
send_tls(struct bench_stream *st, int fd)
{
    for (;;) {
        size_t len;
        const uint8_t *o = tls_conn_output(st->tls, &len);
        if (o == NULL || len == 0) {
            return 0;
        }
        ssize_t w = write(fd, o, len);
        if (w > 0) {
            tls_conn_consume(st->tls, (size_t)w);
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return RL_EAGAIN;
        } else if (w < 0 && errno != EINTR) {
            return io_error(st);
        }
    }
}

/* fill gives the TLS connection more ciphertext: what is left of the last
 * socket read, else a new read (or the end of the stream). Returns 0 when it
 * gave something, RL_EAGAIN when the socket has nothing now, RL_EIO, or
 * RL_ETLS. */
static int
fill(struct bench_stream *st, int fd)
{
    if (st->crx_off == st->crx_len) {
        if (st->net_eof) {
            errno = EPIPE; /* the connection already knows; it should have said so */
            return io_error(st);
        }
        size_t n;
        int rc = sock_read(st, fd, &n, st->crx, sizeof(st->crx));
        if (rc != 0) {
            return rc;
        }
        if (n == 0) {
            st->net_eof = true;
            tls_conn_feed_eof(st->tls);
            return 0;
        }
        st->crx_off = 0;
        st->crx_len = n;
    }
    size_t used;
    int rc = tls_conn_feed(st->tls, &used, st->crx + st->crx_off, st->crx_len - st->crx_off);
    st->crx_off += used;
    if (rc == RL_ETLS) {
        return rc;
    }
    if (used == 0) {
        /* it asked for input and took none: it would never move again */
        errno = ENOBUFS;
        return io_error(st);
    }
    return 0;
}

/* pump acts on a TLS step that returned `rc`: sends the output and, when the
 * step waits for input, feeds more. Returns 0 when the step should be
 * tried again, else what the caller returns. */
static int
pump(struct bench_stream *st, int fd, int rc)
{
    int sent = send_tls(st, fd);
    if (sent == RL_EIO) {
        return sent;
    }
    if (rc != RL_EAGAIN) {
        return rc;
    }
    if (tls_conn_want(st->tls) == TLS_WANT_OUTPUT) {
        return sent; /* 0: the output went, try again; RL_EAGAIN: wait for the socket */
    }
    return fill(st, fd);
}

int
bench_stream_handshake(struct bench_stream *st, int fd, struct bench_tls_stats *stats)
{
    for (;;) {
        int rc = tls_conn_handshake(st->tls);
        if (rc == 0) {
            (void)send_tls(st, fd); /* what stays is sent with the next write */
            if (stats->handshakes++ == 0) {
                snprintf(stats->protocol, sizeof(stats->protocol), "%s",
                         tls_conn_protocol(st->tls));
                snprintf(stats->cipher, sizeof(stats->cipher), "%s", tls_conn_cipher(st->tls));
            }
            return 0;
        }
        rc = pump(st, fd, rc);
        if (rc != 0) {
            stats->failures += rc != RL_EAGAIN ? 1 : 0;
            return rc;
        }
    }
}

int
bench_stream_read(struct bench_stream *st, int fd, size_t *out_n, uint8_t *buf, size_t cap)
{
    *out_n = 0;
    if (st->tls == NULL) {
        return sock_read(st, fd, out_n, buf, cap);
    }
    for (;;) {
        int rc = tls_conn_read(st->tls, out_n, buf, cap);
        if (rc == 0) {
            /* a read may queue output (a handshake's end, a key update) */
            return send_tls(st, fd) == RL_EIO ? RL_EIO : 0;
        }
        rc = pump(st, fd, rc);
        if (rc != 0) {
            return rc;
        }
    }
}

/* writev_tls encrypts the pieces record by record, sending each before the
 * next, so the TLS output never holds more than one record. */
static int
writev_tls(struct bench_stream *st, int fd, size_t *out_n, const struct iovec *iov, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t off = 0;
        while (off < iov[i].iov_len) {
            int rc = send_tls(st, fd);
            if (rc == 0) {
                size_t w;
                rc = tls_conn_write(st->tls, &w, p + off, iov[i].iov_len - off);
                off += rc == 0 ? w : 0;
                *out_n += rc == 0 ? w : 0;
                rc = rc == RL_EAGAIN && tls_conn_want(st->tls) == TLS_WANT_OUTPUT ? 0 : rc;
            }
            if (rc != 0) {
                return rc == RL_EAGAIN && *out_n > 0 ? 0 : rc;
            }
        }
    }
    int rc = send_tls(st, fd);
    return rc == RL_EAGAIN && (*out_n > 0 || n > 0) ? 0 : rc;
}

int
bench_stream_writev(struct bench_stream *st, int fd, size_t *out_n, const struct iovec *iov,
                    unsigned n)
{
    *out_n = 0;
    if (st->tls != NULL) {
        return writev_tls(st, fd, out_n, iov, n);
    }
    if (n == 0) {
        return 0;
    }
    for (;;) {
        ssize_t w = writev(fd, iov, (int)n);
        if (w >= 0) {
            *out_n = (size_t)w;
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return RL_EAGAIN;
        }
        if (errno != EINTR) {
            return io_error(st);
        }
    }
}

const char *
bench_stream_error(const struct bench_stream *st, int rc)
{
    if (rc == RL_ETLS && st->tls != NULL) {
        return tls_conn_reason(st->tls);
    }
    if (rc == RL_EIO) {
        return strerror(st->sys_errno);
    }
    return rl_strerror(rc);
}

void
bench_stream_fini(struct bench_stream *st)
{
    tls_conn_free(st->tls);
    st->tls = NULL;
}
