/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics endpoint: GET /metrics over HTTP on a loopback address
 * (libmicrohttpd, its own polling thread). Anything else gets 404 or 405. */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

#include <stddef.h>

#include "io_addr.h"
#include "rl_error.h"

/* ctl_http_render returns the body for one scrape (malloc'd, length in
 * *out_len) or NULL (the scrape gets 503). Called on the HTTP thread. */
typedef char *(*ctl_http_render)(void *ctx, size_t *out_len);

struct ctl_http;

/* ctl_http_start serves GET /metrics on `addr`, which must be a loopback
 * address (127.0.0.0/8 or ::1). Returns 0; RL_EINVAL with `diag` for another
 * address; RL_EIO when it cannot listen there. */
int ctl_http_start(struct ctl_http **out_http, struct rl_diag *diag, const struct io_addr *addr,
                   ctl_http_render render, void *ctx);

/* ctl_http_stop stops serving and frees `h` (NULL is a no-op). */
void ctl_http_stop(struct ctl_http *h);

#endif
