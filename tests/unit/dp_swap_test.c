/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot swaps under load: two workers (threads) on the in-memory backend
 * carry 50 transactions while a publisher thread swaps runtime snapshots
 * that reorder, remove and add MTA groups (four of them with the policy
 * compiled again: new scanners). Every transaction must end with
 * its 250 and every message reach the next hop of its domain. Built twice:
 * plainly (unit suite) and with ThreadSanitizer (dp_swap_tsan). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "dp_rig.h"
#include "dp_snapshot.h"

#define WORKERS 2
#define CLIENTS 25 /* per worker: 50 transactions in flight */
#define DOMAINS 8
#define SWAPS_HELD                                                                                 \
    31 /* while every transaction waits (the last one publishes the reversed groups) */
#define SWAPS_FLOW 60 /* while they run */

static struct dp_runtime variants[3];
static struct dp_live *live;
static int ready;      /* workers with every transaction open (atomic) */
static int swaps_done; /* publisher: 1 after the held phase, 2 at the end (atomic) */
static int held_over;  /* workers whose held transactions have all ended (atomic) */
static int failures;   /* atomic */

static const char *const msgs = "Subject: swap\r\n\r\nline one\r\nline two\r\n";
/* Every fifth message carries a base64 attachment: a scan thread's job, so
 * the rings to and from the helper threads run under the sanitizer too. */
static const char *const heavy = "Subject: doc\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                                 "--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
                                 "--b\r\nContent-Type: application/octet-stream\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n"
                                 "aGVsbG8gd29ybGQ=\r\n--b--\r\n";

/* variant_json writes configuration `v`: groups in order (0), reversed and
 * with their routes renamed (1), or with one group removed and one added (2). */
static void
variant_json(char *out, size_t cap, int v)
{
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n,
                          "{\"listen\":[\"10.0.0.1:25\"],\"hostname\":\"gw.test\","
                          "\"relay_networks\":[\"127.0.0.0/8\"],\"mta_groups\":{");
    for (int k = 0; k < DOMAINS; k++) {
        int i = v == 1 ? DOMAINS - 1 - k : k;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s%d\":[\"10.0.1.%d:25\"]", k ? "," : "",
                              v == 1 ? "rev" : "g", i, i + 1);
    }
    n += (size_t)snprintf(out + n, cap - n, ",\"%s\":[\"10.0.2.%d:25\"]},\"routes\":[",
                          v == 2 ? "extra" : "spare", v == 2 ? 2 : 1);
    for (int k = 0; k < DOMAINS; k++) {
        int i = v == 1 ? DOMAINS - 1 - k : k;
        n += (size_t)snprintf(out + n, cap - n, "{\"domain\":\"d%d.test\",\"group\":\"%s%d\"},", i,
                              v == 1 ? "rev" : "g", i);
    }
    snprintf(out + n, cap - n, "{\"domain\":\"%s.test\",\"group\":\"%s\"}]}",
             v == 2 ? "extra" : "spare", v == 2 ? "extra" : "spare");
}

/* publish builds and publishes configuration `v`; with `new_policy` the
 * policy part is compiled again, so the workers swap scanners (built with
 * the snapshot) while messages stream through the old ones. */
static void
publish(int v, bool new_policy)
{
    const struct dp_snapshot *cur = dp_live_hold(live, WORKERS);
    struct dp_snapshot *s = NULL;
    struct rl_diag d = {{0}, {0}};
    int rc =
        dp_snapshot_build(&s, &d, &variants[v], WORKERS, NULL, cur,
                          new_policy ? DP_SNAP_KEEP_TLS : DP_SNAP_KEEP_POLICY | DP_SNAP_KEEP_TLS);
    dp_live_unhold(live, WORKERS);
    if (rc != 0) {
        fprintf(stderr, "build: %s: %s\n", d.field, d.reason);
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        return;
    }
    dp_live_publish(live, s, NULL);
    (void)dp_live_reclaim(live);
}

