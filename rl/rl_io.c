/* SPDX-License-Identifier: Apache-2.0 */
#include "rl_io.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
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
