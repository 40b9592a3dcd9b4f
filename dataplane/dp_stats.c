/* SPDX-License-Identifier: Apache-2.0 */
/* Counter names and their JSON form, for the control thread. */
#include "dp_stats.h"

#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_config.h"

_Static_assert(DP_HEALTH_NAME_WORDS * 8 >= DP_DOMAIN_MAX + 8, "a hop's name fits");

static const char *const counter_names[DP_C__COUNT] = {
    [DP_C_CONN_ACCEPTED] = "connections_accepted",
    [DP_C_CONN_CLIENT_LIMIT] = "connections_refused_client_limit",
    [DP_C_CONN_REFUSED] = "connections_refused",
    [DP_C_CONN_ACTIVE] = "connections_active",
    [DP_C_MSG_RECEIVED] = "messages_received",
    [DP_C_MSG_RELAYED] = "messages_relayed",
    [DP_C_MSG_BLOCKED] = "messages_blocked",
    [DP_C_MSG_QUARANTINED] = "messages_quarantined",
    [DP_C_MSG_HELD] = "messages_held",
    [DP_C_HOLD_FAILED] = "hold_failures",
    [DP_C_MSG_TEMPFAIL] = "messages_tempfailed",
    [DP_C_MSG_PERMFAIL] = "messages_permfailed",
    [DP_C_MSG_REDACTED] = "messages_redacted",
    [DP_C_BYTES_IN] = "bytes_received",
    [DP_C_BYTES_OUT] = "bytes_relayed",
    [DP_C_REPLY_2XX] = "replies_2xx",
    [DP_C_REPLY_4XX] = "replies_4xx",
    [DP_C_REPLY_5XX] = "replies_5xx",
    [DP_C_RELAY_CONNECTS] = "relay_connects",
    [DP_C_RELAY_REUSED] = "relay_reused",
    [DP_C_RELAY_FAILOVERS] = "relay_failovers",
    [DP_C_RELAY_HOP_DOWN] = "relay_hops_marked_down",
    [DP_C_RELAY_UNREACHABLE] = "relay_unreachable",
    [DP_C_TRACK_FAILED] = "tracking_lines_failed",
    [DP_C_MAIL_NO_SPACE] = "mail_refused_low_space",
    [DP_C_BUF_ALLOCS] = "buffer_allocations",
    [DP_C_TLS_HANDSHAKES] = "tls_handshakes",
    [DP_C_TLS_FAILURES] = "tls_failures",
    [DP_C_TLS_TIMEOUTS] = "tls_handshake_timeouts",
    [DP_C_TLS_OUT_HANDSHAKES] = "tls_out_handshakes",
    [DP_C_TLS_OUT_RESUMED] = "tls_out_resumed",
    [DP_C_TLS_OUT_FAILURES] = "tls_out_failures",
    [DP_C_TLS_OUT_NOT_OFFERED] = "tls_out_not_offered",
    [DP_C_TLS_OUT_CLEAR] = "tls_out_clear_fallbacks",
    [DP_C_SNAP_TAKEN] = "snapshots_taken",
    [DP_C_SNAP_VERSION] = "snapshot_version",
    [DP_C_CONFIG_VERSION] = "config_version",
    [DP_C_RATE_LIMITED] = "messages_rate_limited",
    [DP_C_LOAD_PERMILLE] = "load_permille",
    [DP_C_HOPS_DOWN] = "next_hops_down",
    [DP_C_MSGS_PER_S] = "messages_per_s",
    [DP_C_SNAP_DEFERRED] = "snapshot_deferred",
    [DP_C_SCAN_JOBS] = "scan_jobs",
    [DP_C_STORE_JOBS] = "store_jobs",
    [DP_C_SNAP_LAG_US] = "snapshot_lag_us",
};

const uint32_t dp_turn_le_us[DP_TURN_BUCKETS] = {
    1,     2,     5,      10,     25,     50,      100,     150,     200,  250,
    300,   400,   500,    750,    1000,   1500,    2000,    3000,    5000, 10000,
    20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000,
};

/* hist_add counts a turn of `ns` nanoseconds into `h`, keeping `parts` when
 * it is the longest. */
