/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench sink`: the far end of the SMTP benchmarks. One thread,
 * edge-triggered epoll, one bench_server session per connection (allocated
 * on first use of a slot, reused after), in clear or over TLS after STARTTLS
 * (--tls-cert/--tls-key, --tls-selfsigned). Counts messages; optionally
 * checks them for pool values left unredacted, saves them, or injects
 * failures. Touches only the listening address, the certificate files (read
 * at start-up; --tls-selfsigned writes and removes a temporary directory),
 * --save and --count-file. Main thread. */
#include "bench_sink.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_cert.h"
#include "bench_mail.h"
#include "bench_net.h"
#include "bench_report.h"
#include "bench_server.h"
#include "bench_stream.h"
#include "internal.h"
#include "tls_conn.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "../shared/corpus"
#endif

#define IN_BYTES ((size_t)32 * 1024)
#define MAX_EVENTS 256
#define ID_LISTEN UINT32_MAX
#define ID_SIGNAL (UINT32_MAX - 1)
#define COUNT_EVERY_NS 50000000ull /* --count-file is rewritten at most every 50 ms */
#define NS 1000000000ull

struct options {
    const char *listen;
    bool verify;
    const char *save_dir;
    double fail_rate;
    int fail_code;
    enum bench_fail_at fail_at;
    const char *json_path;
    const char *count_file;
    uint64_t max_size;
    bool chunking;
    const char *hostname;
    const char *corpus;
    uint64_t seed;
    uint64_t exit_after; /* 0 = serve until a signal */
    unsigned max_conn;
    bool quiet;
    const char *tls_cert; /* with tls_key: offer STARTTLS with this certificate */
    const char *tls_key;
    bool tls_selfsigned; /* offer STARTTLS with a certificate made at start-up */
};

/* One connection slot. */
struct ssess {
    struct bench_server srv;
    struct bench_stream st; /* the connection's bytes, in clear or over TLS */
    int fd;                 /* -1 when the slot is free */
    uint32_t gen;           /* connection number of this slot */
    bool collect;           /* keep the message in `msg` (save or verify) */
    bool tls_pending;       /* 220 to STARTTLS queued: TLS starts once it is written */
    struct bench_buf msg;
    size_t in_off;
    size_t in_len;
    uint8_t in[IN_BYTES];
};

struct sink {
    struct options o;
    struct bench_addr addr;
    struct bench_server_cfg cfg;
    struct bench_values vals;
    struct ssess **slots;   /* owned array of o.max_conn, entries allocated on first use */
    struct tls_server *tls; /* owned; NULL: no STARTTLS */
    struct bench_tls_stats tls_stats;
    int lfd, ep, sfd;
    bool stop;
    uint64_t connections, conn_refused, messages, rejected, aborted, bytes;
    uint64_t violations, violating, by_type[SCAN_T__COUNT];
    uint64_t save_errors;
    uint64_t t_first, t_last; /* ns: first and last accepted message */
    bool count_dirty;
    uint64_t count_next;
};

static const char *const stage_names[] = {"none", "connect", "mail", "rcpt", "data", "dot"};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: redline-bench sink --listen HOST:PORT [options]\n"
            "  --verify             count pool values left in accepted messages (violations)\n"
            "  --save DIR           write each accepted message to DIR/<n>.eml\n"
            "  --fail-rate F        inject a failure with probability F (0..1)\n"
            "  --fail-code N        421, 450, 451, 452, 550, 552 or 554 (default 451)\n"
            "  --fail-at STAGE      connect, mail, rcpt, data or dot (default dot)\n"
            "  --json FILE          also write the JSON report to FILE\n"
            "  --count-file FILE    keep FILE up to date (atomically) with the counters\n"
            "  --max-size BYTES     advertised SIZE, bigger messages get 552 (default 100 MB)\n"
            "  --no-chunking        do not advertise CHUNKING (BDAT)\n"
            "  --hostname NAME      name in the greeting and EHLO (default redline-sink)\n"
            "  --exit-after N       exit after N accepted messages\n"
            "  --max-conn N         concurrent connections (default 1024)\n"
            "  --tls-cert FILE --tls-key FILE  offer STARTTLS with this certificate and key (PEM)\n"
            "  --tls-selfsigned     offer STARTTLS with a self-signed certificate made now\n"
            "  --corpus DIR, --seed N  the value pool (as given to `smtp`; default %s)\n"
            "  --quiet              no stats line on exit\n",
            BENCH_CORPUS_DIR);
}

/* parse_options returns 0, 1 after printing the help, or -1 on a usage error. */
static int
parse_options(struct options *o, int argc, char **argv)
{
    *o = (struct options){.fail_code = 451,
                          .fail_at = BENCH_FAIL_DOT,
                          .max_size = 100000000,
                          .chunking = true,
                          .corpus = BENCH_CORPUS_DIR,
                          .seed = BENCH_MAIL_SEED,
                          .max_conn = 1024};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        bool ok = true;
        bool takes_value = true;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--verify") == 0) {
            o->verify = true;
            takes_value = false;
        } else if (strcmp(a, "--no-chunking") == 0) {
            o->chunking = false;
            takes_value = false;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            takes_value = false;
        } else if (strcmp(a, "--tls-selfsigned") == 0) {
            o->tls_selfsigned = true;
            takes_value = false;
        } else if (strcmp(a, "--tls-cert") == 0 && v != NULL) {
            o->tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0 && v != NULL) {
            o->tls_key = v;
        } else if (strcmp(a, "--listen") == 0 && v != NULL) {
            o->listen = v;
        } else if (strcmp(a, "--save") == 0 && v != NULL) {
            o->save_dir = v;
        } else if (strcmp(a, "--fail-rate") == 0 && bench_arg_double(v, 0, 1, &o->fail_rate)) {
            /* parsed */
        } else if (strcmp(a, "--fail-code") == 0 && bench_arg_u64(v, 400, 599, &n) &&
                   bench_server_fail_code_ok((int)n)) {
            o->fail_code = (int)n;
        } else if (strcmp(a, "--fail-at") == 0 && v != NULL) {
            ok = false;
            for (unsigned k = BENCH_FAIL_CONNECT; k <= BENCH_FAIL_DOT; k++) {
                if (strcmp(v, stage_names[k]) == 0) {
                    o->fail_at = (enum bench_fail_at)k;
                    ok = true;
                }
            }
        } else if (strcmp(a, "--json") == 0 && v != NULL) {
            o->json_path = v;
        } else if (strcmp(a, "--count-file") == 0 && v != NULL) {
            o->count_file = v;
        } else if (strcmp(a, "--max-size") == 0 && bench_arg_u64(v, 1, UINT64_MAX / 2, &n)) {
            o->max_size = n;
        } else if (strcmp(a, "--hostname") == 0 && v != NULL && strlen(v) < 256) {
            o->hostname = v;
        } else if (strcmp(a, "--exit-after") == 0 && bench_arg_u64(v, 1, UINT64_MAX / 2, &n)) {
            o->exit_after = n;
        } else if (strcmp(a, "--max-conn") == 0 && bench_arg_u64(v, 1, 65536, &n)) {
            o->max_conn = (unsigned)n;
        } else if (strcmp(a, "--corpus") == 0 && v != NULL) {
            o->corpus = v;
        } else if (strcmp(a, "--seed") == 0 && bench_arg_u64(v, 0, UINT64_MAX, &n)) {
            o->seed = n;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "redline-bench sink: bad argument '%s'%s\n", a,
                    v != NULL && takes_value ? " or its value" : "");
            usage(stderr);
            return -1;
        }
        i += takes_value ? 1 : 0;
    }
    if (o->listen == NULL) {
        fprintf(stderr, "redline-bench sink: --listen HOST:PORT is required\n");
        usage(stderr);
        return -1;
    }
    if ((o->tls_cert == NULL) != (o->tls_key == NULL) ||
        (o->tls_selfsigned && o->tls_cert != NULL)) {
        fprintf(stderr, "redline-bench sink: give --tls-cert with --tls-key, or "
                        "--tls-selfsigned\n");
        return -1;
    }
    return 0;
}

/* write_counts rewrites --count-file: one line of key=value counters, so a
 * test or script can poll it without parsing JSON. */
static void
write_counts(struct sink *k, uint64_t now)
{
    if (k->o.count_file == NULL) {
        return;
    }
    char line[512];
    double span = k->t_last > k->t_first ? (double)(k->t_last - k->t_first) / 1e9 : 0;
    int n = snprintf(line, sizeof(line),
                     "messages=%llu rejected=%llu aborted=%llu bytes=%llu violations=%llu "
                     "connections=%llu span=%.6f handshakes=%llu\n",
                     (unsigned long long)k->messages, (unsigned long long)k->rejected,
                     (unsigned long long)k->aborted, (unsigned long long)k->bytes,
                     (unsigned long long)k->violations, (unsigned long long)k->connections, span,
                     (unsigned long long)k->tls_stats.handshakes);
    if (n > 0 && bench_file_write_atomic(k->o.count_file, line, (size_t)n) == 0) {
        k->count_dirty = false;
    }
    k->count_next = now + COUNT_EVERY_NS;
}

static void
sess_close(struct sink *k, struct ssess *s)
{
    if (bench_server_in_message(&s->srv)) {
        k->aborted++; /* the client never got a reply for it */
        k->count_dirty = true;
    }
    bench_stream_fini(&s->st);
    close(s->fd);
    s->fd = -1;
}

/* on_message counts (and checks, saves) a message that ended. */
static void
on_message(struct sink *k, struct ssess *s, const struct bench_server_ev *ev)
{
    uint64_t now = bench_cpu_now_ns();
    k->count_dirty = true;
    if (!ev->accepted) {
        k->rejected++;
        return;
    }
    k->messages++;
    k->bytes += ev->len;
    k->t_last = now;
    if (k->t_first == 0) {
        k->t_first = now;
    }
    if (k->o.verify) {
        size_t by_type[SCAN_T__COUNT] = {0};
        size_t v = bench_values_find(&k->vals, by_type, s->msg.data, s->msg.len);
        k->violations += v;
        k->violating += v > 0 ? 1 : 0;
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            k->by_type[t] += by_type[t];
        }
    }
    if (k->o.save_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%010llu.eml", k->o.save_dir,
                 (unsigned long long)k->messages);
        if (bench_file_write(path, s->msg.data, s->msg.len) != 0) {
            k->save_errors++;
        }
    }
    if (k->o.exit_after > 0 && k->messages >= k->o.exit_after) {
        k->stop = true;
    }
}

static void
on_server_event(struct sink *k, struct ssess *s, const struct bench_server_ev *ev)
{
    switch (ev->type) {
    case BENCH_SE_BEGIN:
        s->msg.len = 0;
        s->collect = k->o.verify || k->o.save_dir != NULL;
        break;
    case BENCH_SE_BODY:
        if (s->collect && bench_buf_append(&s->msg, ev->data, ev->len) != 0) {
            s->collect = false;
            k->save_errors++;
        }
        break;
    case BENCH_SE_END:
        on_message(k, s, ev);
        break;
    case BENCH_SE_STARTTLS:
        s->tls_pending = true;
        break;
    default:
        break;
    }
}

/* flush writes the queued replies (and ciphertext still waiting). Returns 1
 * when all are out, 0 when the socket is full, -1 on an error. */
static int
flush(struct ssess *s)
{
    for (;;) {
        size_t len;
        const uint8_t *p = bench_server_out(&s->srv, &len);
        /* iov_base is not const, but writes only read it */
        struct iovec v = {.iov_base = (void *)(uintptr_t)p, .iov_len = len};
        size_t w;
        int rc = bench_stream_writev(&s->st, s->fd, &w, &v, len > 0 ? 1 : 0);
        if (rc == 0 && w > 0) {
            bench_server_sent(&s->srv, w);
        } else if (rc == 0) {
            return 1;
        } else {
            return rc == RL_EAGAIN ? 0 : -1;
        }
    }
}

/* start_tls switches `s` to TLS once the 220 to STARTTLS is written. Returns
 * false when the connection has to close. */
static bool
start_tls(struct sink *k, struct ssess *s)
{
    /* RFC 3207 4.2 and 5: what the client sent in clear after STARTTLS is
     * dropped, never read as commands once TLS is on */
    s->tls_pending = false;
    s->in_off = 0;
    s->in_len = 0;
    struct tls_conn *c;
    if (tls_conn_accept(&c, k->tls) != 0) {
        k->tls_stats.failures++;
        return false;
    }
    bench_stream_start_tls(&s->st, c);
    return true;
}

/* sess_run feeds buffered input, writes replies and reads more, until the
 * socket has nothing more to read or cannot take more output. */
static void
sess_run(struct sink *k, struct ssess *s)
{
    for (;;) {
        while (!bench_server_closing(&s->srv) && !s->tls_pending) {
            struct bench_server_ev ev;
            size_t used;
            bench_server_feed(&s->srv, &ev, &used, s->in + s->in_off, s->in_len - s->in_off);
            s->in_off += used;
            if (ev.type == BENCH_SE_NONE) {
                break;
            }
            on_server_event(k, s, &ev);
        }
        int f = flush(s);
        if (f < 0 || (f > 0 && bench_server_closing(&s->srv))) {
            sess_close(k, s);
            return;
        }
        if (f == 0) {
            return; /* EPOLLOUT will call again */
        }
        if (s->tls_pending && !start_tls(k, s)) {
            sess_close(k, s);
            return;
        }
        if (s->st.tls != NULL && !bench_stream_tls_done(&s->st)) {
            int rc = bench_stream_handshake(&s->st, s->fd, &k->tls_stats);
            if (rc == RL_EAGAIN) {
                return;
            }
            if (rc != 0 || bench_server_tls_started(&s->srv) != 0) {
                sess_close(k, s);
                return;
            }
            k->count_dirty = true;
            continue;
        }
        if (s->in_off < s->in_len || bench_server_closing(&s->srv)) {
            continue; /* the output was full: feed the rest now */
        }
        s->in_off = 0;
        s->in_len = 0;
        size_t n;
        int rc = bench_stream_read(&s->st, s->fd, &n, s->in, sizeof(s->in));
        if (rc == 0 && n > 0) {
            s->in_len = n;
        } else if (rc == RL_EAGAIN) {
            return;
        } else {
            sess_close(k, s); /* EOF or error */
            return;
        }
    }
}

static void
accept_all(struct sink *k)
{
    for (;;) {
        int fd = accept4(k->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN, or an error worth no more than a retry on the next edge */
        }
        unsigned i = 0;
        while (i < k->o.max_conn && k->slots[i] != NULL && k->slots[i]->fd >= 0) {
            i++;
        }
        if (i == k->o.max_conn) {
            k->conn_refused++;
            close(fd);
            continue;
        }
        if (k->slots[i] == NULL) {
            k->slots[i] = calloc(1, sizeof(struct ssess));
            if (k->slots[i] == NULL) {
                k->conn_refused++;
                close(fd);
                continue;
            }
        }
        struct ssess *s = k->slots[i];
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        s->fd = fd;
        s->gen++;
        s->in_off = 0;
        s->in_len = 0;
        s->msg.len = 0;
        s->collect = false;
        s->tls_pending = false;
        bench_stream_init(&s->st);
        k->connections++;
        k->count_dirty = true;
        bench_server_init(&s->srv, &k->cfg, k->o.seed ^ (k->connections * 0x9e3779b97f4a7c15ull));
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
                                 .data.u64 = (uint64_t)s->gen << 32 | i};
        if (epoll_ctl(k->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            sess_close(k, s);
            continue;
        }
        sess_run(k, s);
    }
}

static void
on_signal(struct sink *k)
{
    struct signalfd_siginfo si;
    while (read(k->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        k->stop = true;
    }
}

static void
serve(struct sink *k)
{
    struct epoll_event evs[MAX_EVENTS];
    while (!k->stop) {
        int timeout = k->count_dirty ? 50 : 1000;
        int n = epoll_wait(k->ep, evs, MAX_EVENTS, timeout);
        for (int e = 0; e < n && !k->stop; e++) {
            uint32_t id = (uint32_t)(evs[e].data.u64 & 0xffffffffu);
            uint32_t gen = (uint32_t)(evs[e].data.u64 >> 32);
            if (id == ID_LISTEN) {
                accept_all(k);
            } else if (id == ID_SIGNAL) {
                on_signal(k);
            } else if (id < k->o.max_conn && k->slots[id] != NULL && k->slots[id]->fd >= 0 &&
                       k->slots[id]->gen == gen) {
                sess_run(k, k->slots[id]);
            }
        }
        uint64_t now = bench_cpu_now_ns();
        if (k->count_dirty && now >= k->count_next) {
            write_counts(k, now);
        }
    }
}

static json_t *
report(const struct sink *k, const struct rusage *ru)
{
    const struct options *o = &k->o;
    double span = k->t_last > k->t_first ? (double)(k->t_last - k->t_first) / 1e9 : 0;
    /* messages arrive at (n - 1) intervals between the first and the last */
    double rate = span > 0 ? (double)(k->messages - 1) / span : 0;
    double cpu = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
                 (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
    if (!o->quiet) {
        fprintf(stderr,
                "redline-bench sink: %llu messages (%llu rejected, %llu lost mid-message), "
                "%llu bytes, %llu violations in %llu messages, %.0f msg/s over %.2f s, "
                "%llu connections (%llu TLS handshakes, %llu failed), CPU %.2f s\n",
                (unsigned long long)k->messages, (unsigned long long)k->rejected,
                (unsigned long long)k->aborted, (unsigned long long)k->bytes,
                (unsigned long long)k->violations, (unsigned long long)k->violating, rate, span,
                (unsigned long long)k->connections, (unsigned long long)k->tls_stats.handshakes,
                (unsigned long long)k->tls_stats.failures, cpu);
    }
    json_t *root = bench_report_root("sink");
    if (root == NULL) {
        return NULL;
    }
    json_t *c = json_object();
    json_object_set_new(c, "listen", json_string(o->listen));
    json_object_set_new(c, "verify", json_boolean(o->verify));
    json_object_set_new(c, "save", o->save_dir ? json_string(o->save_dir) : json_null());
    json_object_set_new(c, "fail_at", json_string(stage_names[o->fail_rate > 0 ? o->fail_at : 0]));
    json_object_set_new(c, "fail_rate", json_real(o->fail_rate));
    json_object_set_new(c, "fail_code", json_integer(o->fail_code));
    json_object_set_new(c, "chunking", json_boolean(o->chunking));
    json_object_set_new(c, "max_size", json_integer((json_int_t)o->max_size));
    json_object_set_new(c, "starttls", json_boolean(k->cfg.starttls));

    json_t *r = json_object();
    json_object_set_new(r, "connections", json_integer((json_int_t)k->connections));
    json_object_set_new(r, "connections_refused", json_integer((json_int_t)k->conn_refused));
    json_object_set_new(r, "messages", json_integer((json_int_t)k->messages));
    json_object_set_new(r, "rejected", json_integer((json_int_t)k->rejected));
    json_object_set_new(r, "aborted", json_integer((json_int_t)k->aborted));
    json_object_set_new(r, "bytes", json_integer((json_int_t)k->bytes));
    json_object_set_new(r, "violations", json_integer((json_int_t)k->violations));
    json_object_set_new(r, "messages_with_violations", json_integer((json_int_t)k->violating));
    json_t *bt = json_object();
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        if (k->by_type[t] > 0) {
            json_object_set_new(bt, scan_type_name(t), json_integer((json_int_t)k->by_type[t]));
        }
    }
    json_object_set_new(r, "violations_by_type", bt);
    json_object_set_new(r, "first_to_last_s", json_real(span));
    json_object_set_new(r, "msgs_per_s", json_real(rate));
    json_object_set_new(r, "mb_per_s", json_real(span > 0 ? (double)k->bytes / span / 1e6 : 0));
    json_object_set_new(r, "cpu_s", json_real(cpu));
    json_object_set_new(r, "save_errors", json_integer((json_int_t)k->save_errors));
    json_object_set_new(r, "tls", bench_report_tls(&k->tls_stats));
    json_object_set_new(root, "config", c);
    json_object_set_new(root, "results", r);
    return root;
}

static int
setup(struct sink *k, struct rl_diag *diag)
{
    const struct options *o = &k->o;
    int rc = bench_addr_parse(&k->addr, diag, o->listen);
    if (rc != 0) {
        return rc;
    }
    if (o->verify) {
        rc = bench_values_load(&k->vals, diag, o->corpus, o->seed);
        if (rc != 0) {
            return rc;
        }
    }
    if (o->save_dir != NULL && mkdir(o->save_dir, 0755) != 0 && errno != EEXIST) {
        return rl_diag_set(diag, "save", "cannot create %s: %s", o->save_dir, strerror(errno));
    }
    k->cfg = (struct bench_server_cfg){
        .hostname = o->hostname,
        .max_size = o->max_size,
        .chunking = o->chunking,
        .fail_at = o->fail_rate > 0 ? o->fail_at : BENCH_FAIL_NONE,
        .fail_threshold =
            o->fail_rate >= 1 ? BENCH_FAIL_ALWAYS : (uint64_t)(o->fail_rate * 4294967296.0),
        .fail_code = o->fail_code,
        .starttls = o->tls_cert != NULL || o->tls_selfsigned,
    };
    if (o->tls_cert != NULL) {
        rc = bench_cert_server_new(&k->tls, diag, o->tls_cert, o->tls_key);
    } else if (o->tls_selfsigned) {
        rc = bench_cert_server_selfsigned(&k->tls, diag, TLS_TESTCERT_P256,
                                          o->hostname != NULL ? o->hostname : "redline-sink");
    }
    if (rc != 0) {
        return rc;
    }
    k->slots = calloc(o->max_conn, sizeof(struct ssess *));
    if (k->slots == NULL) {
        return rl_diag_set(diag, "sessions", "out of memory");
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < o->max_conn + 64u) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    k->lfd = bench_net_listen(&k->addr);
    if (k->lfd < 0) {
        return rl_diag_set(diag, "listen", "%s: %s", o->listen, strerror(errno));
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    k->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    k->ep = epoll_create1(EPOLL_CLOEXEC);
    if (k->sfd < 0 || k->ep < 0) {
        return rl_diag_set(diag, "epoll", "%s", strerror(errno));
    }
    struct epoll_event le = {.events = EPOLLIN | EPOLLET, .data.u64 = ID_LISTEN};
    struct epoll_event se = {.events = EPOLLIN, .data.u64 = ID_SIGNAL};
    if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->lfd, &le) != 0 ||
        epoll_ctl(k->ep, EPOLL_CTL_ADD, k->sfd, &se) != 0) {
        return rl_diag_set(diag, "epoll", "%s", strerror(errno));
    }
    return 0;
}

int
bench_sink_main(int argc, char **argv)
{
    struct rl_diag diag = {0};
    struct sink *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        fprintf(stderr, "redline-bench sink: out of memory\n");
        return 1;
    }
    k->lfd = k->ep = k->sfd = -1;
    int status = 0;
    int parsed = parse_options(&k->o, argc, argv);
    if (parsed != 0) {
        status = parsed > 0 ? 0 : 2;
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    if (setup(k, &diag) != 0) {
        fprintf(stderr, "redline-bench sink: %s: %s\n", diag.field, diag.reason);
        status = 1;
        goto out;
    }
    k->count_dirty = true;
    write_counts(k, bench_cpu_now_ns()); /* the file exists once the sink listens */
    serve(k);
    write_counts(k, bench_cpu_now_ns());

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    json_t *root = report(k, &ru);
    if (root == NULL || bench_report_write(root, stdout, k->o.json_path) != 0) {
        fprintf(stderr, "redline-bench sink: cannot write the JSON report\n");
        status = 1;
    }
    json_decref(root);
    if (k->save_errors > 0) {
        fprintf(stderr, "redline-bench sink: %llu messages could not be saved\n",
                (unsigned long long)k->save_errors);
        status = 1;
    }
out:
    for (unsigned i = 0; k->slots != NULL && i < k->o.max_conn; i++) {
        if (k->slots[i] != NULL) {
            if (k->slots[i]->fd >= 0) {
                sess_close(k, k->slots[i]);
            }
            bench_buf_fini(&k->slots[i]->msg);
            free(k->slots[i]);
        }
    }
    free(k->slots);
    tls_server_free(k->tls);
    bench_values_fini(&k->vals);
    int fds[] = {k->lfd, k->ep, k->sfd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    free(k);
    return status;
}
