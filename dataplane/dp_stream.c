/* SPDX-License-Identifier: Apache-2.0 */
/* A byte stream over the backend, in clear or through TLS: the one read,
 * write and flush loop of the dataplane (inbound sessions and next-hop
 * connections alike). Runs on the worker owning the stream. */
#include "dp_stream.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smtp_client.h"

void
dp_stream_init(struct dp_stream *st, struct io_backend *io, struct dp_base *b)
{
    st->io = io;
    st->b = b;
    st->tls = NULL;
    st->crx_off = st->crx_len = 0;
    st->net_eof = st->eof_fed = false;
    dp_stream_begin_run(st, UINT64_MAX);
}

void
dp_stream_begin_run(struct dp_stream *st, uint64_t deadline_ns)
{
    st->budget = DP_STREAM_BURST;
    st->deadline_ns = deadline_ns;
    st->spent = false;
}

bool
dp_stream_spent(const struct dp_stream *st)
{
    return st->spent;
}

/* may_call tells whether this run may make another backend call: octets
 * left, and time left once it made one (the clock is read only then). */
static bool
may_call(struct dp_stream *st)
{
    if (st->budget > 0 && st->budget < DP_STREAM_BURST) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= st->deadline_ns) {
            st->budget = 0;
        }
    }
    st->spent = st->spent || st->budget == 0;
    return st->budget > 0;
}

void
dp_stream_tls(struct dp_stream *st, struct tls_conn *t)
{
    st->tls = t;
}

void
dp_stream_fini(struct dp_stream *st)
{
    tls_conn_free(st->tls);
    st->tls = NULL;
    explicit_bzero(st->crx, st->crx_len);
    st->crx_off = st->crx_len = 0;
    st->net_eof = st->eof_fed = false;
}

/* net_write writes p[0..len) in calls of DP_STREAM_CALL_MAX at most until
 * done, the run's budget is spent, or the backend would block (then b->wr
 * is cleared), and sets *out_n. */
static int
net_write(struct dp_stream *st, const uint8_t *p, size_t len, size_t *out_n)
{
    *out_n = 0;
    while (*out_n < len && st->b->wr && may_call(st)) {
        size_t n, want = len - *out_n < st->budget ? len - *out_n : st->budget;
        want = want < DP_STREAM_CALL_MAX ? want : DP_STREAM_CALL_MAX;
        int rc = st->io->ops->write(st->io, &n, st->b->h, p + *out_n, want);
        if (rc == RL_EAGAIN) {
            st->b->wr = false;
            break;
        }
        if (rc != 0) {
            return rc;
        }
        *out_n += n;
        st->budget -= n;
    }
    return 0;
}

/* net_read reads up to `cap` octets within the run's budget: as the
 * backend's read, RL_EAGAIN once the budget is spent (b->rd kept). */
static int
net_read(struct dp_stream *st, size_t *out_n, uint8_t *buf, size_t cap)
{
    *out_n = 0;
    if (!may_call(st)) {
        return RL_EAGAIN;
    }
    int rc = st->io->ops->read(st->io, out_n, st->b->h, buf, cap < st->budget ? cap : st->budget);
    if (rc == RL_EAGAIN) {
        st->b->rd = false;
    }
    st->budget -= *out_n;
    return rc;
}

int
dp_stream_flush(struct dp_stream *st, bool *progress)
{
    if (st->tls == NULL) {
        return 0;
    }
    size_t len;
    const uint8_t *o = tls_conn_output(st->tls, &len);
    /* The output buffer wraps: what it lends may be followed by more. A
     * run whose budget is spent moves nothing: the rest goes next turn. */
    while (len > 0 && st->b->wr && !st->spent) {
        size_t n;
        int rc = net_write(st, o, len, &n);
        if (rc != 0) {
            return rc;
        }
        tls_conn_consume(st->tls, n);
        *progress = *progress || n > 0;
        o = tls_conn_output(st->tls, &len);
    }
    return 0;
}

size_t
dp_stream_pending(const struct dp_stream *st)
{
    size_t len = 0;
    if (st->tls != NULL) {
        (void)tls_conn_output(st->tls, &len);
    }
    return len;
}

/* feed reads ciphertext into crx and gives TLS what it takes, and the end
 * of stream once all was fed. */
