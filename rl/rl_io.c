/* SPDX-License-Identifier: Apache-2.0 */
#include "rl_io.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
rl_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    bool sock = true;
    while (len > 0) {
        ssize_t k = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (k < 0 && sock && errno == ENOTSOCK) {
            sock = false;
            continue;
        }
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            if (k == 0) {
                errno = EIO;
            }
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int
rl_unix_listen(const char *path, int backlog, gid_t group)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t pl = strlen(path);
    if (pl == 0 || pl >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, pl + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    (void)unlink(path);
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if ((group != (gid_t)-1 && chown(path, (uid_t)-1, group) != 0) || listen(fd, backlog) != 0) {
        int e = errno;
        close(fd);
        (void)unlink(path);
        errno = e;
        return -1;
    }
    return fd;
}

int
rl_unix_server_start(struct rl_unix_server *s, const char *path, int backlog, gid_t group,
                     void *(*serve)(void *), void *arg)
{
    s->fd = rl_unix_listen(path, backlog, group);
    if (s->fd < 0) {
        return -1;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    int rc = pthread_create(&s->thread, NULL, serve, arg);
    if (rc != 0) {
        close(s->fd);
        (void)unlink(s->path);
        s->fd = -1;
        errno = rc;
        return -1;
    }
    s->running = true;
    return 0;
}

void
rl_unix_server_quiesce(struct rl_unix_server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
}

void
rl_unix_server_close(struct rl_unix_server *s)
{
    close(s->fd);
    (void)unlink(s->path);
    s->fd = -1;
    s->running = false;
}
