/* SPDX-License-Identifier: Apache-2.0 */
/* dp_store (durable quarantine writes, listing, reading, removal), dp_ctl's
 * command parser, dp_buf (per-worker buffers, wiped on release) and dp_track
 * (the tracking-log ring): single-threaded cmocka runner; the store works in
 * a fresh temporary directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_buf.h"
#include "dp_ctl.h"
#include "dp_store.h"
#include "dp_track.h"

static char dir[64];

static int
mkdir_tmp(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/redline-store-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
rm_tmp(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void
test_store_put(void **state)
{
    (void)state;
    int err = 0;
    char q[128], p[256];
    snprintf(q, sizeof(q), "%s/spool/redline/q", dir); /* parents are created too */
    assert_int_equal(dp_store_prepare(q, &err), 0);
    assert_int_equal(dp_store_prepare(q, &err), 0); /* again: already there */
    const char *meta = "{\"id\":\"a.0.1\"}";
    const uint8_t msg[] = "Subject: x\r\n\r\nbody\r\n";
    assert_int_equal(dp_store_put(q, "a.0.1", meta, strlen(meta), msg, sizeof(msg) - 1, &err), 0);
    snprintf(p, sizeof(p), "%s/new/a.0.1.msg", q);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char got[256];
    size_t n = fread(got, 1, sizeof(got), f);
    fclose(f);
    const char *want = "{\"id\":\"a.0.1\"}\nSubject: x\r\n\r\nbody\r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(got, want, n);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The same id twice is refused (no silent overwrite). */
    snprintf(p, sizeof(p), "%s/tmp/a.0.1", q);
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(dp_store_put(q, "a.0.1", meta, strlen(meta), msg, 3, &err), RL_EIO);
}

