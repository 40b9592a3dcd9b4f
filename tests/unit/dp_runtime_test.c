/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's middle (inbound sessions, relay, quarantine store) on the
 * in-memory backend: client transcripts replayed whole, split at every byte
 * offset and one octet per read and write on both legs; every backend
 * operation of a dialogue failed in turn; next hops that refuse. The next
 * hops are the project's SMTP server engine (dp_rig.c). One thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <urcu-qsbr.h>

#include "dp_conn.h"
#include "dp_release.h"
#include "dp_rig.h"
#include "dp_snapshot.h"
#include "dp_store.h"
#include "dp_track.h"
#include "tls_fixture.h"

#define GOOD_CODES 7 /* 220 EHLO MAIL RCPT 354 250 221 */

static const char script[] = "EHLO client.test\r\n"
                             "MAIL FROM:<alice@client.test>\r\n"
                             "RCPT TO:<bob@dest.test>\r\n"
                             "DATA\r\n"
                             "Subject: hello\r\n"
                             "\r\n"
                             "..a line with a leading dot\r\n"
                             "card 4111 1111 1111 1111 here\r\n"
                             ".\r\n"
                             "QUIT\r\n";

static const int good[GOOD_CODES] = {220, 250, 250, 250, 354, 250, 221};

static char track_path[64]; /* the tracking log of this run */

/* track_count counts the tracking lines holding `needle`. */
static int
track_count(const char *needle)
{
    FILE *f = fopen(track_path, "r");
    char line[4096];
    int n = 0;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        n += strstr(line, needle) != NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

struct fix {
    struct dp_live *live;
    struct rig r;
    int sink;
    char store[64];
};

static int
setup_with(void **state, const char *policy)
{
    struct fix *f = calloc(1, sizeof(*f));
    static struct dp_runtime rt;
    if (f == NULL) {
        return -1;
    }
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"listen\":[\"10.0.0.1:25\"],\"hostname\":\"gw.test\","
             "\"relay_networks\":[\"127.0.0.0/8\"],\"policy\":\"%s\","
             "\"mta_groups\":{\"a\":[\"10.0.1.1:25\"]},\"relay\":{\"hop_down_s\":1},"
             "\"routes\":[{\"domain\":\"*\",\"group\":\"a\"}]}",
             policy);
    snprintf(f->store, sizeof(f->store), "/tmp/rl-dp-runtime-XXXXXX");
    int err = 0;
    *state = f; /* teardown frees it, whatever fails below */
    if (mkdtemp(f->store) == NULL || dp_store_prepare(f->store, &err) != 0 ||
        rig_runtime_json(&rt, json) != 0) {
        return -1;
    }
    struct dp_snapshot *s = rig_snapshot(&rt, 1);
    if (s == NULL || dp_live_new(&f->live, s, 1) != 0 ||
        rig_init(&f->r, f->live, 0, "10.0.0.1:25", f->store) != 0) {
        return -1;
    }
    f->sink = rig_sink_add(&f->r, "10.0.1.1:25", "dest.test");
    return 0;
}

static int
setup(void **state)
{
    return setup_with(state, "");
}

static int
setup_quarantine(void **state)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/rl-dp-policy-%d.json", (int)getpid());
    FILE *p = fopen(path, "w");
    if (p == NULL) {
        return -1;
    }
    fputs("{\"version\":\"rt-test-1\",\"lexicons\":[{\"name\":\"hold\",\"action\":\"quarantine\","
          "\"threshold\":1,"
          "\"entries\":[{\"word\":\"confidential\",\"weight\":1}]}]}",
          p);
    fclose(p);
    int rc = setup_with(state, path);
    unlink(path);
    return rc;
}

static void
rm_store(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }
}

static int
teardown(void **state)
{
    struct fix *f = *state;
    rig_fini(&f->r);
    dp_live_free(f->live);
    rm_store(f->store);
    free(f);
    return 0;
}

/* dialogue plays `s` (held at `hold` until the rig settles), and returns the
 * client's reply codes in `codes`. */
static size_t
dialogue(struct fix *f, const char *s, size_t hold, int *codes, size_t cap)
{
    int c = rig_client_start(&f->r, (const uint8_t *)s, strlen(s), hold);
    assert_true(c >= 0);
    (void)rig_settle(&f->r, 20000);
    rig_client_release(&f->r, c);
    (void)rig_settle(&f->r, 20000);
    size_t n = rig_codes(&f->r, c, codes, cap);
    rig_client_free(&f->r, c);
    return n;
}

static void
assert_good(const int *codes, size_t n)
{
    assert_int_equal(n, GOOD_CODES);
    assert_memory_equal(codes, good, sizeof(good));
}

/* The next hop got the message: our trace header, the rest as sent with
 * the dot-stuffing undone and the card number redacted. */
static void
assert_delivered(const struct rig_sink *s)
{
    const char *m = (const char *)s->last;
    assert_non_null(m);
    assert_true(s->last_len > 20 && memcmp(m, "Received: from client.test", 26) == 0);
    const char *tail = "Subject: hello\r\n\r\n.a line with a leading dot\r\ncard ";
    assert_non_null(memmem(m, s->last_len, tail, strlen(tail)));
    assert_null(memmem(m, s->last_len, "4111 1111 1111 1111", 19));
}