static void
hist_add(struct dp_turn_hist *h, uint64_t ns, const struct dp_turn_parts *parts)
{
    uint64_t us = ns / 1000;
    unsigned b = 0;
    while (b < DP_TURN_BUCKETS && us >= dp_turn_le_us[b]) {
        b++;
    }
    dp_stats_bump(&h->hist[b], 1);
    dp_stats_bump(&h->ns_sum, ns);
    if (ns <= __atomic_load_n(&h->ns_max, __ATOMIC_RELAXED)) {
        return;
    }
    __atomic_store_n(&h->ns_max, ns, __ATOMIC_RELAXED);
    const uint64_t *from = &parts->wall_ns;
    uint64_t *to = &h->worst.wall_ns;
    for (size_t i = 0; i < sizeof(*parts) / sizeof(uint64_t); i++) {
        __atomic_store_n(&to[i], from[i], __ATOMIC_RELAXED);
    }
}

void
dp_stats_turn(struct dp_stats_core *s, const struct dp_turn_parts *parts)
{
    hist_add(&s->turn_wall, parts->wall_ns, parts);
    if (parts->cpu_ns != DP_TURN_NO_CPU) {
        hist_add(&s->turn_cpu, parts->cpu_ns, parts);
    }
}

static bool put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* seconds loads a nanosecond count as seconds. */
static double
seconds(const uint64_t *ns)
{
    return (double)__atomic_load_n(ns, __ATOMIC_RELAXED) / 1e9;
}

/* turns writes loop-turn histogram `h` as the member `name`: {"le": [...],
 * "counts": [cumulative], "sum", "count", "max"} (the form Prometheus
 * histograms take), with "longest": where the turn that set "max" went
 * ("cpu_s" null when its CPU time was not measured). */
static bool
turns(char *out, size_t cap, size_t *len, const char *name, const struct dp_turn_hist *h)
{
    bool ok = put(out, cap, len, ",\"%s\":{\"le\":[", name);
    for (unsigned b = 0; ok && b < DP_TURN_BUCKETS; b++) {
        ok = put(out, cap, len, "%s%g", b ? "," : "", dp_turn_le_us[b] / 1e6);
    }
    ok = ok && put(out, cap, len, "],\"counts\":[");
    uint64_t cum = 0;
    for (unsigned b = 0; ok && b < DP_TURN_BUCKETS; b++) {
        cum += __atomic_load_n(&h->hist[b], __ATOMIC_RELAXED);
        ok = put(out, cap, len, "%s%llu", b ? "," : "", (unsigned long long)cum);
    }
    cum += __atomic_load_n(&h->hist[DP_TURN_BUCKETS], __ATOMIC_RELAXED);
    ok = ok && put(out, cap, len, "],\"sum\":%.9f,\"count\":%llu,\"max\":%.9f", seconds(&h->ns_sum),
                   (unsigned long long)cum, seconds(&h->ns_max));
    static const char *const kinds[] = {"listener", "inbound", "outbound", "release"};
    const struct dp_turn_parts *t = &h->worst;
    uint64_t kind = __atomic_load_n(&t->worst_kind, __ATOMIC_RELAXED);
    char cpu[32] = "null";
    if (__atomic_load_n(&t->cpu_ns, __ATOMIC_RELAXED) != DP_TURN_NO_CPU) {
        snprintf(cpu, sizeof(cpu), "%.9f", seconds(&t->cpu_ns));
    }
    return ok && put(out, cap, len,
                     ",\"longest\":{\"wall_s\":%.9f,\"cpu_s\":%s,\"adopt_s\":%.9f,\"jobs_s\":%.9f,"
                     "\"run_s\":%.9f,\"timers_s\":%.9f,\"events\":%llu,\"runs\":%llu,"
                     "\"longest_run_s\":%.9f,\"longest_run_kind\":\"%s\"}}",
                     seconds(&t->wall_ns), cpu, seconds(&t->adopt_ns), seconds(&t->jobs_ns),
                     seconds(&t->run_ns), seconds(&t->timers_ns),
                     (unsigned long long)__atomic_load_n(&t->events, __ATOMIC_RELAXED),
                     (unsigned long long)__atomic_load_n(&t->runs, __ATOMIC_RELAXED),
                     seconds(&t->worst_ns), kinds[kind < 4 ? kind : 0]);
}

void
dp_stats_net(struct dp_stats_core *s, const struct io_counters *c)
{
    unsigned ports = c->n_ports < IO_COUNTER_PORTS ? c->n_ports : IO_COUNTER_PORTS;
    unsigned names = c->n_names < IO_COUNTERS ? c->n_names : IO_COUNTERS;
    if (__atomic_load_n(&s->net_names, __ATOMIC_RELAXED) == 0) {
        for (unsigned p = 0; p < ports; p++) {
            s->net_port[p] = c->port[p];
        }
        for (unsigned i = 0; i < names; i++) {
            s->net_name[i] = c->name[i];
        }
        __atomic_store_n(&s->net_ports, ports, __ATOMIC_RELAXED);
        __atomic_store_n(&s->net_names, names, __ATOMIC_RELEASE);
    }
    for (unsigned p = 0; p < ports; p++) {
        for (unsigned i = 0; i < names; i++) {
            __atomic_store_n(&s->net[p][i], c->v[p][i], __ATOMIC_RELAXED);
        }
    }
}

