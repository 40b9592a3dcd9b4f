/* SPDX-License-Identifier: Apache-2.0 */
/* TLS contexts of the benchmarks: a server context from PEM files or from a
 * self-signed certificate made at run time (tls_testcert), and a client
 * context that checks nothing. Start-up code (file reads, allocation); any
 * thread, then the contexts belong to the thread that uses them. */
#ifndef BENCH_CERT_H
#define BENCH_CERT_H

#include "rl_error.h"
#include "tls_client.h"
#include "tls_server.h"
#include "tls_testcert.h"

/* bench_cert_server_new builds a server context with the default inbound
 * profile (tls/README.md) from the PEM files `cert` and `key`. Returns 0
 * with *out_srv, or RL_EINVAL / RL_ENOMEM with `diag` naming the file. */
int bench_cert_server_new(struct tls_server **out_srv, struct rl_diag *diag, const char *cert,
                          const char *key);

/* bench_cert_server_selfsigned builds a server context as above around a
 * new key of type `key` and a self-signed certificate for the DNS name
 * `name`, valid from yesterday for 30 days. The PEM files live in a new
 * directory under /tmp only while the context reads them. Returns 0 with
 * *out_srv, or RL_EINVAL / RL_ENOMEM with `diag` saying why. */
int bench_cert_server_selfsigned(struct tls_server **out_srv, struct rl_diag *diag,
                                 enum tls_testcert_key key, const char *name);

/* bench_cert_client_new builds a client context in mode mandatory without
 * any peer check: a benchmark measures the connection, not the trust
 * decision. Returns 0 with *out_cli, or RL_EINVAL / RL_ENOMEM with `diag`. */
int bench_cert_client_new(struct tls_client **out_cli, struct rl_diag *diag);

#endif
