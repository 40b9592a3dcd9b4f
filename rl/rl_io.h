/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking writes for the threads that may block: the logger, the control
 * socket, the quarantine store and the CLI. Never on a worker's network path. */
#ifndef RL_IO_H
#define RL_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

/* rl_write_all writes `len` octets at `data` to `fd`, a file or a socket
 * (a peer gone from a socket is an error, never SIGPIPE), going on after
 * EINTR and short writes. Returns 0, or -1 with errno set. */
int rl_write_all(int fd, const void *data, size_t len);

/* rl_unix_listen creates a listening Unix stream socket at `path` (an old
 * socket file there is replaced), mode 0660 from the moment it exists, its
 * group changed to `group` unless that is (gid_t)-1, before it listens: no
 * moment where others could connect. Returns the descriptor (close-on-exec),
 * or -1 with errno set (ENAMETOOLONG for an empty or too long path). */
int rl_unix_listen(const char *path, int backlog, gid_t group);

/* A control socket served by one thread of its own: `serve(arg)` accepts on
 * `fd` until accept fails, which rl_unix_server_quiesce causes. */
struct rl_unix_server {
    int fd;
    pthread_t thread;
    bool running;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* rl_unix_server_start listens at `path` (rl_unix_listen) and starts the
 * thread. Returns 0, or -1 with errno set and nothing left open. */
int rl_unix_server_start(struct rl_unix_server *s, const char *path, int backlog, gid_t group,
                         void *(*serve)(void *), void *arg);

/* rl_unix_server_quiesce makes the accept loop end and joins its thread;
 * clients already accepted are the caller's. Call only while running. */
void rl_unix_server_quiesce(struct rl_unix_server *s);

/* rl_unix_server_close closes the socket and removes its file. */
void rl_unix_server_close(struct rl_unix_server *s);

#endif