static void
relay_whole(void **state)
{
    struct fix *f = *state;
    f->r.w->turn_cpu = true; /* as the boot setting loop_turn_cpu does */
    int codes[16];
    size_t n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    assert_good(codes, n);
    assert_int_equal(f->r.sinks[f->sink].messages, 1);
    assert_int_equal(f->r.sinks[f->sink].misrouted, 0);
    assert_delivered(&f->r.sinks[f->sink]);
    assert_int_equal(f->r.stats->c[DP_C_MSG_RELAYED], 1);
    /* One tracking line, with the verdict, written before the 250 left. */
    assert_int_equal(track_count("\"action\":\"relayed\""), 1);
    /* The loop-turn histogram in the counters' JSON (redlinectl stats). */
    static char js[256 * 1024];
    size_t jn = dp_stats_json(js, sizeof(js), NULL, f->r.stats, 1);
    json_t *doc = json_loadb(js, jn, 0, NULL);
    assert_non_null(doc);
    json_t *h =
        json_object_get(json_array_get(json_object_get(doc, "workers"), 0), "loop_turn_seconds");
    assert_true(json_is_object(h));
    json_int_t count = json_integer_value(json_object_get(h, "count"));
    assert_true(count > 0);
    json_int_t prev = 0;
    for (size_t i = 0; i < json_array_size(json_object_get(h, "counts")); i++) {
        json_int_t c = json_integer_value(json_array_get(json_object_get(h, "counts"), i));
        assert_true(c >= prev && c <= count); /* cumulative, as Prometheus buckets are */
        prev = c;
    }
    assert_true(json_number_value(json_object_get(h, "max")) > 0);
    /* Where the longest turn went: that turn's wall time is the maximum. */
    json_t *lg = json_object_get(h, "longest");
    assert_true(json_number_value(json_object_get(lg, "wall_s")) ==
                json_number_value(json_object_get(h, "max")));
    assert_true(json_is_real(json_object_get(lg, "cpu_s")));
    assert_true(json_integer_value(json_object_get(lg, "runs")) > 0);
    /* The same turns by CPU time; the turn with the most is no longer than
     * its wall time (both clocks read once more around it: 20 us slack). */
    json_t *hc = json_object_get(json_array_get(json_object_get(doc, "workers"), 0),
                                 "loop_turn_cpu_seconds");
    assert_true(json_is_object(hc));
    assert_int_equal(json_integer_value(json_object_get(hc, "count")), count);
    json_t *lc = json_object_get(hc, "longest");
    assert_true(json_number_value(json_object_get(lc, "cpu_s")) ==
                json_number_value(json_object_get(hc, "max")));
    assert_true(json_number_value(json_object_get(lc, "cpu_s")) <=
                json_number_value(json_object_get(lc, "wall_s")) + 20e-6);
    json_decref(doc);
}

static void
relay_split_every_byte(void **state)
{
    struct fix *f = *state;
    size_t len = sizeof(script) - 1;
    for (size_t at = 1; at < len; at++) {
        int codes[16];
        size_t n = dialogue(f, script, at, codes, 16);
        assert_good(codes, n);
        assert_int_equal(f->r.sinks[f->sink].messages, at);
    }
    assert_delivered(&f->r.sinks[f->sink]);
    /* Every message after the first went over the pooled connection. */
    assert_int_equal(f->r.stats->c[DP_C_RELAY_CONNECTS], 1);
}

static void
relay_octet_by_octet(void **state)
{
    struct fix *f = *state;
    io_mem_net_chunk(f->r.net, 1); /* both legs, both directions */
    int codes[16];
    size_t n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    assert_good(codes, n);
    assert_int_equal(f->r.sinks[f->sink].messages, 1);
    assert_delivered(&f->r.sinks[f->sink]);
}

/* fail_every fails each `op` of one dialogue in turn. A 250 to the data is
 * a promise: the next hop must have the message. After each failure a
 * clean dialogue must work again. */
static void
fail_every(struct fix *f, enum io_mem_op op)
{
    uint64_t before = io_mem_net_count(f->r.net, op);
    int codes[16];
    assert_good(codes, dialogue(f, script, sizeof(script) - 1, codes, 16));
    uint64_t ops = io_mem_net_count(f->r.net, op) - before;
    assert_true(ops > 0 || op == IO_MEM_CONNECT); /* the pooled hop needs no connect */
    for (uint64_t nth = 1; nth <= ops + 2; nth++) {
        unsigned had = f->r.sinks[f->sink].messages;
        io_mem_net_fail(f->r.net, op, nth);
        size_t n = dialogue(f, script, sizeof(script) - 1, codes, 16);
        io_mem_net_fail(f->r.net, op, 0);
        bool acked = n >= 6 && codes[4] == 354 && codes[5] == 250;
        unsigned got = f->r.sinks[f->sink].messages - had;
        if (acked) {
            assert_int_equal(got, 1);
        }
        assert_true(got <= 1);
        /* The worker survives and serves the next client in full. */
        assert_good(codes, dialogue(f, script, sizeof(script) - 1, codes, 16));
    }
}

