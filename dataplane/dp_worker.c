/* SPDX-License-Identifier: Apache-2.0 */
/* The worker loop: poll the backend, accept, run the connections that have
 * work, fire timers; run to completion, no locks. Object pools grow to the
 * high-water mark and are reused (no allocation once warm). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_conn.h"
#include "dp_notify.h"
#include "dp_tls.h"

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
dp_run_later(struct dp_worker *w, struct dp_base *b)
{
    if (b->queued) {
        return;
    }
    b->queued = true;
    b->next_run = NULL;
    if (w->run_tail != NULL) {
        w->run_tail->next_run = b;
    } else {
        w->run_head = b;
    }
    w->run_tail = b;
}

void
dp_link(struct dp_worker *w, struct dp_base *b)
{
    b->next_all = w->all.next_all;
    b->prev_all = &w->all;
    w->all.next_all->prev_all = b;
    w->all.next_all = b;
}

void
dp_unlink(struct dp_base *b)
{
    if (b->prev_all != NULL) {
        b->prev_all->next_all = b->next_all;
        b->next_all->prev_all = b->prev_all;
    }
    b->prev_all = b->next_all = NULL;
}

/* start_tls_clients builds the worker's outbound contexts: one per client
 * profile, and the built-in opportunistic one for routes that name none. */
static int
start_tls_clients(struct dp_worker *w, struct rl_diag *diag)
{
    const struct tls_profiles *set = &w->cfg->tls_profiles;
    for (uint32_t i = 0; i < set->n; i++) {
        if (set->p[i].role == TLS_ROLE_CLIENT) {
            int rc = tls_client_new(&w->tls_out[i], diag, &set->p[i]);
            if (rc != 0) {
                return rc;
            }
        }
    }
    struct tls_profile p;
    tls_profile_defaults(&p, TLS_ROLE_CLIENT);
    snprintf(p.name, sizeof(p.name), "default");
    return tls_client_new(&w->tls_out_default, diag, &p);
}

int
dp_worker_new(struct dp_worker **out_w, struct rl_diag *diag, const struct dp_config *cfg,
              const struct scan_engine *engine, unsigned id, struct dp_stats_core *stats,
              const struct dp_control *ctl, const uint8_t *tls_secret)
{
    struct dp_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return RL_ENOMEM;
    }
    w->id = id;
    w->cfg = cfg;
    w->ctl = ctl;
    w->engine = engine;
    w->stats = stats;
    w->all.next_all = w->all.prev_all = &w->all;
    w->now_ms = now_ms();
    w->accepting = true;

    smtp_limits_default(&w->lim);
    w->lim.max_msg_size = cfg->max_message_size;
    w->lim.max_rcpt = cfg->max_recipients;
    w->lim.cmd_timeout_ms = cfg->command_timeout_ms;
    w->lim.data_timeout_ms = cfg->data_timeout_ms;
    w->lim.min_data_rate = cfg->min_data_rate;
    w->lim.max_errors = cfg->max_errors;
    w->lim.max_junk = cfg->max_junk;
    w->lim.tarpit_after = cfg->tarpit_after;
    w->lim.tarpit_ms = cfg->tarpit_ms;
    w->scfg.hostname = cfg->hostname;
    w->scfg.bare_newline = cfg->bare_newline;
    w->scfg.nul = cfg->nul;
    w->scfg.address_literals = cfg->address_literals;
    int rc = dp_msgid_init(&w->ids);
    if (rc != 0) {
        rl_diag_set(diag, "random", "cannot get random octets for message ids");
        goto fail;
    }
    rc = dp_tls_server_new(&w->tls, diag, cfg, tls_secret);
    if (rc != 0 && rc != RL_ENOENT) {
        goto fail;
    }
    w->scfg.tls_available = w->tls != NULL;
    /* RFC 3207 4: no mail before STARTTLS (dp_config_check: only with a certificate). */
    w->scfg.tls_required = w->tls != NULL && cfg->tls_policy == DP_TLS_ENCRYPT;
    if (start_tls_clients(w, diag) != 0) {
        goto fail;
    }
    w->smtp_mem_len = smtp_session_mem_size(&w->lim);
    smtp_client_limits_default(&w->clim);
    w->cli_mem_len = smtp_client_mem_size(&w->clim);
    if (w->smtp_mem_len == 0 || w->cli_mem_len == 0) {
        rl_diag_set(diag, "limits", "SMTP limits below the RFC 5321 minimums");
        goto fail;
    }

    w->sw = scan_worker_new(engine);
    w->sm = w->sw != NULL ? scan_message_new(w->sw, engine) : NULL;
    if (w->sm == NULL) {
        rl_diag_set(diag, "scan", "cannot allocate the scanner");
        goto fail;
    }
    rc = io_kernel_new(&w->io);
    if (rc != 0) {
        rl_diag_set(diag, "backend", "cannot create the kernel backend: %s", rl_strerror(rc));
        goto fail;
    }
    for (uint32_t i = 0; i < cfg->n_listen; i++) {
        struct dp_base *l = &w->listeners[i];
        l->kind = DP_K_LISTEN;
        int err = 0;
        rc = w->io->ops->listen(w->io, &l->h, &err, &cfg->listen[i], (uint64_t)(uintptr_t)l);
        if (rc != 0) {
            char a[IO_ADDR_STRLEN];
            io_addr_format(a, sizeof(a), &cfg->listen[i]);
            rl_diag_set(diag, "listen", "cannot listen on %s: %s", a, strerror(err));
            goto fail;
        }
        w->n_listeners++;
    }
    *out_w = w;
    return 0;
