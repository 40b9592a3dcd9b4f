/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench smtp`: the SMTP load generator. One thread drives N
 * sessions over non-blocking sockets with edge-triggered epoll, in clear or
 * over TLS after STARTTLS (--starttls); messages are built and dot-stuffed
 * once, then sent by writev from shared buffers (only the header is copied
 * per message, to stamp a unique Message-ID). Records per-message latency in
 * a fixed histogram. Main thread only. */
#include "bench_smtp.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_cert.h"
#include "bench_client.h"
#include "bench_corpus.h"
#include "bench_hist.h"
#include "bench_mail.h"
#include "bench_net.h"
#include "bench_report.h"
#include "bench_stream.h"
#include "internal.h"
#include "tls_conn.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "../shared/corpus"
#endif

#define RBUF_BYTES ((size_t)64 * 1024)
#define MAX_SESSIONS 4096
#define MAX_EVENTS 256
#define CONNECT_FAIL_LIMIT 50 /* failed session openings in a row before giving up */
#define SWEEP_NS 10000000ull  /* timeouts and reconnects are checked every 10 ms */
#define NS 1000000000ull

struct options {
    const char *connect;
    unsigned connections;
    uint64_t messages; /* 0 with a duration */
    double duration;   /* seconds; 0 = count messages */
    size_t size;
    double density;
    bool new_conn;
    bool no_message; /* sessions without a message: greeting, EHLO, QUIT (needs a duration) */
    bool pipelining;
    bool starttls; /* every session goes to TLS first; a server without STARTTLS is fatal */
    unsigned rcpt;
    double rate; /* messages/s; 0 = closed loop */
    bool progress;
    const char *json_path;
    const char *dump_dir;
    const char *corpus;
    bool corpus_mix; /* send the corpus's messages instead of synthetic ones */
    unsigned distinct;
    uint64_t seed;
    double timeout; /* seconds a reply may take */
    const char *helo;
    const char *from;
    const char *rcpt_domain;
};

enum phase {
    P_DOWN = 0,   /* no socket */
    P_CONNECTING, /* connect in progress */
    P_UP,         /* connected; the client session runs */
};

/* One session: a connection and the message in flight on it. */
struct gsess {
    struct bench_client c;
    struct bench_stream st; /* the connection's bytes, in clear or over TLS */
    int fd;
    uint32_t gen; /* connection number of this slot: stale epoll events are ignored */
    enum phase phase;
    bool ready_seen;                 /* this connection reached READY */
    bool busy;                       /* a message is in flight */
    bool idle_listed;                /* waiting in the idle stack for the rate to allow a message */
    uint64_t t0;                     /* ns: the message's latency counts from here */
    uint64_t deadline;               /* ns: the awaited reply must come before this */
    uint64_t retry_at;               /* ns: P_DOWN only, reconnect not before */
    size_t msg_bytes;                /* size of the message in flight */
    unsigned planted;                /* values in the message in flight */
    uint8_t hdr[BENCH_MAIL_HDR_MAX]; /* the stamped header of the message in flight */
};

struct gen {
    struct options o;
    struct bench_addr addr;
    struct bench_client_script script;
    struct bench_values vals;
    struct bench_mailset mails;
    size_t skipped;         /* corpus messages left out (lines over 998 octets) */
    struct gsess *s;        /* owned, o.connections slots */
    struct tls_client *tls; /* owned; with --starttls */
    uint32_t *idle;         /* owned stack of session indexes */
    unsigned n_idle;
    int ep;
    uint32_t run; /* stamped into every Message-ID */
    uint64_t t_begin, t_stop, t_last_done, t_sweep;
    uint64_t started;
    uint64_t done[BENCH_OUT__COUNT];
    uint64_t timeouts;
    uint64_t conn_opened, conn_failed, conn_failed_row;
    uint64_t sessions_done; /* --no-message: sessions that reached EHLO's reply */
    uint64_t bytes_ok, planted_ok, planted_sent;
    struct bench_tls_stats tls_stats;
    bool pipelining_used;
    bool no_pwait2; /* the kernel lacks epoll_pwait2 */
    bool aborted;
    char abort_reason[160];
    char last_error[160];
    uint64_t prog_next, prog_ok, prog_t;
    struct rusage ru0;
    struct bench_hist hist;
    uint8_t rbuf[RBUF_BYTES];
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: redline-bench smtp --connect HOST:PORT [options]\n"
            "  --connections N   concurrent sessions (default 10, at most %d)\n"
            "  --messages N      messages to send (default 1000)\n"
            "  --duration S      send for S seconds instead of a count\n"
            "  --size BYTES      bytes per message, headers included (default 4096)\n"
            "  --density F       fraction of body lines carrying a sensitive value (default "
            "0.05)\n"
            "  --new-conn        one connection per message (default: reuse sessions)\n"
            "  --no-message      sessions without a message (greeting, EHLO, QUIT, a new\n"
            "                    connection each; with --duration): connections per second\n"
            "  --pipelining      send MAIL, RCPT and DATA in one write (if advertised)\n"
            "  --starttls        STARTTLS after EHLO on every session, then EHLO again and\n"
            "                    the messages over TLS (exit 1 if the server does not offer it)\n"
            "  --rcpt N          recipients per message (default 1, at most %d)\n"
            "  --rate R          open loop: start R messages/s (default: closed loop)\n"
            "  --progress        one-line progress on stderr every second\n"
            "  --json FILE       also write the JSON report to FILE\n"
            "  --dump DIR        write every message sent to DIR/<id>.eml (slow; for tests)\n"
            "  --distinct N      distinct prebuilt messages, sent in turn (default 16)\n"
            "  --seed N          seed of messages and values (default %llu)\n"
            "  --corpus DIR      where the sensitive values come from (default %s)\n"
            "  --corpus-mix      send every message of the corpus in turn (line ends made\n"
            "                    CRLF) instead of synthetic ones; --size and --density unused\n"
            "  --timeout S       seconds to wait for a reply (default 60)\n"
            "  --helo NAME, --from ADDR, --rcpt-domain DOMAIN   envelope names\n",
            MAX_SESSIONS, BENCH_CLIENT_RCPT_MAX, (unsigned long long)BENCH_MAIL_SEED,
            BENCH_CORPUS_DIR);
}

/* parse_options returns 0, 1 after printing the help, or -1 on a usage error. */
static int
parse_options(struct options *o, int argc, char **argv)
{
    *o = (struct options){.connections = 10,
                          .messages = 1000,
                          .size = 4096,
                          .density = 0.05,
                          .rcpt = 1,
                          .corpus = BENCH_CORPUS_DIR,
                          .distinct = 16,
                          .seed = BENCH_MAIL_SEED,
                          .timeout = 60,
                          .helo = "bench.redline.example",
                          .from = "sender@bench.redline.example",
                          .rcpt_domain = "sink.redline.example"};
    bool have_messages = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        double d;
        bool flag = true;
        bool ok = true;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--new-conn") == 0) {
            o->new_conn = true;
        } else if (strcmp(a, "--no-message") == 0) {
            o->no_message = true;
        } else if (strcmp(a, "--pipelining") == 0) {
            o->pipelining = true;
        } else if (strcmp(a, "--starttls") == 0) {
            o->starttls = true;
        } else if (strcmp(a, "--corpus-mix") == 0) {
            o->corpus_mix = true;
        } else if (strcmp(a, "--progress") == 0) {
            o->progress = true;
        } else {
            flag = false;
        }
        if (flag) {
            continue;
        }
        if (strcmp(a, "--connect") == 0 && v != NULL) {
            o->connect = v;
        } else if (strcmp(a, "--connections") == 0 && bench_arg_u64(v, 1, MAX_SESSIONS, &n)) {
            o->connections = (unsigned)n;
        } else if (strcmp(a, "--messages") == 0 && bench_arg_u64(v, 1, UINT64_MAX / 2, &n)) {
            o->messages = n;
            have_messages = true;
        } else if (strcmp(a, "--duration") == 0 && bench_arg_double(v, 0.1, 1e6, &d)) {
            o->duration = d;
        } else if (strcmp(a, "--size") == 0 && bench_arg_u64(v, 1024, (uint64_t)1 << 30, &n)) {
            o->size = (size_t)n;
        } else if (strcmp(a, "--density") == 0 && bench_arg_double(v, 0, 1, &d)) {
            o->density = d;
        } else if (strcmp(a, "--rcpt") == 0 && bench_arg_u64(v, 1, BENCH_CLIENT_RCPT_MAX, &n)) {
            o->rcpt = (unsigned)n;
        } else if (strcmp(a, "--rate") == 0 && bench_arg_double(v, 0.01, 1e7, &d)) {
            o->rate = d;
        } else if (strcmp(a, "--json") == 0 && v != NULL) {
            o->json_path = v;
        } else if (strcmp(a, "--dump") == 0 && v != NULL) {
            o->dump_dir = v;
        } else if (strcmp(a, "--distinct") == 0 && bench_arg_u64(v, 1, 1024, &n)) {
            o->distinct = (unsigned)n;
        } else if (strcmp(a, "--seed") == 0 && bench_arg_u64(v, 0, UINT64_MAX, &n)) {
            o->seed = n;
        } else if (strcmp(a, "--corpus") == 0 && v != NULL) {
            o->corpus = v;
        } else if (strcmp(a, "--timeout") == 0 && bench_arg_double(v, 0.01, 86400, &d)) {
            o->timeout = d;
        } else if (strcmp(a, "--helo") == 0 && v != NULL) {
            o->helo = v;
        } else if (strcmp(a, "--from") == 0 && v != NULL) {
            o->from = v;
        } else if (strcmp(a, "--rcpt-domain") == 0 && v != NULL) {
            o->rcpt_domain = v;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "redline-bench smtp: bad argument '%s'%s\n", a,
                    v != NULL ? " or its value" : "");
            usage(stderr);
            return -1;
        }
        i++;
    }
    if (o->connect == NULL) {
        fprintf(stderr, "redline-bench smtp: --connect HOST:PORT is required\n");
        usage(stderr);
        return -1;
    }
    if (o->duration > 0 && have_messages) {
        fprintf(stderr, "redline-bench smtp: give --messages or --duration, not both\n");
        return -1;
    }
    if (o->no_message && o->duration <= 0) {
        fprintf(stderr, "redline-bench smtp: --no-message needs --duration\n");
        return -1;
    }
    if (o->duration > 0) {
        o->messages = 0;
    }
    return 0;
}

/* more_work tells whether messages remain to be started. */
static bool
more_work(const struct gen *g, uint64_t now)
{
    if (g->aborted || stop_requested) {
        return false;
    }
    if (g->o.duration > 0) {
        return g->t_begin == 0 || now < g->t_stop;
    }
    return g->started < g->o.messages;
}

/* due_at returns when message `seq` is due in an open-loop run. */
static uint64_t
due_at(const struct gen *g, uint64_t seq)
{
    return g->t_begin + (uint64_t)((double)seq * 1e9 / g->o.rate);
}

static bool
may_start(const struct gen *g, uint64_t now)
{
    return more_work(g, now) && (g->o.rate == 0 || due_at(g, g->started) <= now);
}

static void sess_fail(struct gen *g, unsigned i, uint64_t now, const char *why);

/* flush writes what the session has queued (and ciphertext still waiting)
 * until done or the socket is full (edge-triggered epoll reports when it
 * drains). */
static void
flush(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    while (s->fd >= 0) {
        const struct iovec *iov;
        unsigned n = bench_client_out(&s->c, &iov);
        size_t w;
        int rc = bench_stream_writev(&s->st, s->fd, &w, iov, n);
        if (rc == 0 && w > 0) {
            bench_client_sent(&s->c, w);
        } else if (rc == 0 || rc == RL_EAGAIN) {
            return;
        } else {
            sess_fail(g, i, now, bench_stream_error(&s->st, rc));
            return;
        }
    }
}

static void
sess_connect(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    s->fd = bench_net_connect(&g->addr);
    s->gen++;
    s->ready_seen = false;
    s->idle_listed = false;
    bench_client_init(&s->c, &g->script);
    bench_stream_init(&s->st);
    if (s->fd < 0) {
        s->phase = P_DOWN;
        sess_fail(g, i, now, strerror(errno));
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
                             .data.u64 = (uint64_t)s->gen << 32 | i};
    if (epoll_ctl(g->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
        sess_fail(g, i, now, strerror(errno));
        return;
    }
    s->phase = P_CONNECTING;
    s->deadline = now + (uint64_t)(g->o.timeout * 1e9);
}

static void
sess_close(struct gen *g, unsigned i)
{
    struct gsess *s = &g->s[i];
    bench_stream_fini(&s->st);
    if (s->fd >= 0) {
        close(s->fd);
    }
    s->fd = -1;
    s->phase = P_DOWN;
    s->busy = false;
    s->idle_listed = false;
}

/* sess_reopen opens a new connection in slot `i` if there is work left. */
static void
sess_reopen(struct gen *g, unsigned i, uint64_t now)
{
    if (more_work(g, now)) {
        sess_connect(g, i, now);
    }
}

static void
sess_fail(struct gen *g, unsigned i, uint64_t now, const char *why)
{
    struct gsess *s = &g->s[i];
    snprintf(g->last_error, sizeof(g->last_error), "%s", why);
    if (s->busy) {
        g->done[BENCH_OUT_ERROR]++;
        g->t_last_done = now;
    } else if (!s->ready_seen) {
        g->conn_failed++;
        g->conn_failed_row++;
        if (g->conn_failed_row >= CONNECT_FAIL_LIMIT && !g->aborted) {
            g->aborted = true;
            snprintf(g->abort_reason, sizeof(g->abort_reason),
                     "%d session openings failed in a row, last: %s", CONNECT_FAIL_LIMIT, why);
        }
    }
    sess_close(g, i);
    /* back off a little more with every failure in a row, up to 1 s */
    uint64_t backoff = g->conn_failed_row * 10000000ull;
    s->retry_at = now + (backoff < NS ? backoff : NS);
}

static void
start_message(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    uint64_t seq = g->started++;
    const struct bench_mail *m = &g->mails.m[seq % g->mails.n];
    size_t hdr_len = bench_mail_stamp(s->hdr, sizeof(s->hdr), m, seq, g->run);
    if (g->o.dump_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%.*s.eml", g->o.dump_dir, BENCH_MAIL_ID_LEN,
                 (const char *)s->hdr + m->id_off);
        struct iovec v[2] = {{.iov_base = s->hdr, .iov_len = hdr_len},
                             {.iov_base = m->body, .iov_len = m->body_len}};
        if (bench_file_writev(path, v, 2) != 0 && !g->aborted) {
            g->aborted = true;
            snprintf(g->abort_reason, sizeof(g->abort_reason), "cannot write %.120s", path);
        }
    }
    s->t0 = g->o.rate > 0 ? due_at(g, seq) : now;
    s->busy = true;
    s->msg_bytes = hdr_len + m->body_len;
    s->planted = m->planted;
    g->planted_sent += m->planted;
    s->deadline = now + (uint64_t)(g->o.timeout * 1e9);
    if (bench_client_send(&s->c, s->hdr, hdr_len, m->wire, m->wire_len) != 0) {
        sess_fail(g, i, now, "internal: session not idle");
        return;
    }
    flush(g, i, now);
}

static void
sess_quit(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    if (bench_client_quit(&s->c) != 0) {
        sess_fail(g, i, now, "internal: cannot quit");
        return;
    }
    s->deadline = now + (uint64_t)(g->o.timeout * 1e9);
    flush(g, i, now);
}

/* sess_next gives an idle session its next message, parks it until the
 * rate allows one, or ends it. */
static void
sess_next(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    if (may_start(g, now)) {
        start_message(g, i, now);
    } else if (more_work(g, now)) {
        s->deadline = UINT64_MAX;
        if (!s->idle_listed) {
            s->idle_listed = true;
            g->idle[g->n_idle++] = i;
        }
    } else {
        sess_quit(g, i, now);
    }
}

static void
on_done(struct gen *g, unsigned i, uint64_t now, const struct bench_client_ev *ev)
{
    struct gsess *s = &g->s[i];
    s->busy = false;
    g->done[ev->outcome]++;
    g->t_last_done = now;
    if (ev->outcome == BENCH_OUT_OK) {
        bench_hist_record(&g->hist, now > s->t0 ? now - s->t0 : 0);
        g->bytes_ok += s->msg_bytes;
        g->planted_ok += s->planted;
    } else {
        snprintf(g->last_error, sizeof(g->last_error), "%s", bench_client_last_reply(&s->c));
    }
    if (s->c.state == BENCH_CS_CLOSED) {
        sess_close(g, i);
        sess_reopen(g, i, now);
    } else if (g->o.new_conn) {
        sess_quit(g, i, now);
    } else {
        sess_next(g, i, now);
    }
}

/* start_tls switches session `i` to TLS after the server's 220 to STARTTLS.
 * Returns false when the session failed. */
static bool
start_tls(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    struct tls_conn *c;
    if (tls_conn_connect(&c, g->tls, NULL, NULL) != 0) {
        sess_fail(g, i, now, "TLS: out of memory");
        return false;
    }
    bench_stream_start_tls(&s->st, c);
    return true;
}

/* handshake advances the TLS handshake of session `i`; once it completes,
 * the session says EHLO again. Returns 0, RL_EAGAIN (wait for the socket),
 * or another code when the session failed. */
static int
handshake(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    int rc = bench_stream_handshake(&s->st, s->fd, &g->tls_stats);
    if (rc == RL_EAGAIN) {
        return rc;
    }
    if (rc != 0) {
        char why[256];
        snprintf(why, sizeof(why), "TLS handshake: %s", bench_stream_error(&s->st, rc));
        sess_fail(g, i, now, why);
        return rc;
    }
    rc = bench_client_tls_started(&s->c);
    if (rc != 0) {
        sess_fail(g, i, now, "internal: session not waiting for TLS");
    }
    return rc;
}

/* feed_all hands `len` bytes read from session `i` to its client and acts on
 * the events. Returns false when the connection was closed meanwhile (the
 * rest of the bytes belonged to it and are dropped). */
static bool
feed_all(struct gen *g, unsigned i, uint64_t now, const uint8_t *p, size_t len)
{
    struct gsess *s = &g->s[i];
    uint32_t gen = s->gen;
    size_t off = 0;
    while (off < len && s->fd >= 0 && s->gen == gen) {
        struct bench_client_ev ev;
        size_t used;
        if (bench_client_feed(&s->c, &ev, &used, p + off, len - off) != 0) {
            char why[BENCH_CLIENT_LINE_MAX + 32];
            snprintf(why, sizeof(why), "protocol error at \"%.200s\"",
                     bench_client_last_reply(&s->c));
            sess_fail(g, i, now, why);
            return false;
        }
        off += used;
        switch (ev.type) {
        case BENCH_CE_NONE:
            flush(g, i, now); /* a reply queued output: out before the next reply */
            break;
        case BENCH_CE_READY:
            s->ready_seen = true;
            g->conn_failed_row = 0;
            g->pipelining_used = g->pipelining_used || s->c.pipelining;
            if (g->t_begin == 0) {
                g->t_begin = now;
                g->t_stop = now + (uint64_t)(g->o.duration * 1e9);
                g->prog_t = now;
                g->prog_next = now + NS;
            }
            if (g->o.no_message) {
                g->sessions_done++;
                g->t_last_done = now;
                sess_quit(g, i, now);
                break;
            }
            sess_next(g, i, now);
            break;
        case BENCH_CE_DONE:
            on_done(g, i, now, &ev);
            break;
        case BENCH_CE_CLOSED:
            if (ev.outcome == BENCH_OUT_OK) {
                sess_close(g, i);
                sess_reopen(g, i, now);
            } else {
                char why[BENCH_CLIENT_LINE_MAX + 32];
                snprintf(why, sizeof(why), "session refused: \"%.200s\"",
                         bench_client_last_reply(&s->c));
                sess_fail(g, i, now, why);
            }
            return false;
        case BENCH_CE_STARTTLS:
            /* RFC 3207 4.2: bytes that came in clear with the 220 are dropped */
            return start_tls(g, i, now);
        case BENCH_CE_NO_TLS:
            if (!g->aborted) {
                g->aborted = true;
                snprintf(g->abort_reason, sizeof(g->abort_reason),
                         "--starttls: the server %s STARTTLS (\"%.100s\")",
                         ev.code / 100 == 2 ? "does not offer" : "refused",
                         bench_client_last_reply(&s->c));
            }
            sess_fail(g, i, now, g->abort_reason);
            return false;
        default:
            break;
        }
    }
    return s->fd >= 0 && s->gen == gen;
}

static void
on_readable(struct gen *g, unsigned i, uint64_t now)
{
    struct gsess *s = &g->s[i];
    for (;;) {
        if (s->st.tls != NULL && !bench_stream_tls_done(&s->st)) {
            int rc = handshake(g, i, now);
            if (rc == RL_EAGAIN) {
                break;
            }
            if (rc != 0) {
                return;
            }
            continue;
        }
        size_t n;
        int rc = bench_stream_read(&s->st, s->fd, &n, g->rbuf, sizeof(g->rbuf));
        if (rc == 0 && n > 0) {
            if (!feed_all(g, i, now, g->rbuf, n)) {
                return;
            }
        } else if (rc == 0) {
            sess_fail(g, i, now, "connection closed by the server");
            return;
        } else if (rc == RL_EAGAIN) {
            break;
        } else {
            sess_fail(g, i, now, bench_stream_error(&s->st, rc));
            return;
        }
    }
    flush(g, i, now);
}

static void
on_event(struct gen *g, const struct epoll_event *ev, uint64_t now)
{
    unsigned i = (unsigned)(ev->data.u64 & 0xffffffffu);
    uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
    struct gsess *s = &g->s[i];
    if (s->fd < 0 || s->gen != gen) {
        return;
    }
    if (s->phase == P_CONNECTING) {
        if ((ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
            return;
        }
        int err = bench_net_error(s->fd);
        if (err != 0) {
            sess_fail(g, i, now, strerror(err));
            return;
        }
        s->phase = P_UP;
        g->conn_opened++;
    }
    if ((ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        on_readable(g, i, now);
    } else if ((ev->events & EPOLLOUT) != 0) {
        flush(g, i, now);
    }
}

/* sweep handles what no socket event announces: timeouts, reconnects after
 * a back-off, and idle sessions once the work is over. */
static void
sweep(struct gen *g, uint64_t now)
{
    bool work = more_work(g, now);
    for (unsigned i = 0; i < g->o.connections; i++) {
        struct gsess *s = &g->s[i];
        if (s->phase == P_DOWN) {
            if (work && now >= s->retry_at) {
                sess_connect(g, i, now);
            }
        } else if (now >= s->deadline) {
            g->timeouts++;
            sess_fail(g, i, now, "timed out waiting for the server");
        } else if (!work && s->idle_listed) {
            s->idle_listed = false;
            sess_quit(g, i, now);
        }
    }
    if (!work) {
        g->n_idle = 0;
    }
}

/* start_due gives messages that are due to parked sessions (open loop). */
static void
start_due(struct gen *g, uint64_t now)
{
    while (g->n_idle > 0 && may_start(g, now)) {
        unsigned i = g->idle[--g->n_idle];
        struct gsess *s = &g->s[i];
        if (!s->idle_listed || s->fd < 0 || s->c.state != BENCH_CS_IDLE) {
            continue;
        }
        s->idle_listed = false;
        start_message(g, i, now);
    }
}

static bool
all_down(const struct gen *g)
{
    for (unsigned i = 0; i < g->o.connections; i++) {
        if (g->s[i].phase != P_DOWN) {
            return false;
        }
    }
    return true;
}

static uint64_t
completed(const struct gen *g)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < BENCH_OUT__COUNT; k++) {
        n += g->done[k];
    }
    return n;
}

static void
progress(struct gen *g, uint64_t now)
{
    if (!g->o.progress || g->t_begin == 0 || now < g->prog_next) {
        return;
    }
    double dt = (double)(now - g->prog_t) / 1e9;
    double rate = dt > 0 ? (double)(g->done[BENCH_OUT_OK] - g->prog_ok) / dt : 0;
    unsigned up = 0;
    for (unsigned i = 0; i < g->o.connections; i++) {
        up += g->s[i].phase == P_UP ? 1 : 0;
    }
    fprintf(stderr,
            "\r%7.1f s  ok %llu  tempfail %llu  permfail %llu  errors %llu | %8.0f msg/s | "
            "p99 %8.0f us | sessions %u   ",
            (double)(now - g->t_begin) / 1e9, (unsigned long long)g->done[BENCH_OUT_OK],
            (unsigned long long)g->done[BENCH_OUT_TEMPFAIL],
            (unsigned long long)g->done[BENCH_OUT_PERMFAIL],
            (unsigned long long)g->done[BENCH_OUT_ERROR], rate,
            (double)bench_hist_quantile(&g->hist, 0.99) / 1e3, up);
    g->prog_ok = g->done[BENCH_OUT_OK];
    g->prog_t = now;
    g->prog_next = now + NS;
}

/* wait_ns returns how long the loop may sleep: until the next message is
 * due (open loop), the next progress line or the next sweep. */
static uint64_t
wait_ns(const struct gen *g, uint64_t now)
{
    uint64_t next = now + SWEEP_NS;
    if (g->o.rate > 0 && g->n_idle > 0 && more_work(g, now)) {
        uint64_t due = due_at(g, g->started);
        next = due < next ? due : next;
    }
    if (g->o.progress && g->prog_next > 0 && g->prog_next < next) {
        next = g->prog_next;
    }
    return next <= now ? 0 : next - now;
}

/* wait_events is epoll_wait with a nanosecond timeout: in an open loop a
 * millisecond timer would add up to 1 ms to every measured latency. */
static int
wait_events(struct gen *g, struct epoll_event *evs, uint64_t ns)
{
    if (!g->no_pwait2) {
        struct timespec ts = {.tv_sec = (time_t)(ns / NS), .tv_nsec = (long)(ns % NS)};
        int n = epoll_pwait2(g->ep, evs, MAX_EVENTS, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) {
            return n;
        }
        g->no_pwait2 = true; /* kernels before 5.11 */
    }
    return epoll_wait(g->ep, evs, MAX_EVENTS, (int)((ns + 999999) / 1000000));
}

static void
run_loop(struct gen *g)
{
    struct epoll_event evs[MAX_EVENTS];
    uint64_t now = bench_cpu_now_ns();
    for (unsigned i = 0; i < g->o.connections; i++) {
        sess_connect(g, i, now);
    }
    for (;;) {
        now = bench_cpu_now_ns();
        if (!more_work(g, now) && all_down(g)) {
            break;
        }
        int n = wait_events(g, evs, wait_ns(g, now));
        now = bench_cpu_now_ns();
        for (int k = 0; k < n; k++) {
            on_event(g, &evs[k], now);
        }
        if (g->o.rate > 0) {
            start_due(g, now);
        }
        if (now >= g->t_sweep) {
            sweep(g, now);
            g->t_sweep = now + SWEEP_NS;
        }
        progress(g, now);
    }
    if (g->o.progress) {
        fputc('\n', stderr);
    }
}

static double
cpu_seconds(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static json_t *
latency_json(const struct bench_hist *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)h->n));
    json_object_set_new(o, "p50", json_real((double)bench_hist_quantile(h, 0.50) / 1e3));
    json_object_set_new(o, "p90", json_real((double)bench_hist_quantile(h, 0.90) / 1e3));
    json_object_set_new(o, "p99", json_real((double)bench_hist_quantile(h, 0.99) / 1e3));
    json_object_set_new(o, "p999", json_real((double)bench_hist_quantile(h, 0.999) / 1e3));
    json_object_set_new(o, "max", json_real((double)h->max / 1e3));
    json_object_set_new(o, "min", json_real(h->n > 0 ? (double)h->min / 1e3 : 0));
    json_object_set_new(o, "mean", json_real(bench_hist_mean(h) / 1e3));
    return o;
}

/* report prints the summary to stderr and returns the JSON report. */
static json_t *
report(const struct gen *g, const struct rusage *ru1)
{
    const struct options *o = &g->o;
    double wall = g->t_last_done > g->t_begin ? (double)(g->t_last_done - g->t_begin) / 1e9 : 0;
    double user = cpu_seconds(&g->ru0.ru_utime, &ru1->ru_utime);
    double sys = cpu_seconds(&g->ru0.ru_stime, &ru1->ru_stime);
    uint64_t n_done = completed(g);
    double per_msg_us = n_done > 0 ? (user + sys) / (double)n_done * 1e6 : 0;
    double msgs_s = wall > 0 ? (double)g->done[BENCH_OUT_OK] / wall : 0;
    double mb_s = wall > 0 ? (double)g->bytes_ok / wall / 1e6 : 0;
    const struct bench_hist *h = &g->hist;

    fprintf(stderr,
            "redline-bench smtp: %llu messages of %zu bytes to %s, %u %s sessions%s, %s\n"
            "  ok %llu  tempfail %llu  permfail %llu  errors %llu  (timeouts %llu, failed "
            "session openings %llu, connections %llu)\n"
            "  %.0f msg/s  %.1f MB/s  wall %.2f s\n"
            "  latency us: p50 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  mean %.0f\n"
            "  generator CPU: %.2f s user + %.2f s sys = %.1f us/message (%.0f%% of one core)\n",
            (unsigned long long)g->started, o->size, o->connect, o->connections,
            o->new_conn ? "new-connection" : "persistent", g->pipelining_used ? ", pipelining" : "",
            o->rate > 0 ? "open loop" : "closed loop", (unsigned long long)g->done[BENCH_OUT_OK],
            (unsigned long long)g->done[BENCH_OUT_TEMPFAIL],
            (unsigned long long)g->done[BENCH_OUT_PERMFAIL],
            (unsigned long long)g->done[BENCH_OUT_ERROR], (unsigned long long)g->timeouts,
            (unsigned long long)g->conn_failed, (unsigned long long)g->conn_opened, msgs_s, mb_s,
            wall, (double)bench_hist_quantile(h, 0.5) / 1e3,
            (double)bench_hist_quantile(h, 0.99) / 1e3, (double)bench_hist_quantile(h, 0.999) / 1e3,
            (double)h->max / 1e3, bench_hist_mean(h) / 1e3, user, sys, per_msg_us,
            wall > 0 ? (user + sys) / wall * 100 : 0);
    if (o->starttls) {
        fprintf(stderr, "  TLS: %llu handshakes (%s, %s), %llu failed\n",
                (unsigned long long)g->tls_stats.handshakes, g->tls_stats.protocol,
                g->tls_stats.cipher, (unsigned long long)g->tls_stats.failures);
    }
    if (g->aborted) {
        fprintf(stderr, "  ABORTED: %s\n", g->abort_reason);
    }
    if (g->done[BENCH_OUT_OK] != n_done && g->last_error[0] != '\0') {
        fprintf(stderr, "  last failure: %s\n", g->last_error);
    }

    json_t *root = bench_report_root("smtp");
    if (root == NULL) {
        return NULL;
    }
    json_t *c = json_object();
    json_object_set_new(c, "connect", json_string(o->connect));
    json_object_set_new(c, "connections", json_integer(o->connections));
    json_object_set_new(c, "messages",
                        o->messages > 0 ? json_integer((json_int_t)o->messages) : json_null());
    json_object_set_new(c, "duration_s", o->duration > 0 ? json_real(o->duration) : json_null());
    json_object_set_new(c, "workload", json_string(o->corpus_mix ? "corpus-mix" : "synthetic"));
    json_object_set_new(c, "size", json_integer((json_int_t)o->size));
    json_object_set_new(c, "density", json_real(o->density));
    json_object_set_new(c, "new_conn", json_boolean(o->new_conn));
    json_object_set_new(c, "no_message", json_boolean(o->no_message));
    json_object_set_new(c, "pipelining", json_boolean(o->pipelining));
    json_object_set_new(c, "pipelining_used", json_boolean(g->pipelining_used));
    json_object_set_new(c, "starttls", json_boolean(o->starttls));
    json_object_set_new(c, "rcpt", json_integer(o->rcpt));
    json_object_set_new(c, "rate", o->rate > 0 ? json_real(o->rate) : json_null());
    json_object_set_new(c, "distinct", json_integer(o->distinct));
    json_object_set_new(c, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(c, "timeout_s", json_real(o->timeout));

    json_t *w = json_object();
    json_t *bt = json_object();
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        if (g->vals.by_type[t] > 0) {
            json_object_set_new(bt, scan_type_name(t),
                                json_integer((json_int_t)g->vals.by_type[t]));
        }
    }
    size_t wire = 0;
    unsigned planted = 0;
    for (size_t k = 0; k < g->mails.n; k++) {
        wire += g->mails.m[k].hdr_len + g->mails.m[k].wire_len;
        planted += g->mails.m[k].planted;
    }
    json_object_set_new(w, "messages_distinct", json_integer((json_int_t)g->mails.n));
    json_object_set_new(w, "messages_left_out", json_integer((json_int_t)g->skipped));
    json_object_set_new(w, "values", json_integer((json_int_t)g->vals.n));
    json_object_set_new(w, "values_from_corpus", json_integer((json_int_t)g->vals.from_corpus));
    json_object_set_new(w, "values_by_type", bt);
    json_object_set_new(w, "planted_per_message", json_real((double)planted / (double)g->mails.n));
    json_object_set_new(w, "wire_bytes_per_message", json_real((double)wire / (double)g->mails.n));

    json_t *r = json_object();
    json_object_set_new(r, "messages", json_integer((json_int_t)g->started));
    for (unsigned k = 0; k < BENCH_OUT__COUNT; k++) {
        json_object_set_new(r, k == BENCH_OUT_ERROR ? "errors" : bench_outcome_name(k),
                            json_integer((json_int_t)g->done[k]));
    }
    json_object_set_new(r, "timeouts", json_integer((json_int_t)g->timeouts));
    json_object_set_new(r, "connections_opened", json_integer((json_int_t)g->conn_opened));
    json_object_set_new(r, "sessions_without_message", json_integer((json_int_t)g->sessions_done));
    json_object_set_new(r, "sessions_without_message_per_s",
                        json_real(wall > 0 ? (double)g->sessions_done / wall : 0));
    json_object_set_new(r, "session_openings_failed", json_integer((json_int_t)g->conn_failed));
    json_object_set_new(r, "wall_s", json_real(wall));
    json_object_set_new(r, "msgs_per_s", json_real(msgs_s));
    json_object_set_new(r, "mb_per_s", json_real(mb_s));
    json_object_set_new(r, "bytes_ok", json_integer((json_int_t)g->bytes_ok));
    json_object_set_new(r, "planted_values_sent", json_integer((json_int_t)g->planted_sent));
    json_object_set_new(r, "planted_values_ok", json_integer((json_int_t)g->planted_ok));
    json_object_set_new(r, "latency_us", latency_json(h));
    json_object_set_new(r, "tls", bench_report_tls(&g->tls_stats));
    json_t *cpu = json_object();
    json_object_set_new(cpu, "user_s", json_real(user));
    json_object_set_new(cpu, "sys_s", json_real(sys));
    json_object_set_new(cpu, "us_per_msg", json_real(per_msg_us));
    json_object_set_new(cpu, "share_of_core", json_real(wall > 0 ? (user + sys) / wall : 0));
    json_object_set_new(r, "cpu", cpu);
    json_object_set_new(r, "aborted", g->aborted ? json_string(g->abort_reason) : json_null());
    json_object_set_new(r, "last_failure",
                        g->last_error[0] != '\0' ? json_string(g->last_error) : json_null());

    json_object_set_new(root, "config", c);
    json_object_set_new(root, "workload", w);
    json_object_set_new(root, "results", r);
    return root;
}

static int
synthetic_mails(struct gen *g, struct rl_diag *diag)
{
    const struct options *o = &g->o;
    struct bench_mail_params p = {
        .size = o->size, .density = o->density, .n = o->distinct, .seed = o->seed};
    return bench_mailset_build(&g->mails, diag, &g->vals, &p);
}

/* setup builds everything the run needs before the first connection. */
static int
setup(struct gen *g, struct rl_diag *diag)
{
    const struct options *o = &g->o;
    int rc = bench_addr_parse(&g->addr, diag, o->connect);
    if (rc != 0) {
        return rc;
    }
    if (bench_client_script_init(&g->script, o->helo, o->from, o->rcpt_domain, o->rcpt,
                                 o->pipelining, o->starttls) != 0) {
        return rl_diag_set(diag, "envelope", "bad --helo, --from or --rcpt-domain");
    }
    if (o->starttls) {
        rc = bench_cert_client_new(&g->tls, diag);
        if (rc != 0) {
            return rc;
        }
    }
    rc = bench_values_load(&g->vals, diag, o->corpus, o->seed);
    if (rc != 0) {
        return rc;
    }
    rc = o->corpus_mix ? bench_corpus_mailset(&g->mails, diag, o->corpus, &g->skipped)
                       : synthetic_mails(g, diag);
    if (rc != 0) {
        return rc;
    }
    if (o->dump_dir != NULL && mkdir(o->dump_dir, 0755) != 0 && errno != EEXIST) {
        return rl_diag_set(diag, "dump", "cannot create %s: %s", o->dump_dir, strerror(errno));
    }
    g->s = calloc(o->connections, sizeof(*g->s));
    g->idle = calloc(o->connections, sizeof(*g->idle));
    if (g->s == NULL || g->idle == NULL) {
        return rl_diag_set(diag, "sessions", "out of memory");
    }
    for (unsigned i = 0; i < o->connections; i++) {
        g->s[i].fd = -1;
    }
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    if (g->ep < 0) {
        return rl_diag_set(diag, "epoll", "%s", strerror(errno));
    }
    /* one descriptor per session, plus a few */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < o->connections + 64u) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    g->run = (uint32_t)((uint64_t)getpid() * 2654435761u ^ (uint64_t)time(NULL));
    bench_hist_init(&g->hist);
    return 0;
}

int
bench_smtp_main(int argc, char **argv)
{
    struct options o;
    struct rl_diag diag = {0};
    int parsed = parse_options(&o, argc, argv);
    if (parsed != 0) {
        return parsed > 0 ? 0 : 2;
    }
    struct gen *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fprintf(stderr, "redline-bench smtp: out of memory\n");
        return 1;
    }
    g->o = o;
    g->ep = -1;
    int status = 0;
    int rc = setup(g, &diag);
    if (rc != 0) {
        fprintf(stderr, "redline-bench smtp: %s: %s\n", diag.field, diag.reason);
        status = 1;
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    getrusage(RUSAGE_SELF, &g->ru0);
    run_loop(g);
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);

    json_t *root = report(g, &ru1);
    if (root == NULL || bench_report_write(root, stdout, o.json_path) != 0) {
        fprintf(stderr, "redline-bench smtp: cannot write the JSON report\n");
        status = 1;
    }
    json_decref(root);
    if (g->aborted || g->done[BENCH_OUT_ERROR] > 0) {
        status = 1;
    }
out:
    if (g->ep >= 0) {
        close(g->ep);
    }
    for (unsigned i = 0; g->s != NULL && i < o.connections; i++) {
        sess_close(g, i);
    }
    free(g->s);
    tls_client_free(g->tls);
    free(g->idle);
    bench_mailset_fini(&g->mails);
    bench_values_fini(&g->vals);
    free(g);
    return status;
}
