/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the benchmark sink's SMTP session (bench_server.c):
 * arbitrary client bytes in arbitrary chunks, with and without CHUNKING,
 * STARTTLS and injected failures; checks that the output is whole reply lines, that a
 * message's END length is the sum of its BODY bytes, and that every
 * "250 2.0.0 Ok: queued" matches an accepted END, and that nothing is read
 * between a 220 to STARTTLS and the handshake. Aborts on any broken
 * invariant. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

struct tally {
    uint64_t body;   /* BODY bytes since BEGIN */
    size_t accepted; /* accepted END events */
    size_t queued;   /* "250 2.0.0 Ok: queued" lines written */
    bool in_message; /* BEGIN seen, END or ABORT not yet */
};

static void
drain(struct bench_server *s, struct tally *t)
{
    static const char queued[] = "250 2.0.0 Ok: queued\r\n";
    size_t n;
    const uint8_t *p = bench_server_out(s, &n);
    size_t i = 0;
    while (i < n) {
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        check(lf != NULL);
        size_t len = (size_t)(lf - (p + i)) + 1;
        check(len >= 6 && len <= 512 && p[i + len - 2] == '\r');
        for (size_t k = 0; k < 3; k++) {
            check(p[i + k] >= '0' && p[i + k] <= '9');
        }
        check(p[i + 3] == ' ' || p[i + 3] == '-');
        if (len == sizeof(queued) - 1 && memcmp(p + i, queued, len) == 0) {
            t->queued++;
        }
        i += len;
    }
    bench_server_sent(s, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    /* the first two bytes choose the configuration and the chunking */
    static const int codes[] = {421, 450, 451, 452, 550, 552, 554};
    struct bench_server_cfg cfg = {.hostname = "fuzz.test",
                                   .max_size = 64 + data[0] % 2 * 4096,
                                   .chunking = (data[0] & 2) != 0,
                                   .fail_at = (enum bench_fail_at)(data[0] >> 2 & 7) % 6,
                                   .fail_threshold = (uint64_t)(data[0] >> 5) << 29,
                                   .fail_code = codes[data[1] % 7],
                                   .starttls = (data[1] & 128) != 0};
    uint32_t cut = 1u + data[1];
    data += 2;
    size -= 2;

    struct bench_server s;
    struct tally t = {0};
    bench_server_init(&s, &cfg, cut);
    drain(&s, &t);
    size_t off = 0;
    while (off < size && !bench_server_closing(&s)) {
        size_t chunk = size - off < cut ? size - off : cut;
        size_t done = 0;
        for (;;) {
            struct bench_server_ev ev;
            size_t used = 0;
            check(bench_server_feed(&s, &ev, &used, data + off + done, chunk - done) == 0);
            check(used <= chunk - done);
            done += used;
            drain(&s, &t);
            if (ev.type == BENCH_SE_NONE) {
                if (done == chunk || bench_server_closing(&s)) {
                    break;
                }
                continue;
            }
            switch (ev.type) {
            case BENCH_SE_BEGIN:
                check(!t.in_message);
                t.in_message = true;
                t.body = 0;
                break;
            case BENCH_SE_BODY:
                check(t.in_message && ev.len > 0);
                t.body += ev.len;
                break;
            case BENCH_SE_END:
                check(t.in_message && ev.len == t.body);
                check(ev.accepted == (ev.code == 250));
                t.accepted += ev.accepted ? 1 : 0;
                t.in_message = false;
                break;
            case BENCH_SE_ABORT:
                check(t.in_message);
                t.in_message = false;
                break;
            case BENCH_SE_STARTTLS:
                check(cfg.starttls && !t.in_message);
                check(bench_server_feed(&s, &ev, &used, data, size) == RL_EINVAL && used == 0);
                check(bench_server_tls_started(&s) == 0); /* the handshake "succeeds" */
                break;
            default:
                check(0);
            }
            if (bench_server_closing(&s)) {
                break;
            }
        }
        off += done;
    }
    check(t.queued == t.accepted);
    check(bench_server_in_message(&s) == t.in_message || bench_server_closing(&s));
    return 0;
}
