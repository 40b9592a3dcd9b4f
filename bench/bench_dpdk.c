/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench-dpdk smtp`: the SMTP load generator and the sink on
 * Redline's user-space TCP stack (dataplane/net) over one DPDK port, so that
 * a path from the generator through redlined --backend dpdk to the sink
 * crosses no kernel (memif or ring ports). One thread, one stack: client
 * sessions (bench_client.h) connect to redlined, sink sessions
 * (bench_server.h) take what redlined relays, on the same address. Counts
 * what completes inside a measurement window after a warm-up; prints one
 * JSON object. Main thread only; needs the EAL (root for most ports). */
#include "bench_dpdk.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "bench_client.h"
#include "bench_corpus.h"
#include "bench_hist.h"
#include "bench_mail.h"
#include "bench_server.h"
#include "internal.h"
#include "tcp_dpdk.h"
#include "tcp_stack.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "../shared/corpus"
#endif

#define MAX_CLIENTS 1024
#define MAX_SINKS 4096
#define RBUF 65536
#define KIND_CLIENT (UINT64_C(1) << 40)
#define KIND_SINK (UINT64_C(2) << 40)
#define KIND_LISTEN (UINT64_C(3) << 40)
#define KIND_MASK (UINT64_C(3) << 40)
#define IDLE_SPIN_NS 50000u /* keep polling this long after the last frame before a nap */

struct opts {
    uint32_t ip, peer;
    uint8_t plen;
    uint8_t mac[6];
    uint16_t peer_port, sink_port;
    unsigned connections, distinct, nap_us;
    size_t size;
    double density, warmup, duration, timeout;
    bool new_conn, no_message, pipelining, corpus_mix;
    const char *json, *corpus;
};

struct csess {
    uint32_t h;
    bool open, up, busy;
    struct bench_client c;
    uint64_t t0_ns, deadline_ns;
    size_t msg_bytes;
    uint8_t hdr[BENCH_MAIL_HDR_MAX];
};

struct ssess {
    uint32_t h;
    bool open;
    struct bench_server s;
};

struct run {
    struct opts o;
    struct tcp_dpdk_group *g;
    struct tcp_dpdk_core *core;
    struct tcp_stack *st;
    struct bench_client_script script;
    struct bench_server_cfg scfg;
    struct bench_values vals;
    struct bench_mailset mails;
    size_t skipped; /* corpus messages left out (lines over 998 octets) */
    struct csess *c;
    struct ssess *s;
    uint32_t listener;
    uint64_t seq;
    uint64_t t_start, t_win, t_end; /* ns */
    uint64_t last_busy_ns;
    bool counting, stopping;
    /* inside the window */
    uint64_t ok, fail, tempfail, permfail, sink_ok, sink_bytes, bytes_ok, conns_opened, conn_errors,
        sessions_done;
    double cpu0;
    struct bench_hist hist;
    char last_error[200];
    uint8_t rbuf[RBUF];
};

static volatile sig_atomic_t stop_req;

static void
on_signal(int sig)
{
    (void)sig;
    stop_req = 1;
}

static int
parse_ip(const char *s, uint32_t *ip, uint8_t *plen, uint16_t *port)
{
    unsigned a, b, c, d, n = 32, p = 0;
    char sep = 0;
    int k = sscanf(s, "%u.%u.%u.%u%c%u", &a, &b, &c, &d, &sep, plen ? &n : &p);
    if (k < 4 || a > 255 || b > 255 || c > 255 || d > 255) {
        return -1;
    }
    if (plen != NULL && (k != 6 || sep != '/' || n < 1 || n > 32)) {
        return -1;
    }
    if (port != NULL && (k != 6 || sep != ':' || p < 1 || p > 65535)) {
        return -1;
    }
    *ip = a << 24 | b << 16 | c << 8 | d;
    if (plen != NULL) {
        *plen = (uint8_t)n;
    }
    if (port != NULL) {
        *port = (uint16_t)p;
    }
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: redline-bench-dpdk smtp --ip A.B.C.D/N --connect IP:PORT --sink-port P\n"
            "          [--connections N (10)] [--size BYTES (4096)] [--density F (0.05)]\n"
            "          [--warmup S (1)] [--duration S (5)] [--new-conn] [--pipelining]\n"
            "          [--no-message (sessions without a message: greeting, EHLO, QUIT)]\n"
            "          [--nap-us US (0: spin)] [--mac xx:xx:xx:xx:xx:xx] [--json FILE]\n"
            "          [--corpus DIR (%s)] [--corpus-mix (the corpus's messages in turn,\n"
            "          as redline-bench smtp --corpus-mix, instead of --size/--density)]\n"
            "          -- EAL-ARGUMENTS\n"
            "  the stack takes DPDK port 0 (the first --vdev or -a of the EAL arguments)\n",
            BENCH_CORPUS_DIR);
}

static int
parse(struct opts *o, int argc, char **argv)
{
    *o = (struct opts){.connections = 10,
                       .distinct = 16,
                       .size = 4096,
                       .density = 0.05,
                       .warmup = 1,
                       .duration = 5,
                       .timeout = 30,
                       .corpus = BENCH_CORPUS_DIR};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        bool ok = v != NULL;
        if (strcmp(a, "--new-conn") == 0) {
            o->new_conn = true;
            continue;
        }
        if (strcmp(a, "--pipelining") == 0) {
            o->pipelining = true;
            continue;
        }
        if (strcmp(a, "--no-message") == 0) {
            o->no_message = true;
            continue;
        }
        if (strcmp(a, "--corpus-mix") == 0) {
            o->corpus_mix = true;
            continue;
        }
        if (!ok) {
            /* the option's value is missing */
        } else if (strcmp(a, "--ip") == 0) {
            ok = parse_ip(v, &o->ip, &o->plen, NULL) == 0;
        } else if (strcmp(a, "--connect") == 0) {
            ok = parse_ip(v, &o->peer, NULL, &o->peer_port) == 0;
        } else if (strcmp(a, "--sink-port") == 0) {
            ok = bench_arg_u64(v, 1, 65535, &n);
            o->sink_port = (uint16_t)n;
        } else if (strcmp(a, "--connections") == 0) {
            ok = bench_arg_u64(v, 1, MAX_CLIENTS, &n);
            o->connections = (unsigned)n;
        } else if (strcmp(a, "--size") == 0) {
            ok = bench_arg_u64(v, 1024, (uint64_t)1 << 24, &n);
            o->size = (size_t)n;
        } else if (strcmp(a, "--density") == 0) {
            ok = bench_arg_double(v, 0, 1, &o->density);
        } else if (strcmp(a, "--warmup") == 0) {
            ok = bench_arg_double(v, 0, 3600, &o->warmup);
        } else if (strcmp(a, "--duration") == 0) {
            ok = bench_arg_double(v, 0.1, 3600, &o->duration);
        } else if (strcmp(a, "--json") == 0) {
            o->json = v;
        } else if (strcmp(a, "--corpus") == 0) {
            o->corpus = v;
        } else if (strcmp(a, "--nap-us") == 0) {
            ok = bench_arg_u64(v, 0, 100000, &n);
            o->nap_us = (unsigned)n;
        } else if (strcmp(a, "--mac") == 0) {
            unsigned m[6];
            ok = sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6;
            for (int k = 0; ok && k < 6; k++) {
                ok = m[k] <= 255;
                o->mac[k] = (uint8_t)m[k];
            }
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "redline-bench-dpdk smtp: bad argument '%s'\n", a);
            usage(stderr);
            return -1;
        }
        i++;
    }
    if (o->ip == 0 || o->peer == 0 || o->sink_port == 0) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- output to the stack ---- */

static void client_fail(struct run *r, unsigned i, const char *why);

/* client_flush writes what session `i` queued until done or the send queue
 * is full (the stack reports writable when it drains). */
static void
client_flush(struct run *r, unsigned i, uint64_t now_us)
{
    struct csess *c = &r->c[i];
    for (;;) {
        const struct iovec *iov;
        unsigned n = bench_client_out(&c->c, &iov);
        if (n == 0) {
            return;
        }
        size_t total = 0;
        int rc = 0;
        for (unsigned k = 0; k < n && rc == 0; k++) {
            size_t w = 0;
            rc = tcp_stack_write(r->st, &w, c->h, iov[k].iov_base, iov[k].iov_len, now_us);
            total += w;
            if (rc == 0 && w < iov[k].iov_len) {
                rc = RL_EAGAIN;
            }
        }
        if (total > 0) {
            bench_client_sent(&c->c, total);
        }
        if (rc == RL_EAGAIN) {
            return;
        }
        if (rc != 0) {
            client_fail(r, i, "write failed");
            return;
        }
    }
}

static void
sink_close(struct run *r, unsigned j, bool abort)
{
    struct ssess *s = &r->s[j];
    tcp_stack_close(r->st, s->h, abort, tcp_dpdk_now_us());
    s->open = false;
}

static void
sink_flush(struct run *r, unsigned j, uint64_t now_us)
{
    struct ssess *s = &r->s[j];
    size_t len;
    const uint8_t *out;
    while ((out = bench_server_out(&s->s, &len)) != NULL && len > 0) {
        size_t w = 0;
        int rc = tcp_stack_write(r->st, &w, s->h, out, len, now_us);
        if (rc == RL_EAGAIN) {
            return;
        }
        if (rc != 0) {
            sink_close(r, j, true);
            return;
        }
        bench_server_sent(&s->s, w);
    }
    if (bench_server_closing(&s->s)) {
        sink_close(r, j, false);
    }
}

/* ---- the generator's sessions ---- */

static void
client_open(struct run *r, unsigned i, uint64_t now_us)
{
    struct csess *c = &r->c[i];
    bench_client_init(&c->c, &r->script);
    c->busy = c->up = false;
    c->deadline_ns = bench_cpu_now_ns() + (uint64_t)(r->o.timeout * 1e9);
    if (tcp_stack_connect(r->st, &c->h, r->o.peer, r->o.peer_port, KIND_CLIENT | i, now_us) != 0) {
        c->open = false;
        snprintf(r->last_error, sizeof(r->last_error), "no connection object or port free");
        return;
    }
    c->open = true;
}

static void
client_close(struct run *r, unsigned i, bool abort)
{
    struct csess *c = &r->c[i];
    if (c->open) {
        tcp_stack_close(r->st, c->h, abort, tcp_dpdk_now_us());
    }
    c->open = c->up = c->busy = false;
}

static void
client_fail(struct run *r, unsigned i, const char *why)
{
    struct csess *c = &r->c[i];
    snprintf(r->last_error, sizeof(r->last_error), "%s (last reply \"%.100s\")", why,
             bench_client_last_reply(&c->c));
    if (r->counting) {
        if (c->busy) {
            r->fail++;
        }
        r->conn_errors++;
    }
    client_close(r, i, true);
}

static void
start_message(struct run *r, unsigned i, uint64_t now_us)
{
    struct csess *c = &r->c[i];
    if (r->stopping) {
        if (bench_client_quit(&c->c) == 0) {
            client_flush(r, i, now_us);
        }
        return;
    }
    uint64_t seq = r->seq++;
    const struct bench_mail *m = &r->mails.m[seq % r->mails.n];
    size_t hl = bench_mail_stamp(c->hdr, sizeof(c->hdr), m, seq, (uint32_t)getpid());
    c->busy = true;
    c->msg_bytes = hl + m->body_len;
    c->t0_ns = bench_cpu_now_ns();
    c->deadline_ns = c->t0_ns + (uint64_t)(r->o.timeout * 1e9);
    if (bench_client_send(&c->c, c->hdr, hl, m->wire, m->wire_len) != 0) {
        client_fail(r, i, "session not idle");
        return;
    }
    client_flush(r, i, now_us);
}

static void
on_client_event(struct run *r, unsigned i, const struct bench_client_ev *ev, uint64_t now_us)
{
    struct csess *c = &r->c[i];
    uint64_t now = bench_cpu_now_ns();
    switch (ev->type) {
    case BENCH_CE_READY:
        if (r->o.no_message) {
            if (r->counting) {
                r->sessions_done++;
            }
            if (bench_client_quit(&c->c) == 0) {
                client_flush(r, i, now_us);
            }
            break;
        }
        start_message(r, i, now_us);
        break;
    case BENCH_CE_DONE:
        c->busy = false;
        if (r->counting && c->t0_ns >= r->t_win) {
            if (ev->outcome == BENCH_OUT_OK) {
                r->ok++;
                r->bytes_ok += c->msg_bytes;
                bench_hist_record(&r->hist, now - c->t0_ns);
            } else {
                r->fail++;
                r->tempfail += ev->outcome == BENCH_OUT_TEMPFAIL;
                r->permfail += ev->outcome == BENCH_OUT_PERMFAIL;
                snprintf(r->last_error, sizeof(r->last_error), "%s",
                         bench_client_last_reply(&c->c));
            }
        }
        if (r->o.new_conn || r->stopping) {
            if (bench_client_quit(&c->c) == 0) {
                client_flush(r, i, now_us);
            }
        } else {
            start_message(r, i, now_us);
        }
        break;
    case BENCH_CE_CLOSED:
        client_close(r, i, false);
        if (!r->stopping) {
            client_open(r, i, now_us);
        }
        break;
    default:
        break;
    }
}

static void
on_client(struct run *r, unsigned i, uint32_t flags, uint64_t now_us)
{
    struct csess *c = &r->c[i];
    if (!c->open) {
        return;
    }
    if (!c->up && (flags & TCP_EV_WRITABLE) && !(flags & TCP_EV_HANGUP)) {
        c->up = true;
        if (r->counting) {
            r->conns_opened++;
        }
    }
    for (;;) {
        size_t n = 0;
        int rc = tcp_stack_read(r->st, &n, c->h, r->rbuf, sizeof(r->rbuf));
        if (rc == RL_EAGAIN) {
            break;
        }
        if (rc != 0 || n == 0) {
            client_fail(r, i, rc != 0 ? "connection failed" : "closed by the server");
            if (!r->stopping) {
                client_open(r, i, now_us);
            }
            return;
        }
        size_t off = 0;
        while (off < n && c->open) {
            struct bench_client_ev ev;
            size_t used = 0;
            if (bench_client_feed(&c->c, &ev, &used, r->rbuf + off, n - off) != 0) {
                client_fail(r, i, "protocol error");
                return;
            }
            off += used;
            client_flush(r, i, now_us);
            if (ev.type != BENCH_CE_NONE) {
                on_client_event(r, i, &ev, now_us);
            }
        }
        if (!c->open) {
            if (!r->stopping) {
                client_open(r, i, now_us);
            }
            return;
        }
    }
    client_flush(r, i, now_us);
}

/* ---- the sink's sessions ---- */

static void
accept_all(struct run *r, uint64_t now_us)
{
    for (;;) {
        unsigned j = 0;
        while (j < MAX_SINKS && r->s[j].open) {
            j++;
        }
        uint32_t h, ip;
        uint16_t port;
        if (j == MAX_SINKS ||
            tcp_stack_accept(r->st, &h, &ip, &port, r->listener, KIND_SINK | j) != 0) {
            return;
        }
        struct ssess *s = &r->s[j];
        s->h = h;
        s->open = true;
        bench_server_init(&s->s, &r->scfg, j);
        sink_flush(r, j, now_us);
    }
}

static void
on_sink(struct run *r, unsigned j, uint64_t now_us)
{
    struct ssess *s = &r->s[j];
    while (s->open) {
        size_t n = 0;
        int rc = tcp_stack_read(r->st, &n, s->h, r->rbuf, sizeof(r->rbuf));
        if (rc == RL_EAGAIN) {
            break;
        }
        if (rc != 0 || n == 0) {
            sink_close(r, j, rc != 0);
            return;
        }
        size_t off = 0;
        for (;;) {
            struct bench_server_ev ev;
            size_t used = 0;
            if (bench_server_feed(&s->s, &ev, &used, r->rbuf + off, n - off) != 0) {
                break;
            }
            off += used;
            if (ev.type == BENCH_SE_END && ev.accepted && r->counting &&
                bench_cpu_now_ns() >= r->t_win) {
                r->sink_ok++;
                r->sink_bytes += ev.len;
            }
            if (ev.type == BENCH_SE_NONE) {
                sink_flush(r, j, now_us);
                if (off >= n || !s->open || used == 0) {
                    break; /* (used == 0: replies not written; the sink's peer pipelines
                              little, so this does not happen in a run) */
                }
            }
        }
    }
    if (s->open) {
        sink_flush(r, j, now_us);
    }
}

/* ---- the loop ---- */

/* poll_once runs one turn; returns the frames it received. */
static size_t
poll_once(struct run *r)
{
    uint64_t now_us = tcp_dpdk_now_us();
    size_t frames = tcp_dpdk_core_poll(r->core, now_us);
    struct tcp_event ev[256];
    size_t n;
    while ((n = tcp_stack_poll(r->st, ev, 256)) > 0) {
        for (size_t k = 0; k < n; k++) {
            uint64_t kind = ev[k].cookie & KIND_MASK;
            unsigned idx = (unsigned)(ev[k].cookie & 0xffffffffu);
            if (kind == KIND_LISTEN) {
                accept_all(r, now_us);
            } else if (kind == KIND_CLIENT) {
                on_client(r, idx, ev[k].flags, now_us);
            } else if (kind == KIND_SINK && r->s[idx].open) {
                on_sink(r, idx, now_us);
            }
        }
    }
    tcp_dpdk_core_flush(r->core, now_us);
    return frames;
}

/* idle naps when no frame came for a while (--nap-us: 0 spins): on a
 * machine shared with other work a thread that always polls is the one the
 * scheduler preempts, for milliseconds; a thread that sleeps gets its core
 * back as soon as it wakes. Memif and ring ports have no RX interrupt, so
 * the nap is a plain sleep. */
static void
idle(struct run *r, size_t frames, uint64_t now_ns)
{
    if (frames > 0) {
        r->last_busy_ns = now_ns;
        return;
    }
    if (r->o.nap_us == 0 || now_ns - r->last_busy_ns < IDLE_SPIN_NS) {
        return;
    }
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)r->o.nap_us * 1000};
    (void)nanosleep(&ts, NULL);
}

/* sweep times out sessions whose reply is overdue and reopens closed ones. */
static void
sweep(struct run *r, uint64_t now_ns)
{
    for (unsigned i = 0; i < r->o.connections; i++) {
        struct csess *c = &r->c[i];
        if (c->open && now_ns > c->deadline_ns && (c->busy || !c->up)) {
            client_fail(r, i, "timed out");
        }
        if (!c->open && !r->stopping) {
            client_open(r, i, tcp_dpdk_now_us());
        }
    }
}

static int
setup(struct run *r, struct rl_diag *d)
{
    if (rte_eth_dev_count_avail() < 1) {
        return rl_diag_set(d, "port", "no DPDK port: give one with --vdev or -a");
    }
    int rc = tcp_dpdk_group_new(&r->g, d, 0, 1, 32767, false);
    if (rc != 0) {
        return rc;
    }
    struct tcp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ip = r->o.ip;
    cfg.prefix_len = r->o.plen;
    memcpy(cfg.mac, r->o.mac, 6);
    cfg.max_conns = 16384;
    cfg.rcvbuf = cfg.sndbuf = 256 * 1024;
    cfg.syn_backlog = 4096;
    cfg.accept_backlog = 4096;
    /* one secret for every run, like one client host that did not reboot:
     * a pair reused by the next run gets a later ISN and timestamp (RFC
     * 6528, 7323), so redlined's TIME_WAIT for it gives way (RFC 6191);
     * with a fresh secret half the pairs would wait out redlined's 2MSL */
    for (size_t i = 0; i < sizeof(cfg.secret); i++) {
        cfg.secret[i] = (uint8_t)(i * 29 + 3);
    }
    rc = tcp_dpdk_core_new(&r->core, d, r->g, 0, &cfg);
    if (rc != 0) {
        return rc;
    }
    r->st = tcp_dpdk_core_stack(r->core);
    rc = tcp_stack_listen(r->st, &r->listener, r->o.sink_port, KIND_LISTEN);
    if (rc != 0) {
        return rl_diag_set(d, "sink-port", "cannot listen on %u", r->o.sink_port);
    }
    rc = bench_client_script_init(&r->script, "bench.redline.example",
                                  "sender@bench.redline.example", "sink.redline.example", 1,
                                  r->o.pipelining, false);
    if (rc != 0) {
        return rl_diag_set(d, "script", "cannot build the commands");
    }
    r->scfg = (struct bench_server_cfg){.hostname = "redline-sink", .max_size = 1ull << 30};
    rc = bench_values_load(&r->vals, d, r->o.corpus, BENCH_MAIL_SEED);
    if (rc != 0) {
        return rc;
    }
    if (r->o.corpus_mix) {
        return bench_corpus_mailset(&r->mails, d, r->o.corpus, &r->skipped);
    }
    struct bench_mail_params p = {
        .size = r->o.size, .density = r->o.density, .n = r->o.distinct, .seed = BENCH_MAIL_SEED};
    return bench_mailset_build(&r->mails, d, &r->vals, &p);
}

static void
report(struct run *r, FILE *f)
{
    double secs = (double)(r->t_end - r->t_win) / 1e9;
    double cpu = bench_cpu_s() - r->cpu0;
    const struct tcp_stats *s = tcp_stack_stats(r->st);
    size_t wire = 0;
    for (size_t k = 0; k < r->mails.n; k++) {
        wire += r->mails.m[k].hdr_len + r->mails.m[k].wire_len;
    }
    fprintf(f,
            "{\"benchmark\":\"dpdk-smtp\",\"workload\":\"%s\",\"messages_distinct\":%zu,"
            "\"messages_left_out\":%zu,\"wire_bytes_per_message\":%.1f,"
            "\"messages_tempfail\":%llu,\"messages_permfail\":%llu,",
            r->o.corpus_mix ? "corpus-mix" : "synthetic", r->mails.n, r->skipped,
            r->mails.n > 0 ? (double)wire / (double)r->mails.n : 0.0,
            (unsigned long long)r->tempfail, (unsigned long long)r->permfail);
    fprintf(f,
            "\"size\":%zu,\"connections\":%u,\"new_conn\":%s,"
            "\"no_message\":%s,\"sessions_without_message\":%llu,"
            "\"sessions_without_message_per_s\":%.1f,"
            "\"seconds\":%.3f,\"messages_ok\":%llu,\"messages_failed\":%llu,"
            "\"msgs_per_s\":%.1f,\"sink_messages\":%llu,\"sink_msgs_per_s\":%.1f,"
            "\"mbytes_per_s\":%.2f,\"sessions_opened\":%llu,\"sessions_per_s\":%.1f,"
            "\"connection_errors\":%llu,\"latency_p50_us\":%.1f,\"latency_p99_us\":%.1f,"
            "\"generator_cpu_s\":%.3f,\"retransmits\":%llu,\"rto\":%llu,\"last_error\":\"",
            r->o.size, r->o.connections, r->o.new_conn ? "true" : "false",
            r->o.no_message ? "true" : "false", (unsigned long long)r->sessions_done,
            (double)r->sessions_done / secs, secs, (unsigned long long)r->ok,
            (unsigned long long)r->fail, (double)r->ok / secs, (unsigned long long)r->sink_ok,
            (double)r->sink_ok / secs, (double)r->bytes_ok / secs / 1e6,
            (unsigned long long)r->conns_opened, (double)r->conns_opened / secs,
            (unsigned long long)r->conn_errors, (double)bench_hist_quantile(&r->hist, 0.5) / 1e3,
            (double)bench_hist_quantile(&r->hist, 0.99) / 1e3, cpu,
            (unsigned long long)s->tcp_retransmits, (unsigned long long)s->tcp_rto);
    for (const char *p = r->last_error; *p; p++) {
        fputc(*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ? '?' : *p, f);
    }
    fputs("\"}\n", f);
}

int
bench_dpdk_smtp_main(int argc, char **argv)
{
    int sep = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    }
    static struct run r;
    if (parse(&r.o, sep, argv) != 0) {
        return 2;
    }
    /* the EAL takes argv[sep] as its program name */
    char *eal[64];
    int n_eal = 0;
    eal[n_eal++] = argv[0];
    for (int i = sep + 1; i < argc && n_eal < 63; i++) {
        eal[n_eal++] = argv[i];
    }
    eal[n_eal] = NULL;
    struct rl_diag d = {{0}, {0}};
    if (tcp_dpdk_eal_init(&d, n_eal, eal) != 0) {
        fprintf(stderr, "redline-bench-dpdk smtp: %s\n", d.reason);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    r.c = calloc(r.o.connections, sizeof(*r.c));
    r.s = calloc(MAX_SINKS, sizeof(*r.s));
    bench_hist_init(&r.hist);
    if (r.c == NULL || r.s == NULL || setup(&r, &d) != 0) {
        fprintf(stderr, "redline-bench-dpdk smtp: %s: %s\n", d.field, d.reason);
        return 1;
    }
    (void)bench_cpu_pin();
    /* the peer's side of the port must be up (memif connects) */
    struct rte_eth_link link;
    uint64_t until = bench_cpu_now_ns() + 30ull * 1000000000u;
    do {
        memset(&link, 0, sizeof(link));
        (void)rte_eth_link_get_nowait(0, &link);
        tcp_dpdk_core_poll(r.core, tcp_dpdk_now_us());
    } while (link.link_status != RTE_ETH_LINK_UP && bench_cpu_now_ns() < until && !stop_req);
    tcp_stack_gratuitous_arp(r.st);
    r.t_start = bench_cpu_now_ns();
    r.t_win = r.t_start + (uint64_t)(r.o.warmup * 1e9);
    r.t_end = r.t_win + (uint64_t)(r.o.duration * 1e9);
    for (unsigned i = 0; i < r.o.connections; i++) {
        client_open(&r, i, tcp_dpdk_now_us());
    }
    uint64_t next_sweep = 0;
    while (!stop_req) {
        size_t frames = poll_once(&r);
        uint64_t now = bench_cpu_now_ns();
        idle(&r, frames, now);
        if (!r.counting && now >= r.t_win) {
            r.counting = true;
            r.cpu0 = bench_cpu_s();
        }
        if (now >= r.t_end) {
            break;
        }
        if (now >= next_sweep) {
            sweep(&r, now);
            next_sweep = now + 10000000u;
        }
    }
    r.t_end = bench_cpu_now_ns();
    r.stopping = true;
    report(&r, stdout);
    if (r.o.json != NULL) {
        FILE *f = fopen(r.o.json, "w");
        if (f != NULL) {
            report(&r, f);
            fclose(f);
        }
    }
    /* end the sessions politely, briefly: redlined finishes its own side */
    for (unsigned i = 0; i < r.o.connections; i++) {
        if (r.c[i].open && r.c[i].up && !r.c[i].busy && bench_client_quit(&r.c[i].c) == 0) {
            client_flush(&r, i, tcp_dpdk_now_us());
        }
    }
    uint64_t grace = bench_cpu_now_ns() + 300000000u;
    while (bench_cpu_now_ns() < grace) {
        poll_once(&r);
    }
    for (unsigned i = 0; i < r.o.connections; i++) {
        client_close(&r, i, true);
    }
    for (unsigned j = 0; j < MAX_SINKS; j++) {
        if (r.s[j].open) {
            sink_close(&r, j, true);
        }
    }
    tcp_dpdk_core_free(r.core);
    tcp_dpdk_group_free(r.g);
    bench_mailset_fini(&r.mails);
    bench_values_fini(&r.vals);
    free(r.c);
    free(r.s);
    rte_eal_cleanup();
    return r.ok > 0 || r.sessions_done > 0 ? 0 : 1;
}
