/* SPDX-License-Identifier: Apache-2.0 */
/* redlined --check-config (dp_check.h): files and accounts checked, then
 * the configuration described. Reads files; binds nothing. */
#include "dp_check.h"

#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* check_parent refuses a path whose directory does not exist or is not a
 * directory: start-up could not create the file (log, socket) there. */
static int
check_parent(struct rl_diag *diag, const char *field, const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s", path);
    const char *dir = dirname(copy);
    struct stat st;
    if (stat(dir, &st) != 0) {
        return rl_diag_set(diag, field, "%.120s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return rl_diag_set(diag, field, "%.120s is not a directory", dir);
    }
    return 0;
}

/* check_cores refuses a core this process may not run on: its worker would
 * fail to pin itself at start. */
static int
check_cores(struct rl_diag *diag, const struct dp_config *cfg)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
        return rl_diag_set(diag, "cores", "cannot read the CPUs allowed: %s", strerror(errno));
    }
    for (uint32_t i = 0; i < cfg->boot.workers; i++) {
        int c = cfg->boot.cores[i];
        if (c >= 0 && (c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))) {
            return rl_diag_set(diag, "cores",
                               "CPU %d of worker %u is not one this process may run on "
                               "(%d allowed)",
                               c, i, CPU_COUNT(&allowed));
        }
    }
    return 0;
}

/* describe_dpdk prints the DPDK backend's ports and EAL arguments. */
static void
describe_dpdk(FILE *f, const struct dp_boot *b)
{
    if (b->backend != DP_BACKEND_DPDK) {
        return;
    }
    const struct dp_dpdk *d = &b->dpdk;
    for (uint32_t i = 0; i < d->n_ports; i++) {
        const struct dp_dpdk_port *p = &d->ports[i];
        fprintf(f, "dpdk port       %s: %u.%u.%u.%u/%u", p->device, p->ip[0], p->ip[1], p->ip[2],
                p->ip[3], p->prefix_len);
        if (p->gateway[0] | p->gateway[1] | p->gateway[2] | p->gateway[3]) {
            fprintf(f, ", gateway %u.%u.%u.%u", p->gateway[0], p->gateway[1], p->gateway[2],
                    p->gateway[3]);
        }
        fprintf(f, ", %u queue pair%s\n", b->workers, b->workers == 1 ? "" : "s");
    }
    fprintf(f,
            "dpdk            %u mbufs a port, %u connections a worker and port, %u KiB buffers, "
            "SYN backlog %u, EAL",
            d->mbufs, d->max_conns, d->buffer_kb, d->syn_backlog);
    for (uint32_t i = 0; i < d->n_eal; i++) {
        fprintf(f, " %s", d->eal[i]);
    }
    fprintf(f, "%s\n", d->n_eal == 0 ? " (defaults)" : "");
}