static void
test_store_refusals(void **state)
{
    (void)state;
    int err = 0;
    char q[128];
    snprintf(q, sizeof(q), "%s/r", dir);
    assert_int_equal(dp_store_prepare(q, &err), 0);
    const char *bad[] = {"", ".hidden", "../escape", "a/b", "sp ace", "ü"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(dp_store_put(q, bad[i], "{}", 2, (const uint8_t *)"x", 1, &err),
                         RL_EINVAL);
    }
    char longid[200];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_int_equal(dp_store_put(q, longid, "{}", 2, (const uint8_t *)"x", 1, &err), RL_EINVAL);
    /* A store that was never prepared. */
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(dp_store_put(missing, "id", "{}", 2, (const uint8_t *)"x", 1, &err), RL_EIO);
    assert_int_not_equal(err, 0);
    /* A path below a regular file cannot be prepared. */
    char file[128], below[160];
    snprintf(file, sizeof(file), "%s/file", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(below, sizeof(below), "%s/x", file);
    assert_int_equal(dp_store_prepare(below, &err), RL_EIO);
}

static int
collect(void *ctx, const char *id)
{
    char *ids = ctx;
    size_t used = strlen(ids);
    snprintf(ids + used, 256 - used, "%s;", id);
    return strcmp(id, "stop") == 0 ? 7 : 0;
}

static void
test_store_list_get_remove(void **state)
{
    (void)state;
    int err = 0;
    char q[128], p[256];
    snprintf(q, sizeof(q), "%s/lgr", dir);
    assert_int_equal(dp_store_prepare(q, &err), 0);
    char ids[256] = "";
    assert_int_equal(dp_store_list(q, collect, ids, &err), 0);
    assert_string_equal(ids, "");
    const char *meta = "{\"from\":\"a@x.test\"}";
    const uint8_t msg[] = "Subject: x\r\n\r\nbody\r\n";
    assert_int_equal(dp_store_put(q, "m1", meta, strlen(meta), msg, sizeof(msg) - 1, &err), 0);
    /* Strays in new/ are not messages: no .msg suffix, or a bad id. */
    snprintf(p, sizeof(p), "%s/new/stray.txt", q);
    fclose(fopen(p, "w"));
    snprintf(p, sizeof(p), "%s/new/.hidden.msg", q);
    fclose(fopen(p, "w"));
    assert_int_equal(dp_store_list(q, collect, ids, &err), 0);
    assert_string_equal(ids, "m1;");

    uint8_t *file = NULL;
    size_t file_len = 0, meta_len = 0, msg_len = 0;
    assert_int_equal(dp_store_get(q, "m1", SIZE_MAX, &file, &file_len, &meta_len, &msg_len, &err),
                     0);
    assert_int_equal(meta_len, strlen(meta));
    assert_memory_equal(file, meta, meta_len);
    assert_int_equal(msg_len, sizeof(msg) - 1);
    assert_memory_equal(file + meta_len + 1, msg, msg_len);
    free(file);
    /* Metadata only: the first octets, the whole length still known. */
    assert_int_equal(dp_store_get(q, "m1", 24, &file, &file_len, &meta_len, &msg_len, &err), 0);
    assert_int_equal(file_len, 24);
    assert_int_equal(msg_len, sizeof(msg) - 1);
    free(file);
    assert_int_equal(dp_store_get(q, "m1", 5, &file, &file_len, &meta_len, &msg_len, &err),
                     RL_ESYNTAX);
    /* A file without a metadata line. */
    snprintf(p, sizeof(p), "%s/new/nometa.msg", q);
    FILE *f = fopen(p, "w");
    fputs("Subject: no meta\r\n", f);
    fclose(f);
    assert_int_equal(
        dp_store_get(q, "nometa", SIZE_MAX, &file, &file_len, &meta_len, &msg_len, &err),
        RL_ESYNTAX);
    assert_int_equal(
        dp_store_get(q, "absent", SIZE_MAX, &file, &file_len, &meta_len, &msg_len, &err),
        RL_ENOENT);
    assert_int_equal(
        dp_store_get(q, "../new/m1", SIZE_MAX, &file, &file_len, &meta_len, &msg_len, &err),
        RL_EINVAL);

    assert_int_equal(dp_store_remove(q, "m1", &err), 0);
    assert_int_equal(dp_store_remove(q, "m1", &err), RL_ENOENT);
    assert_int_equal(dp_store_remove(q, "a/b", &err), RL_EINVAL);
    ids[0] = '\0';
    assert_int_equal(dp_store_list(q, collect, ids, &err), 0);
    assert_string_equal(ids, "nometa;");
    /* The callback's non-zero stops the walk and is returned. */
    assert_int_equal(dp_store_put(q, "stop", "{}", 2, msg, 3, &err), 0);
    ids[0] = '\0';
    assert_int_equal(dp_store_list(q, collect, ids, &err), 7);
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(dp_store_list(missing, collect, ids, &err), RL_EIO);
    assert_int_equal(err, ENOENT);
}

static void
test_ctl_parse(void **state)
{
    (void)state;
    struct dp_ctl_cmd c;
    char why[160];
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "stats\n", 6), 0);
    assert_int_equal(c.verb, DP_CTL_STATS);
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "quarantine list\r\n", 17), 0);
    assert_int_equal(c.verb, DP_CTL_Q_LIST);
    const char *rel = "quarantine  release 6b04a7ca.0.1";
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), rel, strlen(rel)), 0);
    assert_int_equal(c.verb, DP_CTL_Q_RELEASE);
    assert_string_equal(c.id, "6b04a7ca.0.1");
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "quarantine delete x_1-2", 23), 0);
    assert_int_equal(c.verb, DP_CTL_Q_DELETE);
    assert_string_equal(c.id, "x_1-2");
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "reload\r\n", 8), 0);
    assert_int_equal(c.verb, DP_CTL_RELOAD);
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "log  reopen\n", 12), 0);
    assert_int_equal(c.verb, DP_CTL_LOG_REOPEN);

    static const struct {
        const char *line;
        const char *why;
    } bad[] = {
        {"", "unknown command"},
        {"\n", "unknown command"},
        {"STATS", "unknown command"},
        {"stats now", "unknown command"},
        {"reload now", "unknown command; expected stats, reload, log reopen or quarantine"},
        {"log", "unknown command"},
        {"log rotate", "unknown command"},
        {"log reopen now", "unknown command"},
        {"LOG REOPEN", "unknown command"},
        {"RELOAD", "unknown command"},
        {"quarantine", "unknown quarantine command"},
        {"quarantine list all", "unknown quarantine command"},
        {"quarantine release", "needs one message id"},
        {"quarantine release a b", "needs one message id"},
        {"quarantine delete ../x", "needs one message id"},
        {"quarantine delete .x", "needs one message id"},
        {"quarantine release a b c d e", "too many words"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), bad[i].line, strlen(bad[i].line)),
                         RL_EINVAL);
        assert_non_null(strstr(why, bad[i].why));
    }
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), "stats\0x", 7), RL_EINVAL);
    assert_non_null(strstr(why, "NUL"));
    char longline[DP_CTL_LINE_MAX + 8];
    memset(longline, 'a', sizeof(longline));
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), longline, sizeof(longline)), RL_EINVAL);
    assert_non_null(strstr(why, "longer than"));
    char longid[200] = "quarantine release ";
    memset(longid + strlen(longid), 'a', 150);
    assert_int_equal(dp_ctl_parse(&c, why, sizeof(why), longid, strlen(longid)), RL_EINVAL);
}