const char *
dp_counter_name(enum dp_counter c)
{
    return (unsigned)c < DP_C__COUNT ? counter_names[c] : "?";
}

/* put appends formatted text; false once it no longer fits. */
static bool
put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        return false;
    }
    *len += (size_t)n;
    return true;
}

/* by_reason writes the non-zero `tf` counts as the member `name`. */
static bool
by_reason(char *out, size_t cap, size_t *len, const char *name, const uint64_t *tf)
{
    bool ok = put(out, cap, len, ",\"%s\":{", name);
    bool first = true;
    for (unsigned r = 0; ok && r < TLS_FAIL__COUNT; r++) {
        if (tf[r] == 0) {
            continue;
        }
        ok = put(out, cap, len, "%s\"%s\":%llu", first ? "" : ",", tls_fail_name(r),
                 (unsigned long long)tf[r]);
        first = false;
    }
    return ok && put(out, cap, len, "}");
}

/* put_core writes one set of counters; `proc` (the process-wide ones) only
 * for the totals. */
static bool
put_core(char *out, size_t cap, size_t *len, const struct dp_stats_core *s,
         const struct dp_stats_proc *proc)
{
    bool ok = put(out, cap, len, "{");
    for (unsigned i = 0; ok && i < DP_C__COUNT; i++) {
        ok = put(out, cap, len, "\"%s\":%llu,", counter_names[i], (unsigned long long)s->c[i]);
    }
    if (ok && proc != NULL) {
        ok = put(out, cap, len, "\"tls_reloads\":%llu,\"tls_reload_failures\":%llu,",
                 (unsigned long long)__atomic_load_n(&proc->tls_reloads, __ATOMIC_RELAXED),
                 (unsigned long long)__atomic_load_n(&proc->tls_reload_failures, __ATOMIC_RELAXED));
    }
    ok = ok && put(out, cap, len, "\"findings\":{");
    bool first = true;
    for (unsigned t = 0; ok && t < SCAN_T__COUNT; t++) {
        if (s->findings[t] == 0) {
            continue;
        }
        ok = put(out, cap, len, "%s\"%s\":%llu", first ? "" : ",", scan_type_name(t),
                 (unsigned long long)s->findings[t]);
        first = false;
    }
    ok = ok && put(out, cap, len, "}");
    ok = ok && by_reason(out, cap, len, "tls_failures_by_reason", s->tls_fail);
    ok = ok && by_reason(out, cap, len, "tls_out_failures_by_reason", s->tls_out_fail);
    /* The stack's counters, "net_<name>": {"<port>": n}. */
    for (unsigned i = 0; ok && i < s->net_names; i++) {
        ok = put(out, cap, len, ",\"net_%s\":{", s->net_name[i]);
        for (unsigned p = 0; ok && p < s->net_ports; p++) {
            ok = put(out, cap, len, "%s\"%s\":%llu", p ? "," : "", s->net_port[p],
                     (unsigned long long)s->net[p][i]);
        }
        ok = ok && put(out, cap, len, "}");
    }
    return ok && put(out, cap, len, "}");
}

/* add_loaded adds the counters of `from` (another thread's) to `to`. */
static void
add_loaded(struct dp_stats_core *to, const struct dp_stats_core *from)
{
    for (unsigned i = 0; i < DP_C__COUNT; i++) {
        uint64_t v = __atomic_load_n(&from->c[i], __ATOMIC_RELAXED);
        /* Versions and the snapshot lag: the largest of any worker, not a sum. */
        bool newest = i == DP_C_SNAP_VERSION || i == DP_C_CONFIG_VERSION || i == DP_C_SNAP_LAG_US;
        to->c[i] = newest ? (v > to->c[i] ? v : to->c[i]) : to->c[i] + v;
    }
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        to->findings[t] += __atomic_load_n(&from->findings[t], __ATOMIC_RELAXED);
    }
    for (unsigned r = 0; r < TLS_FAIL__COUNT; r++) {
        to->tls_fail[r] += __atomic_load_n(&from->tls_fail[r], __ATOMIC_RELAXED);
        to->tls_out_fail[r] += __atomic_load_n(&from->tls_out_fail[r], __ATOMIC_RELAXED);
    }
    /* Every worker has the same ports and names: the first one's serve. */
    unsigned names = __atomic_load_n(&from->net_names, __ATOMIC_ACQUIRE);
    if (names > 0 && to->net_names == 0) {
        to->net_ports = from->net_ports;
        memcpy(to->net_port, from->net_port, sizeof(to->net_port));
        memcpy(to->net_name, from->net_name, sizeof(to->net_name));
        to->net_names = names;
    }
    for (unsigned p = 0; names > 0 && p < to->net_ports; p++) {
        for (unsigned i = 0; i < to->net_names; i++) {
            to->net[p][i] += __atomic_load_n(&from->net[p][i], __ATOMIC_RELAXED);
        }
    }
}

