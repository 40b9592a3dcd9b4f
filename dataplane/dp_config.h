/* SPDX-License-Identifier: Apache-2.0 */
/* The dataplane's configuration: listeners, workers, routes and MTA groups,
 * relay networks, limits, paths. Built once at start-up from a JSON file
 * (docs/CONFIG.md) and/or the command line (SPEC.md "Starting the
 * dataplane"), then read-only and shared by every worker. */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io_addr.h"
#include "rl_error.h"
#include "smtp_server.h"
#include "tls_profile.h"

#define DP_MAX_LISTEN 8
#define DP_MAX_HOPS 8 /* next hops in one MTA group */
#define DP_MAX_GROUPS 64
#define DP_MAX_ROUTES 256
#define DP_MAX_RELAYNETS 64
#define DP_MAX_WORKERS 64
#define DP_DOMAIN_MAX 255 /* RFC 5321 4.5.3.1.2 */

enum dp_backend {
    DP_BACKEND_KERNEL = 0,
    DP_BACKEND_DPDK,
};

enum dp_idle {
    DP_IDLE_SLEEP = 0, /* block in the poll call when there is nothing to do */
    DP_IDLE_SPIN,      /* poll without blocking: lowest latency, one core at 100% */
};

/* An ordered list of next hops tried in turn (sequential failover). */
struct dp_mta_group {
    char name[64];
    struct io_addr hops[DP_MAX_HOPS];
    char hop_names[DP_MAX_HOPS][DP_DOMAIN_MAX + 8]; /* host:port as configured, for logs */
    uint32_t n_hops;
};

enum dp_route_kind {
    DP_ROUTE_EXACT = 0,  /* "example.com": that domain only */
    DP_ROUTE_SUBDOMAINS, /* "*.example.com": any subdomain, not example.com itself */
    DP_ROUTE_ANY,        /* "*": every domain */
};

struct dp_route {
    enum dp_route_kind kind;
    char domain[DP_DOMAIN_MAX + 1]; /* lower case; for SUBDOMAINS without the "*." */
    uint32_t group;                 /* index into dp_config.groups */
    int tls;                        /* client profile, index into dp_config.tls_profiles;
                                       DP_TLS_DEFAULT = the built-in opportunistic one */
};

#define DP_TLS_DEFAULT (-1)

/* Whether clients must use STARTTLS before sending mail (RFC 3207 4). */
enum dp_tls_policy {
    DP_TLS_MAY = 0, /* offered; clear text accepted */
    DP_TLS_ENCRYPT, /* MAIL, RCPT, DATA, BDAT get 530 5.7.0 until TLS is up */
};

#define DP_DPDK_MAX_PORTS 4
#define DP_DPDK_MAX_EAL 32

/* One port the user-space TCP stack serves (backend "dpdk"). */
struct dp_dpdk_port {
    char device[256];   /* PCI address ("0000:81:00.0") or a vdev's devargs ("net_tap0,iface=x") */
    uint8_t ip[4];      /* the stack's IPv4 address on the port, network order */
    uint8_t prefix_len; /* its on-link network */
    uint8_t gateway[4]; /* where other networks are reached; 0.0.0.0 = on-link peers only */
    uint8_t mac[6];     /* the stack's MAC; all zero = the port's own */
};

/* The DPDK backend's boot settings ("dpdk", docs/CONFIG.md). */
struct dp_dpdk {
    char eal[DP_DPDK_MAX_EAL][128]; /* EAL arguments added to those redlined makes */
    uint32_t n_eal;
    struct dp_dpdk_port ports[DP_DPDK_MAX_PORTS];
    uint32_t n_ports;
    uint32_t mbufs;             /* mbufs in each port's pool (on its NUMA node) */
    uint32_t max_conns;         /* TCP connections per worker and port, TIME_WAIT included */
    uint32_t syn_backlog;       /* half-open connections per listener before SYN cookies */
    uint32_t buffer_kb;         /* receive and send buffer of a connection, KiB */
    uint32_t idle_sleep_max_us; /* longest nap of an idle worker between polls of a port that
                                   cannot wake it (no RX interrupt) */
};

