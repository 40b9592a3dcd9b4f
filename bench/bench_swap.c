/* SPDX-License-Identifier: Apache-2.0 */
/* redline-bench-swap: runtime snapshot swaps under load (issue 12). Two
 * worker threads run the dataplane's runtime on the in-memory backend
 * (tests/unit/dp_rig.c) with 25 sessions each sending messages without a
 * pause, while a publisher thread publishes N snapshots that reorder, remove
 * and add MTA groups. For each swap: the time from the start of
 * dp_live_publish to every worker using the new version (their
 * snapshot_version gauges). Every message must get its 250 and reach the
 * next hop of its domain. Prints one JSON object. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "dp_rig.h"
#include "dp_snapshot.h"

#define WORKERS 2
#define CLIENTS 25
#define DOMAINS 8
#define MESSAGES_PER_SESSION 20

static struct dp_runtime variants[3];
static struct dp_live *live;
static struct dp_stats_core *gauges[WORKERS]; /* each worker's counters, read here */
static int running = 1;                       /* atomic: workers keep the load on */
static int ready;                             /* atomic: workers with their load started */
static unsigned long long bad_sessions, delivered, misrouted; /* atomic */

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
variant_json(char *out, size_t cap, int v)
{
    size_t n = (size_t)snprintf(out, cap,
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

struct wctx {
    unsigned id;
    char scripts[CLIENTS][4096];
};

static void *
worker(void *arg)
{
    struct wctx *x = arg;
    struct rig *r = calloc(1, sizeof(*r));
    rcu_register_thread();
    if (r == NULL || rig_init(r, live, x->id, "10.0.0.1:25", "") != 0) {
        fprintf(stderr, "bench-swap: worker %u cannot start\n", x->id);
        exit(1);
    }
    gauges[x->id] = r->stats;
    for (int d = 0; d < DOMAINS; d++) {
        char addr[32], dom[16];
        snprintf(addr, sizeof(addr), "10.0.1.%d:25", d + 1);
        snprintf(dom, sizeof(dom), "d%d.test", d);
        (void)rig_sink_add(r, addr, dom);
    }
    for (int c = 0; c < CLIENTS; c++) {
        size_t n =
            (size_t)snprintf(x->scripts[c], sizeof(x->scripts[c]), "EHLO c%u.test\r\n", x->id);
        for (int m = 0; m < MESSAGES_PER_SESSION; m++) {
            n += (size_t)snprintf(x->scripts[c] + n, sizeof(x->scripts[c]) - n,
                                  "MAIL FROM:<s@c.test>\r\nRCPT TO:<u%d@d%d.test>\r\nDATA\r\n"
                                  "Subject: swap %d\r\n\r\ntext\r\n.\r\n",
                                  c, (c + m + (int)x->id) % DOMAINS, m);
        }
        snprintf(x->scripts[c] + n, sizeof(x->scripts[c]) - n, "QUIT\r\n");
    }
    __atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&running, __ATOMIC_ACQUIRE)) {
        for (int c = 0; c < CLIENTS; c++) {
            size_t len = strlen(x->scripts[c]);
            (void)rig_client_start(r, (const uint8_t *)x->scripts[c], len, len);
        }
        for (int t = 0; t < 2000000; t++) {
            (void)rig_turn(r);
            bool done = true;
            for (int c = 0; c < CLIENTS && done; c++) {
                done = r->clients[c].gone;
            }
            if (done) {
                break;
            }
        }
        for (int c = 0; c < CLIENTS; c++) {
            int got[MESSAGES_PER_SESSION * 4 + 8];
            size_t n = rig_codes(r, c, got, sizeof(got) / sizeof(got[0]));
            size_t ok250 = 0;
            for (size_t k = 0; k < n; k++) {
                ok250 += got[k] == 250;
            }
            /* 220, EHLO, MAIL, RCPT, 354 and end of data per message, 221. */
            if (n != 3 + 4 * MESSAGES_PER_SESSION || ok250 != 1 + 3 * MESSAGES_PER_SESSION) {
                __atomic_add_fetch(&bad_sessions, 1, __ATOMIC_RELAXED);
            }
            rig_client_free(r, c);
        }
    }
    unsigned long long got = 0, wrong = 0;
    for (int d = 0; d < DOMAINS; d++) {
        got += r->sinks[d].messages;
        wrong += r->sinks[d].misrouted;
    }
    __atomic_add_fetch(&delivered, got, __ATOMIC_RELAXED);
    __atomic_add_fetch(&misrouted, wrong, __ATOMIC_RELAXED);
    gauges[x->id] = NULL;
    rig_fini(r);
    free(r);
    rcu_unregister_thread();
    return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    unsigned swaps = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
    if (swaps == 0 || swaps > 1000000) {
        fprintf(stderr, "usage: redline-bench-swap [SWAPS (1000)]\n");
        return 2;
    }
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
    pthread_t t[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++) {
        ctx[i].id = i;
        pthread_create(&t[i], NULL, worker, &ctx[i]);
    }
    while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < WORKERS) {
        sched_yield();
    }
    uint64_t *lat = calloc(swaps, sizeof(*lat));
    unsigned build_failures = 0;
    uint64_t t_start = now_ns();
    for (unsigned i = 0; i < swaps; i++) {
        const struct dp_snapshot *cur = dp_live_hold(live, WORKERS);
        struct dp_snapshot *s = NULL;
        struct rl_diag d = {{0}, {0}};
        int rc = dp_snapshot_build(&s, &d, &variants[(i + 1) % 3], WORKERS, NULL, cur,
                                   DP_SNAP_KEEP_POLICY | DP_SNAP_KEEP_TLS);
        dp_live_unhold(live, WORKERS);
        if (rc != 0) {
            build_failures++;
            continue;
        }
        uint64_t t0 = now_ns();
        uint64_t version = 0;
        dp_live_publish(live, s, &version);
        /* Every worker uses it once its gauge says so. */
        for (unsigned w = 0; w < WORKERS; w++) {
            while (__atomic_load_n(&gauges[w]->c[DP_C_SNAP_VERSION], __ATOMIC_ACQUIRE) < version) {
                sched_yield();
            }
        }
        lat[i] = now_ns() - t0;
    }
    uint64_t t_end = now_ns();
    __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
    }
    unsigned left = dp_live_reclaim(live);
    dp_live_free(live);
    qsort(lat, swaps, sizeof(*lat), cmp_u64);
    size_t mid = swaps / 2, p99 = (size_t)swaps * 99 / 100;
    printf("{\"swaps\": %u, \"workers\": %d, \"sessions_per_worker\": %d,"
           " \"seconds\": %.3f, \"swap_to_all_workers_us\": {\"p50\": %.1f, \"p99\": %.1f,"
           " \"max\": %.1f}, \"messages_delivered\": %llu, \"sessions_failed\": %llu,"
           " \"messages_misrouted\": %llu, \"build_failures\": %u,"
           " \"snapshots_unreclaimed\": %u}\n",
           swaps, WORKERS, CLIENTS, (t_end - t_start) / 1e9, lat[mid] / 1e3, lat[p99] / 1e3,
           lat[swaps - 1] / 1e3, delivered, bad_sessions, misrouted, build_failures, left);
    free(lat);
    return bad_sessions == 0 && misrouted == 0 && build_failures == 0 && left == 0 ? 0 : 1;
}
