/* SPDX-License-Identifier: Apache-2.0 */
/* The redlined command line (SPEC.md "Starting the dataplane"): defaults,
 * then the --config file wherever it appears, then every other flag in
 * order. Uses getopt_long, so start-up only and one thread at a time. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "internal.h"

enum opt {
    OPT_CONFIG = 0,
    OPT_LISTEN,
    OPT_ROUTE,
    OPT_RELAY_NET,
    OPT_POLICY,
    OPT_WORKERS,
    OPT_CORES,
    OPT_BACKEND,
    OPT_IDLE,
    OPT_HOSTNAME,
    OPT_QUARANTINE,
    OPT_LOG,
    OPT_CONTROL_SOCKET,
    OPT_CONFIG_SOCKET,
    OPT_STATE_DIR,
    OPT_USER,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TLS_POLICY,
    OPT_BARE_NEWLINE,
    OPT_MAX_MESSAGE_SIZE,
    OPT_MAX_RECIPIENTS,
    OPT_FOREGROUND,
    OPT_CHECK_CONFIG,
    OPT_HELP,
    OPT_COUNT,
};

/* Every option returns 0 and sets the index, so the index names the option. */
static const struct option options[OPT_COUNT + 1] = {
    [OPT_CONFIG] = {"config", required_argument, NULL, 0},
    [OPT_LISTEN] = {"listen", required_argument, NULL, 0},
    [OPT_ROUTE] = {"route", required_argument, NULL, 0},
    [OPT_RELAY_NET] = {"relay-net", required_argument, NULL, 0},
    [OPT_POLICY] = {"policy", required_argument, NULL, 0},
    [OPT_WORKERS] = {"workers", required_argument, NULL, 0},
    [OPT_CORES] = {"cores", required_argument, NULL, 0},
    [OPT_BACKEND] = {"backend", required_argument, NULL, 0},
    [OPT_IDLE] = {"idle", required_argument, NULL, 0},
    [OPT_HOSTNAME] = {"hostname", required_argument, NULL, 0},
    [OPT_QUARANTINE] = {"quarantine", required_argument, NULL, 0},
    [OPT_LOG] = {"log", required_argument, NULL, 0},
    [OPT_CONTROL_SOCKET] = {"control-socket", required_argument, NULL, 0},
    [OPT_CONFIG_SOCKET] = {"config-socket", required_argument, NULL, 0},
    [OPT_STATE_DIR] = {"state-dir", required_argument, NULL, 0},
    [OPT_USER] = {"user", required_argument, NULL, 0},
    [OPT_TLS_CERT] = {"tls-cert", required_argument, NULL, 0},
    [OPT_TLS_KEY] = {"tls-key", required_argument, NULL, 0},
    [OPT_TLS_POLICY] = {"tls-policy", required_argument, NULL, 0},
    [OPT_BARE_NEWLINE] = {"bare-newline", required_argument, NULL, 0},
    [OPT_MAX_MESSAGE_SIZE] = {"max-message-size", required_argument, NULL, 0},
    [OPT_MAX_RECIPIENTS] = {"max-recipients", required_argument, NULL, 0},
    [OPT_FOREGROUND] = {"foreground", no_argument, NULL, 0},
    [OPT_CHECK_CONFIG] = {"check-config", no_argument, NULL, 0},
    [OPT_HELP] = {"help", no_argument, NULL, 0},
    [OPT_COUNT] = {NULL, 0, NULL, 0},
};

/* The JSON path each plain flag sets (its bounds and checks come with it). */
static const char *const json_path[OPT_COUNT] = {
    [OPT_POLICY] = "policy",
    [OPT_WORKERS] = "workers",
    [OPT_QUARANTINE] = "quarantine_dir",
    [OPT_LOG] = "log",
    [OPT_CONTROL_SOCKET] = "control_socket",
    [OPT_CONFIG_SOCKET] = "config_socket",
    [OPT_STATE_DIR] = "state_dir",
    [OPT_USER] = "user",
    [OPT_TLS_CERT] = "tls.cert",
    [OPT_TLS_KEY] = "tls.key",
    [OPT_MAX_MESSAGE_SIZE] = "limits.max_message_size",
    [OPT_MAX_RECIPIENTS] = "limits.max_recipients",
};

