/* SPDX-License-Identifier: Apache-2.0 */
/* Echo, discard and source services over a tcp_stack, event driven: each
 * ready connection runs until the stack says RL_EAGAIN. The stack's core
 * only. */
#include "tcp_svc.h"

#include <stdlib.h>
#include <string.h>

enum svc_kind {
    SVC_NONE = 0,
    SVC_ECHO,
    SVC_DISCARD,
    SVC_SOURCE,
};

#define SVC_BUF 16384

struct svc_conn {
    uint8_t kind;                /* enum svc_kind */
    bool eof;                    /* the peer finished sending */
    bool count_read;             /* source: the count line was read */
    uint32_t pend_off, pend_len; /* echo: octets read, not yet written */
    uint64_t to_send, sent;      /* source */
    uint32_t line_len;
    char line[24];
    uint8_t *pend;
};

struct tcp_svc {
    struct tcp_stack *st;
    uint32_t lh[3];
    uint32_t max;
    uint32_t n_conns;
    struct svc_conn *c; /* by connection handle */
};

int
tcp_svc_new(struct tcp_svc **out_s, struct tcp_stack *st, uint16_t echo_port, uint16_t discard_port,
            uint16_t source_port)
{
    struct tcp_svc *s = calloc(1, sizeof(*s));
    if (!s) {
        return RL_ENOMEM;
    }
    s->st = st;
    /* handles are connection slots, below the stack's max_conns */
    s->max = 65536;
    s->c = calloc(s->max, sizeof(*s->c));
    if (!s->c) {
        free(s);
        return RL_ENOMEM;
    }
    uint16_t ports[3] = {echo_port, discard_port, source_port};
    for (int i = 0; i < 3; i++) {
        s->lh[i] = UINT32_MAX;
        if (ports[i]) {
            int rc = tcp_stack_listen(st, &s->lh[i], ports[i], (uint64_t)i | (1ull << 63));
            if (rc) {
                tcp_svc_free(s, 0);
                return rc;
            }
        }
    }
    *out_s = s;
    return 0;
}

static void
finish(struct tcp_svc *s, uint32_t h, bool abort, uint64_t now_us)
{
    struct svc_conn *c = &s->c[h];
    free(c->pend);
    memset(c, 0, sizeof(*c));
    tcp_stack_close(s->st, h, abort, now_us);
    s->n_conns--;
}

/* Writes what is pending; false while some remains. */
static bool
flush_pending(struct tcp_svc *s, uint32_t h, struct svc_conn *c, uint64_t now_us)
{
    while (c->pend_len) {
        size_t w = 0;
        if (tcp_stack_write(s->st, &w, h, c->pend + c->pend_off, c->pend_len, now_us) != 0) {
            return false;
        }
        c->pend_off += (uint32_t)w;
        c->pend_len -= (uint32_t)w;
    }
    return true;
}

static bool
source_send(struct tcp_svc *s, uint32_t h, struct svc_conn *c, uint64_t now_us)
{
    uint8_t buf[4096];
    while (c->sent < c->to_send) {
        size_t n =
            c->to_send - c->sent < sizeof(buf) ? (size_t)(c->to_send - c->sent) : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = tcp_svc_pattern(c->sent + i);
        }
        size_t w = 0;
        if (tcp_stack_write(s->st, &w, h, buf, n, now_us) != 0) {
            return false;
        }
        c->sent += w;
    }
    return true;
}

static void
serve(struct tcp_svc *s, uint32_t h, uint32_t flags, uint64_t now_us)
{
    struct svc_conn *c = &s->c[h];
    uint8_t buf[SVC_BUF];
    if (flags & TCP_EV_HANGUP) {
        size_t r;
        if (tcp_stack_read(s->st, &r, h, buf, 1) == RL_EIO) {
            finish(s, h, true, now_us);
            return;
        }
    }
    for (;;) {
        if (c->kind == SVC_ECHO && !flush_pending(s, h, c, now_us)) {
            return; /* wait for TCP_EV_WRITABLE */
        }
        if (c->kind == SVC_SOURCE && c->count_read && !source_send(s, h, c, now_us)) {
            return;
        }
        if (c->kind == SVC_SOURCE && c->count_read && c->sent == c->to_send) {
            finish(s, h, false, now_us);
            return;
        }
        if (c->eof) {
            if (c->kind != SVC_SOURCE || !c->count_read) {
                finish(s, h, false, now_us);
            }
            return;
        }
        size_t r = 0;
        int rc = tcp_stack_read(s->st, &r, h, buf, sizeof(buf));
        if (rc == RL_EAGAIN) {
            return;
        }
        if (rc != 0) {
            finish(s, h, true, now_us);
            return;
        }
        if (r == 0) {
            c->eof = true;
            continue;
        }
        if (c->kind == SVC_ECHO) {
            memcpy(c->pend, buf, r);
            c->pend_off = 0;
            c->pend_len = (uint32_t)r;
        } else if (c->kind == SVC_SOURCE && !c->count_read) {
            for (size_t i = 0; i < r && !c->count_read; i++) {
                if (buf[i] == '\n' || c->line_len == sizeof(c->line) - 1) {
                    c->line[c->line_len] = 0;
                    c->to_send = strtoull(c->line, NULL, 10);
                    c->count_read = true;
                } else {
                    c->line[c->line_len++] = (char)buf[i];
                }
            }
        }
    }
}

size_t
tcp_svc_run(struct tcp_svc *s, uint64_t now_us)
{
    struct tcp_event ev[64];
    size_t n = tcp_stack_poll(s->st, ev, 64);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].cookie >> 63) {
            uint32_t li = (uint32_t)(ev[i].cookie & 3);
            uint32_t h, ip;
            uint16_t port;
            while (tcp_stack_accept(s->st, &h, &ip, &port, s->lh[li], 0) == 0) {
                if (h >= s->max) {
                    tcp_stack_close(s->st, h, true, now_us);
                    continue;
                }
                tcp_stack_set_cookie(s->st, h, h);
                struct svc_conn *c = &s->c[h];
                memset(c, 0, sizeof(*c));
                c->kind = (uint8_t)(SVC_ECHO + li);
                if (c->kind == SVC_ECHO) {
                    c->pend = malloc(SVC_BUF);
                    if (!c->pend) {
                        tcp_stack_close(s->st, h, true, now_us);
                        c->kind = SVC_NONE;
                        continue;
                    }
                }
                s->n_conns++;
            }
            continue;
        }
        serve(s, (uint32_t)ev[i].cookie, ev[i].flags, now_us);
    }
    return n;
}

uint32_t
tcp_svc_conns(const struct tcp_svc *s)
{
    return s->n_conns;
}

void
tcp_svc_free(struct tcp_svc *s, uint64_t now_us)
{
    if (!s) {
        return;
    }
    for (uint32_t h = 0; h < s->max; h++) {
        if (s->c[h].kind) {
            finish(s, h, true, now_us);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (s->lh[i] != UINT32_MAX) {
            tcp_stack_close(s->st, s->lh[i], false, now_us);
        }
    }
    free(s->c);
    free(s);
}