/* describe prints what would run to `f`, one item a line. */
static void
describe(FILE *f, const struct dp_config *cfg, const char *policy_version, const char *user)
{
    char a[IO_ADDR_STRLEN];
    for (uint32_t i = 0; i < cfg->boot.n_listen; i++) {
        io_addr_format(a, sizeof(a), &cfg->boot.listen[i]);
        fprintf(f, "listen          %s\n", a);
    }
    fprintf(f, "hostname        %s\n", cfg->rt.hostname);
    fprintf(f, "workers         %u, backend %s, idle %s, cores", cfg->boot.workers,
            cfg->boot.backend == DP_BACKEND_KERNEL ? "kernel" : "dpdk",
            cfg->boot.idle == DP_IDLE_SLEEP ? "sleep" : "spin");
    for (uint32_t i = 0; i < cfg->boot.workers; i++) {
        if (cfg->boot.cores[i] < 0) {
            fprintf(f, "%s any", i == 0 ? "" : ",");
        } else {
            fprintf(f, "%s %d", i == 0 ? "" : ",", cfg->boot.cores[i]);
        }
    }
    fprintf(f, "\n");
    describe_dpdk(f, &cfg->boot);
    for (uint32_t i = 0; i < cfg->rt.n_routes; i++) {
        const struct dp_route *r = &cfg->rt.routes[i];
        const struct dp_mta_group *g = &cfg->rt.groups[r->group];
        char pattern[DP_DOMAIN_MAX + 4];
        dp_route_pattern(pattern, sizeof(pattern), r);
        fprintf(f, "route           %s -> %s:", pattern, g->name);
        for (uint32_t h = 0; h < g->n_hops; h++) {
            io_addr_format(a, sizeof(a), &g->hops[h]);
            fprintf(f, " %s (%s)", g->hop_names[h], a);
        }
        fprintf(f, ", tls %s\n",
                r->tls == DP_TLS_DEFAULT ? "default (opportunistic)"
                                         : cfg->rt.tls_profiles.p[r->tls].name);
    }
    for (uint32_t i = 0; i < cfg->rt.n_relay_nets; i++) {
        io_addr_format_ip(a, sizeof(a), &cfg->rt.relay_nets[i].net);
        fprintf(f, "relay_network   %s/%u\n", a, cfg->rt.relay_nets[i].prefix_len);
    }
    if (cfg->rt.n_relay_nets == 0) {
        fprintf(f, "relay_network   none (only routed domains are accepted)\n");
    }
    fprintf(f, "policy          %s, version %s\n",
            cfg->rt.policy_path[0] != '\0' ? cfg->rt.policy_path : "built-in", policy_version);
    struct tls_profile in;
    if (dp_config_tls_inbound(&cfg->rt, &in)) {
        fprintf(f, "tls             STARTTLS, profile %s, policy %s\n", in.name,
                cfg->rt.tls_policy == DP_TLS_ENCRYPT ? "encrypt" : "may");
    } else {
        fprintf(f, "tls             no STARTTLS on the listener\n");
    }
    fprintf(f, "quarantine_dir  %s\n", cfg->boot.quarantine_dir);
    fprintf(f, "log             %s\n",
            strcmp(cfg->boot.log_path, "-") == 0 ? "- (standard error)" : cfg->boot.log_path);
    fprintf(f, "control_socket  %s\n",
            cfg->boot.control_socket[0] != '\0' ? cfg->boot.control_socket : "none");
    fprintf(f, "user            %s\n", user);
    fprintf(f,
            "limits          message %llu octets, %u recipients, %u connections per worker, "
            "%u per address and %u per /%u or /%u network (0: no limit), command %llu s, "
            "data %llu s\n",
            (unsigned long long)cfg->rt.max_message_size, cfg->rt.max_recipients,
            cfg->rt.max_conn_per_worker, cfg->rt.max_conn_per_ip, cfg->rt.max_conn_per_net,
            cfg->rt.net_prefix_v4, cfg->rt.net_prefix_v6,
            (unsigned long long)(cfg->rt.command_timeout_ms / 1000),
            (unsigned long long)(cfg->rt.data_timeout_ms / 1000));
}

int
dp_check_config(char *out, size_t out_cap, struct rl_diag *diag, const struct dp_config *cfg,
                const char *policy_version)
{
    /* The TLS contexts and the policy were built with the runtime snapshot
     * (dp_snapshot_build) before this is called. */
    int rc = check_cores(diag, cfg);
    if (rc != 0) {
        return rc;
    }
    char user[128];
    if (geteuid() == 0) {
        const char *name = cfg->boot.user[0] != '\0' ? cfg->boot.user : "redline";
        const struct passwd *pw = getpwnam(name);
        if (pw == NULL) {
            return rl_diag_set(diag, "user", "%.64s: no such account", name);
        }
        if (pw->pw_uid == 0) {
            return rl_diag_set(diag, "user", "%.64s: the dataplane never runs as root", name);
        }
        snprintf(user, sizeof(user), "%s (uid %u), after binding as root", name,
                 (unsigned)pw->pw_uid);
    } else {
        snprintf(user, sizeof(user), "uid %u, as started (not root: no drop)", (unsigned)geteuid());
    }
    struct stat st; /* the store creates its directories, but not over a file */
    if (stat(cfg->boot.quarantine_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        return rl_diag_set(diag, "quarantine_dir", "%.120s is not a directory",
                           cfg->boot.quarantine_dir);
    }
    if (strcmp(cfg->boot.log_path, "-") != 0 &&
        (rc = check_parent(diag, "log", cfg->boot.log_path)) != 0) {
        return rc;
    }
    if (cfg->boot.control_socket[0] != '\0' &&
        (rc = check_parent(diag, "control_socket", cfg->boot.control_socket)) != 0) {
        return rc;
    }
    /* Written into the caller's buffer through a memory stream (cut when
     * full, always terminated). */
    out[0] = '\0';
    FILE *f = fmemopen(out, out_cap, "w");
    if (f == NULL) {
        return rl_diag_set(diag, "memory", "cannot describe the configuration");
    }
    describe(f, cfg, policy_version, user);
    fclose(f);
    return 0;
}