static const char usage[] =
    "Usage: redlined --config FILE [--foreground]\n"
    "       redlined --listen ADDR --route 'DOMAIN=HOST:PORT[,HOST:PORT...]' [options]\n"
    "\n"
    "  --config FILE            JSON configuration (docs/CONFIG.md); other flags override it\n"
    "  --listen ADDR            listen on IP:PORT or [IPv6]:PORT (repeatable)\n"
    "  --route DOMAIN=HOPS      route DOMAIN ('*' any, '*.example.com' subdomains, or exact)\n"
    "                           to next hops tried in order (repeatable)\n"
    "  --relay-net CIDR         clients allowed to relay to any domain (repeatable)\n"
    "  --policy FILE            scan policy (default: the built-in policy)\n"
    "  --workers N              worker threads (1-64, default 1)\n"
    "  --cores LIST             pin worker i to the i-th CPU of LIST, e.g. 0,1\n"
    "  --backend kernel|dpdk    network backend (default kernel)\n"
    "  --idle spin|sleep        what an idle worker does (default sleep)\n"
    "  --hostname NAME          our name in the greeting (default: the host name)\n"
    "  --quarantine DIR         quarantine store (default /var/spool/redline/quarantine)\n"
    "  --log FILE|-             tracking log ('-' = standard error, the default)\n"
    "  --control-socket PATH    control socket: counters, quarantine (default none)\n"
    "  --config-socket PATH     where redline-controld pushes versions (default none)\n"
    "  --state-dir DIR          keeps the last pushed version, run at start (default none)\n"
    "  --user NAME              account to drop to after binding\n"
    "  --tls-cert FILE          STARTTLS certificate (needs --tls-key)\n"
    "  --tls-key FILE           STARTTLS private key (needs --tls-cert)\n"
    "  --tls-policy may|encrypt encrypt: no mail before STARTTLS (530 5.7.0; default may)\n"
    "  --bare-newline normalize|reject\n"
    "                           a line ending in a bare LF: read as CRLF (default) or refused\n"
    "  --max-message-size BYTES largest message accepted (default 10485760)\n"
    "  --max-recipients N       recipients per transaction (>= 100, default 100)\n"
    "  --foreground             stay in the foreground\n"
    "  --check-config           check the configuration and everything it names, print what\n"
    "                           would run, and exit (0 valid, 2 with the field and reason)\n"
    "  --help                   print this text\n"
    "\n"
    "--listen, --route and --relay-net given here replace the file's lists; --route\n"
    "also replaces its MTA groups (each route makes a group named after its domain).\n";

const char *
dp_config_usage(void)
{
    return usage;
}

/* Which of the file's lists the command line has started to replace. */
struct replaced {
    bool listen;
    bool routes;
    bool relay_nets;
};

/* getopt_error names the argument getopt refused; `rc` is what it returned. */
static int
getopt_error(struct rl_diag *diag, int rc, char *const argv[])
{
    char field[64];
    const char *arg = argv[optind - 1];
    if (optopt != 0) {
        snprintf(field, sizeof(field), "-%c", optopt);
        return rl_diag_set(diag, field, "unknown option (see --help)");
    }
    size_t n = strcspn(arg, "=");
    snprintf(field, sizeof(field), "%.*s", (int)n, arg);
    if (rc == ':') {
        return rl_diag_set(diag, field, "needs a value");
    }
    for (int i = 0; i < OPT_COUNT; i++) {
        if (n > 2 && strncmp(arg + 2, options[i].name, n - 2) == 0 &&
            options[i].name[n - 2] == '\0' && options[i].has_arg == no_argument) {
            return rl_diag_set(diag, field, "takes no value");
        }
    }
    return rl_diag_set(diag, field, "unknown option (see --help)");
}

static int
set_number(struct dp_config *c, struct rl_diag *diag, const char *field, const char *path,
           const char *arg)
{
    uint64_t v = 0;
    if (!dp_parse_u64(&v, arg, strlen(arg))) {
        return rl_diag_set(diag, field, "'%.32s' is not a number", arg);
    }
    return dp_num_set(c, diag, field, dp_num_find(path), v);
}

