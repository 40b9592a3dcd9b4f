/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the load generator's SMTP client session
 * (bench_client.c): arbitrary server bytes in arbitrary chunks while the
 * caller sends messages and quits as a real one would; checks that output
 * only comes from the script and the lent message, that every transaction
 * ends in exactly one DONE, that errors are sticky, and that a session
 * asking for STARTTLS sends no message in clear. Aborts on any broken
 * invariant. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

static const char hdr[] = "Subject: x\r\n\r\n";
static const char body[] = "hello\r\n..dot\r\n.\r\n";

static bool
inside(const void *p, size_t len, const void *base, size_t base_len)
{
    const uint8_t *a = p;
    const uint8_t *b = base;
    return a >= b && a + len <= b + base_len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    static struct bench_client_script script;
    unsigned n_rcpt = 1 + data[0] % 3;
    bool pipelining = (data[0] & 4) != 0;
    bool starttls = (data[0] & 8) != 0;
    size_t cut = 1 + (data[0] >> 3);
    data++;
    size--;
    check(bench_client_script_init(&script, "h.test", "a@x.test", "y.test", n_rcpt, pipelining,
                                   starttls) == 0);

    struct bench_client c;
    bench_client_init(&c, &script);
    unsigned messages = 0;
    bool in_txn = false;
    size_t off = 0;
    while (off < size) {
        size_t chunk = size - off < cut ? size - off : cut;
        struct bench_client_ev ev;
        size_t used = 0;
        int rc = bench_client_feed(&c, &ev, &used, data + off, chunk);
        check(used <= chunk);
        off += used;
        if (rc != 0) {
            check(rc == RL_EINVAL && ev.type == BENCH_CE_NONE);
            check(bench_client_feed(&c, &ev, &used, data, size) == rc && used == 0);
            break;
        }
        /* write everything queued; it must come from the script or the message */
        const struct iovec *iov;
        unsigned n = bench_client_out(&c, &iov);
        size_t total = 0;
        for (unsigned i = 0; i < n; i++) {
            check(inside(iov[i].iov_base, iov[i].iov_len, script.buf, sizeof(script.buf)) ||
                  inside(iov[i].iov_base, iov[i].iov_len, hdr, sizeof(hdr) - 1) ||
                  inside(iov[i].iov_base, iov[i].iov_len, body, sizeof(body) - 1) ||
                  (iov[i].iov_len == 3 && memcmp(iov[i].iov_base, ".\r\n", 3) == 0));
            /* with STARTTLS wanted, only what lies before RSET in the script (EHLO,
             * HELO, QUIT, STARTTLS) goes in clear */
            check(!starttls || c.tls ||
                  inside(iov[i].iov_base, iov[i].iov_len, script.buf, script.rset_off));
            total += iov[i].iov_len;
        }
        bench_client_sent(&c, total);
        if (ev.type == BENCH_CE_NONE) {
            check(used > 0);
            continue;
        }
        if (ev.type == BENCH_CE_CLOSED || ev.type == BENCH_CE_NO_TLS) {
            check(!in_txn && c.state == BENCH_CS_CLOSED);
            check(ev.type == BENCH_CE_CLOSED || starttls);
            break;
        }
        if (ev.type == BENCH_CE_STARTTLS) {
            /* only once, only when asked for; the handshake "succeeds" */
            check(starttls && !in_txn && !c.tls && n == 0);
            check(bench_client_tls_started(&c) == 0 && c.tls);
            continue;
        }
        if (ev.type == BENCH_CE_READY) {
            check(!in_txn);
        } else {
            check(ev.type == BENCH_CE_DONE && in_txn);
            check((unsigned)ev.outcome < BENCH_OUT__COUNT && ev.code >= 200 && ev.code <= 599);
            in_txn = false;
        }
        if (c.state == BENCH_CS_CLOSED) {
            break;
        }
        if (messages < 3) {
            check(bench_client_send(&c, (const uint8_t *)hdr, sizeof(hdr) - 1,
                                    (const uint8_t *)body, sizeof(body) - 1) == 0);
            in_txn = true;
            messages++;
        } else {
            check(bench_client_quit(&c) == 0);
        }
    }
    return 0;
}
