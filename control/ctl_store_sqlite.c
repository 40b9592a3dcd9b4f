/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration store on SQLite: one row per version in a WAL database
 * with synchronous=FULL. Owns one connection, serialised by a mutex so that
 * threads of redline-controld may share the handle. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "ctl_store.h"

#define SCHEMA_VERSION 1
#define WATCH_POLL_MS 20 /* how often watch looks for commits of other processes */

struct sqlite_store {
    struct ctl_store base;
    sqlite3 *db;
    pthread_mutex_t lock;
    pthread_cond_t committed; /* signalled by every commit through this handle */
};

static struct sqlite_store *
from(struct ctl_store *s)
{
    return (struct sqlite_store *)s;
}

/* newest returns the newest version number (0 for none), or -1. */
static int64_t
newest(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(n), 0) FROM versions", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static char *
dup_text(const unsigned char *t)
{
    return strdup(t != NULL ? (const char *)t : "");
}

/* load reads version `n` (locked by the caller). */
static int
load(struct sqlite_store *ss, struct ctl_version *out_v, char **out_doc, uint64_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = RL_EIO;
    if (sqlite3_prepare_v2(ss->db, "SELECT uid, at, comment, doc FROM versions WHERE n = ?1", -1,
                           &st, NULL) != SQLITE_OK) {
        return RL_EIO;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = RL_ENOENT;
    } else if (step == SQLITE_ROW) {
        memset(out_v, 0, sizeof(*out_v));
        out_v->n = n;
        out_v->uid = sqlite3_column_int64(st, 0);
        out_v->at = sqlite3_column_int64(st, 1);
        const unsigned char *c = sqlite3_column_text(st, 2);
        snprintf(out_v->comment, sizeof(out_v->comment), "%s", c != NULL ? (const char *)c : "");
        rc = 0;
        if (out_doc != NULL) {
            *out_doc = dup_text(sqlite3_column_text(st, 3));
            rc = *out_doc != NULL ? 0 : RL_ENOMEM;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int
st_current(struct ctl_store *s, struct ctl_version *out_v, char **out_doc)
{
    struct sqlite_store *ss = from(s);
    pthread_mutex_lock(&ss->lock);
    int rc = 0;
    int64_t n = newest(ss->db);
    if (n < 0) {
        rc = RL_EIO;
    } else if (n == 0) {
        memset(out_v, 0, sizeof(*out_v));
        if (out_doc != NULL) {
            *out_doc = strdup("{}");
            rc = *out_doc != NULL ? 0 : RL_ENOMEM;
        }
    } else {
        rc = load(ss, out_v, out_doc, (uint64_t)n);
    }
    pthread_mutex_unlock(&ss->lock);
    return rc;
}

static int
st_get(struct ctl_store *s, struct ctl_version *out_v, char **out_doc, uint64_t n)
{
    struct sqlite_store *ss = from(s);
    pthread_mutex_lock(&ss->lock);
    int rc = n == 0 || n > INT64_MAX ? RL_ENOENT : load(ss, out_v, out_doc, n);
    pthread_mutex_unlock(&ss->lock);
    return rc;
}

static int
exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : RL_EIO;
}

static int
st_commit_if(struct ctl_store *s, uint64_t *out_n, uint64_t expect_n, const char *doc, int64_t uid,
             const char *comment)
{
    struct sqlite_store *ss = from(s);
    char why[CTL_COMMENT_MAX];
    snprintf(why, sizeof(why), "%s", comment != NULL ? comment : "");
    pthread_mutex_lock(&ss->lock);
    /* IMMEDIATE takes the write lock now, so the check below and the insert
     * see the same newest version even with another process writing. */
    int rc = exec(ss->db, "BEGIN IMMEDIATE");
    if (rc != 0) {
        goto out;
    }
    int64_t n = newest(ss->db);
    if (n < 0 || (uint64_t)n != expect_n) {
        rc = n < 0 ? RL_EIO : RL_EAGAIN;
        (void)exec(ss->db, "ROLLBACK");
        goto out;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ss->db,
                           "INSERT INTO versions(n, uid, at, comment, doc) VALUES (?1, ?2, ?3, "
                           "?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = RL_EIO;
        (void)exec(ss->db, "ROLLBACK");
        goto out;
    }
    sqlite3_bind_int64(st, 1, n + 1);
    sqlite3_bind_int64(st, 2, uid);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(st, 4, why, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE || exec(ss->db, "COMMIT") != 0) {
        rc = RL_EIO;
        (void)exec(ss->db, "ROLLBACK");
        goto out;
    }
    *out_n = (uint64_t)n + 1;
    pthread_cond_broadcast(&ss->committed);
out:
    pthread_mutex_unlock(&ss->lock);
    return rc;
}

static int
st_history(struct ctl_store *s, struct ctl_version *out, size_t cap, size_t *out_n, uint64_t before)
{
    struct sqlite_store *ss = from(s);
    sqlite3_stmt *st = NULL;
    *out_n = 0;
    pthread_mutex_lock(&ss->lock);
    int rc = 0;
    if (sqlite3_prepare_v2(ss->db,
                           "SELECT n, uid, at, comment FROM versions WHERE n < ?1 ORDER BY n DESC "
                           "LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = RL_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, before == 0 || before > INT64_MAX ? INT64_MAX : (int64_t)before);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(cap > INT64_MAX ? INT64_MAX : cap));
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ctl_version *v = &out[(*out_n)++];
        memset(v, 0, sizeof(*v));
        v->n = (uint64_t)sqlite3_column_int64(st, 0);
        v->uid = sqlite3_column_int64(st, 1);
        v->at = sqlite3_column_int64(st, 2);
        const unsigned char *c = sqlite3_column_text(st, 3);
        snprintf(v->comment, sizeof(v->comment), "%s", c != NULL ? (const char *)c : "");
    }
    rc = step == SQLITE_DONE ? 0 : RL_EIO;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ss->lock);
    return rc;
}

static int
st_watch(struct ctl_store *s, uint64_t *out_n, uint64_t after_n, int timeout_ms)
{
    struct sqlite_store *ss = from(s);
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    int64_t end_ns = (int64_t)end.tv_sec * 1000000000 + end.tv_nsec + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&ss->lock);
    int rc = RL_EAGAIN;
    for (;;) {
        int64_t n = newest(ss->db);
        if (n < 0) {
            rc = RL_EIO;
            break;
        }
        if ((uint64_t)n > after_n) {
            *out_n = (uint64_t)n;
            rc = 0;
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
        if (now_ns >= end_ns) {
            break;
        }
        /* A commit through this handle wakes us at once; one by another
         * process is seen at the next poll. */
        int64_t wake_ns = now_ns + WATCH_POLL_MS * 1000000LL;
        wake_ns = wake_ns < end_ns ? wake_ns : end_ns;
        struct timespec wake = {.tv_sec = wake_ns / 1000000000, .tv_nsec = wake_ns % 1000000000};
        (void)pthread_cond_timedwait(&ss->committed, &ss->lock, &wake);
    }
    pthread_mutex_unlock(&ss->lock);
    return rc;
}

static void
st_free(struct ctl_store *s)
{
    if (s == NULL) {
        return;
    }
    struct sqlite_store *ss = from(s);
    sqlite3_close(ss->db);
    pthread_mutex_destroy(&ss->lock);
    pthread_cond_destroy(&ss->committed);
    free(ss);
}

static const struct ctl_store_ops sqlite_ops = {
    .current = st_current,
    .get = st_get,
    .commit_if = st_commit_if,
    .history = st_history,
    .watch = st_watch,
    .free = st_free,
};

/* schema creates the table on a new database and refuses a newer one. */
static int
schema(sqlite3 *db, struct rl_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int have = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        have = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    if (have < 0) {
        return rl_diag_set(diag, "state", "cannot read the schema version: %s", sqlite3_errmsg(db));
    }
    if (have > SCHEMA_VERSION) {
        return rl_diag_set(diag, "state", "schema version %d is newer than this program's %d", have,
                           SCHEMA_VERSION);
    }
    if (have == SCHEMA_VERSION) {
        return 0;
    }
    if (exec(db, "BEGIN IMMEDIATE; "
                 "CREATE TABLE IF NOT EXISTS versions (n INTEGER PRIMARY KEY, "
                 "uid INTEGER NOT NULL, at INTEGER NOT NULL, comment TEXT NOT NULL, "
                 "doc TEXT NOT NULL); "
                 "PRAGMA user_version = 1; COMMIT") != 0) {
        (void)exec(db, "ROLLBACK");
        return rl_diag_set(diag, "state", "cannot create the schema: %s", sqlite3_errmsg(db));
    }
    return 0;
}

int
ctl_store_sqlite_open(struct ctl_store **out_store, struct rl_diag *diag, const char *path)
{
    struct sqlite_store *ss = calloc(1, sizeof(*ss));
    if (ss == NULL) {
        return RL_ENOMEM;
    }
    ss->base.ops = &sqlite_ops;
    pthread_mutex_init(&ss->lock, NULL);
    pthread_cond_init(&ss->committed, NULL);
    int rc = RL_EIO;
    if (sqlite3_open_v2(path, &ss->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rl_diag_set(diag, "state", "%s: %s", path,
                    ss->db != NULL ? sqlite3_errmsg(ss->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(ss->db, 5000);
    /* WAL: a commit is one append to the log; FULL: fsync at every commit,
     * so a committed version survives a power cut, not only a crash. */
    sqlite3_stmt *st = NULL;
    const char *mode = "";
    if (sqlite3_prepare_v2(ss->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        mode = (const char *)sqlite3_column_text(st, 0);
    }
    bool wal = mode != NULL && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) {
        rl_diag_set(diag, "state", "%s: cannot use WAL: %s", path, sqlite3_errmsg(ss->db));
        goto fail;
    }
    if (exec(ss->db, "PRAGMA synchronous = FULL") != 0) {
        rl_diag_set(diag, "state", "%s: %s", path, sqlite3_errmsg(ss->db));
        goto fail;
    }
    if (schema(ss->db, diag) != 0) {
        goto fail;
    }
    st = NULL;
    const char *verdict = NULL;
    if (sqlite3_prepare_v2(ss->db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        verdict = (const char *)sqlite3_column_text(st, 0);
    }
    bool ok = verdict != NULL && strcmp(verdict, "ok") == 0;
    if (!ok) {
        rl_diag_set(diag, "state", "%s: integrity check failed: %s", path,
                    verdict != NULL ? verdict : sqlite3_errmsg(ss->db));
    }
    sqlite3_finalize(st);
    if (!ok) {
        goto fail;
    }
    *out_store = &ss->base;
    return 0;
fail:
    st_free(&ss->base);
    return rc;
}