static int
set_cores(struct dp_config *c, struct rl_diag *diag, const char *field, const char *arg)
{
    for (size_t i = 0; i < DP_MAX_WORKERS; i++) {
        c->boot.cores[i] = -1;
    }
    uint32_t i = 0;
    for (const char *p = arg;; i++) {
        size_t n = strcspn(p, ",");
        uint64_t cpu = 0;
        if (!dp_parse_u64(&cpu, p, n)) {
            return rl_diag_set(diag, field, "'%.32s' is not a list of CPU numbers like 0,1", arg);
        }
        int rc = dp_core_set(c, diag, field, i, cpu);
        if (rc != 0) {
            return rc;
        }
        if (p[n] == '\0') {
            return 0;
        }
        p += n + 1;
    }
}

/* add_route reads 'DOMAIN=HOST:PORT[,HOST:PORT...]' into a route and an MTA
 * group of its own, named after the domain. */
static int
add_route(struct dp_config *c, struct rl_diag *diag, const char *field, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL) {
        return rl_diag_set(diag, field, "'%.64s' is not DOMAIN=HOST:PORT[,HOST:PORT...]", spec);
    }
    struct dp_route r;
    int rc = dp_route_parse(&r, diag, field, spec, (size_t)(eq - spec));
    if (rc != 0) {
        return rc;
    }
    struct dp_mta_group g;
    memset(&g, 0, sizeof(g));
    dp_route_pattern(g.name, sizeof(g.name), &r);
    for (const char *p = eq + 1;;) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            return rl_diag_set(diag, field, "'%.64s' has an empty next hop", spec);
        }
        if ((rc = dp_hop_add(&g, diag, field, p, n, DP_RESOLVE_NAMES)) != 0) {
            return rc;
        }
        if (p[n] == '\0') {
            break;
        }
        p += n + 1;
    }
    if ((rc = dp_group_add(c, &r.group, diag, field, &g)) != 0) {
        return rc;
    }
    return dp_route_add(c, diag, field, &r);
}

static int
set_choice(int *out, struct rl_diag *diag, const char *field, const char *arg, const char *a,
           const char *b)
{
    if (strcmp(arg, a) != 0 && strcmp(arg, b) != 0) {
        return rl_diag_set(diag, field, "must be %s or %s", a, b);
    }
    *out = strcmp(arg, a) == 0 ? 0 : 1;
    return 0;
}

/* apply_flag applies one flag other than --config and --help. */
static int
apply_flag(struct dp_config *c, struct replaced *rep, struct rl_diag *diag, enum opt o,
           const char *arg)
{
    char field[32];
    int choice = 0;
    int rc = 0;
    snprintf(field, sizeof(field), "--%s", options[o].name);
    switch (o) {
    case OPT_LISTEN:
        if (!rep->listen) {
            rep->listen = true;
            c->boot.n_listen = 0;
        }
        return dp_listen_add(c, diag, field, arg, strlen(arg));
    case OPT_ROUTE:
        if (!rep->routes) {
            rep->routes = true;
            c->rt.n_routes = 0;
            c->rt.n_groups = 0;
        }
        return add_route(c, diag, field, arg);
    case OPT_RELAY_NET:
        if (!rep->relay_nets) {
            rep->relay_nets = true;
            c->rt.n_relay_nets = 0;
        }
        return dp_relay_net_add(c, diag, field, arg, strlen(arg));
    case OPT_WORKERS:
    case OPT_MAX_MESSAGE_SIZE:
    case OPT_MAX_RECIPIENTS:
        return set_number(c, diag, field, json_path[o], arg);
    case OPT_CORES:
        return set_cores(c, diag, field, arg);
    case OPT_BACKEND:
        rc = set_choice(&choice, diag, field, arg, "kernel", "dpdk");
        c->boot.backend = choice == 0 ? DP_BACKEND_KERNEL : DP_BACKEND_DPDK;
        return rc;
    case OPT_IDLE:
        rc = set_choice(&choice, diag, field, arg, "sleep", "spin");
        c->boot.idle = choice == 0 ? DP_IDLE_SLEEP : DP_IDLE_SPIN;
        return rc;
    case OPT_HOSTNAME:
        return dp_hostname_set(c, diag, field, arg, strlen(arg));
    case OPT_FOREGROUND:
        c->boot.foreground = true;
        return 0;
    case OPT_CHECK_CONFIG:
        c->boot.check_only = true;
        return 0;
    case OPT_POLICY:
    case OPT_QUARANTINE:
    case OPT_LOG:
    case OPT_CONTROL_SOCKET:
    case OPT_CONFIG_SOCKET:
    case OPT_STATE_DIR:
    case OPT_USER:
        return dp_str_set(c, diag, field, dp_str_find(json_path[o]), arg, strlen(arg));
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
        c->rt.tls_profile[0] = '\0'; /* the file's tls.profile gives way to the flags */
        return dp_str_set(c, diag, field, dp_str_find(json_path[o]), arg, strlen(arg));
    case OPT_TLS_POLICY:
        rc = set_choice(&choice, diag, field, arg, "may", "encrypt");
        c->rt.tls_policy = choice == 0 ? DP_TLS_MAY : DP_TLS_ENCRYPT;
        return rc;
    case OPT_BARE_NEWLINE:
        rc = set_choice(&choice, diag, field, arg, "normalize", "reject");
        c->rt.bare_newline = choice == 0 ? SMTP_BARE_LF_NORMALIZE : SMTP_BARE_LF_REJECT;
        return rc;
    case OPT_CONFIG:
    case OPT_HELP:
    case OPT_COUNT:
        break;
    }
    return 0;
}