static void
fail_reads(void **state)
{
    fail_every(*state, IO_MEM_READ);
}

static void
fail_writes(void **state)
{
    fail_every(*state, IO_MEM_WRITE);
}

static void
fail_accepts(void **state)
{
    fail_every(*state, IO_MEM_ACCEPT);
}

static void
fail_connects(void **state)
{
    struct fix *f = *state;
    /* The client's connect is the first, the relay's the second. */
    io_mem_net_fail(f->r.net, IO_MEM_CONNECT, 2);
    int codes[16];
    size_t n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    io_mem_net_fail(f->r.net, IO_MEM_CONNECT, 0);
    /* The only hop cannot be reached: RCPT gets 451, DATA 554 (no valid
     * recipient), nothing is delivered. */
    assert_true(n >= 4);
    assert_int_equal(codes[3], 451);
    assert_int_equal(f->r.sinks[f->sink].messages, 0);
    assert_int_equal(f->r.stats->c[DP_C_RELAY_UNREACHABLE], 1);
    /* Issue 13: the dead hop is remembered for its back-off (relay.hop_down_s
     * 1 here): the next client hears 451 at once, no connection is tried. */
    uint64_t connects = io_mem_net_count(f->r.net, IO_MEM_CONNECT);
    n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    assert_true(n >= 4);
    assert_int_equal(codes[3], 451);
    assert_int_equal(io_mem_net_count(f->r.net, IO_MEM_CONNECT) - connects, 1); /* the client's */
    assert_int_equal(f->r.stats->c[DP_C_RELAY_HOP_DOWN], 1);
    struct timespec ts = {1, 100000000L};
    nanosleep(&ts, NULL);
    /* After it one connection tries the hop again, and it works. */
    assert_good(codes, dialogue(f, script, sizeof(script) - 1, codes, 16));
    fail_every(f, IO_MEM_CONNECT); /* the client's own, then none: the hop is pooled */
}

static void
next_hop_refuses(void **state)
{
    struct fix *f = *state;
    f->r.sinks[f->sink].rcpt_code = 550;
    int codes[16];
    size_t n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    assert_true(n >= 4);
    assert_int_equal(codes[3], 550); /* the next hop's own answer */
    assert_int_equal(f->r.sinks[f->sink].messages, 0);
    f->r.sinks[f->sink].rcpt_code = 0;
    f->r.sinks[f->sink].dot_code = 451;
    n = dialogue(f, script, sizeof(script) - 1, codes, 16);
    assert_int_equal(n, GOOD_CODES);
    assert_int_equal(codes[5], 451); /* no 250 without the next hop's */
    assert_int_equal(f->r.stats->c[DP_C_MSG_RELAYED], 0);
}

static void
quarantine_stored(void **state)
{
    struct fix *f = *state;
    static const char q[] = "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\n"
                            "RCPT TO:<bob@dest.test>\r\nDATA\r\nSubject: x\r\n\r\n"
                            "this is confidential\r\n.\r\nQUIT\r\n";
    for (size_t at = 1; at < sizeof(q) - 1; at += 7) {
        int codes[16];
        assert_good(codes, dialogue(f, q, at, codes, 16));
    }
    /* Never relayed; every one durably in the store before its 250. */
    assert_int_equal(f->r.sinks[f->sink].messages, 0);
    unsigned want = (unsigned)((sizeof(q) - 2) / 7 + 1);
    assert_int_equal(f->r.stats->c[DP_C_MSG_QUARANTINED], want);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "test $(ls '%s/new' | wc -l) -eq %u", f->store, want);
    assert_int_equal(system(cmd), 0);
}

/* ---- Release from the quarantine: a job the worker runs ---- */

static const char stored[] = "Subject: held\r\n\r\n.leading dot\r\nthe original\r\n";
static const char *const rcpts[] = {"bob@dest.test", "carol@dest.test"};

/* release runs one release through the rig's worker until it is done. */
static int
release(struct fix *f, struct dp_release_result *res)
{
    struct dp_release *r = NULL;
    assert_int_equal(dp_release_new(&r, "alice@client.test", rcpts, 2, (const uint8_t *)stored,
                                    sizeof(stored) - 1),
                     0);
    assert_int_equal(dp_release_offer(f->r.w, r), 0);
    int rc = RL_EAGAIN;
    for (int t = 0; t < 20000 && !dp_release_done(r, res, &rc); t++) {
        (void)rig_turn(&f->r);
    }
    assert_true(dp_release_done(r, res, &rc));
    dp_release_free(r);
    (void)rig_settle(&f->r, 20000);
    return rc;
}

static void
release_delivers(void **state)
{
    struct fix *f = *state;
    struct dp_release_result res;
    assert_int_equal(release(f, &res), 0);
    assert_true(res.delivered);
    assert_int_equal(res.code, 250);
    assert_int_equal(res.rcpt_ok, 2);
    assert_string_equal(res.hop, "10.0.1.1:25");
    /* The stored original, unchanged (no trace header, no redaction). */
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, 1);
    assert_int_equal(k->last_len, sizeof(stored) - 1);
    assert_memory_equal(k->last, stored, sizeof(stored) - 1);
    /* The next one reuses the pooled connection. */
    assert_int_equal(release(f, &res), 0);
    assert_true(res.delivered);
    assert_int_equal(f->r.stats->c[DP_C_RELAY_CONNECTS], 1);
}

