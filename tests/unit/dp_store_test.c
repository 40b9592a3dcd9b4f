/* SPDX-License-Identifier: Apache-2.0 */
/* dp_store (durable quarantine writes that never replace, listing, reading,
 * removal, recovery, the free-space reserve), dp_msgid, dp_ctl's command
 * parser, dp_buf (per-worker buffers, wiped on release) and dp_track (the
 * tracking log): single-threaded cmocka runner; the store works in a fresh
 * temporary directory. */
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
#include "dp_msgid.h"
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
    assert_int_equal(dp_store_put(q, "a.0.1", meta, strlen(meta), msg, sizeof(msg) - 1, 0, &err),
                     0);
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
    assert_int_equal(dp_store_put(q, "a.0.1", meta, strlen(meta), msg, 3, 0, &err), RL_EIO);
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
        assert_int_equal(dp_store_put(q, bad[i], "{}", 2, (const uint8_t *)"x", 1, 0, &err),
                         RL_EINVAL);
    }
    char longid[200];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_int_equal(dp_store_put(q, longid, "{}", 2, (const uint8_t *)"x", 1, 0, &err), RL_EINVAL);
    /* A store that was never prepared. */
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(dp_store_put(missing, "id", "{}", 2, (const uint8_t *)"x", 1, 0, &err),
                     RL_EIO);
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
    assert_int_equal(dp_store_put(q, "m1", meta, strlen(meta), msg, sizeof(msg) - 1, 0, &err), 0);
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
    assert_int_equal(dp_store_put(q, "stop", "{}", 2, msg, 3, 0, &err), 0);
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

