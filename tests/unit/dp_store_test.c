/* SPDX-License-Identifier: Apache-2.0 */
/* dp_store (durable quarantine writes), dp_buf (per-worker buffers, wiped on
 * release) and dp_track (the tracking-log ring): single-threaded cmocka
 * runner; the store works in a fresh temporary directory. */
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
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_track_ring),
    };
    return cmocka_run_group_tests(tests, mkdir_tmp, rm_tmp);
}
