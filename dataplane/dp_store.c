/* SPDX-License-Identifier: Apache-2.0 */
/* Durable quarantine writes: write, fsync, rename, fsync the directory, so a
 * crash leaves either no file in new/ or a complete one. */
#include "dp_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    int ok = mkdir_p(dir) == 0 && snprintf(p, sizeof(p), "%s/tmp", dir) < (int)sizeof(p) &&
             mkdir_p(p) == 0 && snprintf(p, sizeof(p), "%s/new", dir) < (int)sizeof(p) &&
             mkdir_p(p) == 0;
    if (!ok) {
        *out_errno = errno;
        return RL_EIO;
    }
    return 0;
}

static bool
id_ok(const char *id)
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

static int
write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int
dp_store_put(const char *dir, const char *id, const char *meta, size_t meta_len, const uint8_t *msg,
             size_t msg_len, int *out_errno)
{
    if (!id_ok(id)) {
        return RL_EINVAL;
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
    if (write_all(fd, meta, meta_len) != 0 || write_all(fd, "\n", 1) != 0 ||
        write_all(fd, msg, msg_len) != 0 || fsync(fd) != 0) {
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, dst) != 0) {
        goto fail;
    }
    /* The rename is durable only once the directory itself is synced. */
    int dfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        *out_errno = errno;
        if (dfd >= 0) {
            close(dfd);
        }
        (void)unlink(dst);
        return RL_EIO;
    }
    close(dfd);
    return 0;
fail:
    *out_errno = errno;
    if (fd >= 0) {
        close(fd);
    }
    (void)unlink(tmp);
    return RL_EIO;
}