fail:
    dp_worker_free(w);
    return RL_EIO;
}

static struct dp_in *
in_get(struct dp_worker *w)
{
    struct dp_in *in = w->in_free;
    if (in != NULL) {
        w->in_free = in->next_free;
        return in;
    }
    in = calloc(1, sizeof(*in));
    if (in == NULL) {
        return NULL;
    }
    in->smtp_mem = malloc(w->smtp_mem_len);
    if (in->smtp_mem == NULL ||
        smtp_session_init(&in->smtp, &w->lim, &w->scfg, in->smtp_mem, w->smtp_mem_len) != 0) {
        free(in->smtp_mem);
        free(in);
        return NULL;
    }
    dp_stats_add(w->stats, DP_C_BUF_ALLOCS, 1);
    return in;
}

static void
accept_all(struct dp_worker *w, struct dp_base *l)
{
    while (w->accepting) {
        uint32_t h;
        struct io_addr peer;
        struct dp_in *in = in_get(w);
        if (in == NULL) {
            return; /* out of memory: leave the connection in the backlog */
        }
        int rc = w->io->ops->accept(w->io, &h, &peer, l->h, (uint64_t)(uintptr_t)&in->b);
        if (rc != 0) {
            dp_worker_put_in(w, in);
            if (rc == RL_EAGAIN) {
                l->rd = false;
            }
            return;
        }
        in->b.h = h;
        in->peer = peer;
        dp_stats_add(w->stats, DP_C_CONN_ACCEPTED, 1);
        dp_in_accept(w, in);
    }
}

void
dp_worker_put_in(struct dp_worker *w, struct dp_in *in)
{
    in->next_free = w->in_free;
    w->in_free = in;
}

void
dp_worker_put_out(struct dp_worker *w, struct dp_out *o)
{
    o->pool_next = w->out_free;
    w->out_free = o;
}

struct dp_out *
dp_worker_get_out(struct dp_worker *w)
{
    struct dp_out *o = w->out_free;
    if (o != NULL) {
        w->out_free = o->pool_next;
        return o;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return NULL;
    }
    o->cli_mem = malloc(w->cli_mem_len);
    if (o->cli_mem == NULL ||
        smtp_client_init(&o->cli, &w->clim, w->cfg->hostname, o->cli_mem, w->cli_mem_len) != 0) {
        free(o->cli_mem);
        free(o);
        return NULL;
    }
    dp_stats_add(w->stats, DP_C_BUF_ALLOCS, 1);
    return o;
}

static void
run_one(struct dp_worker *w, struct dp_base *b)
{
    if (b->kind == DP_K_LISTEN) {
        accept_all(w, b);
    } else if (b->kind == DP_K_IN) {
        struct dp_in *in = (struct dp_in *)(void *)b;
        if (in->live) {
            dp_in_run(w, in);
        }
    } else {
        struct dp_out *o = (struct dp_out *)(void *)b;
        if (o->live) {
            dp_out_run(w, o);
        }
    }
}

static void
tick(struct dp_worker *w)
{
    if (w->tls != NULL) {
        tls_server_tick(w->tls, (uint64_t)time(NULL)); /* ticket key epochs */
    }
    struct dp_base *b = w->all.next_all;
    while (b != &w->all) {
        struct dp_base *next = b->next_all; /* the tick may close b */
        if (b->kind == DP_K_IN) {
            dp_in_tick(w, (struct dp_in *)(void *)b);
        } else {
            dp_out_tick(w, (struct dp_out *)(void *)b);
        }
        b = next;
    }
}

void
dp_worker_tls_offer(struct dp_worker *w, struct tls_server *srv)
{
    tls_server_free(__atomic_exchange_n(&w->tls_next, srv, __ATOMIC_ACQ_REL));
}

/* take_tls swaps in a context a reload offered: new STARTTLS connections get
 * it, the old one goes with its last connection. */
