/* SPDX-License-Identifier: Apache-2.0 */
/* NIC details from sysfs (Documentation/ABI/testing/sysfs-class-net and
 * sysfs-bus-pci): /sys/bus/pci/devices/ADDR/driver, /sys/class/net/IF/
 * {queues,speed,operstate}. Start-up code; one thread. */
#include "hw_sysfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw_parse.h"

/* read_small reads at most `cap - 1` bytes of the file at `path` into
 * `buf`, NUL terminated. Returns the length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    buf[n] = '\0';
    return n;
}

static void
read_driver(struct hw_nic *nic, const char *root)
{
    char path[512];
    char target[512];
    snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root, nic->pci);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0) {
        return; /* no driver bound */
    }
    target[n] = '\0';
    const char *slash = strrchr(target, '/');
    snprintf(nic->driver, sizeof(nic->driver), "%.63s", slash != NULL ? slash + 1 : target);
    nic->vfio = strcmp(nic->driver, "vfio-pci") == 0;
}

/* count_queues counts the rx-N and tx-N entries of /sys/class/net/IF/queues. */
static void
count_queues(struct hw_nic *nic, const char *root)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/class/net/%s/queues", root, nic->name);
    DIR *d = opendir(path);
    if (d == NULL) {
        return;
    }
    int32_t rx = 0;
    int32_t tx = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        rx += strncmp(e->d_name, "rx-", 3) == 0 ? 1 : 0;
        tx += strncmp(e->d_name, "tx-", 3) == 0 ? 1 : 0;
    }
    closedir(d);
    nic->rx_queues = rx;
    nic->tx_queues = tx;
}

void
hw_sysfs_nic(struct hw_nic *nic, const char *root)
{
    char path[512];
    char buf[64];
    nic->driver[0] = '\0';
    nic->vfio = false;
    nic->rx_queues = nic->tx_queues = -1;
    nic->speed_mbps = -1;
    nic->up = -1;
    read_driver(nic, root);
    if (nic->name[0] == '\0') {
        return;
    }
    count_queues(nic, root);
    /* reading speed fails (EINVAL) while the link is down; -1 means unknown */
    snprintf(path, sizeof(path), "%s/class/net/%s/speed", root, nic->name);
    ssize_t n = read_small(path, buf, sizeof(buf));
    int64_t v;
    if (n > 0 && hw_parse_int(&v, buf, (size_t)n) && v > 0 && v <= INT32_MAX) {
        nic->speed_mbps = (int32_t)v;
    }
    snprintf(path, sizeof(path), "%s/class/net/%s/operstate", root, nic->name);
    n = read_small(path, buf, sizeof(buf));
    if (n > 0) {
        buf[strcspn(buf, "\n")] = '\0';
        nic->up = strcmp(buf, "up") == 0 ? 1 : strcmp(buf, "down") == 0 ? 0 : -1;
    }
}