static void
release_refused(void **state)
{
    struct fix *f = *state;
    struct dp_release_result res;
    f->r.sinks[f->sink].rcpt_code = 550;
    assert_int_equal(release(f, &res), 0);
    assert_false(res.delivered);
    assert_int_equal(res.code, 550);
    assert_int_equal(res.rcpt_refused, 2);
    f->r.sinks[f->sink].rcpt_code = 0;
    f->r.sinks[f->sink].dot_code = 451;
    assert_int_equal(release(f, &res), 0);
    assert_false(res.delivered);
    assert_int_equal(res.code, 451);
    assert_int_equal(f->r.sinks[f->sink].messages, 0);
}

static void
release_unreachable(void **state)
{
    struct fix *f = *state;
    struct dp_release_result res;
    f->r.peer->ops->close(f->r.peer, f->r.sinks[f->sink].lh); /* nobody listens now */
    assert_int_equal(release(f, &res), RL_EIO);
    assert_false(res.delivered);
    assert_non_null(strstr(res.text, "no next hop of group a"));
}

/* Every read, write and connect of a release failed in turn: delivered only
 * if the next hop has it; the next release goes through. */
static void
release_failures(void **state)
{
    struct fix *f = *state;
    const enum io_mem_op ops[] = {IO_MEM_CONNECT, IO_MEM_READ, IO_MEM_WRITE};
    for (size_t k = 0; k < 3; k++) {
        struct dp_release_result res;
        /* A fresh connection each time: the first release opens it. */
        uint64_t before = io_mem_net_count(f->r.net, ops[k]);
        assert_int_equal(release(f, &res), 0);
        uint64_t n = io_mem_net_count(f->r.net, ops[k]) - before;
        for (uint64_t nth = 1; nth <= n + 1; nth++) {
            unsigned had = f->r.sinks[f->sink].messages;
            io_mem_net_fail(f->r.net, ops[k], nth);
            int rc = release(f, &res);
            io_mem_net_fail(f->r.net, ops[k], 0);
            unsigned got = f->r.sinks[f->sink].messages - had;
            assert_true(rc == 0 || rc == RL_EIO);
            assert_int_equal(got, res.delivered ? 1 : got);
            assert_true(got <= 1);
            if (res.delivered) {
                assert_int_equal(got, 1);
            }
            assert_int_equal(release(f, &res), 0);
            assert_true(res.delivered);
        }
    }
}

/* ---- Bounded turns: documents to a scan thread, the store's fsync to the
 * store thread ---- */

static int
setup_helpers(void **state)
{
    int rc = setup(state);
    return rc != 0 ? rc : rig_helpers(&((struct fix *)*state)->r);
}

static int
setup_quarantine_helpers(void **state)
{
    int rc = setup_quarantine(state);
    return rc != 0 ? rc : rig_helpers(&((struct fix *)*state)->r);
}

/* A message with a base64 attachment: a scan thread's. The card number is
 * in the attachment ("4111 1111 1111 1111" as base64). */
static const char heavy[] =
    "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@dest.test>\r\n"
    "DATA\r\nSubject: doc\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n"
    "--b\r\nContent-Type: text/plain; name=\"n.txt\"\r\n"
    "Content-Disposition: attachment; filename=\"n.txt\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "Y2FyZCA0MTExIDExMTEgMTExMSAxMTExIGhlcmUNCg==\r\n--b--\r\n.\r\nQUIT\r\n";

static void
offload_scan(void **state)
{
    struct fix *f = *state;
    for (size_t at = 1; at < sizeof(heavy) - 1; at += 5) {
        int codes[16];
        assert_good(codes, dialogue(f, heavy, at, codes, 16));
    }
    unsigned want = (unsigned)((sizeof(heavy) - 2) / 5 + 1);
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, want);
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], want);
    /* Redacted by the scan thread: the attachment no longer holds the card. */
    assert_null(memmem(k->last, k->last_len, "Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx", 32));
    assert_non_null(memmem(k->last, k->last_len, "Received: from client.test", 26));
    /* Small plain text stays on the worker, scanned as it arrives. */
    int codes[16];
    assert_good(codes, dialogue(f, script, sizeof(script) - 1, codes, 16));
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], want);
}

/* The heavy line is found wherever the client's writes cut the text: the
 * message's first line, a line cut at its start, anywhere inside. */
static void
sniff_every_split(void **state)
{
    struct fix *f = *state;
    static const char first[] =
        "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@dest.test>\r\n"
        "DATA\r\nContent-Type: text/html; charset=us-ascii\r\nSubject: h\r\n\r\n"
        "<p>hello</p>\r\n.\r\nQUIT\r\n";
    const char *const scripts[] = {first, heavy};
    uint64_t jobs = f->r.stats->c[DP_C_SCAN_JOBS];
    for (size_t k = 0; k < 2; k++) {
        const char *data = strstr(scripts[k], "DATA\r\n");
        size_t from = (size_t)(data - scripts[k]) + 6, to = strlen(scripts[k]) - 8;
        for (size_t at = from; at < to; at++) {
            int codes[16];
            assert_good(codes, dialogue(f, scripts[k], at, codes, 16));
            assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], ++jobs);
        }
    }
}

