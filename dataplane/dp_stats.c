/* SPDX-License-Identifier: Apache-2.0 */
/* Counter names and their JSON form, for the control thread. */
#include "dp_stats.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

void
dp_stats_turn(struct dp_stats_core *s, uint64_t ns, const struct dp_turn_parts *parts)
{
    uint64_t us = ns / 1000;
    unsigned b = 0;
    while (b < DP_TURN_BUCKETS && us >= dp_turn_le_us[b]) {
        b++;
    }
    dp_stats_bump(&s->turn_hist[b], 1);
    dp_stats_bump(&s->turn_ns_sum, ns);
    if (ns > __atomic_load_n(&s->turn_ns_max, __ATOMIC_RELAXED)) {
        __atomic_store_n(&s->turn_ns_max, ns, __ATOMIC_RELAXED);
        struct dp_turn_parts *t = &s->turn_worst;
        __atomic_store_n(&t->adopt_ns, parts->adopt_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&t->jobs_ns, parts->jobs_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&t->run_ns, parts->run_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&t->timers_ns, parts->timers_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&t->events, parts->events, __ATOMIC_RELAXED);
        __atomic_store_n(&t->runs, parts->runs, __ATOMIC_RELAXED);
        __atomic_store_n(&t->worst_ns, parts->worst_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&t->worst_kind, parts->worst_kind, __ATOMIC_RELAXED);
    }
}

/* turns writes the loop-turn histogram of `s` as the member
 * "loop_turn_seconds": {"le": [...], "counts": [cumulative], "sum", "count",
 * "max"} (the form Prometheus histograms take), with "longest": where the
 * longest turn went. */
static bool put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
turns(char *out, size_t cap, size_t *len, const struct dp_stats_core *s)
{
    bool ok = put(out, cap, len, ",\"loop_turn_seconds\":{\"le\":[");
    for (unsigned b = 0; ok && b < DP_TURN_BUCKETS; b++) {
        ok = put(out, cap, len, "%s%g", b ? "," : "", dp_turn_le_us[b] / 1e6);
    }
    ok = ok && put(out, cap, len, "],\"counts\":[");
    uint64_t cum = 0;
    for (unsigned b = 0; ok && b < DP_TURN_BUCKETS; b++) {
        cum += __atomic_load_n(&s->turn_hist[b], __ATOMIC_RELAXED);
        ok = put(out, cap, len, "%s%llu", b ? "," : "", (unsigned long long)cum);
    }
    cum += __atomic_load_n(&s->turn_hist[DP_TURN_BUCKETS], __ATOMIC_RELAXED);
    ok =
        ok && put(out, cap, len, "],\"sum\":%.9f,\"count\":%llu,\"max\":%.9f",
                  __atomic_load_n(&s->turn_ns_sum, __ATOMIC_RELAXED) / 1e9, (unsigned long long)cum,
                  __atomic_load_n(&s->turn_ns_max, __ATOMIC_RELAXED) / 1e9);
    static const char *const kinds[] = {"listener", "inbound", "outbound", "release"};
    const struct dp_turn_parts *t = &s->turn_worst;
    uint64_t kind = __atomic_load_n(&t->worst_kind, __ATOMIC_RELAXED);
    return ok &&
           put(out, cap, len,
               ",\"longest\":{\"adopt_s\":%.9f,\"jobs_s\":%.9f,\"run_s\":%.9f,\"timers_s\":%.9f,"
               "\"events\":%llu,\"runs\":%llu,\"longest_run_s\":%.9f,\"longest_run_kind\":\"%s\"}}",
               __atomic_load_n(&t->adopt_ns, __ATOMIC_RELAXED) / 1e9,
               __atomic_load_n(&t->jobs_ns, __ATOMIC_RELAXED) / 1e9,
               __atomic_load_n(&t->run_ns, __ATOMIC_RELAXED) / 1e9,
               __atomic_load_n(&t->timers_ns, __ATOMIC_RELAXED) / 1e9,
               (unsigned long long)__atomic_load_n(&t->events, __ATOMIC_RELAXED),
               (unsigned long long)__atomic_load_n(&t->runs, __ATOMIC_RELAXED),
               __atomic_load_n(&t->worst_ns, __ATOMIC_RELAXED) / 1e9, kinds[kind < 4 ? kind : 0]);
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

size_t
dp_stats_json(char *out, size_t out_cap, const struct dp_stats_proc *proc,
              const struct dp_stats_core *cores, unsigned n_cores)
{
    static const struct dp_stats_core zero;
    struct dp_stats_core tot = zero;
    for (unsigned w = 0; w < n_cores; w++) {
        add_loaded(&tot, &cores[w]);
    }
    size_t len = 0;
    bool ok = put(out, out_cap, &len, "{\"total\":") && put_core(out, out_cap, &len, &tot, proc) &&
              put(out, out_cap, &len, ",\"workers\":[");
    for (unsigned w = 0; ok && w < n_cores; w++) {
        struct dp_stats_core one = zero;
        add_loaded(&one, &cores[w]);
        ok = (w == 0 || put(out, out_cap, &len, ",")) && put_core(out, out_cap, &len, &one, NULL);
        len -= ok ? 1 : 0; /* reopen the worker's object for its histogram */
        ok = ok && turns(out, out_cap, &len, &cores[w]) && put(out, out_cap, &len, "}");
    }
    ok = ok && put(out, out_cap, &len, "]}\n");
    return ok ? len : 0;
}
