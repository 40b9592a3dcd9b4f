/* SPDX-License-Identifier: Apache-2.0 */
/* The instance lock (flock on a file in the quarantine directory) and the
 * listener check. flock, not fcntl locks: it belongs to the open file and
 * survives daemon()'s fork; the kernel drops it when the process dies, even
 * by kill -9, so a restart never finds a stale lock. */
#include "dp_instance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "io_backend.h"

int
dp_instance_lock(int *out_fd, struct rl_diag *diag, const char *field, const char *dir)
{
    char path[4200];
    if (snprintf(path, sizeof(path), "%s/%s", dir, DP_INSTANCE_LOCK) >= (int)sizeof(path)) {
        rl_diag_set(diag, field, "path too long");
        return RL_EIO;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rl_diag_set(diag, field, "cannot open %s: %s", path, strerror(errno));
        return RL_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[24] = "";
        ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (err == EWOULDBLOCK) {
            rl_diag_set(diag, field,
                        "%s is in use by another redlined (pid %s): one instance per "
                        "directory",
                        dir, pid[0] != '\0' ? pid : "unknown");
        } else {
            rl_diag_set(diag, field, "cannot lock %s: %s", path, strerror(err));
        }
        return RL_EIO;
    }
    dp_instance_note_pid(fd);
    *out_fd = fd;
    return 0;
}

void
dp_instance_note_pid(int fd)
{
    char pid[24];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0) {
        (void)!pwrite(fd, pid, (size_t)n, 0);
    }
}

int
dp_instance_check_listeners(const struct dp_config *cfg, struct rl_diag *diag)
{
    for (uint32_t i = 0; i < cfg->boot.n_listen; i++) {
        int err = 0;
        if (io_kernel_listen_free(&cfg->boot.listen[i], &err) == 0) {
            continue;
        }
        char a[IO_ADDR_STRLEN];
        io_addr_format(a, sizeof(a), &cfg->boot.listen[i]);
        if (err == EADDRINUSE) {
            rl_diag_set(diag, "listen",
                        "%s is already served by another process (a second redlined?); "
                        "refusing to share it",
                        a);
        } else {
            rl_diag_set(diag, "listen", "cannot listen on %s: %s", a, strerror(err));
        }
        return RL_EIO;
    }
    return 0;
}
