/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket round trip: connect, one line out, read to the end. */
#include "ctl_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "rl_io.h"

int
ctl_client_call(char **out_answer, int *out_errno, const char *path, const char *command,
                int timeout_s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t pl = strlen(path);
    if (pl >= sizeof(sa.sun_path)) {
        return RL_EINVAL;
    }
    memcpy(sa.sun_path, path, pl + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    struct timeval tv = {.tv_sec = timeout_s};
    char *buf = NULL;
    size_t len = 0, cap = 0;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        goto fail;
    }
    /* A server that refuses may answer and close before reading all of the
     * command: its answer is still there to read. */
    if ((rl_write_all(fd, command, strlen(command)) != 0 || rl_write_all(fd, "\n", 1) != 0) &&
        errno != EPIPE && errno != ECONNRESET) {
        goto fail;
    }
    for (;;) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap + 65536);
            if (nb == NULL) {
                goto fail;
            }
            buf = nb;
            cap += 65536;
        }
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                errno = ETIMEDOUT;
            }
            goto fail;
        }
        if (k == 0) {
            break;
        }
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    *out_answer = buf;
    return 0;
fail:
    *out_errno = errno;
    close(fd);
    free(buf);
    return RL_EIO;
}