static void
offload_store(void **state)
{
    struct fix *f = *state;
    static const char q[] = "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\n"
                            "RCPT TO:<bob@dest.test>\r\nDATA\r\nSubject: x\r\n\r\n"
                            "this is confidential\r\n.\r\nQUIT\r\n";
    int codes[16];
    for (int i = 0; i < 5; i++) {
        assert_good(codes, dialogue(f, q, sizeof(q) - 1, codes, 16));
    }
    assert_int_equal(f->r.stats->c[DP_C_STORE_JOBS], 5);
    assert_int_equal(f->r.stats->c[DP_C_MSG_QUARANTINED], 5);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "test $(ls '%s/new' | wc -l) -eq 5", f->store);
    assert_int_equal(system(cmd), 0);
}

/* setup_policy_helpers: a policy file of `text`, and the helper threads. */
static int
setup_policy_helpers(void **state, const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/rl-dp-policy-%d.json", (int)getpid());
    FILE *p = fopen(path, "w");
    if (p == NULL) {
        return -1;
    }
    fputs(text, p);
    fclose(p);
    int rc = setup_with(state, path);
    unlink(path);
    return rc != 0 ? rc : rig_helpers(&((struct fix *)*state)->r);
}

static int
setup_hold_helpers(void **state)
{
    return setup_policy_helpers(state, "{\"version\":\"rt-test-2\",\"keep_original\":true}");
}

/* stored_has: some message of the store holds `needle`. */
static bool
stored_has(const struct fix *f, const char *needle)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "grep -rqF -- '%s' '%s/new'", needle, f->store);
    return system(cmd) == 0;
}

/* A scan thread wipes the original of a message it scanned once nothing
 * needs it (dp_job.msg_wiped); a quarantined message's original and a
 * redacted one's held original must reach the store whole. */
static void
offload_original_kept(void **state)
{
    struct fix *f = *state;
    static char q[2048];
    const char *cut = strstr(heavy, "see the file");
    snprintf(q, sizeof(q), "%.*sthis is confidential\r\n%s", (int)(cut - heavy), heavy, cut);
    int codes[16];
    assert_good(codes, dialogue(f, q, strlen(q), codes, 16));
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 1);
    assert_int_equal(f->r.stats->c[DP_C_MSG_QUARANTINED], 1);
    assert_int_equal(f->r.sinks[f->sink].messages, 0);
    assert_true(stored_has(f, "this is confidential"));
    assert_true(stored_has(f, "Y2FyZCA0MTExIDExMTEgMTExMSAxMTExIGhlcmUNCg=="));
    /* Delivered after the scan thread's scan: the next hop's copy whole,
     * the original not needed (wiped there). */
    assert_good(codes, dialogue(f, heavy, sizeof(heavy) - 1, codes, 16));
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 2);
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, 1);
    assert_non_null(memmem(k->last, k->last_len, "see the file\r\n--b\r\n", 19));
    assert_non_null(memmem(k->last, k->last_len, "--b--\r\n", 7));
}

static void
offload_original_held(void **state)
{
    struct fix *f = *state;
    int codes[16];
    assert_good(codes, dialogue(f, heavy, sizeof(heavy) - 1, codes, 16));
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 1);
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, 1);
    assert_null(memmem(k->last, k->last_len, "Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx", 32));
    /* Redacted on its way; the original as received in the store. */
    assert_true(stored_has(f, "Y2FyZCA0MTExIDExMTEgMTExMSAxMTExIGhlcmUNCg=="));
}

/* The client goes while its message is with a helper: the session is freed
 * once the job is back, the next client is served. */
static void
offload_client_gone(void **state)
{
    struct fix *f = *state;
    size_t upto = strlen(heavy) - strlen("QUIT\r\n");
    int c = rig_client_start(&f->r, (const uint8_t *)heavy, upto, upto);
    /* Turn until the message is out with the scan thread, then hang up. */
    for (int t = 0; t < 200000 && f->r.stats->c[DP_C_SCAN_JOBS] == 0; t++) {
        (void)rig_turn(&f->r);
    }
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 1);
    rig_client_free(&f->r, c);
    (void)rig_settle(&f->r, 20000);
    assert_false(dp_worker_busy(f->r.w));
    assert_int_equal(f->r.stats->c[DP_C_CONN_ACTIVE], 0);
    int codes[16];
    assert_good(codes, dialogue(f, heavy, sizeof(heavy) - 1, codes, 16));
}

/* Two sessions of one worker in DATA at once: one streams through the
 * worker's scanner, the other goes whole to the scan thread; neither sees
 * the other's text. */
