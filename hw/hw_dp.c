/* SPDX-License-Identifier: Apache-2.0 */
/* The topology check redlined runs at start: listen addresses to the
 * interfaces holding them (getifaddrs), interfaces to NICs (hwloc), then
 * hw_layout_check. Main thread, start-up only. */
#include "hw_dp.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_check.h"
#include "hw_topo.h"

struct hw_dp {
    struct hw_topo *topo; /* NULL when it could not be read */
    struct hw_findings findings;
    char unread[HW_FINDING_MAX]; /* why the topology could not be read */
    char names[HW_CHECK_MAX_NICS][IF_NAMESIZE];
};

/* addr_matches tells whether interface address `sa` is the listen address
 * `a` (a wildcard matches every address of its family). */
static bool
addr_matches(const struct sockaddr *sa, const struct io_addr *a)
{
    static const uint8_t zero[16] = {0};
    if (sa->sa_family == AF_INET && a->family == IO_AF_INET4) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return memcmp(a->ip, zero, 4) == 0 || memcmp(&in->sin_addr, a->ip, 4) == 0;
    }
    if (sa->sa_family == AF_INET6 && a->family == IO_AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return memcmp(a->ip, zero, 16) == 0 || memcmp(&in6->sin6_addr, a->ip, 16) == 0;
    }
    return false;
}

/* listen_nics puts the interfaces carrying cfg's listeners that the
 * topology knows as NICs into `l` (names copied into hw->names). */
static void
listen_nics(struct hw_dp *hw, struct hw_layout *l, const struct dp_config *cfg)
{
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) != 0) {
        return;
    }
    for (const struct ifaddrs *ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
        /* an IPv4 alias is labelled "eth0:1": its interface is eth0 */
        char name[IF_NAMESIZE];
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(ifa->ifa_name, ":"), ifa->ifa_name);
        if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_UP) == 0 ||
            hw_topo_nic_find(hw->topo, name) == NULL) {
            continue;
        }
        bool serves = false;
        for (uint32_t k = 0; k < cfg->boot.n_listen && !serves; k++) {
            serves = addr_matches(ifa->ifa_addr, &cfg->boot.listen[k]);
        }
        bool known = false;
        for (uint32_t k = 0; k < l->n_nics && !known; k++) {
            known = strcmp(l->nics[k], name) == 0;
        }
        if (serves && !known && l->n_nics < HW_CHECK_MAX_NICS) {
            snprintf(hw->names[l->n_nics], IF_NAMESIZE, "%s", name);
            l->nics[l->n_nics] = hw->names[l->n_nics];
            l->n_nics++;
        }
    }
    freeifaddrs(all);
}

struct hw_dp *
hw_dp_new(const struct dp_config *cfg)
{
    struct hw_dp *hw = calloc(1, sizeof(*hw));
    if (hw == NULL) {
        return NULL;
    }
    struct rl_diag diag = {{0}, {0}};
    if (hw_topo_load(&hw->topo, &diag, HW_SRC_THIS, NULL, NULL) != 0) {
        snprintf(hw->unread, sizeof(hw->unread), "topology: %.150s; the core layout is not checked",
                 diag.reason);
        return hw;
    }
    struct hw_layout l = {.n_workers = cfg->boot.workers};
    for (uint32_t i = 0; i < cfg->boot.workers && i < HW_CHECK_MAX_WORKERS; i++) {
        l.cpus[i] = cfg->boot.cores[i];
    }
    listen_nics(hw, &l, cfg);
    hw_layout_check(&hw->findings, hw->topo, &l);
    return hw;
}

size_t
hw_dp_n_warnings(const struct hw_dp *hw)
{
    if (hw == NULL) {
        return 0;
    }
    return hw->topo == NULL ? 1 : hw->findings.n;
}

const char *
hw_dp_warning(const struct hw_dp *hw, size_t i)
{
    return hw->topo == NULL ? hw->unread : hw->findings.f[i].text;
}

void
hw_dp_bind_worker(struct hw_dp *hw, const struct dp_config *cfg, int i)
{
    if (hw == NULL || hw->topo == NULL) {
        return;
    }
    int cpu = i >= 0 && (uint32_t)i < cfg->boot.workers ? cfg->boot.cores[i] : -1;
    (void)hw_topo_bind_memory(hw->topo, cpu);
}

void
hw_dp_free(struct hw_dp *hw)
{
    if (hw == NULL) {
        return;
    }
    hw_topo_free(hw->topo);
    free(hw);
}