/* next_option sets *out to the next option, OPT_COUNT at the end. Returns 0
 * or RL_EINVAL with `diag` filled; stray arguments are refused. */
static int
next_option(enum opt *out, struct rl_diag *diag, int argc, char *const argv[])
{
    int index = -1;
    int rc = getopt_long(argc, argv, "+:", options, &index);
    if (rc == 0 && index >= 0 && index < OPT_COUNT) {
        *out = (enum opt)index;
        return 0;
    }
    if (rc != -1) {
        return getopt_error(diag, rc, argv);
    }
    if (optind < argc) {
        return rl_diag_set(diag, argv[optind], "unexpected argument (options only)");
    }
    *out = OPT_COUNT;
    return 0;
}

int
dp_config_parse_args(struct dp_config *out_cfg, struct rl_diag *diag, int argc, char *const argv[])
{
    const char *config = NULL;
    enum opt o = OPT_COUNT;
    int rc;
    /* First pass: --help and --config, and refuse malformed arguments early. */
    opterr = 0;
    optind = 0; /* glibc: 0 restarts the scan from scratch */
    while ((rc = next_option(&o, diag, argc, argv)) == 0 && o != OPT_COUNT) {
        if (o == OPT_HELP) {
            return RL_EAGAIN;
        }
        if (o == OPT_CONFIG && config != NULL) {
            return rl_diag_set(diag, "--config", "is given more than once");
        }
        config = o == OPT_CONFIG ? optarg : config;
    }
    if (rc != 0) {
        return rc;
    }

    dp_config_defaults(out_cfg);
    if (config != NULL && (rc = dp_config_load_file(out_cfg, diag, config)) != 0) {
        if (rc == RL_EIO && diag != NULL) {
            char reason[sizeof(diag->reason)];
            snprintf(reason, sizeof(reason), "%s", diag->reason);
            rl_diag_set(diag, "--config", "%.64s: %s", config, reason);
        }
        return rc;
    }

    struct replaced rep = {false, false, false};
    bool cert = false;
    bool key = false;
    optind = 0;
    while ((rc = next_option(&o, diag, argc, argv)) == 0 && o != OPT_COUNT) {
        if ((rc = apply_flag(out_cfg, &rep, diag, o, optarg)) != 0) {
            return rc;
        }
        cert = cert || o == OPT_TLS_CERT;
        key = key || o == OPT_TLS_KEY;
    }
    if (rc != 0) {
        return rc;
    }
    /* Both or neither: a certificate without its key cannot offer STARTTLS. */
    if (cert && out_cfg->rt.tls_key[0] == '\0' && out_cfg->rt.tls_cert[0] != '\0') {
        return rl_diag_set(diag, "--tls-key", "is needed with --tls-cert");
    }
    if (key && out_cfg->rt.tls_cert[0] == '\0' && out_cfg->rt.tls_key[0] != '\0') {
        return rl_diag_set(diag, "--tls-cert", "is needed with --tls-key");
    }
    return 0;
}