/* Boot settings: fixed for the life of the process (a change needs a
 * restart). Read by main.c and the worker loop, never by the transaction
 * path. */
struct dp_boot {
    struct io_addr listen[DP_MAX_LISTEN];
    uint32_t n_listen;
    uint32_t workers;          /* worker threads, 1..DP_MAX_WORKERS */
    uint32_t scan_threads;     /* threads scanning documents and large messages, 0..16;
                                  0: every scan and store write on the worker, as before */
    int cores[DP_MAX_WORKERS]; /* CPU of worker i; -1 = not pinned */
    enum dp_backend backend;
    enum dp_idle idle;
    bool loop_turn_cpu;        /* each loop turn's CPU time measured (a diagnostic) */
    struct dp_dpdk dpdk;       /* backend "dpdk" only */
    char quarantine_dir[4096]; /* durable store for quarantined and held messages */
    uint64_t min_free_mb;      /* MiB kept free on the store's and the log's file systems */
    char log_path[4096];       /* tracking log; "-" = standard error */
    char control_socket[108];  /* UNIX control socket path; "" = none */
    char config_socket[108];   /* where redline-controld pushes versions (dp_apply.h); "" = none */
    char state_dir[4096];      /* the last pushed version is kept here; "" = not kept */
    char user[64];             /* account to drop to after binding; "" = stay */
    bool foreground;
    bool check_only; /* --check-config: validate, describe, exit */
};

/* Runtime settings: what a new dp_snapshot (dp_snapshot.h) may change while
 * mail flows: routes and groups, relay networks, limits, TLS, the policy. */
struct dp_runtime {
    char hostname[DP_DOMAIN_MAX + 1]; /* our name in the greeting and EHLO */

    struct dp_mta_group groups[DP_MAX_GROUPS];
    uint32_t n_groups;
    struct dp_route routes[DP_MAX_ROUTES]; /* matched most specific first (dp_route_find) */
    uint32_t n_routes;
    struct io_prefix relay_nets[DP_MAX_RELAYNETS];
    uint32_t n_relay_nets;

    char policy_path[4096]; /* "" = the built-in default policy */
    char tls_cert[4096];    /* inbound STARTTLS certificate; "" = no STARTTLS */
    char tls_key[4096];
    char tls_profile[64]; /* inbound server profile of tls_profiles instead of tls_cert */
    enum dp_tls_policy tls_policy;
    struct tls_profiles tls_profiles; /* named, both roles; routes refer to client ones */

    /* Inbound limits. */
    uint64_t max_message_size; /* octets, advertised in SIZE */
    uint32_t max_recipients;   /* per transaction, >= 100 (RFC 5321 4.5.3.1.8) */
    uint32_t max_conn_per_worker;
    uint32_t max_conn_per_ip;    /* whole process, per client address; 0 = no limit */
    uint32_t max_conn_per_net;   /* whole process, per client network; 0 = no limit */
    uint32_t net_prefix_v4;      /* that network's length for IPv4 (24) */
    uint32_t net_prefix_v6;      /* ... and for IPv6 (64) */
    uint64_t command_timeout_ms; /* deadline for one command line */
    uint64_t data_timeout_ms;    /* DATA/BDAT budget, earned back at min_data_rate */
    uint32_t min_data_rate;      /* octets/s; 0 = inactivity timeout only */
    uint32_t max_errors;         /* refused commands before 421 and close; 0 = no limit */
    uint32_t max_junk;           /* NOOP/RSET/VRFY/HELP per message before they count as errors */
    uint32_t tarpit_after;       /* errors after which each error reply is held back; 0 = never */
    uint64_t tarpit_ms;          /* ... this long */

    /* The SMTP engine's reading of client input ("smtp"). */
    enum smtp_bare_newline bare_newline;
    enum smtp_nul nul;
    bool address_literals; /* RCPT to "[IP]" domains */