/* Issue 13 defect 1: a store file is never replaced, whatever is in the way. */
static void
test_store_never_replaces(void **state)
{
    (void)state;
    int err = 0;
    char q[128], p[256];
    snprintf(q, sizeof(q), "%s/nr", dir);
    assert_int_equal(dp_store_prepare(q, &err), 0);
    const uint8_t first[] = "first";
    assert_int_equal(dp_store_put(q, "same", "{\"n\":1}", 7, first, 5, 0, &err), 0);
    /* The same id again: refused, the first message intact, nothing left in tmp/. */
    assert_int_equal(dp_store_put(q, "same", "{\"n\":2}", 7, (const uint8_t *)"second", 6, 0, &err),
                     RL_EIO);
    assert_int_equal(err, EEXIST);
    uint8_t *file = NULL;
    size_t file_len = 0, meta_len = 0, msg_len = 0;
    assert_int_equal(dp_store_get(q, "same", SIZE_MAX, &file, &file_len, &meta_len, &msg_len, &err),
                     0);
    assert_int_equal(file_len, 13);
    assert_memory_equal(file, "{\"n\":1}\nfirst", 13);
    free(file);
    snprintf(p, sizeof(p), "%s/tmp/same", q);
    assert_int_equal(access(p, F_OK), -1);
    /* What a crash leaves in tmp/ is removed by the recovery, new/ untouched. */
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/tmp/other", q);
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    unsigned removed = 0;
    assert_int_equal(dp_store_recover(q, &removed, &err), 0);
    assert_int_equal(removed, 2);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/new/same.msg", q);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof(p), "%s/none", dir);
    assert_int_equal(dp_store_recover(p, &removed, &err), RL_EIO);
    /* The directories are the dataplane's alone. */
    struct stat st;
    assert_int_equal(stat(q, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
}

/* Issue 13 defect 7: a free-space reserve that refuses before the disk is full. */
static void
test_store_reserve(void **state)
{
    (void)state;
    int err = 0;
    char q[128];
    snprintf(q, sizeof(q), "%s/res", dir);
    assert_int_equal(dp_store_prepare(q, &err), 0);
    uint64_t avail = dp_store_free(q);
    assert_true(avail > 4096 && avail != UINT64_MAX);
    assert_int_equal(dp_store_free("/no/such/dir"), UINT64_MAX);
    /* A reserve above what is free: refused with RL_ELIMIT, nothing written. */
    assert_int_equal(dp_store_put(q, "big", "{}", 2, (const uint8_t *)"x", 1, avail + 1, &err),
                     RL_ELIMIT);
    assert_int_equal(err, ENOSPC);
    char ids[256] = "";
    assert_int_equal(dp_store_list(q, collect, ids, &err), 0);
    assert_string_equal(ids, "");
    assert_int_equal(dp_store_put(q, "fits", "{}", 2, (const uint8_t *)"x", 1, 0, &err), 0);
    /* The watcher: low when a directory keeps less than the reserve. */
    assert_false(dp_store_low());
    const char *dirs[1] = {q};
    assert_int_equal(dp_store_watch_start(dirs, 1, avail * 2, &err), 0);
    assert_true(dp_store_low());
    dp_store_watch_stop();
    assert_int_equal(dp_store_watch_start(dirs, 1, 0, &err), 0);
    assert_false(dp_store_low());
    dp_store_watch_stop();
}

/* Issue 13 defect 1: ids unique across generators (restarts, workers,
 * instances) and time-ordered within one. */
static void
test_msgid(void **state)
{
    (void)state;
    struct dp_msgid a, b;
    assert_int_equal(dp_msgid_init(&a), 0);
    assert_int_equal(dp_msgid_init(&b), 0);
    char x[DP_MSGID_LEN + 1], y[DP_MSGID_LEN + 1], prev[DP_MSGID_LEN + 1] = "";
    for (int i = 0; i < 1000; i++) {
        /* Two generators started in the same millisecond never meet. */
        dp_msgid_next(&a, 1764979200000u, x);
        dp_msgid_next(&b, 1764979200000u, y);
        assert_int_equal(strlen(x), DP_MSGID_LEN);
        assert_true(dp_store_id_ok(x));
        assert_string_not_equal(x, y);
        assert_true(strcmp(prev, x) < 0); /* one generator counts up */
        memcpy(prev, x, sizeof(prev));
    }
    /* Later time sorts later, whatever the random part. */
    dp_msgid_next(&b, 1764979200001u, y);
    assert_true(strcmp(x, y) < 0);
    /* The time is the first 10 characters: 48 bits of milliseconds. */
    struct dp_msgid z = {0, 0};
    dp_msgid_next(&z, 0, x);
    assert_string_equal(x, "00000000000000000000000000");
    dp_msgid_next(&z, 1, x);
    assert_memory_equal(x, "0000000001", 10);
    assert_string_equal(x + 10, "0000000000000001");
    /* The counter carries into the upper part. */
    struct dp_msgid c = {0x12, UINT64_MAX};
    dp_msgid_next(&c, 0, x);
    assert_int_equal(c.hi, 0x13);
    assert_int_equal(c.lo, 0);
}

/* The tracking log: one whole line per write, a reopen for rotation. */
static void
test_track_write(void **state)
{
    (void)state;
    char path[128], moved[160];
    snprintf(path, sizeof(path), "%s/track.log", dir);
    int err = 0;
    assert_int_equal(dp_track_open(path, &err), 0);
    assert_int_equal(dp_track_write("{\"a\":1}", 7), 0);
    assert_int_equal(dp_track_write_json(json_pack("{s:s}", "action", "deleted")), 0);
    assert_int_equal(dp_track_write_json(NULL), RL_ENOMEM);
    assert_int_equal(dp_track_failures(), 1);
    /* Rotation: the old file keeps what was written, the new one the rest. */
    snprintf(moved, sizeof(moved), "%s.1", path);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(dp_track_reopen(&err), 0);
    assert_int_equal(dp_track_write("{\"b\":2}", 7), 0);
    dp_track_close();
    assert_int_equal(dp_track_write("{\"c\":3}", 7), RL_EIO); /* closed: counted, not crashed */
    assert_int_equal(dp_track_failures(), 2);
    char buf[256];
    FILE *f = fopen(moved, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_memory_equal(buf, "{\"a\":1}\n{\"action\":\"deleted\",\"ts\":\"", 34);
    assert_int_equal(buf[n - 1], '\n');
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"b\":2}\n");
    /* A log that cannot be opened. */
    snprintf(path, sizeof(path), "%s/no/such/track.log", dir);
    assert_int_equal(dp_track_open(path, &err), RL_EIO);
    assert_int_equal(err, ENOENT);
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
        cmocka_unit_test(test_store_never_replaces),
        cmocka_unit_test(test_store_reserve),
        cmocka_unit_test(test_msgid),
        cmocka_unit_test(test_track_write),
    };
    return cmocka_run_group_tests(tests, mkdir_tmp, rm_tmp);
}
