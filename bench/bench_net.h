/* SPDX-License-Identifier: Apache-2.0 */
/* Socket helpers of the SMTP load tools: address parsing, non-blocking
 * listening and connecting sockets, whole-file writes. Kernel sockets only;
 * callable from any thread. */
#ifndef BENCH_NET_H
#define BENCH_NET_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "rl_error.h"

/* An endpoint: what connect(2) and bind(2) take. */
struct bench_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    char text[64]; /* as given, for messages and reports */
};

/* bench_addr_parse reads "a.b.c.d:port", "[v6]:port" or "name:port" (names
 * through getaddrinfo, first result) into *out. Returns 0 or RL_EINVAL with
 * `diag` saying why. */
int bench_addr_parse(struct bench_addr *out, struct rl_diag *diag, const char *text);

/* bench_net_listen returns a non-blocking, close-on-exec TCP socket
 * listening on `a` (SO_REUSEADDR, backlog 1024), or -1 with errno set. */
int bench_net_listen(const struct bench_addr *a);

/* bench_net_connect starts a non-blocking connect to `a` with TCP_NODELAY
 * set. Returns the socket (the connection may still be in progress: wait
 * for it to become writable, then check bench_net_error), or -1 with errno
 * set. */
int bench_net_connect(const struct bench_addr *a);

/* bench_net_error returns the pending error of socket `fd` (SO_ERROR): 0 once
 * a connect succeeded. */
int bench_net_error(int fd);

/* bench_file_write_atomic replaces the file `path` with the `len` bytes at
 * `data`: it writes "<path>.tmp" and renames it over `path`, so a reader sees
 * the old or the new content, never a part. Returns 0 or RL_EIO. */
int bench_file_write_atomic(const char *path, const void *data, size_t len);

/* bench_file_write writes `len` bytes to the new file `path` (mode 0644,
 * truncated if it exists). Returns 0 or RL_EIO. */
int bench_file_write(const char *path, const void *data, size_t len);

/* bench_file_writev is bench_file_write of the `n` pieces of `iov` one after
 * the other. Returns 0 or RL_EIO. */
int bench_file_writev(const char *path, const struct iovec *iov, unsigned n);

#endif
