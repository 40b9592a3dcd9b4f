/* SPDX-License-Identifier: Apache-2.0 */
/* One worker's turn: poll the backend for a burst, accept, run the
 * connections that have work, fire timers, take a new snapshot and
 * announce the quiescent state; run to completion, no locks. The loop that
 * repeats the turn is the caller's (dp_loop.c, or a DPDK lcore). Object
 * pools grow to the high-water mark and are reused (no allocation once
 * warm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "dp_conn.h"
#include "dp_notify.h"

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* cpu_ns is the calling thread's CPU time (a system call, about 1 us on a
 * virtual machine: taken only when the boot setting loop_turn_cpu asks). */
static uint64_t
cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_ms(void)
{
    return now_ns() / 1000000u;
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

/* wake_cb is the worker's waker for publishers and helper threads. */
static void
wake_cb(void *arg)
{
    dp_worker_wake(arg);
}

int
dp_worker_new(struct dp_worker **out_w, struct rl_diag *diag, const struct dp_boot *boot,
              const char *backend, const void *backend_arg, struct dp_live *live, unsigned id,
              struct dp_stats_core *stats, const struct dp_control *ctl)
{
    struct dp_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return RL_ENOMEM;
    }
    w->id = id;
    w->boot = boot;
    w->live = live;
    w->ctl = ctl;
    w->stats = stats;
    w->all.next_all = w->all.prev_all = &w->all;
    w->now_ms = now_ms();
    w->accepting = true;

    struct smtp_limits lim;
    smtp_limits_default(&lim);
    w->smtp_mem_len = smtp_session_mem_size(&lim); /* the limits a snapshot sets do not size it */
    smtp_client_limits_default(&w->clim);
    w->cli_mem_len = smtp_client_mem_size(&w->clim);
    if (w->smtp_mem_len == 0 || w->cli_mem_len == 0) {
        rl_diag_set(diag, "limits", "SMTP limits below the RFC 5321 minimums");
        goto fail;
    }
    if (dp_msgid_init(&w->ids) != 0) {
        rl_diag_set(diag, "random", "cannot get random octets for message ids");
        goto fail;
    }
    if (dp_hops_init(&w->hops) != 0) {
        rl_diag_set(diag, "memory", "cannot allocate the next-hop table");
        goto fail;
    }
    /* The first snapshot is taken here, before the threads start. */
    if (!dp_wsnap_adopt(w)) {
        rl_diag_set(diag, "scan", "the snapshot has no scanner for worker %u", id);
        goto fail;
    }
    int rc = io_backend_new(&w->io, backend, backend_arg);
    if (rc != 0) {
        rl_diag_set(diag, "backend", "cannot create the %s backend: %s", backend, rl_strerror(rc));
        goto fail;
    }
    if (w->io->ops->wake != NULL) {
        dp_live_set_waker(live, id, wake_cb, w); /* a publish wakes this worker */
    }
    w->turn_cpu = boot->loop_turn_cpu;
    for (uint32_t i = 0; i < boot->n_listen; i++) {
        struct dp_base *l = &w->listeners[i];
        l->kind = DP_K_LISTEN;
        int err = 0;
        rc = w->io->ops->listen(w->io, &l->h, &err, &boot->listen[i], (uint64_t)(uintptr_t)l);
        if (rc != 0) {
            char a[IO_ADDR_STRLEN];
            io_addr_format(a, sizeof(a), &boot->listen[i]);
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
    in->smtp_mem = malloc(w->smtp_mem_len); /* dp_in_accept sets the session up */
    if (in->smtp_mem == NULL) {
        free(in);
        return NULL;
    }
    dp_stats_add(w->stats, DP_C_BUF_ALLOCS, 1);
    return in;
}

static void
accept_all(struct dp_worker *w, struct dp_base *l)
{
    for (unsigned k = 0; w->accepting; k++) {
        if (k == DP_ACCEPT_BURST) {
            dp_run_later(w, l); /* the rest of the backlog next turn */
            return;
        }
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
    o->cli_mem = malloc(w->cli_mem_len); /* dp_relay_acquire sets the client up */
    if (o->cli_mem == NULL) {
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
            dp_stream_begin_run(&in->st, w->run_deadline_ns);
            dp_in_run(w, in);
            if (in->live && dp_stream_spent(&in->st)) {
                dp_run_later(w, b); /* more to move than one run's share */
            }
        }
    } else if (b->kind == DP_K_JOB) {
        dp_release_step(w, (struct dp_release *)(void *)b);
    } else {
        struct dp_out *o = (struct dp_out *)(void *)b;
        if (o->live) {
            dp_stream_begin_run(&o->st, w->run_deadline_ns);
            dp_out_run(w, o);
            if (o->live && dp_stream_spent(&o->st)) {
                dp_run_later(w, b);
            }
        }
    }
}

/* publish_hops publishes the health of the hops this worker tried (those
 * down first, DP_HEALTH_MAX at most) and how many are down: whose last
 * attempt failed before a greeting, back-off over or not. */
static void
publish_hops(struct dp_worker *w)
{
    uint64_t down = 0;
    unsigned n = 0;
    dp_stats_hops_begin(w->stats);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < DP_HOP_MAX; i++) {
            const struct dp_hop *e = &w->hops.e[i];
            if (!e->used || e->last_ms == 0 || (e->fails > 0) != (pass == 0)) {
                continue;
            }
            down += e->fails > 0 ? 1 : 0;
            if (n < DP_HEALTH_MAX) {
                dp_stats_hop_put(w->stats, n++, e->name, e->last_ms, e->fails);
            }
        }
    }
    dp_stats_hops_end(w->stats, n);
    dp_stats_set(w->stats, DP_C_HOPS_DOWN, down);
}

