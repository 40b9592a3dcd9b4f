/* SPDX-License-Identifier: Apache-2.0 */
/* The in-memory io_backend: every handle is an end of a connection (or a
 * listener) in the net's table; each end has a receive queue its peer
 * writes into. Readiness is edge-triggered as io_backend.h says: an event is
 * queued on the owning backend when an end becomes readable or writable,
 * and poll hands them out without ever blocking. One thread. */
#include "io_mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MEM_QUEUE_CAP 65536 /* octets a receive queue holds: a full one blocks the writer */
#define MEM_ENDS 4096       /* ends (and listeners) on one net */
#define MEM_BACKLOG 64      /* connections a listener holds before accept */

struct mem_be;

struct mem_end {
    bool used;
    bool listener;
    struct mem_be *owner; /* NULL while waiting in a listener's backlog */
    uint64_t cookie;
    uint32_t peer;  /* the other end; MEM_ENDS for none */
    bool closed;    /* its owner closed it */
    bool peer_gone; /* the peer closed: end of stream after the queue */
    bool reset;     /* a failed connection: reads and writes give RL_EIO */
    bool queued;    /* on its owner's event list */
    uint32_t flags; /* events gathered since the last poll */
    uint32_t next_ev;
    uint8_t *q; /* receive queue, MEM_QUEUE_CAP octets */
    size_t q_off, q_len;
    /* Listener. */
    struct io_addr addr;
    uint32_t backlog[MEM_BACKLOG];
    size_t n_backlog;
};

struct io_mem_net {
    struct mem_end ends[MEM_ENDS];
    size_t chunk;
    uint64_t fail_at[IO_MEM__OPS];
    uint64_t count[IO_MEM__OPS];
    uint32_t rr; /* round robin over listeners of one address */
};

struct mem_be {
    struct io_backend be; /* first: io_backend pointers convert */
    struct io_mem_net *net;
    uint32_t ev_head, ev_tail; /* event list through mem_end.next_ev; MEM_ENDS = none */
};

static struct mem_be *
mb(struct io_backend *be)
{
    return (struct mem_be *)(void *)be;
}

int
io_mem_net_new(struct io_mem_net **out_net)
{
    struct io_mem_net *net = calloc(1, sizeof(*net));
    if (net == NULL) {
        return RL_ENOMEM;
    }
    *out_net = net;
    return 0;
}

void
io_mem_net_free(struct io_mem_net *net)
{
    if (net == NULL) {
        return;
    }
    for (size_t i = 0; i < MEM_ENDS; i++) {
        free(net->ends[i].q);
    }
    free(net);
}

void
io_mem_net_chunk(struct io_mem_net *net, size_t max)
{
    net->chunk = max;
}

void
io_mem_net_fail(struct io_mem_net *net, enum io_mem_op op, uint64_t nth)
{
    net->fail_at[op] = nth == 0 ? 0 : net->count[op] + nth;
}

uint64_t
io_mem_net_count(const struct io_mem_net *net, enum io_mem_op op)
{
    return net->count[op];
}

size_t
io_mem_net_open(const struct io_mem_net *net)
{
    size_t n = 0;
    for (size_t i = 0; i < MEM_ENDS; i++) {
        n += net->ends[i].used && !net->ends[i].listener && !net->ends[i].closed;
    }
    return n;
}

/* failing counts one operation `op` and tells whether it is the one to fail. */
static bool
failing(struct io_mem_net *net, enum io_mem_op op)
{
    net->count[op]++;
    return net->fail_at[op] != 0 && net->count[op] == net->fail_at[op];
}

/* post gathers `flags` for end `i` on its owner's event list. */
static void
post(struct io_mem_net *net, uint32_t i, uint32_t flags)
{
    struct mem_end *e = &net->ends[i];
    if (e->owner == NULL || e->closed) {
        return;
    }
    e->flags |= flags;
    if (e->queued) {
        return;
    }
    e->queued = true;
    e->next_ev = MEM_ENDS;
    struct mem_be *b = e->owner;
    if (b->ev_tail != MEM_ENDS) {
        net->ends[b->ev_tail].next_ev = i;
    } else {
        b->ev_head = i;
    }
    b->ev_tail = i;
}

static int
end_new(struct io_mem_net *net, uint32_t *out)
{
    for (uint32_t i = 0; i < MEM_ENDS; i++) {
        struct mem_end *e = &net->ends[i];
        if (!e->used && !e->queued) { /* a queued one is still on an event list */
            uint8_t *q = e->q;
            memset(e, 0, sizeof(*e));
            e->q = q;
            e->used = true;
            e->peer = MEM_ENDS;
            *out = i;
            return 0;
        }
    }
    return RL_ENOMEM;
}

/* end_free releases an end once its owner closed it and its peer is gone. */
static void
end_free(struct io_mem_net *net, uint32_t i)
{
    struct mem_end *e = &net->ends[i];
    if (e->q != NULL) {
        explicit_bzero(e->q, MEM_QUEUE_CAP);
    }
    e->used = false;
}