static void *
publisher(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < WORKERS) {
        sched_yield();
    }
    for (int i = 0; i < SWAPS_HELD; i++) {
        publish((i + 1) % 3, i == SWAPS_HELD / 2);
    }
    __atomic_store_n(&swaps_done, 1, __ATOMIC_RELEASE);
    /* The held transactions finish on the reversed groups, pinned to the
     * first snapshot. */
    while (__atomic_load_n(&held_over, __ATOMIC_ACQUIRE) < WORKERS) {
        sched_yield();
    }
    for (int i = 0; i < SWAPS_FLOW; i++) {
        publish((i + 2) % 3, i % 20 == 10);
        sched_yield();
    }
    __atomic_store_n(&swaps_done, 2, __ATOMIC_RELEASE);
    return NULL;
}

struct wctx {
    unsigned id;
    char scripts[CLIENTS][1024];
    size_t hold[CLIENTS];
};

static bool
all_done(const struct rig *r)
{
    for (int c = 0; c < CLIENTS; c++) {
        if (!r->clients[c].gone) {
            return false;
        }
    }
    return true;
}

/* check counts the clients whose replies are not exactly a good dialogue. */
static void
check(struct rig *r, unsigned id, const char *phase)
{
    static const int want[] = {220, 250, 250, 250, 354, 250, 221};
    for (int c = 0; c < CLIENTS; c++) {
        int got[16];
        size_t n = rig_codes(r, c, got, 16);
        if (n != 7 || memcmp(got, want, sizeof(want)) != 0) {
            fprintf(stderr, "worker %u %s client %d: %zu replies:", id, phase, c, n);
            for (size_t k = 0; k < n; k++) {
                fprintf(stderr, " %d", got[k]);
            }
            fprintf(stderr, "\n");
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        }
        rig_client_free(r, c);
    }
}

static void
start(struct rig *r, struct wctx *x, bool held)
{
    for (int c = 0; c < CLIENTS; c++) {
        size_t len = strlen(x->scripts[c]);
        (void)rig_client_start(r, (const uint8_t *)x->scripts[c], len, held ? x->hold[c] : len);
    }
}