static void
two_in_data(void **state)
{
    struct fix *f = *state;
    static char a[4096], b[4096];
    const char *head = "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\n"
                       "RCPT TO:<bob@dest.test>\r\nDATA\r\nSubject: two\r\n\r\n";
    size_t na = (size_t)snprintf(a, sizeof(a), "%s", head);
    size_t nb = (size_t)snprintf(b, sizeof(b), "%s", head);
    for (int i = 0; i < 40; i++) {
        na += (size_t)snprintf(a + na, sizeof(a) - na, "alpha alpha alpha %d\r\n", i);
        nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "bravo bravo bravo %d\r\n", i);
    }
    size_t ha = na - 300, hb = nb - 500; /* both held inside their text */
    na += (size_t)snprintf(a + na, sizeof(a) - na, ".\r\nQUIT\r\n");
    nb += (size_t)snprintf(b + nb, sizeof(b) - nb, ".\r\nQUIT\r\n");
    int ca = rig_client_start(&f->r, (const uint8_t *)a, na, ha);
    int cb = rig_client_start(&f->r, (const uint8_t *)b, nb, hb);
    (void)rig_settle(&f->r, 20000);
    rig_client_release(&f->r, ca);
    rig_client_release(&f->r, cb);
    (void)rig_settle(&f->r, 20000);
    int codes[16];
    assert_good(codes, rig_codes(&f->r, ca, codes, 16));
    assert_good(codes, rig_codes(&f->r, cb, codes, 16));
    rig_client_free(&f->r, ca);
    rig_client_free(&f->r, cb);
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, 2);
    const uint8_t *m[2] = {k->last, k->prev};
    size_t ml[2] = {k->last_len, k->prev_len};
    for (int i = 0; i < 2; i++) {
        bool has_a = memmem(m[i], ml[i], "alpha", 5) != NULL;
        bool has_b = memmem(m[i], ml[i], "bravo", 5) != NULL;
        assert_true(has_a != has_b);
        assert_non_null(memmem(
            m[i], ml[i], has_a ? "alpha alpha alpha 39\r\n" : "bravo bravo bravo 39\r\n", 22));
    }
    /* B began while A streamed: it was not streamed, and was scanned whole
     * on the worker at its end (by the second rewriter if A still streamed),
     * not handed to the scan thread. */
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 0);
}

/* B, small text, comes and ends while A streams through the worker's
 * scanner: B is scanned whole at its end by the worker's second rewriter
 * (redacted: its card number goes), no scan job, and A's stream is intact. */
static void
whole_while_streaming(void **state)
{
    struct fix *f = *state;
    static char a[4096], b[4096];
    const char *head = "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\n"
                       "RCPT TO:<bob@dest.test>\r\nDATA\r\nSubject: two\r\n\r\n";
    size_t na = (size_t)snprintf(a, sizeof(a), "%s", head);
    for (int i = 0; i < 40; i++) {
        na += (size_t)snprintf(a + na, sizeof(a) - na, "alpha alpha alpha %d\r\n", i);
    }
    size_t ha = na - 300;
    na += (size_t)snprintf(a + na, sizeof(a) - na, ".\r\nQUIT\r\n");
    size_t nb = (size_t)snprintf(
        b, sizeof(b), "%sbravo: my card is 4111 1111 1111 1111, thanks\r\n.\r\nQUIT\r\n", head);
    int ca = rig_client_start(&f->r, (const uint8_t *)a, na, ha);
    (void)rig_settle(&f->r, 20000); /* A streams, held inside its text */
    int cb = rig_client_start(&f->r, (const uint8_t *)b, nb, nb);
    (void)rig_settle(&f->r, 20000); /* B ends while A still streams */
    int codes[16];
    assert_good(codes, rig_codes(&f->r, cb, codes, 16));
    const struct rig_sink *k = &f->r.sinks[f->sink];
    assert_int_equal(k->messages, 1);
    assert_non_null(memmem(k->last, k->last_len, "bravo: my card is", 17));
    assert_null(memmem(k->last, k->last_len, "4111 1111 1111 1111", 19));
    rig_client_release(&f->r, ca);
    (void)rig_settle(&f->r, 20000);
    assert_good(codes, rig_codes(&f->r, ca, codes, 16));
    rig_client_free(&f->r, ca);
    rig_client_free(&f->r, cb);
    assert_int_equal(k->messages, 2);
    assert_non_null(memmem(k->last, k->last_len, "alpha alpha alpha 39\r\n", 22));
    assert_null(memmem(k->last, k->last_len, "bravo", 5));
    assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], 0);
}

/* B starts its DATA while A streams through the worker's scanner, so B is
 * not streamed; A ends first, leaving the scanner free. B is over 64 KB
 * (`big`) or carries an attachment: either way it goes to the scan thread,
 * never scanned whole on the worker at its end (a turn of milliseconds). */