/* break_conn resets a connection: both ends read RL_EIO from now on. */
static void
break_conn(struct io_mem_net *net, uint32_t i)
{
    struct mem_end *e = &net->ends[i];
    e->reset = true;
    post(net, i, IO_READABLE | IO_WRITABLE | IO_HANGUP);
    if (e->peer != MEM_ENDS) {
        net->ends[e->peer].reset = true;
        post(net, e->peer, IO_READABLE | IO_WRITABLE | IO_HANGUP);
    }
}

static int
m_listen(struct io_backend *be, uint32_t *out_h, int *out_detail, const struct io_addr *addr,
         uint64_t cookie)
{
    struct mem_be *b = mb(be);
    uint32_t i;
    if (end_new(b->net, &i) != 0) {
        *out_detail = 12; /* ENOMEM */
        return RL_EIO;
    }
    struct mem_end *e = &b->net->ends[i];
    e->listener = true;
    e->owner = b;
    e->cookie = cookie;
    e->addr = *addr;
    *out_h = i;
    return 0;
}

static int
m_accept(struct io_backend *be, uint32_t *out_h, struct io_addr *out_peer, uint32_t lh,
         uint64_t cookie)
{
    struct mem_be *b = mb(be);
    struct mem_end *l = &b->net->ends[lh];
    if (l->n_backlog == 0) {
        return RL_EAGAIN;
    }
    uint32_t i = l->backlog[0];
    memmove(l->backlog, l->backlog + 1, (l->n_backlog - 1) * sizeof(l->backlog[0]));
    l->n_backlog--;
    struct mem_end *e = &b->net->ends[i];
    if (failing(b->net, IO_MEM_ACCEPT)) {
        e->closed = true;
        uint32_t p = e->peer;
        e->peer = MEM_ENDS;
        if (p != MEM_ENDS) {
            b->net->ends[p].peer = MEM_ENDS;
            b->net->ends[p].reset = true;
            post(b->net, p, IO_READABLE | IO_WRITABLE | IO_HANGUP);
        }
        end_free(b->net, i);
        return RL_EIO;
    }
    e->owner = b;
    e->cookie = cookie;
    memset(out_peer, 0, sizeof(*out_peer));
    out_peer->family = IO_AF_INET4;
    out_peer->ip[0] = 127;
    out_peer->ip[3] = 1;
    out_peer->port = (uint16_t)(10000 + i);
    *out_h = i;
    post(b->net, i, IO_WRITABLE | (e->q_len > 0 || e->peer_gone ? IO_READABLE : 0));
    return 0;
}

/* find_listener returns a listener on `addr`, round robin over several. */
static uint32_t
find_listener(struct io_mem_net *net, const struct io_addr *addr)
{
    uint32_t found = MEM_ENDS;
    for (uint32_t k = 0; k < MEM_ENDS; k++) {
        uint32_t i = (net->rr + 1 + k) % MEM_ENDS;
        const struct mem_end *e = &net->ends[i];
        if (e->used && e->listener && !e->closed && io_addr_equal(&e->addr, addr) &&
            e->n_backlog < MEM_BACKLOG) {
            found = i;
            break;
        }
    }
    if (found != MEM_ENDS) {
        net->rr = found;
    }
    return found;
}

static int
queue_alloc(struct mem_end *e)
{
    if (e->q == NULL) {
        e->q = malloc(MEM_QUEUE_CAP);
    }
    return e->q != NULL ? 0 : RL_ENOMEM;
}

static int
m_connect(struct io_backend *be, uint32_t *out_h, const struct io_addr *addr, uint64_t cookie)
{
    struct mem_be *b = mb(be);
    struct io_mem_net *net = b->net;
    if (failing(net, IO_MEM_CONNECT)) {
        return RL_EIO;
    }
    uint32_t c, s = MEM_ENDS;
    if (end_new(net, &c) != 0 || queue_alloc(&net->ends[c]) != 0) {
        return RL_EIO;
    }
    struct mem_end *ce = &net->ends[c];
    ce->owner = b;
    ce->cookie = cookie;
    uint32_t l = find_listener(net, addr);
    if (l == MEM_ENDS || end_new(net, &s) != 0 || queue_alloc(&net->ends[s]) != 0) {
        /* Nobody listens: the connection fails as a refused TCP connect does. */
        if (s != MEM_ENDS) {
            end_free(net, s);
        }
        ce->reset = true;
        post(net, c, IO_READABLE | IO_WRITABLE | IO_HANGUP);
        *out_h = c;
        return 0;
    }
    struct mem_end *se = &net->ends[s];
    ce->peer = s;
    se->peer = c;
    struct mem_end *le = &net->ends[l];
    le->backlog[le->n_backlog++] = s;
    post(net, l, IO_READABLE);
    post(net, c, IO_WRITABLE);
    *out_h = c;
    return 0;
}

