/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel-socket io_backend: one epoll instance per worker, non-blocking
 * TCP sockets, edge-triggered readiness. Handles are file descriptors. Owns
 * every descriptor it returns until close; used by one worker thread only. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_backend.h"

struct io_kernel {
    struct io_backend be; /* first: io_backend pointers convert to io_kernel */
    int epfd;
    int wakefd; /* eventfd in the epoll set: k_wake */
};

#define WAKE_COOKIE UINT64_MAX /* the eventfd's events: no handle has it */

static struct io_kernel *
kern(struct io_backend *be)
{
    return (struct io_kernel *)(void *)be;
}

static socklen_t
to_sockaddr(struct sockaddr_storage *ss, const struct io_addr *a)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == IO_AF_INET4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a->port);
        memcpy(&sin->sin_addr, a->ip, 4);
        return sizeof(*sin);
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(a->port);
    memcpy(&sin6->sin6_addr, a->ip, 16);
    return sizeof(*sin6);
}

static void
from_sockaddr(struct io_addr *a, const struct sockaddr_storage *ss)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ss;
        a->family = IO_AF_INET4;
        a->port = ntohs(sin->sin_port);
        memcpy(a->ip, &sin->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)ss;
        a->family = IO_AF_INET6;
        a->port = ntohs(sin6->sin6_port);
        memcpy(a->ip, &sin6->sin6_addr, 16);
    }
}

/* watch adds `fd` to the epoll set, edge-triggered for both directions. */
static int
watch(struct io_kernel *k, int fd, uint64_t cookie)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = cookie};
    return epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
tune(int fd)
{
    int one = 1;
    /* SMTP replies are small and latency bound: never wait for Nagle. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
k_listen(struct io_backend *be, uint32_t *out_h, int *out_detail, const struct io_addr *addr,
         uint64_t cookie)
{
    struct io_kernel *k = kern(be);
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(&ss, addr);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *out_detail = errno;
        return RL_EIO;
    }
    int one = 1;
    /* Each worker owns a listener on the same port: the kernel spreads new
     * connections over them, and a connection never changes core. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0 ||
        watch(k, fd, cookie) != 0) {
        *out_detail = errno;
        close(fd);
        return RL_EIO;
    }
    *out_h = (uint32_t)fd;
    return 0;
}

int
io_kernel_listen_free(const struct io_addr *addr, int *out_errno)
{
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(&ss, addr);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    int one = 1;
    /* SO_REUSEADDR only: SO_REUSEPORT would join another process's group
     * (same user) and take a share of its connections (issue 13). */
    int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (rc == 0) {
        rc = bind(fd, (struct sockaddr *)&ss, sl);
    }
    *out_errno = errno;
    close(fd);
    return rc == 0 ? 0 : RL_EIO;
}

static int
k_accept(struct io_backend *be, uint32_t *out_h, struct io_addr *out_peer, uint32_t lh,
         uint64_t cookie)
{
    struct io_kernel *k = kern(be);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4((int)lh, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return RL_EAGAIN;
        }
        /* ECONNABORTED and friends concern one connection, not the listener. */
        return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM ? RL_ENOMEM
                                                                                         : RL_EIO;
    }
    tune(fd);
    if (watch(k, fd, cookie) != 0) {
        close(fd);
        return RL_ENOMEM;
    }
    from_sockaddr(out_peer, &ss);
    *out_h = (uint32_t)fd;
    return 0;
}

static int
k_connect(struct io_backend *be, uint32_t *out_h, const struct io_addr *addr, uint64_t cookie)
{
    struct io_kernel *k = kern(be);
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(&ss, addr);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return RL_EIO;
    }
    tune(fd);
    if ((connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) ||
        watch(k, fd, cookie) != 0) {
        close(fd);
        return RL_EIO;
    }
    *out_h = (uint32_t)fd;
    return 0;
}

static int
k_read(struct io_backend *be, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap)
{
    (void)be;
    *out_n = 0;
    ssize_t n = recv((int)h, buf, cap, 0);
    if (n >= 0) {
        *out_n = (size_t)n;
        return 0;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? RL_EAGAIN : RL_EIO;
}

static int
k_write(struct io_backend *be, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len)
{
    (void)be;
    *out_n = 0;
    /* MSG_NOSIGNAL: a peer that went away is an error code, not SIGPIPE. */
    ssize_t n = send((int)h, buf, len, MSG_NOSIGNAL);
    if (n > 0) {
        *out_n = (size_t)n;
        return 0;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? RL_EAGAIN
                                                                                : RL_EIO;
}

static void
k_close(struct io_backend *be, uint32_t h)
{
    (void)be;
    close((int)h); /* also leaves the epoll set */
}

static size_t
k_poll(struct io_backend *be, struct io_event *out, size_t cap, int timeout_ms)
{
    struct io_kernel *k = kern(be);
    struct epoll_event evs[256];
    int max = cap < 256 ? (int)cap : 256;
    int n = epoll_wait(k->epfd, evs, max, timeout_ms);
    if (n <= 0) {
        return 0;
    }
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u64 == WAKE_COOKIE) {
            uint64_t v;
            if (read(k->wakefd, &v, sizeof(v)) < 0) {
                /* EAGAIN: another poll read it first; either way, reset */
            }
            continue;
        }
        uint32_t e = evs[i].events, f = 0;
        if (e & (EPOLLIN | EPOLLRDHUP)) {
            f |= IO_READABLE;
        }
        if (e & EPOLLOUT) {
            f |= IO_WRITABLE;
        }
        if (e & (EPOLLHUP | EPOLLERR)) {
            f |= IO_HANGUP | IO_READABLE | IO_WRITABLE;
        }
        out[kept].cookie = evs[i].data.u64;
        out[kept].flags = f;
        kept++;
    }
    return (size_t)kept;
}

static void
k_wake(struct io_backend *be)
{
    uint64_t one = 1;
    if (write(kern(be)->wakefd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is full, so a wake is pending anyway */
    }
}

static void
k_free(struct io_backend *be)
{
    if (be == NULL) {
        return;
    }
    struct io_kernel *k = kern(be);
    close(k->epfd);
    close(k->wakefd);
    free(k);
}

static const struct io_backend_ops kernel_ops = {
    .name = "kernel",
    .listen = k_listen,
    .accept = k_accept,
    .connect = k_connect,
    .read = k_read,
    .write = k_write,
    .close = k_close,
    .poll = k_poll,
    .free = k_free,
    .wake = k_wake,
};

static int
kernel_create(struct io_backend **out_be, const void *arg)
{
    (void)arg;
    struct io_kernel *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return RL_ENOMEM;
    }
    k->epfd = epoll_create1(EPOLL_CLOEXEC);
    k->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_COOKIE};
    if (k->epfd < 0 || k->wakefd < 0 || epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->wakefd, &ev) != 0) {
        if (k->epfd >= 0) {
            close(k->epfd);
        }
        if (k->wakefd >= 0) {
            close(k->wakefd);
        }
        free(k);
        return RL_EIO;
    }
    k->be.ops = &kernel_ops;
    *out_be = &k->be;
    return 0;
}

const struct io_backend_kind io_kernel_kind = {.name = "kernel", .create = kernel_create};