static void
tick(struct dp_worker *w)
{
    struct tls_server *srv = w->cur->s->tls->server[w->id];
    if (srv != NULL) {
        tls_server_tick(srv, (uint64_t)time(NULL)); /* ticket key epochs */
    }
    dp_hops_sweep(&w->hops, w->now_ms);
    if (w->io->ops->counters != NULL) { /* the DPDK stack's drops, retransmissions, ports */
        w->io->ops->counters(w->io, &w->netc);
        dp_stats_net(w->stats, &w->netc);
    }
    /* Next-hop health and this core's load, for status and the metrics. */
    publish_hops(w);
    if (w->now_ms - w->load_window_ms >= 1000) {
        uint64_t window_ns = (w->now_ms - w->load_window_ms) * 1000000u;
        uint64_t load = w->busy_ns * 1000u / window_ns;
        dp_stats_set(w->stats, DP_C_LOAD_PERMILLE, load < 1000 ? load : 1000);
        uint64_t msgs = w->stats->c[DP_C_MSG_RECEIVED];
        dp_stats_set(w->stats, DP_C_MSGS_PER_S,
                     (msgs - w->load_window_msgs) * 1000u / (w->now_ms - w->load_window_ms));
        w->load_window_msgs = msgs;
        w->busy_ns = 0;
        w->load_window_ms = w->now_ms;
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

void
dp_worker_wake(struct dp_worker *w)
{
    if (w->io->ops->wake != NULL) {
        w->io->ops->wake(w->io);
    }
}

bool
dp_worker_step(struct dp_worker *w, bool may_sleep)
{
    dp_notify_beat(&w->beat); /* the watchdog pings while every loop turns */
    if (__atomic_load_n(&w->ctl->stop, __ATOMIC_RELAXED)) {
        dp_release_abort(w);
        return false;
    }
    if (!w->draining && __atomic_load_n(&w->ctl->drain, __ATOMIC_RELAXED)) {
        start_drain(w);
    }
    /* Sleep only when nothing is queued, until the next timer pass: a
     * publisher (dp_live_set_waker) and a helper thread handing a job back
     * (dp_helpers_park) wake the poll through the backend. A backend that
     * cannot be woken is polled every millisecond while jobs are out. */
    int timeout = 0;
    bool parked = false;
    if (may_sleep && w->run_head == NULL) {
        uint64_t until = w->next_tick_ms > w->now_ms ? w->next_tick_ms - w->now_ms : 0;
        timeout = (int)until;
        if (timeout > 0 && w->jobs_out > 0) {
            if (w->io->ops->wake == NULL) {
                timeout = 1;
            } else if (!(parked = dp_helpers_park(w->helpers, w->id))) {
                timeout = 0; /* a job is back already */
            }
        }
    }
    struct io_event evs[DP_BURST];
    if (timeout > 0) {
        /* Offline while blocked: a publisher's grace period need not wait. */
        rcu_thread_offline();
    }
    size_t n = w->io->ops->poll(w->io, evs, DP_BURST, timeout);
    if (timeout > 0) {
        rcu_thread_online();
    }
    if (parked) {
        dp_helpers_unpark(w->helpers, w->id);
    }
    uint64_t t0 = now_ns();
    uint64_t c0 = w->turn_cpu ? cpu_ns() : 0;
    w->now_ms = t0 / 1000000u;
    bool worked = n > 0 || w->run_head != NULL;
    struct dp_turn_parts parts = {.events = n, .cpu_ns = DP_TURN_NO_CPU};
    /* Before this turn accepts or starts anything: the newest snapshot. */
    (void)dp_wsnap_adopt(w);
    uint64_t t1 = now_ns();
    parts.adopt_ns = t1 - t0;
    dp_release_take(w);
    struct dp_job *j;
    while (w->helpers != NULL && (j = dp_helpers_done(w->helpers, w->id)) != NULL) {
        worked = true;
        dp_in_job_done(w, j); /* a store or scan of a session came back */
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
    uint64_t t2 = now_ns();
    parts.jobs_ns = t2 - t1;
    /* What was queued before this turn runs now; what it queues, next turn.
     * Runs start until the turn's budget is used, and move octets until then
     * (dp_stream_begin_run). */
    struct dp_base *stop_after = w->run_tail;
    uint64_t tr = t2;
    w->run_deadline_ns = t2 + DP_TURN_BUDGET_NS;
    while (w->run_head != NULL) {
        struct dp_base *b = w->run_head;
        w->run_head = b->next_run;
        if (w->run_head == NULL) {
            w->run_tail = NULL;
        }
        b->queued = false;
        enum dp_kind kind = b->kind; /* b may be freed by its run */
        run_one(w, b);
        uint64_t te = now_ns();
        parts.runs++;
        if (te - tr > parts.worst_ns) {
            parts.worst_ns = te - tr;
            parts.worst_kind = kind;
        }
        tr = te;
        /* The rest waits for the next turn once this one has used its
         * time: the backend is polled again first. */
        if (b == stop_after || te - t2 >= DP_TURN_BUDGET_NS) {
            break;
        }
    }
    parts.run_ns = tr - t2;
    bool go_on = true;
    if (w->now_ms >= w->next_tick_ms) {
        worked = true;
        w->next_tick_ms = w->now_ms + DP_TICK_MS;
        tick(w);
        if (w->draining && (drained(w) || w->now_ms >= w->drain_deadline_ms)) {
            go_on = false;
        }
    }
    uint64_t t3 = now_ns();
    parts.timers_ns = t3 - tr;
    if (!go_on) {
        dp_release_abort(w); /* the control thread waits for it */
    }
    if (worked) {
        parts.wall_ns = t3 - t0;
        parts.cpu_ns = w->turn_cpu ? cpu_ns() - c0 : DP_TURN_NO_CPU;
        dp_stats_turn(w->stats, &parts);
        w->busy_ns += parts.wall_ns; /* this core's load (tick) */
    }
    /* One quiescent state per turn: nothing read from a snapshot pointer
     * survives it unless pinned (dp_wsnap_take). */
    rcu_quiescent_state();
    return go_on;
}

void
dp_worker_set_helpers(struct dp_worker *w, struct dp_helpers *h)
{
    w->helpers = h;
    if (h != NULL) {
        dp_helpers_pool_hook(h, w->id, &w->bufs);
    }
    if (h != NULL && w->io->ops->wake != NULL) {
        dp_helpers_set_waker(h, w->id, wake_cb, w);
    }
}

bool
dp_worker_busy(const struct dp_worker *w)
{
    return w->run_head != NULL || w->jobs_out > 0 || w->release != NULL;
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
    w->helpers = NULL;      /* freed before: jobs still out are the sessions' to drop */
    w->bufs.discard = NULL; /* buffers of megabytes wiped here from now on */
    if (w->cur != NULL) {
        dp_release_abort(w);
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
        if (w->io->ops->wake != NULL && w->live != NULL) {
            dp_live_set_waker(w->live, w->id, NULL, NULL);
        }
        w->io->ops->free(w->io);
    }
    dp_wsnap_fini(w); /* after its connections */
    dp_hops_fini(&w->hops);
    dp_bufpool_fini(&w->bufs);
    free(w);
}

void
dp_worker_gone(struct dp_worker *w)
{
    dp_notify_gone(&w->beat);
}

unsigned
dp_worker_id(const struct dp_worker *w)
{
    return w->id;
}
