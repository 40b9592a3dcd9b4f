/* SPDX-License-Identifier: Apache-2.0 */
/* Counter names and their JSON form, for the control thread. */
#include "dp_stats.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static const char *const counter_names[DP_C__COUNT] = {
    [DP_C_CONN_ACCEPTED] = "connections_accepted",
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
    [DP_C_RELAY_UNREACHABLE] = "relay_unreachable",
    [DP_C_TRACK_DROPPED] = "tracking_lines_dropped",
    [DP_C_BUF_ALLOCS] = "buffer_allocations",
    [DP_C_TLS_HANDSHAKES] = "tls_handshakes",
    [DP_C_TLS_FAILURES] = "tls_failures",
    [DP_C_TLS_TIMEOUTS] = "tls_handshake_timeouts",
};

const char *
dp_counter_name(enum dp_counter c)
{
    return (unsigned)c < DP_C__COUNT ? counter_names[c] : "?";
}

/* put appends formatted text; false once it no longer fits. */
static bool put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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

static bool
put_core(char *out, size_t cap, size_t *len, const uint64_t *c, const uint64_t *f,
         const uint64_t *tf, const struct dp_stats_proc *proc)
{
    bool ok = put(out, cap, len, "{");
    for (unsigned i = 0; ok && i < DP_C__COUNT; i++) {
        ok = put(out, cap, len, "\"%s\":%llu,", counter_names[i], (unsigned long long)c[i]);
    }
    if (ok && proc != NULL) {
        ok = put(out, cap, len, "\"tls_reloads\":%llu,\"tls_reload_failures\":%llu,",
                 (unsigned long long)__atomic_load_n(&proc->tls_reloads, __ATOMIC_RELAXED),
                 (unsigned long long)__atomic_load_n(&proc->tls_reload_failures, __ATOMIC_RELAXED));
    }
    ok = ok && put(out, cap, len, "\"findings\":{");
    bool first = true;
    for (unsigned t = 0; ok && t < SCAN_T__COUNT; t++) {
        if (f[t] == 0) {
            continue;
        }
        ok = put(out, cap, len, "%s\"%s\":%llu", first ? "" : ",", scan_type_name(t),
                 (unsigned long long)f[t]);
        first = false;
    }
    ok = ok && put(out, cap, len, "},\"tls_failures_by_reason\":{");
    first = true;
    for (unsigned r = 0; ok && r < TLS_FAIL__COUNT; r++) {
        if (tf[r] == 0) {
            continue;
        }
        ok = put(out, cap, len, "%s\"%s\":%llu", first ? "" : ",", tls_fail_name(r),
                 (unsigned long long)tf[r]);
        first = false;
    }
    return ok && put(out, cap, len, "}}");
}

size_t
dp_stats_json(char *out, size_t out_cap, const struct dp_stats_proc *proc,
              const struct dp_stats_core *cores, unsigned n_cores)
{
    uint64_t tot[DP_C__COUNT] = {0}, ftot[SCAN_T__COUNT] = {0}, ttot[TLS_FAIL__COUNT] = {0};
    for (unsigned w = 0; w < n_cores; w++) {
        for (unsigned i = 0; i < DP_C__COUNT; i++) {
            tot[i] += __atomic_load_n(&cores[w].c[i], __ATOMIC_RELAXED);
        }
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            ftot[t] += __atomic_load_n(&cores[w].findings[t], __ATOMIC_RELAXED);
        }
        for (unsigned r = 0; r < TLS_FAIL__COUNT; r++) {
            ttot[r] += __atomic_load_n(&cores[w].tls_fail[r], __ATOMIC_RELAXED);
        }
    }
    size_t len = 0;
    bool ok = put(out, out_cap, &len, "{\"total\":") &&
              put_core(out, out_cap, &len, tot, ftot, ttot, proc) &&
              put(out, out_cap, &len, ",\"workers\":[");
    for (unsigned w = 0; ok && w < n_cores; w++) {
        uint64_t c[DP_C__COUNT], f[SCAN_T__COUNT], tf[TLS_FAIL__COUNT];
        for (unsigned i = 0; i < DP_C__COUNT; i++) {
            c[i] = __atomic_load_n(&cores[w].c[i], __ATOMIC_RELAXED);
        }
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            f[t] = __atomic_load_n(&cores[w].findings[t], __ATOMIC_RELAXED);
        }
        for (unsigned r = 0; r < TLS_FAIL__COUNT; r++) {
            tf[r] = __atomic_load_n(&cores[w].tls_fail[r], __ATOMIC_RELAXED);
        }
        ok = (w == 0 || put(out, out_cap, &len, ",")) &&
             put_core(out, out_cap, &len, c, f, tf, NULL);
    }
    ok = ok && put(out, out_cap, &len, "]}\n");
    return ok ? len : 0;
}