void
dp_stats_hops_begin(struct dp_stats_core *s)
{
    uint64_t seq = __atomic_load_n(&s->hops_seq, __ATOMIC_RELAXED);
    __atomic_store_n(&s->hops_seq, seq + 1, __ATOMIC_RELAXED);
}

void
dp_stats_hop_put(struct dp_stats_core *s, unsigned i, const char *name, uint64_t last_ms,
                 uint64_t fails)
{
    uint64_t words[DP_HEALTH_NAME_WORDS] = {0};
    size_t n = strnlen(name, sizeof(words) - 1);
    memcpy(words, name, n);
    /* Release stores (no fence: TSan knows none): a reader that sees one
     * sees the odd sequence number before it, and retries. */
    struct dp_hop_health *h = &s->hops[i];
    for (unsigned k = 0; k < DP_HEALTH_NAME_WORDS; k++) {
        __atomic_store_n(&h->name[k], words[k], __ATOMIC_RELEASE);
    }
    __atomic_store_n(&h->last_ms, last_ms, __ATOMIC_RELEASE);
    __atomic_store_n(&h->fails, fails, __ATOMIC_RELEASE);
}

void
dp_stats_hops_end(struct dp_stats_core *s, unsigned n)
{
    __atomic_store_n(&s->n_hops, n, __ATOMIC_RELEASE);
    uint64_t seq = __atomic_load_n(&s->hops_seq, __ATOMIC_RELAXED);
    __atomic_store_n(&s->hops_seq, seq + 1, __ATOMIC_RELEASE);
}

/* read_hops copies worker `s`'s last whole publication into `dst`
 * (DP_HEALTH_MAX entries); returns how many, 0 if it kept changing. */
static unsigned
read_hops(struct dp_hop_health *dst, const struct dp_stats_core *s)
{
    for (int tries = 0; tries < 1000; tries++) {
        uint64_t seq = __atomic_load_n(&s->hops_seq, __ATOMIC_ACQUIRE);
        if ((seq & 1) != 0) {
            sched_yield(); /* the worker is writing them */
            continue;
        }
        uint64_t n = __atomic_load_n(&s->n_hops, __ATOMIC_ACQUIRE);
        n = n < DP_HEALTH_MAX ? n : DP_HEALTH_MAX;
        for (uint64_t i = 0; i < n; i++) {
            for (unsigned k = 0; k < DP_HEALTH_NAME_WORDS; k++) {
                dst[i].name[k] = __atomic_load_n(&s->hops[i].name[k], __ATOMIC_ACQUIRE);
            }
            dst[i].last_ms = __atomic_load_n(&s->hops[i].last_ms, __ATOMIC_ACQUIRE);
            dst[i].fails = __atomic_load_n(&s->hops[i].fails, __ATOMIC_ACQUIRE);
        }
        if (__atomic_load_n(&s->hops_seq, __ATOMIC_RELAXED) == seq) {
            for (uint64_t i = 0; i < n; i++) {
                ((char *)dst[i].name)[sizeof(dst->name) - 1] = '\0';
            }
            return (unsigned)n;
        }
    }
    return 0;
}

/* One hop across workers (merge_hops). */
struct hop_view {
    const struct dp_hop_health *latest; /* the entry with the latest outcome */
    unsigned workers, workers_down;
};

/* merge_hops reads every worker's hops into `all` (n_cores * DP_HEALTH_MAX)
 * and gathers them by name into `views`; returns how many hops. */