static void
not_streamed_heavy(void **state)
{
    struct fix *f = *state;
    static char a[4096], b[96 * 1024];
    const char *head = "EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\n"
                       "RCPT TO:<bob@dest.test>\r\nDATA\r\nSubject: late\r\n\r\n";
    for (int big = 0; big < 2; big++) {
        uint64_t jobs = f->r.stats->c[DP_C_SCAN_JOBS];
        size_t na = (size_t)snprintf(a, sizeof(a), "%salpha\r\n", head);
        size_t nb = (size_t)snprintf(b, sizeof(b), "%s", head);
        if (!big) {
            nb += (size_t)snprintf(b + nb, sizeof(b) - nb,
                                   "see the file\r\nContent-Disposition: attachment\r\n");
        }
        for (int i = 0; i < (big ? 1400 : 10); i++) {
            nb += (size_t)snprintf(b + nb, sizeof(b) - nb,
                                   "bravo bravo bravo bravo bravo bravo bravo %d\r\n", i);
        }
        size_t ha = na, hb = nb; /* both held inside their text */
        na += (size_t)snprintf(a + na, sizeof(a) - na, ".\r\nQUIT\r\n");
        nb += (size_t)snprintf(b + nb, sizeof(b) - nb, ".\r\nQUIT\r\n");
        int ca = rig_client_start(&f->r, (const uint8_t *)a, na, ha);
        (void)rig_settle(&f->r, 20000); /* A streams */
        int cb = rig_client_start(&f->r, (const uint8_t *)b, nb, hb);
        (void)rig_settle(&f->r, 20000);
        rig_client_release(&f->r, ca); /* A ends: the scanner is free */
        (void)rig_settle(&f->r, 20000);
        rig_client_release(&f->r, cb);
        (void)rig_settle(&f->r, 20000);
        int codes[16];
        assert_good(codes, rig_codes(&f->r, ca, codes, 16));
        assert_good(codes, rig_codes(&f->r, cb, codes, 16));
        rig_client_free(&f->r, ca);
        rig_client_free(&f->r, cb);
        const struct rig_sink *k = &f->r.sinks[f->sink];
        assert_non_null(memmem(k->last, k->last_len, "bravo bravo bravo bravo bravo bravo", 35));
        assert_int_equal(f->r.stats->c[DP_C_SCAN_JOBS], jobs + 1);
    }
}

/* drain reads what `h` of `be` has queued. */
static void
drain(struct io_backend *be, uint32_t h)
{
    static uint8_t buf[64 * 1024];
    size_t n;
    while (be->ops->read(be, &n, h, buf, sizeof(buf)) == 0 && n > 0) {
    }
}

/* mem_pair makes an in-memory network with two backends and a connection
 * from `a` (handle *ch) accepted on `b` (handle *sh). */
static void
mem_pair(struct io_mem_net **net, struct io_backend **a, struct io_backend **b, uint32_t *ch,
         uint32_t *sh)
{
    assert_int_equal(io_mem_net_new(net), 0);
    assert_int_equal(io_backend_new(a, "mem", *net), 0);
    assert_int_equal(io_backend_new(b, "mem", *net), 0);
    struct io_addr addr, peer;
    assert_int_equal(io_addr_parse(&addr, "10.9.9.9:25", 11), 0);
    uint32_t lh;
    int err = 0;
    assert_int_equal((*b)->ops->listen(*b, &lh, &err, &addr, 1), 0);
    assert_int_equal((*a)->ops->connect(*a, ch, &addr, 2), 0);
    assert_int_equal((*b)->ops->accept(*b, sh, &peer, lh, 3), 0);
}

/* A run's share of a stream (dp_stream_begin_run): DP_STREAM_BURST octets
 * in calls of DP_STREAM_CALL_MAX at most, and no call after the deadline but
 * the run's first; readiness is kept when the run stops on its budget. */
static void
stream_budget(void **state)
{
    (void)state;
    struct io_mem_net *net = NULL;
    struct io_backend *a = NULL, *b = NULL;
    uint32_t ch, sh;
    mem_pair(&net, &a, &b, &ch, &sh);
    struct dp_base cb = {.h = ch, .rd = true, .wr = true};
    struct dp_base sb = {.h = sh, .rd = true, .wr = true};
    struct dp_stream cs, ss;
    dp_stream_init(&cs, a, &cb);
    dp_stream_init(&ss, b, &sb);
    static uint8_t big[256 * 1024];
    memset(big, 'x', sizeof(big));
    bool progress = false;
    size_t n, total = 0;
    /* No deadline: the octets budget stops the run. */
    dp_stream_begin_run(&cs, UINT64_MAX);
    uint64_t calls = io_mem_net_count(net, IO_MEM_WRITE);
    while (!dp_stream_spent(&cs)) {
        assert_int_equal(dp_stream_write(&cs, &n, big + total, sizeof(big) - total, &progress), 0);
        total += n;
        drain(b, sh);
        cb.wr = true;
    }
    assert_int_equal(total, DP_STREAM_BURST);
    assert_int_equal(io_mem_net_count(net, IO_MEM_WRITE) - calls,
                     DP_STREAM_BURST / DP_STREAM_CALL_MAX);
    /* A deadline already past: the first call is made, no other. */
    dp_stream_begin_run(&cs, 0);
    assert_int_equal(dp_stream_write(&cs, &n, big, sizeof(big), &progress), 0);
    assert_int_equal(n, DP_STREAM_CALL_MAX);
    assert_true(dp_stream_spent(&cs));
    assert_true(cb.wr);
    calls = io_mem_net_count(net, IO_MEM_WRITE);
    assert_int_equal(dp_stream_write(&cs, &n, big, sizeof(big), &progress), 0);
    assert_int_equal(n, 0);
    assert_int_equal(io_mem_net_count(net, IO_MEM_WRITE), calls);
    /* Reads alike: one call, then RL_EAGAIN with the readiness kept. */
    static uint8_t got[1024];
    dp_stream_begin_run(&ss, 0);
    assert_int_equal(dp_stream_read(&ss, &n, got, sizeof(got), &progress), 0);
    assert_int_equal(n, sizeof(got));
    assert_int_equal(dp_stream_read(&ss, &n, got, sizeof(got), &progress), RL_EAGAIN);
    assert_true(dp_stream_spent(&ss));
    assert_true(sb.rd);
    dp_stream_begin_run(&ss, UINT64_MAX);
    assert_int_equal(dp_stream_read(&ss, &n, got, sizeof(got), &progress), 0);
    assert_false(dp_stream_spent(&ss));
    dp_stream_fini(&cs);
    dp_stream_fini(&ss);
    a->ops->free(a);
    b->ops->free(b);
    io_mem_net_free(net);
}

