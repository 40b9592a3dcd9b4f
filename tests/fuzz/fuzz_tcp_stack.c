/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for dataplane/net: arbitrary frame sequences into one
 * stack instance that listens (an echo service) and has an active open.
 * Input: records of [flags][len hi][len lo][octets]; flags bit 0: the port
 * verified checksums, bit 1: the octets are a bare TCP segment from
 * 10.0.0.9 (wrapped in Ethernet and IPv4 here), bits 2-4: milliseconds to
 * advance (x 50); bit 7 of the first record's flags: the port does TSO (the
 * stack hands it super-segments, ops.tx_tso). Never a crash; and no stall: once the application
 * closes everything, every connection object must be released within the configured timeouts, and
 * every payload buffer returned. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_stack.h"
#include "tcp_wire.h"

#define PEER_IP 0x0a000009u
#define OUR_IP 0x0a000002u

static long bufs_out;

static int
fz_tx(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl)
{
    (void)ctx;
    /* touch every octet, as a port would */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < hdr_len; i++) {
        sink ^= hdr[i];
    }
    for (size_t i = 0; i < n_pl; i++) {
        for (uint32_t j = 0; j < pl[i].len; j++) {
            sink ^= pl[i].data[j];
        }
    }
    (void)sink;
    return 0;
}

/* A TSO super-segment: more than one segment of `seg` octets, headers
 * through the TCP options, the checksums left to the port. */
static int
fz_tx_tso(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl,
          uint32_t seg)
{
    size_t total = 0;
    for (size_t i = 0; i < n_pl; i++) {
        total += pl[i].len;
    }
    if (seg == 0 || total <= seg || total > 65535 || hdr_len < 54 || hdr[14 + 10] != 0 ||
        hdr[14 + 11] != 0) {
        abort(); /* off the ops.tx_tso contract */
    }
    return fz_tx(ctx, hdr, hdr_len, pl, n_pl);
}

static void *
fz_alloc(void *ctx, uint8_t **out_data, uint32_t *out_cap)
{
    (void)ctx;
    uint8_t *b = malloc(1024);
    if (b) {
        bufs_out++;
        *out_data = b;
        *out_cap = 1024;
    }
    return b;
}

static void
fz_free(void *ctx, void *buf)
{
    (void)ctx;
    bufs_out--;
    free(buf);
}

static void
app_run(struct tcp_stack *st, uint32_t lh, uint32_t *held, size_t *n_held, uint64_t now)
{
    struct tcp_event ev[32];
    size_t n = tcp_stack_poll(st, ev, 32);
    (void)n;
    uint32_t h, ip;
    uint16_t port;
    while (*n_held < 64 && tcp_stack_accept(st, &h, &ip, &port, lh, 1) == 0) {
        held[(*n_held)++] = h;
    }
    uint8_t buf[2048];
    for (size_t i = 0; i < *n_held; i++) {
        size_t r = 0, w = 0;
        int rc = tcp_stack_read(st, &r, held[i], buf, sizeof(buf));
        if (rc == 0 && r > 0) {
            (void)tcp_stack_write(st, &w, held[i], buf, r, now);
        } else if (rc == 0 || rc == RL_EIO) {
            tcp_stack_close(st, held[i], false, now);
            held[i] = held[--(*n_held)];
            i--;
        }
    }
    tcp_stack_flush(st, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tcp_stack_config cfg = {
        .mac = {2, 0, 0, 0, 0, 2},
        .ip = OUR_IP,
        .prefix_len = 24,
        .max_conns = 64,
        .max_listeners = 2,
        .rcvbuf = 4096,
        .sndbuf = 4096,
        .max_retries = 3,
        .syn_retries = 2,
        .max_rto_ms = 2000,
        .time_wait_ms = 1000,
        .fin_timeout_ms = 2000,
        .keepalive_ms = 5000,
        .keepalive_intvl_ms = 1000,
        .keepalive_probes = 2,
        .syn_backlog = 4,
        .accept_backlog = 8,
        .secret = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
    };
    struct tcp_stack_ops ops = {
        .tx = fz_tx, .tx_tso = fz_tx_tso, .buf_alloc = fz_alloc, .buf_free = fz_free};
    if (size > 0 && (data[0] & 0x80)) {
        cfg.tso_max = 16384;
    }
    struct tcp_stack *st;
    uint64_t now = 1000000;
    bufs_out = 0;
    if (tcp_stack_new(&st, NULL, &cfg, &ops, now) != 0) {
        abort();
    }
    uint8_t peer_mac[6] = {2, 0, 0, 0, 0, 9};
    tcp_stack_arp_add(st, PEER_IP, peer_mac);
    uint32_t lh, ah;
    if (tcp_stack_listen(st, &lh, 25, 7) != 0 ||
        tcp_stack_connect(st, &ah, PEER_IP, 80, 8, now) != 0) {
        abort();
    }
    uint32_t held[64];
    size_t n_held = 0;
    held[n_held++] = ah;
    static uint8_t frame[70000];
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t flags = data[i];
        size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        if (len > size - i) {
            len = size - i;
        }
        now += (uint64_t)((flags >> 2) & 7) * 50000;
        if (flags & 2) {
            /* a bare TCP segment: wrap it */
            tcp_wire_eth_hdr(frame, cfg.mac, peer_mac, TCP_ETHERTYPE_IPV4);
            tcp_wire_ip_hdr(frame + 14, PEER_IP, OUR_IP, TCP_IP_PROTO_TCP, (uint16_t)(20 + len), 1,
                            64);
            memcpy(frame + 34, data + i, len);
            tcp_stack_input(st, frame, 34 + len, (flags & 1) != 0, now);
        } else {
            tcp_stack_input(st, data + i, len, (flags & 1) != 0, now);
        }
        i += len;
        tcp_stack_flush(st, now);
        tcp_stack_timers(st, now);
        app_run(st, lh, held, &n_held, now);
    }
    /* the application lets go of everything; the stack must drain */
    for (size_t k = 0; k < n_held; k++) {
        tcp_stack_close(st, held[k], false, now);
    }
    tcp_stack_close(st, lh, false, now);
    for (int t = 0; t < 600; t++) {
        now += 100000;
        tcp_stack_flush(st, now);
        tcp_stack_timers(st, now);
        tcp_stack_flush(st, now);
    }
    if (tcp_stack_conn_count(st) != 0) {
        abort(); /* a connection that never leaves: a stall */
    }
    tcp_stack_free(st);
    if (bufs_out != 0) {
        abort();
    }
    return 0;
}
