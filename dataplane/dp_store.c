/* SPDX-License-Identifier: Apache-2.0 */
/* The quarantine store on disk: durable writes (write, fsync, a move that
 * never replaces, fsync the directory, so a crash leaves either no file in
 * new/ or a complete one), listing, reading, durable removal, the recovery
 * of tmp/ and the free-space watcher. */
#include "dp_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "rl_io.h"

/* mkdir_p creates `path` and any missing parent (parents 0755, the store
 * itself 0700). */
static int
mkdir_p(const char *path)
{
    char p[4200];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(p)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (p[i] == '/') {
            p[i] = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            p[i] = '/';
        }
    }
    return mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int
dp_store_prepare(const char *dir, int *out_errno)
{
    char p[4200];
    /* Quarantined originals are unredacted: the directories are the
     * dataplane's alone, whatever mode an earlier run left (issue 13). */
    int ok = mkdir_p(dir) == 0 && chmod(dir, 0700) == 0 &&
             snprintf(p, sizeof(p), "%s/tmp", dir) < (int)sizeof(p) && mkdir_p(p) == 0 &&
             chmod(p, 0700) == 0 && snprintf(p, sizeof(p), "%s/new", dir) < (int)sizeof(p) &&
             mkdir_p(p) == 0 && chmod(p, 0700) == 0;
    if (!ok) {
        *out_errno = errno;
        return RL_EIO;
    }
    return 0;
}

bool
dp_store_id_ok(const char *id)
{
    if (id[0] == '\0' || id[0] == '.' || strlen(id) > 128) {
        return false;
    }
    for (const char *c = id; *c != '\0'; c++) {
        bool good = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!good) {
            return false;
        }
    }
    return true;
}

/* sync_dir makes a rename or unlink in `dir` durable. */
static int
sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return -1;
    }
    int rc = fsync(dfd);
    int saved = errno;
    close(dfd);
    errno = saved;
    return rc;
}

int
dp_store_recover(const char *dir, unsigned *out_removed, int *out_errno)
{
    char tmpdir[4400], path[4700];
    *out_removed = 0;
    if (snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir) >= (int)sizeof(tmpdir)) {
        *out_errno = ENAMETOOLONG;
        return RL_EIO;
    }
    DIR *d = opendir(tmpdir);
    if (d == NULL) {
        *out_errno = errno;
        return RL_EIO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
        if (unlink(path) == 0) {
            (*out_removed)++;
        }
    }
    closedir(d);
    return 0;
}

uint64_t
dp_store_free(const char *path)
{
    struct statvfs sv;
    if (statvfs(path, &sv) != 0) {
        return UINT64_MAX;
    }
    return (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
}

/* move_noreplace moves `from` to `to` unless `to` exists (EEXIST). */
static int
move_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return -1;
    }
    /* A file system without RENAME_NOREPLACE: link() never replaces either;
     * a crash between the two calls leaves tmp/ to dp_store_recover. */
    if (link(from, to) != 0) {
        return -1;
    }
    (void)unlink(from);
    return 0;
}

int
dp_store_put(const char *dir, const char *id, const char *meta, size_t meta_len, const uint8_t *msg,
             size_t msg_len, uint64_t reserve, int *out_errno)
{
    if (!dp_store_id_ok(id)) {
        return RL_EINVAL;
    }
    /* Postfix's queue_minfree: keep the reserve, refuse before the disk is full. */
    uint64_t avail = dp_store_free(dir);
    if (avail != UINT64_MAX && (avail < reserve || avail - reserve < meta_len + 1 + msg_len)) {
        *out_errno = ENOSPC;
        return RL_ELIMIT;
    }
    char tmp[4400], dst[4400], newdir[4400];
    if (snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, id) >= (int)sizeof(tmp) ||
        snprintf(dst, sizeof(dst), "%s/new/%s.msg", dir, id) >= (int)sizeof(dst) ||
        snprintf(newdir, sizeof(newdir), "%s/new", dir) >= (int)sizeof(newdir)) {
        *out_errno = ENAMETOOLONG;
        return RL_EIO;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    if (rl_write_all(fd, meta, meta_len) != 0 || rl_write_all(fd, "\n", 1) != 0 ||
        rl_write_all(fd, msg, msg_len) != 0 || fsync(fd) != 0) {
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (move_noreplace(tmp, dst) != 0) {
        goto fail;
    }
    /* The rename is durable only once the directory itself is synced. */
    if (sync_dir(newdir) != 0) {
        *out_errno = errno;
        (void)unlink(dst);
        return RL_EIO;
    }
    return 0;
fail:
    *out_errno = errno;
    if (fd >= 0) {
        close(fd);
    }
    (void)unlink(tmp);
    return RL_EIO;
}

int
dp_store_list(const char *dir, int (*fn)(void *ctx, const char *id), void *ctx, int *out_errno)
{
    char newdir[4400];
    if (snprintf(newdir, sizeof(newdir), "%s/new", dir) >= (int)sizeof(newdir)) {
        *out_errno = ENAMETOOLONG;
        return RL_EIO;
    }
    DIR *d = opendir(newdir);
    if (d == NULL) {
        *out_errno = errno;
        return RL_EIO;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".msg") != 0) {
            continue;
        }
        char id[132];
        if (len - 4 >= sizeof(id)) {
            continue;
        }
        memcpy(id, e->d_name, len - 4);
        id[len - 4] = '\0';
        if (dp_store_id_ok(id)) {
            rc = fn(ctx, id);
        }
    }
    closedir(d);
    return rc;
}

