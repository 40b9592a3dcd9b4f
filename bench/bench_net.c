/* SPDX-License-Identifier: Apache-2.0 */
/* Socket and file helpers of the SMTP load tools (generator and sink): plain
 * system calls, no state. Any thread. */
#include "bench_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
bench_addr_parse(struct bench_addr *out, struct rl_diag *diag, const char *text)
{
    char host[64];
    const char *port;
    const char *colon = strrchr(text, ':');

    memset(out, 0, sizeof(*out));
    if (colon == NULL || colon == text || colon[1] == '\0') {
        return rl_diag_set(diag, "address", "'%s' is not HOST:PORT", text);
    }
    size_t hlen = (size_t)(colon - text);
    const char *h = text;
    if (text[0] == '[') {
        if (hlen < 3 || text[hlen - 1] != ']') {
            return rl_diag_set(diag, "address", "'%s': unbalanced brackets", text);
        }
        h = text + 1;
        hlen -= 2;
    }
    if (hlen >= sizeof(host) || strlen(text) >= sizeof(out->text)) {
        return rl_diag_set(diag, "address", "'%s' is too long", text);
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    port = colon + 1;
    char *end = NULL;
    unsigned long p = strtoul(port, &end, 10);
    if (*end != '\0' || p == 0 || p > 65535) {
        return rl_diag_set(diag, "address", "'%s': bad port", text);
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        return rl_diag_set(diag, "address", "'%s': %s", host, gai_strerror(rc));
    }
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(out->text, sizeof(out->text), "%s", text);
    return 0;
}

int
bench_net_listen(const struct bench_addr *a)
{
    int one = 1;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int
bench_net_connect(const struct bench_addr *a)
{
    int one = 1;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    /* commands are small writes answered one by one: Nagle would add a
     * delayed-ACK wait to every round trip */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int
bench_net_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return errno;
    }
    return err;
}

int
bench_file_writev(const char *path, const struct iovec *iov, unsigned n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return RL_EIO;
    }
    for (unsigned i = 0; i < n; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        while (len > 0) {
            ssize_t w = write(fd, p, len);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                close(fd);
                return RL_EIO;
            }
            p += w;
            len -= (size_t)w;
        }
    }
    return close(fd) == 0 ? 0 : RL_EIO;
}

int
bench_file_write(const char *path, const void *data, size_t len)
{
    /* write(2) only reads the buffer; iovec just has no const member */
    struct iovec v = {.iov_base = (void *)(uintptr_t)data, .iov_len = len};
    return bench_file_writev(path, &v, 1);
}

int
bench_file_write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return RL_EIO;
    }
    int rc = bench_file_write(tmp, data, len);
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = RL_EIO;
    }
    if (rc != 0) {
        (void)unlink(tmp);
    }
    return rc;
}
