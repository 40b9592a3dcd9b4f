/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the server side of a TLS connection (tls_conn.c over
 * OpenSSL): the first octet picks the chunk size, the rest is what a client
 * sends after STARTTLS (ClientHello, records, garbage). Never a crash or a
 * leak; a failure is sticky and always named. The context (ECDSA P-256
 * certificate made at start-up, tickets on) is built once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_conn.h"
#include "tls_server.h"
#include "tls_testcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_server *srv;

static struct tls_server *
server(void)
{
    static const char *const dns[] = {"mx.example.test", NULL};
    const struct tls_testcert_req req = {TLS_TESTCERT_P256, "mx.example.test", dns, -1, 30, false};
    struct tls_testcert tc;
    struct tls_profile p;
    struct rl_diag d;
    char dir[] = "/tmp/rl-fuzz-tls-XXXXXX";
    if (mkdtemp(dir) == NULL || tls_testcert_make(&tc, &req, NULL) != 0) {
        abort();
    }
    tls_profile_defaults(&p, TLS_ROLE_SERVER);
    snprintf(p.name, sizeof(p.name), "fuzz");
    snprintf(p.cert_file, sizeof(p.cert_file), "%s/c.pem", dir);
    snprintf(p.key_file, sizeof(p.key_file), "%s/k.pem", dir);
    struct tls_server *s = NULL;
    if (tls_testcert_write(&tc, p.cert_file, p.key_file) != 0 ||
        tls_server_new(&s, &d, &p, NULL, 0) != 0) {
        abort();
    }
    tls_testcert_fini(&tc);
    unlink(p.cert_file);
    unlink(p.key_file);
    rmdir(dir);
    return s;
}

/* drain throws the server's output away, as a network would carry it. */
static void
drain(struct tls_conn *c)
{
    size_t n = 0;
    while (tls_conn_output(c, &n) != NULL) {
        tls_conn_consume(c, n);
    }
}

/* step runs the handshake, then reads; checks the sticky-error promise. */
static int
step(struct tls_conn *c)
{
    uint8_t buf[4096];
    size_t n = 0;
    int rc = tls_conn_done(c) ? tls_conn_read(c, &n, buf, sizeof(buf)) : tls_conn_handshake(c);
    drain(c);
    if (rc == RL_ETLS) {
        if (tls_conn_failure(c) == TLS_FAIL_NONE || tls_conn_reason(c)[0] == '\0' ||
            tls_conn_handshake(c) != RL_ETLS) {
            abort();
        }
    } else if (rc != 0 && rc != RL_EAGAIN) {
        abort();
    }
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (srv == NULL) {
        srv = server();
    }
    if (size == 0) {
        return 0;
    }
    size_t chunk = data[0] == 0 ? size : data[0];
    data++;
    size--;
    struct tls_conn *c = NULL;
    if (tls_conn_accept(&c, srv) != 0) {
        abort();
    }
    int rc = 0;
    while (size > 0 && rc != RL_ETLS) {
        size_t used = 0;
        int f = tls_conn_feed(c, &used, data, size < chunk ? size : chunk);
        if (used > size || (f != 0 && f != RL_EAGAIN && f != RL_ETLS)) {
            abort();
        }
        data += used;
        size -= used;
        rc = step(c);
    }
    if (rc != RL_ETLS) {
        tls_conn_feed_eof(c);
        (void)step(c);
        (void)tls_conn_shutdown(c);
        drain(c);
    }
    tls_conn_free(c);
    return 0;
}