static void
take_tls(struct dp_worker *w)
{
    struct tls_server *next = __atomic_exchange_n(&w->tls_next, NULL, __ATOMIC_ACQUIRE);
    if (next == NULL) {
        return;
    }
    tls_server_free(w->tls);
    w->tls = next;
}

static void
start_drain(struct dp_worker *w)
{
    w->draining = true;
    w->accepting = false;
    w->drain_deadline_ms = w->now_ms + DP_DRAIN_MS;
    for (uint32_t i = 0; i < w->n_listeners; i++) {
        w->io->ops->close(w->io, w->listeners[i].h);
    }
    w->n_listeners = 0;
}

/* drained tells whether every client session has gone; idle ones are told
 * 421 on each pass, busy ones finish their transaction first. */
static bool
drained(struct dp_worker *w)
{
    bool any = false;
    struct dp_base *b = w->all.next_all;
    while (b != &w->all) {
        struct dp_base *next = b->next_all;
        if (b->kind == DP_K_IN) {
            any = true;
            dp_in_drain(w, (struct dp_in *)(void *)b);
        }
        b = next;
    }
    return !any;
}

int
dp_worker_run(struct dp_worker *w)
{
    int core = w->cfg->cores[w->id];
    if (core >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(core, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
            dp_notify_gone(&w->beat);
            return RL_EIO;
        }
    }
    bool spin = w->cfg->idle == DP_IDLE_SPIN;
    struct io_event evs[256];
    for (;;) {
        dp_notify_beat(&w->beat); /* the watchdog pings while every loop turns */
        if (__atomic_load_n(&w->ctl->stop, __ATOMIC_RELAXED)) {
            break;
        }
        if (!w->draining && __atomic_load_n(&w->ctl->drain, __ATOMIC_RELAXED)) {
            start_drain(w);
        }
        /* Sleep only when nothing is queued; wake for the next timer pass. */
        int timeout = 0;
        if (!spin && w->run_head == NULL) {
            uint64_t until = w->next_tick_ms > w->now_ms ? w->next_tick_ms - w->now_ms : 0;
            timeout = (int)until;
        }
        size_t n = w->io->ops->poll(w->io, evs, 256, timeout);
        w->now_ms = now_ms();
        if (__atomic_load_n(&w->tls_next, __ATOMIC_RELAXED) != NULL) {
            take_tls(w); /* before this pass accepts or starts any TLS */
        }
        for (size_t i = 0; i < n; i++) {
            struct dp_base *b = (struct dp_base *)(uintptr_t)evs[i].cookie;
            if (evs[i].flags & IO_READABLE) {
                b->rd = true;
            }
            if (evs[i].flags & IO_WRITABLE) {
                b->wr = true;
            }
            dp_run_later(w, b);
        }
        while (w->run_head != NULL) {
            struct dp_base *b = w->run_head;
            w->run_head = b->next_run;
            if (w->run_head == NULL) {
                w->run_tail = NULL;
            }
            b->queued = false;
            run_one(w, b);
        }
        if (w->now_ms >= w->next_tick_ms) {
            w->next_tick_ms = w->now_ms + DP_TICK_MS;
            tick(w);
            if (w->draining && (drained(w) || w->now_ms >= w->drain_deadline_ms)) {
                break;
            }
        }
    }
    dp_notify_gone(&w->beat);
    return 0;
}

const uint64_t *
dp_worker_beat(const struct dp_worker *w)
{
    return &w->beat;
}

void
dp_worker_free(struct dp_worker *w)
{
    if (w == NULL) {
        return;
    }
    while (w->all.next_all != NULL && w->all.next_all != &w->all) {
        struct dp_base *b = w->all.next_all;
        if (b->kind == DP_K_IN) {
            dp_in_close(w, (struct dp_in *)(void *)b);
        } else {
            dp_out_close(w, (struct dp_out *)(void *)b);
        }
    }
    for (uint32_t i = 0; i < w->n_listeners; i++) {
        w->io->ops->close(w->io, w->listeners[i].h);
    }
    while (w->in_free != NULL) {
        struct dp_in *in = w->in_free;
        w->in_free = in->next_free;
        free(in->smtp_mem);
        free(in);
    }
    while (w->out_free != NULL) {
        struct dp_out *o = w->out_free;
        w->out_free = o->pool_next;
        free(o->cli_mem);
        free(o);
    }
    if (w->io != NULL) {
        w->io->ops->free(w->io);
    }
    tls_server_free(w->tls); /* after its connections */
    w->tls = NULL;
    tls_server_free(w->tls_next);
    w->tls_next = NULL;
    for (uint32_t i = 0; i < TLS_MAX_PROFILES; i++) {
        tls_client_free(w->tls_out[i]);
    }
    tls_client_free(w->tls_out_default);
    scan_message_free(w->sm);
    scan_worker_free(w->sw);
    dp_bufpool_fini(&w->bufs);
    free(w);
}
