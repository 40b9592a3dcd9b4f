/* SPDX-License-Identifier: Apache-2.0 */
/* Moving octets between a worker's connections and its I/O backend, in clear
 * or through a TLS connection: the loops both legs and a release share
 * (dp_inbound.c, dp_relay.c, dp_release.c). */
#include <stdio.h>
#include <string.h>

#include "dp_conn.h"

int
dp_net_write(struct io_backend *io, struct dp_base *b, const uint8_t *p, size_t len, size_t *out_n)
{
    *out_n = 0;
    while (*out_n < len && b->wr) {
        size_t n;
        int rc = io->ops->write(io, &n, b->h, p + *out_n, len - *out_n);
        if (rc == RL_EAGAIN) {
            b->wr = false;
            break;
        }
        if (rc != 0) {
            return rc;
        }
        *out_n += n;
    }
    return 0;
}

int
dp_tls_send(struct io_backend *io, struct dp_base *b, struct tls_conn *t, bool *progress)
{
    size_t len;
    const uint8_t *o = tls_conn_output(t, &len);
    /* The output buffer wraps: what it lends may be followed by more. */
    while (len > 0 && b->wr) {
        size_t n;
        int rc = dp_net_write(io, b, o, len, &n);
        if (rc != 0) {
            return rc;
        }
        tls_conn_consume(t, n);
        *progress = *progress || n > 0;
        o = tls_conn_output(t, &len);
    }
    return 0;
}

int
dp_tls_recv(struct io_backend *io, struct dp_base *b, struct tls_conn *t, struct dp_tls_rx *rx,
            bool *progress)
{
    if (rx->off == rx->len) {
        rx->off = rx->len = 0;
    }
    if (b->rd && !rx->net_eof && rx->len < sizeof(rx->buf)) {
        if (rx->off > 0) {
            memmove(rx->buf, rx->buf + rx->off, rx->len - rx->off);
            rx->len -= rx->off;
            rx->off = 0;
        }
        size_t n;
        int rc = io->ops->read(io, &n, b->h, rx->buf + rx->len, sizeof(rx->buf) - rx->len);
        if (rc == RL_EAGAIN) {
            b->rd = false;
        } else if (rc != 0) {
            return rc;
        } else {
            rx->net_eof = n == 0;
            rx->len += n;
            *progress = true;
        }
    }
    if (rx->off < rx->len) {
        size_t used = 0;
        int rc = tls_conn_feed(t, &used, rx->buf + rx->off, rx->len - rx->off);
        rx->off += used;
        *progress = *progress || used > 0;
        if (rc == RL_ETLS) {
            return rc;
        }
    }
    if (rx->net_eof && !rx->eof_fed && rx->off == rx->len) {
        tls_conn_feed_eof(t);
        rx->eof_fed = true;
        *progress = true;
    }
    return 0;
}

void
dp_tls_rx_clear(struct dp_tls_rx *rx)
{
    explicit_bzero(rx->buf, rx->len);
    rx->off = rx->len = 0;
    rx->net_eof = rx->eof_fed = false;
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

/* pump_tls: commands, then body octets, through `t` as records. */
static int
pump_tls(struct io_backend *io, struct dp_base *b, struct tls_conn *t, struct smtp_client *cli,
         struct dp_body *body, bool *progress)
{
    for (;;) {
        bool moved = false;
        size_t len, n = 0;
        const uint8_t *p = smtp_client_output(cli, &len);
        int rc = 0;
        if (!tls_conn_done(t)) {
            /* handshake records only */
        } else if (len > 0) {
            rc = tls_conn_write(t, &n, p, len);
            if (rc == 0) {
                smtp_client_consume(cli, n);
            }
        } else if (body->p != NULL) {
            rc = tls_conn_write(t, &n, body->p + body->off, body->len - body->off);
            if (rc == 0) {
                body_advance(cli, body, n);
            }
        }
        if (rc == RL_ETLS) {
            return rc;
        }
        rc = dp_tls_send(io, b, t, &moved);
        if (rc != 0) {
            return rc;
        }
        moved = moved || n > 0;
        *progress = *progress || moved;
        if (!moved) {
            return 0;
        }
    }
}

int
dp_pump(struct io_backend *io, struct dp_base *b, struct tls_conn *t, struct smtp_client *cli,
        struct dp_body *body, bool *progress)
{
    if (t != NULL) {
        return pump_tls(io, b, t, cli, body, progress);
    }
    size_t len, n;
    const uint8_t *p = smtp_client_output(cli, &len);
    int rc = dp_net_write(io, b, p, len, &n);
    if (rc != 0) {
        return rc;
    }
    smtp_client_consume(cli, n);
    *progress = *progress || n > 0;
    if (n < len || body->p == NULL) {
        return 0;
    }
    rc = dp_net_write(io, b, body->p + body->off, body->len - body->off, &n);
    if (rc != 0) {
        return rc;
    }
    if (n > 0) {
        *progress = true;
        body_advance(cli, body, n);
    }
    return 0;
}
