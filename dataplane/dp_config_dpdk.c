/* SPDX-License-Identifier: Apache-2.0 */
/* The DPDK backend's settings ("dpdk", docs/CONFIG.md): EAL arguments,
 * ports (a PCI address or a vdev's devargs, the stack's address, gateway
 * and MAC), and their check against the listeners. Parsing only: no DPDK
 * header here, so the configuration library links without DPDK. Start-up
 * code, one thread. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "internal.h"

int
dp_dpdk_eal_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                size_t len)
{
    struct dp_dpdk *d = &cfg->boot.dpdk;
    if (d->n_eal >= DP_DPDK_MAX_EAL) {
        return rl_diag_set(diag, field, "at most %d EAL arguments", DP_DPDK_MAX_EAL);
    }
    if (len == 0 || len >= sizeof(d->eal[0])) {
        return rl_diag_set(diag, field, "an EAL argument has 1 to %zu octets",
                           sizeof(d->eal[0]) - 1);
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return rl_diag_set(diag, field, "holds a control character");
        }
    }
    memcpy(d->eal[d->n_eal], s, len);
    d->eal[d->n_eal][len] = '\0';
    d->n_eal++;
    return 0;
}

int
dp_dpdk_port_ip(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field, const char *s,
                size_t len, bool with_prefix)
{
    char text[32];
    int q = (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len);
    if (len >= sizeof(text)) {
        return rl_diag_set(diag, field, "'%.*s' is not an IPv4 address%s", q, s,
                           with_prefix ? " with its prefix length (a.b.c.d/n)" : "");
    }
    memcpy(text, s, len);
    text[len] = '\0';
    char *slash = strchr(text, '/');
    unsigned bits = 32;
    if (with_prefix) {
        char *end = NULL;
        if (slash == NULL || slash[1] == '\0' || !isdigit((unsigned char)slash[1]) ||
            (bits = (unsigned)strtoul(slash + 1, &end, 10)) < 1 || bits > 32 || *end != '\0') {
            return rl_diag_set(diag, field,
                               "'%.*s' is not an IPv4 address with its prefix length (a.b.c.d/n, "
                               "n from 1 to 32)",
                               q, s);
        }
        *slash = '\0';
    } else if (slash != NULL) {
        return rl_diag_set(diag, field, "'%.*s' is an address, without a prefix length", q, s);
    }
    uint8_t ip[4];
    if (inet_pton(AF_INET, text, ip) != 1) {
        return rl_diag_set(diag, field, "'%.*s' is not an IPv4 address", q, s);
    }
    if (with_prefix) {
        if (ip[0] == 0 || ip[0] >= 224) {
            return rl_diag_set(diag, field, "'%.*s' is not a unicast address", q, s);
        }
        memcpy(port->ip, ip, 4);
        port->prefix_len = (uint8_t)bits;
    } else {
        memcpy(port->gateway, ip, 4);
    }
    return 0;
}

int
dp_dpdk_port_mac(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field, const char *s,
                 size_t len)
{
    unsigned m[6] = {0};
    char text[24];
    int n = 0;
    if (len == 17) {
        memcpy(text, s, len);
        text[len] = '\0';
        if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
                   &n) != 6) {
            n = 0;
        }
    }
    if (n != 17 || (m[0] & 1) != 0 || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0) {
        return rl_diag_set(diag, field,
                           "must be a unicast MAC address written xx:xx:xx:xx:xx:xx, not zero");
    }
    for (int i = 0; i < 6; i++) {
        port->mac[i] = (uint8_t)m[i];
    }
    return 0;
}

int
dp_dpdk_port_device(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field,
                    const char *s, size_t len)
{
    if (len == 0 || len >= sizeof(port->device)) {
        return rl_diag_set(diag, field, "a device has 1 to %zu octets", sizeof(port->device) - 1);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && strchr("_-.:,=/", c) == NULL) {
            return rl_diag_set(diag, field,
                               "must be a PCI address (0000:81:00.0) or a vdev's arguments "
                               "(net_tap0,iface=rl0)");
        }
    }
    memcpy(port->device, s, len);
    port->device[len] = '\0';
    return 0;
}

/* device_name is the part of a device before its first comma: the name
 * DPDK gives the port. */
static size_t
device_name(const char *dev)
{
    const char *comma = strchr(dev, ',');
    return comma != NULL ? (size_t)(comma - dev) : strlen(dev);
}

int
dp_dpdk_check(const struct dp_config *cfg, struct rl_diag *diag)
{
    const struct dp_dpdk *d = &cfg->boot.dpdk;
    char field[48];
    if (d->n_ports == 0) {
        return rl_diag_set(diag, "dpdk.ports", "the dpdk backend needs at least one port");
    }
    for (uint32_t i = 0; i < d->n_ports; i++) {
        const struct dp_dpdk_port *p = &d->ports[i];
        snprintf(field, sizeof(field), "dpdk.ports[%u]", i);
        if (p->device[0] == '\0' || p->prefix_len == 0) {
            return rl_diag_set(diag, field, "needs a device and an address");
        }
        for (uint32_t k = 0; k < i; k++) {
            const struct dp_dpdk_port *o = &d->ports[k];
            size_t n = device_name(p->device);
            if (n == device_name(o->device) && memcmp(p->device, o->device, n) == 0) {
                return rl_diag_set(diag, field, "names the device of dpdk.ports[%u] again", k);
            }
            if (memcmp(p->ip, o->ip, 4) == 0) {
                return rl_diag_set(diag, field, "has the address of dpdk.ports[%u]", k);
            }
        }
    }
    for (uint32_t i = 0; i < cfg->boot.n_listen; i++) {
        const struct io_addr *a = &cfg->boot.listen[i];
        snprintf(field, sizeof(field), "listen[%u]", i);
        if (a->family != IO_AF_INET4) {
            return rl_diag_set(diag, field, "the dpdk backend's stack speaks IPv4 only");
        }
        static const uint8_t wildcard[4] = {0};
        bool any = memcmp(a->ip, wildcard, 4) == 0;
        for (uint32_t k = 0; k < d->n_ports && !any; k++) {
            any = memcmp(a->ip, d->ports[k].ip, 4) == 0;
        }
        if (!any) {
            return rl_diag_set(diag, field,
                               "is neither 0.0.0.0 nor the address of a port in dpdk.ports");
        }
    }
    return 0;
}
