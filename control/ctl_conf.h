/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld's own settings (control/README.md "redline-controld"):
 * its socket, state directory, admin group, redlined's sockets, the metrics
 * address, a first configuration to seed an empty store with, and the
 * account it runs as once started as root. From a
 * JSON file (--config) and flags. Start-up only, one thread. */
#ifndef CTL_CONF_H
#define CTL_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "io_addr.h"
#include "rl_error.h"

#define CTL_PATH_MAX 4096
#define CTL_SOCK_MAX 108 /* sun_path */

struct ctl_conf {
    char socket[CTL_SOCK_MAX];           /* redlinectl's socket */
    char state_dir[CTL_PATH_MAX];        /* the SQLite store lives here */
    char admin_group[64];                /* name or number; "" = root only */
    char dataplane_socket[CTL_SOCK_MAX]; /* redlined's control socket; "" = none */
    char push_socket[CTL_SOCK_MAX];      /* redlined's config socket (versions pushed); "" = none */
    bool metrics_on;
    struct io_addr metrics;  /* loopback address of GET /metrics */
    char seed[CTL_PATH_MAX]; /* configuration document for an empty store; "" = none */
    char user[64];           /* the account to run as when started as root */
    bool foreground;
};

/* ctl_conf_defaults fills `out` with the documented defaults. */
void ctl_conf_defaults(struct ctl_conf *out);

/* ctl_conf_load_json applies the JSON text `json` (`len` octets) to `c`.
 * Unknown keys, wrong types, duplicates and bad values are refused with
 * `diag` naming the key. Returns 0, RL_ESYNTAX or RL_EINVAL; on failure `c`
 * is unchanged. */
int ctl_conf_load_json(struct ctl_conf *c, struct rl_diag *diag, const char *json, size_t len);

/* ctl_conf_parse_args builds `out` from the defaults, the --config file and
 * the other flags. Returns 0; RL_EINVAL / RL_ESYNTAX / RL_EIO with `diag`;
 * RL_EAGAIN for --help (ctl_conf_usage is the caller's to print). Uses
 * getopt_long's global state. */
int ctl_conf_parse_args(struct ctl_conf *out, struct rl_diag *diag, int argc, char *const argv[]);

/* ctl_conf_usage returns the --help text. */
const char *ctl_conf_usage(void);

#endif
