/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_store on SQLite: versions, commit-if-still-N, history, watch across
 * two handles (as two processes would), persistence, refusals of a corrupt
 * or newer database. Each test works in a fresh temporary directory. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ctl_store.h"

static char dir[64];
static char db[128];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/redline-ctl-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(db, sizeof(db), "%s/config.db", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct ctl_store *
open_store(void)
{
    struct ctl_store *s = NULL;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(ctl_store_sqlite_open(&s, &d, db), 0);
    return s;
}

static void
test_empty_then_versions(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    struct ctl_version v;
    char *doc = NULL;
    assert_int_equal(s->ops->current(s, &v, &doc), 0);
    assert_int_equal(v.n, 0);
    assert_string_equal(doc, "{}");
    free(doc);
    uint64_t n = 0;
    assert_int_equal(s->ops->commit_if(s, &n, 0, "{\"a\":1}", 1000, "first"), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->commit_if(s, &n, 1, "{\"a\":2}", 1001, "second"), 0);
    assert_int_equal(n, 2);
    assert_int_equal(s->ops->current(s, &v, &doc), 0);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.uid, 1001);
    assert_string_equal(v.comment, "second");
    assert_string_equal(doc, "{\"a\":2}");
    free(doc);
    assert_int_equal(s->ops->get(s, &v, &doc, 1), 0);
    assert_string_equal(doc, "{\"a\":1}");
    assert_string_equal(v.comment, "first");
    assert_true(v.at > 1700000000);
    free(doc);
    assert_int_equal(s->ops->get(s, &v, NULL, 2), 0);
    assert_int_equal(v.n, 2);
    s->ops->free(s);
}

static void
test_commit_if_refuses_stale(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    uint64_t n = 0;
    assert_int_equal(s->ops->commit_if(s, &n, 0, "{}", 0, ""), 0);
    /* Another writer came first: nothing is stored. */
    n = 77;
    assert_int_equal(s->ops->commit_if(s, &n, 0, "{\"x\":1}", 0, "late"), RL_EAGAIN);
    assert_int_equal(n, 77);
    assert_int_equal(s->ops->commit_if(s, &n, 5, "{\"x\":1}", 0, "ahead"), RL_EAGAIN);
    struct ctl_version v;
    assert_int_equal(s->ops->current(s, &v, NULL), 0);
    assert_int_equal(v.n, 1);
    s->ops->free(s);
}

static void
test_get_missing(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    struct ctl_version v;
    char *doc = NULL;
    assert_int_equal(s->ops->get(s, &v, &doc, 1), RL_ENOENT);
    assert_int_equal(s->ops->get(s, &v, &doc, 0), RL_ENOENT);
    assert_int_equal(s->ops->get(s, &v, &doc, UINT64_MAX), RL_ENOENT);
    assert_null(doc);
    s->ops->free(s);
}

static void
test_history(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    uint64_t n = 0;
    for (uint64_t i = 0; i < 5; i++) {
        char c[16];
        snprintf(c, sizeof(c), "c%llu", (unsigned long long)i + 1);
        assert_int_equal(s->ops->commit_if(s, &n, i, "{}", (int64_t)i, c), 0);
    }
    struct ctl_version h[8];
    size_t got = 0;
    assert_int_equal(s->ops->history(s, h, 8, &got, 0), 0);
    assert_int_equal(got, 5);
    assert_int_equal(h[0].n, 5); /* newest first */
    assert_string_equal(h[4].comment, "c1");
    assert_int_equal(s->ops->history(s, h, 2, &got, 0), 0);
    assert_int_equal(got, 2);
    assert_int_equal(h[1].n, 4);
    assert_int_equal(s->ops->history(s, h, 8, &got, 3), 0); /* below version 3 */
    assert_int_equal(got, 2);
    assert_int_equal(h[0].n, 2);
    assert_int_equal(s->ops->history(s, h, 8, &got, 1), 0);
    assert_int_equal(got, 0);
    s->ops->free(s);
}

static void
test_long_comment_cut(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    char c[1000];
    memset(c, 'x', sizeof(c) - 1);
    c[sizeof(c) - 1] = '\0';
    uint64_t n = 0;
    assert_int_equal(s->ops->commit_if(s, &n, 0, "{}", 0, c), 0);
    struct ctl_version v;
    assert_int_equal(s->ops->current(s, &v, NULL), 0);
    assert_int_equal(strlen(v.comment), CTL_COMMENT_MAX - 1);
    s->ops->free(s);
}

static void
test_persists_across_open(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    uint64_t n = 0;
    assert_int_equal(s->ops->commit_if(s, &n, 0, "{\"kept\":true}", 0, "durable"), 0);
    s->ops->free(s);
    s = open_store();
    struct ctl_version v;
    char *doc = NULL;
    assert_int_equal(s->ops->current(s, &v, &doc), 0);
    assert_int_equal(v.n, 1);
    assert_string_equal(doc, "{\"kept\":true}");
    free(doc);
    s->ops->free(s);
}

struct later {
    struct ctl_store *s;
    uint64_t expect;
};

static void *
commit_later(void *arg)
{
    struct later *l = arg;
    usleep(50 * 1000);
    uint64_t n = 0;
    (void)l->s->ops->commit_if(l->s, &n, l->expect, "{}", 0, "later");
    return NULL;
}

static void
test_watch(void **state)
{
    (void)state;
    struct ctl_store *a = open_store();
    struct ctl_store *b = open_store(); /* another process, as far as SQLite knows */
    uint64_t n = 0;
    assert_int_equal(a->ops->watch(a, &n, 0, 30), RL_EAGAIN); /* nothing yet */
    assert_int_equal(a->ops->commit_if(a, &n, 0, "{}", 0, ""), 0);
    assert_int_equal(a->ops->watch(a, &n, 0, 0), 0); /* already newer */
    assert_int_equal(n, 1);
    /* A commit through the other handle is seen within the poll period. */
    struct later l = {.s = b, .expect = 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, commit_later, &l), 0);
    n = 0;
    assert_int_equal(a->ops->watch(a, &n, 1, 5000), 0);
    assert_int_equal(n, 2);
    pthread_join(t, NULL);
    a->ops->free(a);
    b->ops->free(b);
}

static void
test_refuses_garbage_file(void **state)
{
    (void)state;
    FILE *f = fopen(db, "w");
    assert_non_null(f);
    for (int i = 0; i < 512; i++) {
        fputs("this is not a database ", f);
    }
    fclose(f);
    struct ctl_store *s = NULL;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(ctl_store_sqlite_open(&s, &d, db), RL_EIO);
    assert_null(s);
    assert_string_equal(d.field, "state");
    assert_true(strlen(d.reason) > 0);
}

static void
test_refuses_newer_schema(void **state)
{
    (void)state;
    struct ctl_store *s = open_store();
    s->ops->free(s);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    struct rl_diag d = {{0}, {0}};
    s = NULL;
    assert_int_equal(ctl_store_sqlite_open(&s, &d, db), RL_EIO);
    assert_non_null(strstr(d.reason, "newer"));
}

static void
test_refuses_unwritable_place(void **state)
{
    (void)state;
    struct ctl_store *s = NULL;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(ctl_store_sqlite_open(&s, &d, "/nonexistent-dir/config.db"), RL_EIO);
    assert_null(s);
    assert_non_null(strstr(d.reason, "/nonexistent-dir/config.db"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_then_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_if_refuses_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_comment_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persists_across_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_garbage_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_unwritable_place, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