    /* Outbound. */
    uint64_t connect_timeout_ms;
    uint32_t pool_per_hop;    /* idle connections kept per next hop per worker */
    uint64_t pool_idle_ms;    /* an idle pooled connection is closed after this */
    uint64_t hop_down_ms;     /* a next hop that failed before greeting is skipped this long, */
    uint64_t hop_down_max_ms; /* ... doubled at each further failure up to this */
    uint64_t dot_timeout_ms;  /* wait for the next hop's reply to the end of data */

    /* From redline-controld (dp_apply.h); both 0 for redlined's own file. */
    uint64_t config_version; /* controld's configuration version this is */
    uint64_t rate_per_hour;  /* the licence tier's message rate; 0 = no limit */
};

/* The whole configuration as a file and the command line give it. */
struct dp_config {
    struct dp_boot boot;
    struct dp_runtime rt;
};

/* dp_config_defaults fills `out_cfg` with the defaults docs/CONFIG.md lists
 * (no listener, no route: a configuration needs both). Cannot fail. */
void dp_config_defaults(struct dp_config *out_cfg);

/* dp_config_load_json applies the JSON configuration text `json` (`len`
 * octets) to `cfg`. Unknown keys are refused. Returns 0, or RL_ESYNTAX /
 * RL_EINVAL with `diag` naming the field ("routes[2].domain") and the
 * reason, or RL_ENOMEM; on failure `cfg` is unchanged. Host names in next
 * hops are resolved here (start-up only). */
int dp_config_load_json(struct dp_config *cfg, struct rl_diag *diag, const char *json, size_t len);

/* dp_config_load_file reads the file at `path` and applies it as
 * dp_config_load_json; RL_EIO when it cannot be read. */
int dp_config_load_file(struct dp_config *cfg, struct rl_diag *diag, const char *path);

/* dp_config_parse_args builds `out_cfg` from defaults, then the --config
 * file if given, then every other flag in order (SPEC.md). --route and
 * --relay-net given on the command line replace those of the file. Returns
 * 0; RL_EINVAL / RL_ESYNTAX with `diag` naming the flag or field; or
 * RL_EAGAIN when --help was asked (usage is the caller's to print). Uses
 * getopt_long's global state: start-up only, one thread. */
int dp_config_parse_args(struct dp_config *out_cfg, struct rl_diag *diag, int argc,
                         char *const argv[]);

/* dp_config_check validates the whole configuration (a listener, at least one
 * route, every route's group exists and has hops, worker count, limits).
 * Returns 0 or RL_EINVAL with `diag`. */
int dp_config_check(const struct dp_config *cfg, struct rl_diag *diag);

/* dp_runtime_check validates the runtime settings alone (routes and their
 * groups, relay networks, host name, limits, TLS). Returns 0 or RL_EINVAL
 * with `diag` naming the field as the JSON file does ("routes[2].group"). */
int dp_runtime_check(const struct dp_runtime *rt, struct rl_diag *diag);

/* dp_config_tls_inbound fills `out_p` with the listener's STARTTLS profile:
 * the server profile tls.profile names, or the defaults (TLS 1.2 minimum)
 * named "inbound" with tls.cert and tls.key. Returns false, leaving `out_p`
 * unspecified, when STARTTLS is off (neither is set). */
bool dp_config_tls_inbound(const struct dp_runtime *rt, struct tls_profile *out_p);

/* dp_route_find returns the route for recipient domain `domain` (`len`
 * octets, any case, no trailing dot): an exact match first, then the longest
 * "*.suffix", then "*". NULL when no route matches. */
const struct dp_route *dp_route_find(const struct dp_runtime *rt, const char *domain, size_t len);

/* dp_relay_allowed tells whether a client at `peer` may relay to any domain
 * (it lies inside a relay network). */
bool dp_relay_allowed(const struct dp_runtime *rt, const struct io_addr *peer);

/* dp_config_usage returns the --help text (static). */
const char *dp_config_usage(void);

#endif