/* msg_path writes `dir`/new/`id`.msg to `out`. */
static int
msg_path(char *out, size_t cap, const char *dir, const char *id, int *out_errno)
{
    if (!dp_store_id_ok(id)) {
        return RL_EINVAL;
    }
    if (snprintf(out, cap, "%s/new/%s.msg", dir, id) >= (int)cap) {
        *out_errno = ENAMETOOLONG;
        return RL_EIO;
    }
    return 0;
}

int
dp_store_get(const char *dir, const char *id, size_t max_len, uint8_t **out_file,
             size_t *out_file_len, size_t *out_meta_len, size_t *out_msg_len, int *out_errno)
{
    char path[4400];
    int rc = msg_path(path, sizeof(path), dir, id, out_errno);
    if (rc != 0) {
        return rc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *out_errno = errno;
        return errno == ENOENT ? RL_ENOENT : RL_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *out_errno = errno;
        close(fd);
        return RL_EIO;
    }
    size_t whole = (size_t)st.st_size;
    size_t len = whole < max_len ? whole : max_len;
    uint8_t *file = malloc(len + 1);
    if (file == NULL) {
        close(fd);
        return RL_ENOMEM;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t k = read(fd, file + got, len - got);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            *out_errno = k == 0 ? EIO : errno;
            free(file);
            close(fd);
            return RL_EIO;
        }
        got += (size_t)k;
    }
    close(fd);
    const uint8_t *nl = memchr(file, '\n', len);
    if (nl == NULL || nl == file || file[0] != '{') {
        free(file);
        return RL_ESYNTAX;
    }
    *out_file = file;
    *out_file_len = len;
    *out_meta_len = (size_t)(nl - file);
    *out_msg_len = whole - *out_meta_len - 1;
    return 0;
}

int
dp_store_remove(const char *dir, const char *id, int *out_errno)
{
    char path[4400], newdir[4400];
    int rc = msg_path(path, sizeof(path), dir, id, out_errno);
    if (rc != 0) {
        return rc;
    }
    if (unlink(path) != 0) {
        *out_errno = errno;
        return errno == ENOENT ? RL_ENOENT : RL_EIO;
    }
    snprintf(newdir, sizeof(newdir), "%s/new", dir);
    if (sync_dir(newdir) != 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    return 0;
}

static struct {
    char (*dirs)[4096];
    unsigned n;
    uint64_t reserve;
    pthread_t thread;
    bool running;
    int stop;
    int low; /* atomic: a directory was below the reserve at the last look */
} watch;

/* watcher looks at every directory every DP_STORE_WATCH_MS. */
static void *
watcher(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&watch.stop, __ATOMIC_ACQUIRE)) {
        int low = 0;
        for (unsigned i = 0; i < watch.n; i++) {
            low |= dp_store_free(watch.dirs[i]) < watch.reserve;
        }
        __atomic_store_n(&watch.low, low, __ATOMIC_RELEASE);
        struct timespec ts = {0, DP_STORE_WATCH_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int
dp_store_watch_start(const char *const *dirs, unsigned n, uint64_t reserve, int *out_errno)
{
    watch.dirs = calloc(n > 0 ? n : 1, sizeof(*watch.dirs));
    if (watch.dirs == NULL) {
        *out_errno = ENOMEM;
        return RL_EIO;
    }
    for (unsigned i = 0; i < n; i++) {
        snprintf(watch.dirs[i], sizeof(watch.dirs[i]), "%s", dirs[i]);
    }
    watch.n = n;
    watch.reserve = reserve;
    watch.stop = 0;
    int low = 0;
    for (unsigned i = 0; i < n; i++) {
        low |= dp_store_free(watch.dirs[i]) < reserve;
    }
    watch.low = low;
    if (pthread_create(&watch.thread, NULL, watcher, NULL) != 0) {
        *out_errno = errno;
        free(watch.dirs);
        watch.dirs = NULL;
        return RL_EIO;
    }
    watch.running = true;
    return 0;
}

bool
dp_store_low(void)
{
    return __atomic_load_n(&watch.low, __ATOMIC_ACQUIRE) != 0;
}

void
dp_store_watch_stop(void)
{
    if (!watch.running) {
        return;
    }
    __atomic_store_n(&watch.stop, 1, __ATOMIC_RELEASE);
    pthread_join(watch.thread, NULL);
    free(watch.dirs);
    watch.dirs = NULL;
    watch.running = false;
}