static void
test_buf(void **state)
{
    (void)state;
    struct dp_bufpool pool = {0};
    struct dp_buf b = {0};
    assert_int_equal(dp_buf_append(&pool, &b, "secret", 6), 0);
    assert_int_equal(b.len, 6);
    assert_true(b.cap >= 64 * 1024);
    uint8_t *data = b.data;
    dp_buf_release(&pool, &b);
    assert_null(b.data);
    assert_int_equal(pool.n_free, 1);
    /* Released bytes are wiped, and the buffer is reused without allocating. */
    assert_int_equal(pool.free[0].data[0], 0);
    size_t allocs = pool.n_alloc;
    assert_int_equal(dp_buf_reserve(&pool, &b, 10), 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(pool.n_alloc, allocs);
    /* Growth keeps the content. */
    assert_int_equal(dp_buf_append(&pool, &b, "abc", 3), 0);
    assert_int_equal(dp_buf_reserve(&pool, &b, 300 * 1024), 0);
    assert_memory_equal(b.data, "abc", 3);
    assert_true(b.cap - b.len >= 300 * 1024);
    assert_int_equal(dp_buf_reserve(&pool, &b, SIZE_MAX - 16), RL_ENOMEM);
    assert_memory_equal(b.data, "abc", 3);
    dp_buf_release(&pool, &b);
    dp_buf_release(&pool, &b); /* empty: a no-op */
    dp_bufpool_fini(&pool);
    assert_int_equal(pool.n_free, 0);
}

static void
test_track_ring(void **state)
{
    (void)state;
    static struct dp_track_ring r;
    memset(&r, 0, sizeof(r));
    char line[DP_TRACK_LINE + 10];
    memset(line, 'x', sizeof(line));
    for (unsigned i = 0; i < DP_TRACK_SLOTS; i++) {
        assert_true(dp_track_push(&r, "{}", 2));
    }
    /* Full: the line is dropped, never waited for. */
    assert_false(dp_track_push(&r, "{}", 2));
    r.tail = 1;
    /* An over-long line is cut and still ends in a newline. */
    assert_true(dp_track_push(&r, line, sizeof(line)));
    size_t slot = DP_TRACK_SLOTS % DP_TRACK_SLOTS;
    assert_int_equal(r.len[slot], DP_TRACK_LINE);
    assert_int_equal(r.line[slot][DP_TRACK_LINE - 1], '\n');
    assert_int_equal(r.line[0][0], 'x');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_put),
        cmocka_unit_test(test_store_refusals),
        cmocka_unit_test(test_store_list_get_remove),
        cmocka_unit_test(test_ctl_parse),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_track_ring),
    };
    return cmocka_run_group_tests(tests, mkdir_tmp, rm_tmp);
}