static int
feed(struct dp_stream *st, bool *progress)
{
    if (st->crx_off == st->crx_len) {
        st->crx_off = st->crx_len = 0;
    }
    if (st->b->rd && !st->net_eof && st->crx_len < sizeof(st->crx)) {
        if (st->crx_off > 0) {
            memmove(st->crx, st->crx + st->crx_off, st->crx_len - st->crx_off);
            st->crx_len -= st->crx_off;
            st->crx_off = 0;
        }
        size_t n;
        int rc = net_read(st, &n, st->crx + st->crx_len, sizeof(st->crx) - st->crx_len);
        if (rc == RL_EAGAIN) {
            /* would block (rd cleared), or the run's budget is spent */
        } else if (rc != 0) {
            return rc;
        } else {
            st->net_eof = n == 0;
            st->crx_len += n;
            *progress = true;
        }
    }
    if (st->crx_off < st->crx_len) {
        size_t used = 0;
        int rc = tls_conn_feed(st->tls, &used, st->crx + st->crx_off, st->crx_len - st->crx_off);
        st->crx_off += used;
        *progress = *progress || used > 0;
        if (rc == RL_ETLS) {
            return rc;
        }
    }
    if (st->net_eof && !st->eof_fed && st->crx_off == st->crx_len) {
        tls_conn_feed_eof(st->tls);
        st->eof_fed = true;
        *progress = true;
    }
    return 0;
}

int
dp_stream_read(struct dp_stream *st, size_t *out_n, uint8_t *buf, size_t cap, bool *progress)
{
    *out_n = 0;
    if (st->tls == NULL) {
        if (!st->b->rd) {
            return RL_EAGAIN;
        }
        int rc = net_read(st, out_n, buf, cap);
        *progress = *progress || rc == 0;
        return rc;
    }
    int rc = feed(st, progress);
    if (rc != 0) {
        return rc;
    }
    if (!tls_conn_done(st->tls)) {
        return RL_EAGAIN; /* the caller drives the handshake */
    }
    rc = tls_conn_read(st->tls, out_n, buf, cap);
    *progress = *progress || rc == 0;
    return rc;
}

int
dp_stream_write(struct dp_stream *st, size_t *out_n, const uint8_t *p, size_t len, bool *progress)
{
    *out_n = 0;
    if (st->tls == NULL) {
        int rc = net_write(st, p, len, out_n);
        *progress = *progress || *out_n > 0;
        return rc;
    }
    if (len > 0 && tls_conn_done(st->tls)) {
        int rc = tls_conn_write(st->tls, out_n, p, len);
        if (rc == RL_ETLS) {
            return rc;
        }
        if (rc != 0) {
            *out_n = 0; /* its output is full: the records go first */
        }
        *progress = *progress || *out_n > 0;
    }
    return dp_stream_flush(st, progress);
}

/* body_advance records `n` body octets handed on: the client's data timeout
 * restarts, and the body is complete at its end. */
static void
body_advance(struct smtp_client *cli, struct dp_body *body, size_t n)
{
    body->off += n;
    smtp_client_body_progress(cli);
    if (body->off == body->len) {
        body->p = NULL;
        (void)smtp_client_body_sent(cli);
    }
}

int
dp_stream_pump(struct dp_stream *st, struct smtp_client *cli, struct dp_body *body, bool *progress)
{
    for (;;) {
        bool moved = false;
        size_t len, n = 0;
        const uint8_t *p = smtp_client_output(cli, &len);
        int rc;
        if (len > 0) {
            rc = dp_stream_write(st, &n, p, len, &moved);
            smtp_client_consume(cli, n);
        } else if (body->p != NULL) {
            rc = dp_stream_write(st, &n, body->p + body->off, body->len - body->off, &moved);
            if (n > 0) {
                body_advance(cli, body, n);
            }
        } else {
            rc = dp_stream_flush(st, &moved);
        }
        if (rc != 0) {
            return rc;
        }
        *progress = *progress || moved;
        /* In clear a short write means the backend is full; through TLS
         * records may still go out once the ciphertext is sent. */
        if (!moved || (st->tls == NULL && !st->b->wr)) {
            return 0;
        }
    }
}

void
dp_hop_host(char *out, size_t cap, const char *hop)
{
    const char *end = strrchr(hop, ':');
    size_t n = end != NULL ? (size_t)(end - hop) : strlen(hop);
    if (n >= 2 && hop[0] == '[' && hop[n - 1] == ']') {
        hop++;
        n -= 2;
    }
    snprintf(out, cap, "%.*s", (int)n, hop);
}