static int
m_read(struct io_backend *be, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap)
{
    struct io_mem_net *net = mb(be)->net;
    struct mem_end *e = &net->ends[h];
    *out_n = 0;
    if (e->reset) {
        return RL_EIO;
    }
    if (e->q_len == 0) {
        return e->peer_gone ? 0 : RL_EAGAIN;
    }
    if (failing(net, IO_MEM_READ)) {
        break_conn(net, h);
        return RL_EIO;
    }
    size_t n = e->q_len < cap ? e->q_len : cap;
    if (net->chunk != 0 && n > net->chunk) {
        n = net->chunk;
    }
    memcpy(buf, e->q + e->q_off, n);
    e->q_off += n;
    e->q_len -= n;
    if (e->q_len == 0) {
        e->q_off = 0;
    }
    *out_n = n;
    if (e->peer != MEM_ENDS) {
        post(net, e->peer, IO_WRITABLE); /* room again */
    }
    if (e->q_len > 0 || e->peer_gone) {
        post(net, h, IO_READABLE); /* a chunked read leaves more behind */
    }
    return 0;
}

static int
m_write(struct io_backend *be, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len)
{
    struct io_mem_net *net = mb(be)->net;
    struct mem_end *e = &net->ends[h];
    *out_n = 0;
    if (e->reset || e->peer == MEM_ENDS) {
        return RL_EIO; /* a failed connection, or the peer closed (EPIPE) */
    }
    struct mem_end *p = &net->ends[e->peer];
    if (p->q_off > 0) {
        memmove(p->q, p->q + p->q_off, p->q_len);
        p->q_off = 0;
    }
    size_t room = MEM_QUEUE_CAP - p->q_len;
    if (room == 0 || len == 0) {
        return RL_EAGAIN;
    }
    if (failing(net, IO_MEM_WRITE)) {
        break_conn(net, h);
        return RL_EIO;
    }
    size_t n = len < room ? len : room;
    if (net->chunk != 0 && n > net->chunk) {
        n = net->chunk;
    }
    memcpy(p->q + p->q_len, buf, n);
    p->q_len += n;
    *out_n = n;
    post(net, e->peer, IO_READABLE);
    if (n < len && room > n) {
        post(net, h, IO_WRITABLE); /* chunked: room is left */
    }
    return 0;
}

static void
m_close(struct io_backend *be, uint32_t h)
{
    struct io_mem_net *net = mb(be)->net;
    struct mem_end *e = &net->ends[h];
    if (!e->used || e->closed) {
        return;
    }
    e->closed = true;
    if (e->listener) {
        /* Connections never accepted are refused. */
        for (size_t k = 0; k < e->n_backlog; k++) {
            uint32_t s = e->backlog[k];
            uint32_t c = net->ends[s].peer;
            if (c != MEM_ENDS) {
                net->ends[c].peer = MEM_ENDS;
                net->ends[c].reset = true;
                post(net, c, IO_READABLE | IO_WRITABLE | IO_HANGUP);
            }
            end_free(net, s);
        }
        e->n_backlog = 0;
        end_free(net, h);
        return;
    }
    uint32_t p = e->peer;
    if (p != MEM_ENDS) {
        net->ends[p].peer_gone = true;
        net->ends[p].peer = MEM_ENDS;
        post(net, p, IO_READABLE | IO_HANGUP);
    }
    end_free(net, h);
}

static size_t
m_poll(struct io_backend *be, struct io_event *out, size_t cap, int timeout_ms)
{
    (void)timeout_ms; /* never blocks: the test drives time */
    struct mem_be *b = mb(be);
    size_t n = 0;
    while (n < cap && b->ev_head != MEM_ENDS) {
        uint32_t i = b->ev_head;
        struct mem_end *e = &b->net->ends[i];
        b->ev_head = e->next_ev;
        if (b->ev_head == MEM_ENDS) {
            b->ev_tail = MEM_ENDS;
        }
        e->queued = false;
        if (e->used && !e->closed && e->owner == b) {
            out[n].cookie = e->cookie;
            out[n].flags = e->flags;
            n++;
        }
        e->flags = 0;
    }
    return n;
}

static void
m_free(struct io_backend *be)
{
    if (be == NULL) {
        return;
    }
    struct mem_be *b = mb(be);
    for (uint32_t i = 0; i < MEM_ENDS; i++) {
        if (b->net->ends[i].used && b->net->ends[i].owner == b) {
            m_close(be, i);
        }
    }
    free(b);
}

static const struct io_backend_ops mem_ops = {
    .name = "mem",
    .listen = m_listen,
    .accept = m_accept,
    .connect = m_connect,
    .read = m_read,
    .write = m_write,
    .close = m_close,
    .poll = m_poll,
    .free = m_free,
};

static int
mem_create(struct io_backend **out_be, const void *arg)
{
    if (arg == NULL) {
        return RL_EINVAL;
    }
    struct mem_be *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return RL_ENOMEM;
    }
    b->be.ops = &mem_ops;
    b->net = (struct io_mem_net *)(uintptr_t)arg;
    b->ev_head = b->ev_tail = MEM_ENDS;
    *out_be = &b->be;
    return 0;
}

const struct io_backend_kind io_mem_kind = {.name = "mem", .create = mem_create};
