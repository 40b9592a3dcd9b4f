/* SPDX-License-Identifier: Apache-2.0 */
/* The benchmarks' TLS contexts: profiles filled in code, certificates from
 * files or made now and written to a private temporary directory that is
 * removed before returning. Start-up code; any thread. */
#include "bench_cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
bench_cert_server_new(struct tls_server **out_srv, struct rl_diag *diag, const char *cert,
                      const char *key)
{
    struct tls_profile p;
    tls_profile_defaults(&p, TLS_ROLE_SERVER);
    snprintf(p.name, sizeof(p.name), "bench");
    int a = snprintf(p.cert_file, sizeof(p.cert_file), "%s", cert);
    int b = snprintf(p.key_file, sizeof(p.key_file), "%s", key);
    if (a < 0 || (size_t)a >= sizeof(p.cert_file) || b < 0 || (size_t)b >= sizeof(p.key_file)) {
        return rl_diag_set(diag, "certificate", "file name too long");
    }
    return tls_server_new(out_srv, diag, &p, NULL, 0);
}

int
bench_cert_server_selfsigned(struct tls_server **out_srv, struct rl_diag *diag,
                             enum tls_testcert_key key, const char *name)
{
    const char *const dns[] = {name, NULL};
    const struct tls_testcert_req req = {key, name, dns, -1, 30, false};
    char dir[] = "/tmp/rl-bench-cert-XXXXXX";
    char cert[64];
    char pkey[64];
    if (mkdtemp(dir) == NULL) {
        return rl_diag_set(diag, "/tmp", "cannot make a temporary directory");
    }
    snprintf(cert, sizeof(cert), "%s/c.pem", dir);
    snprintf(pkey, sizeof(pkey), "%s/k.pem", dir);
    struct tls_testcert tc;
    int rc = tls_testcert_make(&tc, &req, NULL);
    if (rc != 0) {
        rc = rl_diag_set(diag, "certificate", "cannot be made");
    } else {
        rc = tls_testcert_write(&tc, cert, pkey);
        tls_testcert_fini(&tc);
        rc = rc != 0 ? rl_diag_set(diag, "certificate", "cannot be written to %s", dir)
                     : bench_cert_server_new(out_srv, diag, cert, pkey);
    }
    unlink(cert);
    unlink(pkey);
    rmdir(dir);
    return rc;
}

int
bench_cert_client_new(struct tls_client **out_cli, struct rl_diag *diag)
{
    struct tls_profile p;
    tls_profile_defaults(&p, TLS_ROLE_CLIENT);
    snprintf(p.name, sizeof(p.name), "bench");
    p.mode = TLS_MODE_MANDATORY;
    p.verify = TLS_VERIFY_NONE;
    return tls_client_new(out_cli, diag, &p);
}