/* Through TLS likewise: a run whose budget is spent while records wait
 * returns (its flush used to loop for ever), and the next run sends them. */
static void
stream_tls_budget(void **state)
{
    (void)state;
    assert_int_equal(fx_setup(NULL), 0);
    struct tls_profile sp, cp;
    fx_server_profile(&sp, FX_GOOD);
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    struct tls_server *srv = fx_server(&sp, 1000);
    struct tls_client *cli = fx_client(&cp);
    struct tls_conn *cl = NULL, *sv = NULL;
    int crc = 0, src = 0;
    fx_pair(cli, srv, NULL, "mx.example.test", &cl, &sv, &crc, &src);
    assert_int_equal(crc, 0);
    assert_int_equal(src, 0);
    struct io_mem_net *net = NULL;
    struct io_backend *a = NULL, *b = NULL;
    uint32_t ch, sh;
    mem_pair(&net, &a, &b, &ch, &sh);
    struct dp_base cb = {.h = ch, .rd = true, .wr = true};
    struct dp_stream cs;
    dp_stream_init(&cs, a, &cb);
    dp_stream_tls(&cs, cl); /* taken */
    static uint8_t big[48 * 1024];
    memset(big, 'x', sizeof(big));
    bool progress = false;
    size_t n;
    /* The deadline has passed: one call, then the records wait. */
    dp_stream_begin_run(&cs, 0);
    assert_int_equal(dp_stream_write(&cs, &n, big, sizeof(big), &progress), 0);
    assert_true(n > 0);
    assert_false(dp_stream_spent(&cs));
    drain(b, sh);
    assert_int_equal(dp_stream_write(&cs, &n, big, sizeof(big), &progress), 0);
    assert_true(n > 0);
    assert_true(dp_stream_spent(&cs));
    uint64_t calls = io_mem_net_count(net, IO_MEM_WRITE);
    assert_int_equal(dp_stream_flush(&cs, &progress), 0);
    assert_int_equal(io_mem_net_count(net, IO_MEM_WRITE), calls);
    assert_true(dp_stream_pending(&cs) > 0);
    /* Later runs send them. */
    for (int run = 0; run < 8 && dp_stream_pending(&cs) > 0; run++) {
        drain(b, sh);
        cb.wr = true;
        dp_stream_begin_run(&cs, UINT64_MAX);
        assert_int_equal(dp_stream_flush(&cs, &progress), 0);
    }
    assert_int_equal(dp_stream_pending(&cs), 0);
    dp_stream_fini(&cs);
    a->ops->free(a);
    b->ops->free(b);
    io_mem_net_free(net);
    tls_conn_free(sv);
    tls_client_free(cli);
    tls_server_free(srv);
    fx_teardown(NULL);
}

int
main(void)
{
    snprintf(track_path, sizeof(track_path), "/tmp/rl-dp-runtime-%d.log", (int)getpid());
    int err = 0;
    if (dp_track_open(track_path, &err) != 0) {
        return 1;
    }
    rcu_register_thread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(relay_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(relay_split_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(relay_octet_by_octet, setup, teardown),
        cmocka_unit_test_setup_teardown(fail_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(fail_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(fail_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(fail_connects, setup, teardown),
        cmocka_unit_test_setup_teardown(next_hop_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(quarantine_stored, setup_quarantine, teardown),
        cmocka_unit_test_setup_teardown(release_delivers, setup, teardown),
        cmocka_unit_test_setup_teardown(release_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(release_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(release_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(offload_scan, setup_helpers, teardown),
        cmocka_unit_test_setup_teardown(offload_store, setup_quarantine_helpers, teardown),
        cmocka_unit_test_setup_teardown(offload_client_gone, setup_helpers, teardown),
        cmocka_unit_test_setup_teardown(offload_original_kept, setup_quarantine_helpers, teardown),
        cmocka_unit_test_setup_teardown(offload_original_held, setup_hold_helpers, teardown),
        cmocka_unit_test_setup_teardown(two_in_data, setup_helpers, teardown),
        cmocka_unit_test_setup_teardown(whole_while_streaming, setup_helpers, teardown),
        cmocka_unit_test_setup_teardown(sniff_every_split, setup_helpers, teardown),
        cmocka_unit_test_setup_teardown(not_streamed_heavy, setup_helpers, teardown),
        cmocka_unit_test(stream_budget),
        cmocka_unit_test(stream_tls_budget),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rcu_unregister_thread();
    dp_track_close();
    unlink(track_path);
    return rc;
}