static unsigned
merge_hops(struct hop_view *views, struct dp_hop_health *all, const struct dp_stats_core *cores,
           unsigned n_cores)
{
    unsigned nv = 0;
    for (unsigned w = 0; w < n_cores; w++) {
        struct dp_hop_health *mine = all + (size_t)w * DP_HEALTH_MAX;
        unsigned n = read_hops(mine, &cores[w]);
        for (unsigned i = 0; i < n; i++) {
            const char *name = (const char *)mine[i].name;
            unsigned v = 0;
            while (v < nv && strcmp((const char *)views[v].latest->name, name) != 0) {
                v++;
            }
            if (v == nv) {
                views[nv++] = (struct hop_view){.latest = &mine[i]};
            } else if (mine[i].last_ms > views[v].latest->last_ms) {
                views[v].latest = &mine[i];
            }
            views[v].workers++;
            views[v].workers_down += mine[i].fails > 0 ? 1 : 0;
        }
    }
    return nv;
}

/* put_str writes `s` as a JSON string. */
static bool
put_str(char *out, size_t cap, size_t *len, const char *s)
{
    bool ok = put(out, cap, len, "\"");
    for (; ok && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        ok = c < 0x20 || c == '"' || c == '\\' ? put(out, cap, len, "\\u%04x", c)
                                               : put(out, cap, len, "%c", c);
    }
    return ok && put(out, cap, len, "\"");
}

/* put_hops writes the merged hops as ",\"next_hops\":[...]". */
static bool
put_hops(char *out, size_t cap, size_t *len, const struct hop_view *views, unsigned nv)
{
    bool ok = put(out, cap, len, ",\"next_hops\":[");
    for (unsigned v = 0; ok && v < nv; v++) {
        ok = put(out, cap, len, "%s{\"hop\":", v ? "," : "") &&
             put_str(out, cap, len, (const char *)views[v].latest->name) &&
             put(out, cap, len, ",\"down\":%s,\"fails\":%llu,\"workers\":%u,\"workers_down\":%u}",
                 views[v].latest->fails > 0 ? "true" : "false",
                 (unsigned long long)views[v].latest->fails, views[v].workers,
                 views[v].workers_down);
    }
    return ok && put(out, cap, len, "]");
}

size_t
dp_stats_json(char *out, size_t out_cap, const struct dp_stats_proc *proc,
              const struct dp_stats_core *cores, unsigned n_cores)
{
    static const struct dp_stats_core zero;
    struct dp_stats_core tot = zero;
    for (unsigned w = 0; w < n_cores; w++) {
        add_loaded(&tot, &cores[w]);
    }
    /* Next hops: each once, down by the latest word of any worker. */
    struct dp_hop_health *all = malloc(((size_t)n_cores + 1) * DP_HEALTH_MAX * sizeof(*all));
    struct hop_view *views = malloc(((size_t)n_cores + 1) * DP_HEALTH_MAX * sizeof(*views));
    if (all == NULL || views == NULL) {
        free(all);
        free(views);
        return 0;
    }
    unsigned nv = merge_hops(views, all, cores, n_cores);
    tot.c[DP_C_HOPS_DOWN] = 0;
    for (unsigned v = 0; v < nv; v++) {
        tot.c[DP_C_HOPS_DOWN] += views[v].latest->fails > 0 ? 1 : 0;
    }
    size_t len = 0;
    bool ok = put(out, out_cap, &len, "{\"total\":") && put_core(out, out_cap, &len, &tot, proc);
    len -= ok ? 1 : 0; /* reopen the totals' object for the hops */
    ok = ok && put_hops(out, out_cap, &len, views, nv) && put(out, out_cap, &len, "}") &&
         put(out, out_cap, &len, ",\"workers\":[");
    free(views);
    free(all);
    for (unsigned w = 0; ok && w < n_cores; w++) {
        struct dp_stats_core one = zero;
        add_loaded(&one, &cores[w]);
        ok = (w == 0 || put(out, out_cap, &len, ",")) && put_core(out, out_cap, &len, &one, NULL);
        len -= ok ? 1 : 0; /* reopen the worker's object for its histogram */
        ok = ok && turns(out, out_cap, &len, "loop_turn_seconds", &cores[w].turn_wall);
        if (ok && __atomic_load_n(&cores[w].turn_cpu.ns_max, __ATOMIC_RELAXED) > 0) {
            ok = turns(out, out_cap, &len, "loop_turn_cpu_seconds", &cores[w].turn_cpu);
        }
        ok = ok && put(out, out_cap, &len, "}");
    }
    ok = ok && put(out, out_cap, &len, "]}\n");
    return ok ? len : 0;
}
