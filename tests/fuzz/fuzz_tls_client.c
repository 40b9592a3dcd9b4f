/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the client side of a TLS connection (tls_conn.c,
 * tls_verify.c over OpenSSL): the first octet picks the chunk size and the
 * profile's check (none, CA with names, pin; mandatory or opportunistic),
 * the rest is what a next hop answers to our ClientHello. Never a crash or a
 * leak; a failure is sticky and named; an accepted handshake under a
 * mandatory check is a verified one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_client.h"
#include "tls_conn.h"
#include "tls_testcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_CLIENTS 6

static struct tls_client *clients[N_CLIENTS];

/* make_clients builds one client context per (check, mode), trusting a CA
 * made here (a next hop cannot chain to it: CA checks must fail). */
static void
make_clients(void)
{
    static const enum tls_verify how[3] = {TLS_VERIFY_NONE, TLS_VERIFY_CA, TLS_VERIFY_PIN};
    const struct tls_testcert_req req = {TLS_TESTCERT_P256, "Fuzz CA", NULL, -1, 30, true};
    struct tls_testcert ca;
    char dir[] = "/tmp/rl-fuzz-tlsc-XXXXXX";
    char path[64];
    if (mkdtemp(dir) == NULL || tls_testcert_make(&ca, &req, NULL) != 0) {
        abort();
    }
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    if (tls_testcert_write(&ca, path, NULL) != 0) {
        abort();
    }
    for (int i = 0; i < N_CLIENTS; i++) {
        struct tls_profile p;
        struct rl_diag d;
        tls_profile_defaults(&p, TLS_ROLE_CLIENT);
        snprintf(p.name, sizeof(p.name), "fuzz%d", i);
        p.verify = how[i % 3];
        p.mode = i < 3 ? TLS_MODE_MANDATORY : TLS_MODE_OPPORTUNISTIC;
        if (p.verify == TLS_VERIFY_CA) {
            snprintf(p.ca_file, sizeof(p.ca_file), "%s", path);
            snprintf(p.names[0], sizeof(p.names[0]), "mx.example.test");
            p.n_names = 1;
        }
        if (p.verify == TLS_VERIFY_PIN) {
            memset(p.pins[0], 0x42, TLS_PIN_LEN);
            p.n_pins = 1;
        }
        if (tls_client_new(&clients[i], &d, &p) != 0) {
            abort();
        }
    }
    tls_testcert_fini(&ca);
    unlink(path);
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (clients[0] == NULL) {
        make_clients();
    }
    if (size == 0) {
        return 0;
    }
    size_t chunk = (size_t)(data[0] >> 3) * 64 + 1;
    int which = (data[0] & 7) % N_CLIENTS;
    data++;
    size--;
    struct tls_conn *c = NULL;
    if (tls_conn_connect(&c, clients[which], NULL, "mx.example.test") != 0) {
        abort();
    }
    int rc = tls_conn_handshake(c);
    size_t n = 0;
    while (tls_conn_output(c, &n) != NULL) {
        tls_conn_consume(c, n);
    }
    while (size > 0 && rc == RL_EAGAIN) {
        size_t used = 0;
        int f = tls_conn_feed(c, &used, data, size < chunk ? size : chunk);
        if (used > size || (f != 0 && f != RL_EAGAIN)) {
            abort();
        }
        data += used;
        size -= used;
        rc = tls_conn_handshake(c);
        while (tls_conn_output(c, &n) != NULL) {
            tls_conn_consume(c, n);
        }
    }
    if (rc == RL_ETLS && (tls_conn_failure(c) == TLS_FAIL_NONE || tls_conn_reason(c)[0] == '\0')) {
        abort();
    }
    /* Nothing a stranger sends passes a mandatory CA or pin check. */
    if (rc == 0 && which >= 1 && which <= 2) {
        abort();
    }
    tls_conn_free(c);
    return 0;
}