static void *
worker(void *arg)
{
    struct wctx *x = arg;
    struct rig *r = calloc(1, sizeof(*r));
    rcu_register_thread();
    if (r == NULL || rig_init(r, live, x->id, "10.0.0.1:25", "") != 0 || rig_helpers(r) != 0) {
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
        __atomic_add_fetch(&held_over, 1, __ATOMIC_RELEASE);
        rcu_unregister_thread();
        free(r);
        return NULL;
    }
    char addr[32];
    for (int d = 0; d < DOMAINS; d++) {
        char dom[16];
        snprintf(addr, sizeof(addr), "10.0.1.%d:25", d + 1);
        snprintf(dom, sizeof(dom), "d%d.test", d);
        (void)rig_sink_add(r, addr, dom);
    }
    for (int c = 0; c < CLIENTS; c++) {
        /* The held phase stops a transaction after MAIL (its route is
         * looked up after the swaps, in the snapshot it started with),
         * after RCPT or after DATA. */
        int mail = snprintf(x->scripts[c], sizeof(x->scripts[c]),
                            "EHLO c%u.test\r\nMAIL FROM:<s@c.test>\r\n", x->id);
        int rcpt = mail + snprintf(x->scripts[c] + mail, sizeof(x->scripts[c]) - (size_t)mail,
                                   "RCPT TO:<u%d@d%d.test>\r\n", c, (c + (int)x->id) % DOMAINS);
        int data =
            rcpt + snprintf(x->scripts[c] + rcpt, sizeof(x->scripts[c]) - (size_t)rcpt, "DATA\r\n");
        x->hold[c] = (size_t)(c % 3 == 0 ? mail : c % 3 == 1 ? rcpt : data);
        snprintf(x->scripts[c] + data, sizeof(x->scripts[c]) - (size_t)data, "%s.\r\nQUIT\r\n",
                 c % 5 == 4 ? heavy : msgs);
    }
    /* Held: every transaction open (its snapshot pinned) across swaps. */
    start(r, x, true);
    (void)rig_settle(r, 100000);
    __atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&swaps_done, __ATOMIC_ACQUIRE) < 1) {
        (void)rig_turn(r); /* turns announce quiescent states: grace periods end */
    }
    for (int c = 0; c < CLIENTS; c++) {
        rig_client_release(r, c);
    }
    for (int t = 0; t < 200000 && !all_done(r); t++) {
        (void)rig_turn(r);
    }
    check(r, x->id, "held");
    __atomic_add_fetch(&held_over, 1, __ATOMIC_RELEASE);
    /* Flowing: transactions start and end while snapshots change. */
    start(r, x, false);
    for (int t = 0;
         t < 400000 && (!all_done(r) || __atomic_load_n(&swaps_done, __ATOMIC_ACQUIRE) < 2); t++) {
        (void)rig_turn(r);
    }
    check(r, x->id, "flowing");
    unsigned delivered = 0, misrouted = 0;
    for (int d = 0; d < DOMAINS; d++) {
        delivered += r->sinks[d].messages;
        misrouted += r->sinks[d].misrouted;
    }
    if (delivered != 2 * CLIENTS || misrouted != 0) {
        fprintf(stderr, "worker %u: %u delivered (want %d), %u misrouted\n", x->id, delivered,
                2 * CLIENTS, misrouted);
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
    /* Every message with an attachment went to the scan thread, and only
     * those: text is scanned on the worker, as it arrives or whole at its
     * end when another session's streams. */
    if (r->stats->c[DP_C_SCAN_JOBS] != 2 * (CLIENTS / 5)) {
        fprintf(stderr, "worker %u: %llu scan jobs\n", x->id,
                (unsigned long long)r->stats->c[DP_C_SCAN_JOBS]);
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
    uint64_t taken = r->stats->c[DP_C_SNAP_TAKEN];
    if (taken < 2) {
        fprintf(stderr, "worker %u took %llu snapshots\n", x->id, (unsigned long long)taken);
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
    rig_fini(r);
    free(r);
    rcu_unregister_thread();
    return NULL;
}

int
main(void)
{
    static char json[8192];
    for (int v = 0; v < 3; v++) {
        variant_json(json, sizeof(json), v);
        if (rig_runtime_json(&variants[v], json) != 0) {
            return 1;
        }
    }
    struct dp_snapshot *first = rig_snapshot(&variants[0], WORKERS);
    if (first == NULL || dp_live_new(&live, first, WORKERS + 1) != 0) {
        return 1;
    }
    static struct wctx ctx[WORKERS];
    pthread_t t[WORKERS + 1];
    for (unsigned i = 0; i < WORKERS; i++) {
        ctx[i].id = i;
        pthread_create(&t[i], NULL, worker, &ctx[i]);
    }
    pthread_create(&t[WORKERS], NULL, publisher, NULL);
    for (unsigned i = 0; i <= WORKERS; i++) {
        pthread_join(t[i], NULL);
    }
    unsigned left = dp_live_reclaim(live);
    uint64_t version = dp_live_version(live);
    dp_live_free(live);
    int f = __atomic_load_n(&failures, __ATOMIC_RELAXED);
    printf("%d swaps (version %llu), %u snapshots left unreclaimed, %d failures\n",
           SWAPS_HELD + SWAPS_FLOW, (unsigned long long)version, left, f);
    if (left != 0 || version != 1 + SWAPS_HELD + SWAPS_FLOW) {
        f++;
    }
    printf("%d passed, %d failed\n", f == 0 ? 1 : 0, f == 0 ? 0 : 1);
    return f == 0 ? 0 : 1;
}
