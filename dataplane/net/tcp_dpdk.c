/* SPDX-License-Identifier: Apache-2.0 */
/* DPDK glue of the user-space stack: EAL, port and queues, mbuf pools, the
 * per-core poll turn, zero-copy transmit (payload mbufs attached to the
 * header mbuf as indirect segments), software Toeplitz steering with rte_ring
 * hand-off. A core object on its own lcore only. */
#include "tcp_dpdk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "tcp_wire.h"

#define BURST 32
#define RING_SIZE 4096
#define DESC 1024
#define MAX_CORES 64
#define TAP_TSO_SEGS 60 /* net_tap: segments per super-segment (tso_setup) */

/* A symmetric Toeplitz key: 0x6d5a repeated hashes (a, b) like (b, a), so
 * both directions of a connection land on one core. */
static const uint8_t sym_key[40] = {0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

struct tcp_dpdk_waker {
    void (*fn)(void *ctx);
    void *ctx;
};

struct tcp_dpdk_group {
    uint16_t port, n_cores;
    bool rss, tx_multiseg, tx_csum, rx_csum, rx_intr;
    bool tso;          /* the port segments TCP (RTE_ETH_TX_OFFLOAD_TCP_TSO) and cores use it */
    bool tso_offered;  /* it could: tcp_dpdk_group_set_tso may turn it back on */
    bool tso_tap;      /* net_tap's software TSO: its quirks (core_tx_tso) */
    uint32_t tso_max;  /* payload octets per super-segment */
    uint16_t tso_segs; /* segments per super-segment at most, 0 = any */
    uint16_t mtu;
    uint16_t n_rxq;     /* RX queues: core i reads queue i when i < n_rxq */
    uint16_t reta_size; /* RSS: entries of the indirection table (entry i -> queue i % n) */
    uint8_t mac[6];
    char name[RTE_ETH_NAME_MAX_LEN];
    char driver[64];
    struct rte_mempool *mp;       /* frames and payload */
    struct rte_mempool *mp_indir; /* indirect segments pointing into payload */
    struct rte_ring *handoff[MAX_CORES];
    struct tcp_dpdk_waker wakers[MAX_CORES];
    bool started;
};

struct tcp_dpdk_core {
    struct tcp_dpdk_group *g;
    uint16_t index;
    struct tcp_stack *st;
    struct rte_mbuf *txq[BURST];
    uint16_t n_tx;
    uint64_t poked; /* cores handed a frame during this poll (bit per core) */
    struct tcp_dpdk_stats stats;
    uint8_t scratch[16384]; /* a multi-segment frame, made contiguous */
} __rte_cache_aligned;

int
tcp_dpdk_eal_init(struct rl_diag *diag, int argc, char **argv)
{
    if (rte_eal_init(argc, argv) < 0) {
        rl_diag_set(diag, "eal", "rte_eal_init: %s", rte_strerror(rte_errno));
        return RL_EIO;
    }
    return 0;
}

uint64_t
tcp_dpdk_now_us(void)
{
    static uint64_t hz;
    if (!hz) {
        hz = rte_get_tsc_hz();
    }
    uint64_t t = rte_get_tsc_cycles();
    return t / hz * 1000000u + (t % hz) * 1000000u / hz;
}

uint16_t
tcp_dpdk_flow_owner(uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport, uint16_t n_cores)
{
    if (n_cores <= 1) {
        return 0;
    }
    uint32_t tuple[3] = {sip, dip, (uint32_t)sport << 16 | dport};
    return (uint16_t)(rte_softrss(tuple, 3, sym_key) % n_cores);
}

static int
port_fail(struct rl_diag *diag, const char *what, uint16_t port, int rc)
{
    rl_diag_set(diag, "port", "%s on port %u: %s", what, port, rte_strerror(-rc));
    return RL_EIO;
}

/* owner_of maps a Toeplitz hash to its core: as the indirection table the
 * group programmed on an RSS port, modulo the cores otherwise. */
static uint16_t
owner_of(const struct tcp_dpdk_group *g, uint32_t hash)
{
    if (g->rss && g->reta_size > 0) {
        return (uint16_t)((hash % g->reta_size) % g->n_cores);
    }
    return (uint16_t)(hash % g->n_cores);
}

static uint16_t
group_owner(const struct tcp_dpdk_group *g, uint32_t sip, uint16_t sport, uint32_t dip,
            uint16_t dport)
{
    if (g->n_cores <= 1) {
        return 0;
    }
    uint32_t tuple[3] = {sip, dip, (uint32_t)sport << 16 | dport};
    return owner_of(g, rte_softrss(tuple, 3, sym_key));
}

/* program_reta spreads the indirection table evenly (entry i -> queue i %
 * n), which owner_of assumes; false when the port refuses. */
static bool
program_reta(struct tcp_dpdk_group *g, uint16_t reta_size)
{
    struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
    if (reta_size == 0 || reta_size > 512) {
        return false;
    }
    memset(reta, 0, sizeof(reta));
    for (uint16_t i = 0; i < reta_size; i++) {
        reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
        reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % g->n_cores;
    }
    if (rte_eth_dev_rss_reta_update(g->port, reta, reta_size) != 0) {
        return false;
    }
    g->reta_size = reta_size;
    return true;
}

/* tso_setup asks for TSO where the port offers it with the checksum
 * offloads and chains it implies (NICs; net_tap, in software: rte_gso and
 * its own checksums; not memif or ring) and takes a chain of the header and
 * TCP_TSO_IOV_MAX payload pieces (a piece is whatever the application
 * wrote, however short: its count, not the octets, bounds the chain). */
static void
tso_setup(struct tcp_dpdk_group *g, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
    uint64_t need = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
                    RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    if ((info->tx_offload_capa & need) != need) {
        return;
    }
    g->tso_tap = strcmp(g->driver, "net_tap") == 0;
    uint16_t segs = info->tx_desc_lim.nb_seg_max;
    if (!g->tso_tap && segs > 0 && segs < TCP_TSO_IOV_MAX + 1) {
        return;
    }
    conf->txmode.offloads |= need;
    g->tso = g->tso_offered = true;
    g->tso_max = 65535u - TCP_IP_HLEN - TCP_TCP_HLEN_MAX;
    /* net_tap (22.11) cuts at most MAX_GSO_MBUFS (64) segments from a
     * frame and drops one that needs more (small MSS: 536 without the
     * option); its segments may be 14 octets shorter than the stack's
     * (core_tx_tso), so a few to spare */
    g->tso_segs = g->tso_tap ? TAP_TSO_SEGS : 0;
}

/* port_setup configures, sets the queues up and starts the port; with
 * `intr`, RX interrupts too. Returns 0 or a negative errno. */
static int
port_setup(struct tcp_dpdk_group *g, struct rte_eth_conf *conf, bool intr, int socket,
           const char **what)
{
    conf->intr_conf.rxq = intr ? 1 : 0;
    uint16_t nq = g->n_rxq;
    int rc = rte_eth_dev_configure(g->port, nq, g->n_cores, conf);
    *what = "rte_eth_dev_configure";
    for (uint16_t q = 0; rc == 0 && q < nq; q++) {
        rc = rte_eth_rx_queue_setup(g->port, q, DESC, (unsigned)socket, NULL, g->mp);
        *what = "rte_eth_rx_queue_setup";
    }
    for (uint16_t q = 0; rc == 0 && q < g->n_cores; q++) {
        rc = rte_eth_tx_queue_setup(g->port, q, DESC, (unsigned)socket, NULL);
        *what = "rte_eth_tx_queue_setup";
    }
    if (rc == 0) {
        rc = rte_eth_dev_start(g->port);
        *what = "rte_eth_dev_start";
    }
    if (rc == 0 && intr && rte_eth_dev_rx_intr_ctl_q_get_fd(g->port, 0) < 0) {
        (void)rte_eth_dev_stop(g->port);
        rc = -ENOTSUP;
    }
    return rc;
}

int
tcp_dpdk_group_new(struct tcp_dpdk_group **out_g, struct rl_diag *diag, uint16_t port,
                   uint16_t n_cores, uint32_t n_mbufs, bool rx_intr)
{
    if (!rte_eth_dev_is_valid_port(port)) {
        return rl_diag_set(diag, "port", "no DPDK port %u", port);
    }
    if (n_cores == 0 || n_cores > MAX_CORES) {
        return rl_diag_set(diag, "cores", "1..%d cores per port, not %u", MAX_CORES, n_cores);
    }
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc) {
        return port_fail(diag, "rte_eth_dev_info_get", port, rc);
    }
    struct tcp_dpdk_group *g = calloc(1, sizeof(*g));
    if (!g) {
        return RL_ENOMEM;
    }
    g->port = port;
    g->n_cores = n_cores;
    if (rte_eth_dev_get_name_by_port(port, g->name) != 0) {
        snprintf(g->name, sizeof(g->name), "port%u", port);
    }
    snprintf(g->driver, sizeof(g->driver), "%s", info.driver_name ? info.driver_name : "");
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    uint64_t rss_hf =
        info.flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4);
    /* RSS only with an indirection table we can program: owner_of must
     * agree with the port on every flow's core (net_tap announces RSS but,
     * without its flow support, has no table). */
    if (n_cores > 1 && rss_hf && info.max_rx_queues >= n_cores && info.reta_size > 0 &&
        info.reta_size <= 512) {
        g->rss = true;
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)sym_key;
        conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(sym_key);
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    }
    uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
    if ((info.rx_offload_capa & rx_ck) == rx_ck) {
        conf.rxmode.offloads |= rx_ck;
        g->rx_csum = true;
    }
    /* net_tap's software "offload" sums each segment of a chain from an
     * even offset (DPDK 22.11 tap_tx_l4_add_rcksum), so a payload piece of
     * odd length leaves a wrong checksum that the kernel drops: the stack
     * sums tap frames itself (pieces at any offset, tcp_conn.c sum_iov). */
    if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
        strcmp(g->driver, "net_tap") != 0) {
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
        g->tx_csum = true;
    }
    /* ring and memif hand mbuf chains over as they are */
    const char *drv = info.driver_name ? info.driver_name : "";
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
        g->tx_multiseg = true;
    } else if (strstr(drv, "ring") || strstr(drv, "memif")) {
        g->tx_multiseg = true;
    }
    tso_setup(g, &info, &conf);
    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0) {
        socket = (int)rte_socket_id();
    }
    char name[64];
    snprintf(name, sizeof(name), "rlnet_mp_%u", port);
    g->mp = rte_pktmbuf_pool_create(name, n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    snprintf(name, sizeof(name), "rlnet_ind_%u", port);
    g->mp_indir = rte_pktmbuf_pool_create(name, n_mbufs, 256, 0, 0, socket);
    if (!g->mp || !g->mp_indir) {
        rl_diag_set(diag, "mbufs", "mbuf pool of %u: %s", n_mbufs, rte_strerror(rte_errno));
        tcp_dpdk_group_free(g);
        return RL_ENOMEM;
    }
    /* One RX queue per core where the port has them (each steers what it
     * receives, unless RSS did), else queue 0 on core 0 for all (ring). */
    g->n_rxq = g->rss ? n_cores : (uint16_t)RTE_MIN(n_cores, RTE_MAX(info.max_rx_queues, 1));
    /* RX interrupts only where the descriptor is readable while frames
     * wait (net_tap: the queue's own tap descriptor); a PMD whose interrupt
     * is edge-like could lose a wake-up between the last poll and the arming. */
    bool intr = rx_intr && strcmp(g->driver, "net_tap") == 0;
    const char *what = NULL;
    rc = port_setup(g, &conf, intr, socket, &what);
    if (rc != 0 && intr) {
        intr = false; /* the port refused them: poll and nap instead */
        rc = port_setup(g, &conf, false, socket, &what);
    }
    if (rc) {
        tcp_dpdk_group_free(g);
        return port_fail(diag, what, port, rc);
    }
    g->started = true;
    g->rx_intr = intr;
    if (g->rss && !program_reta(g, info.reta_size)) {
        /* the table refused: steer in software instead */
        (void)rte_eth_dev_stop(port);
        g->rss = false;
        g->n_rxq = (uint16_t)RTE_MIN(n_cores, RTE_MAX(info.max_rx_queues, 1));
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
        memset(&conf.rx_adv_conf.rss_conf, 0, sizeof(conf.rx_adv_conf.rss_conf));
        rc = port_setup(g, &conf, intr, socket, &what);
        if (rc) {
            g->started = false;
            tcp_dpdk_group_free(g);
            return port_fail(diag, what, port, rc);
        }
    }
    if (n_cores > 1) {
        for (uint16_t i = 0; i < n_cores; i++) {
            snprintf(name, sizeof(name), "rlnet_ho_%u_%u", port, i);
            g->handoff[i] = rte_ring_create(name, RING_SIZE, socket, RING_F_SC_DEQ);
            if (!g->handoff[i]) {
                rl_diag_set(diag, "handoff", "rte_ring_create: %s", rte_strerror(rte_errno));
                tcp_dpdk_group_free(g);
                return RL_ENOMEM;
            }
        }
    }
    if (rte_eth_dev_get_mtu(port, &g->mtu) != 0) {
        g->mtu = RTE_ETHER_MTU;
    }
    (void)rte_eth_promiscuous_enable(port); /* some vdevs refuse: harmless */
    struct rte_ether_addr mac;
    if (rte_eth_macaddr_get(port, &mac) == 0) {
        memcpy(g->mac, mac.addr_bytes, 6);
    }
    *out_g = g;
    return 0;
}

void
tcp_dpdk_group_free(struct tcp_dpdk_group *g)
{
    if (!g) {
        return;
    }
    if (g->started) {
        (void)rte_eth_dev_stop(g->port);
    }
    for (size_t i = 0; i < MAX_CORES; i++) {
        if (g->handoff[i]) {
            struct rte_mbuf *m;
            while (rte_ring_dequeue(g->handoff[i], (void **)&m) == 0) {
                rte_pktmbuf_free(m);
            }
            rte_ring_free(g->handoff[i]);
        }
    }
    free(g);
    /* the pools stay with the EAL: the port may still hold their mbufs */
}

void
tcp_dpdk_group_mac(const struct tcp_dpdk_group *g, uint8_t out[6])
{
    memcpy(out, g->mac, 6);
}

bool
tcp_dpdk_group_rss(const struct tcp_dpdk_group *g)
{
    return g->rss;
}

bool
tcp_dpdk_group_rx_intr(const struct tcp_dpdk_group *g)
{
    return g->rx_intr;
}

bool
tcp_dpdk_group_tso(const struct tcp_dpdk_group *g)
{
    return g->tso;
}

bool
tcp_dpdk_group_tx_csum(const struct tcp_dpdk_group *g)
{
    return g->tx_csum;
}

void
tcp_dpdk_group_set_tso(struct tcp_dpdk_group *g, bool on)
{
    g->tso = on && g->tso_offered;
}

const char *
tcp_dpdk_group_name(const struct tcp_dpdk_group *g)
{
    return g->name;
}

const char *
tcp_dpdk_group_driver(const struct tcp_dpdk_group *g)
{
    return g->driver;
}

void
tcp_dpdk_group_set_waker(struct tcp_dpdk_group *g, uint16_t index, void (*fn)(void *ctx), void *ctx)
{
    if (index < MAX_CORES) {
        g->wakers[index].fn = fn;
        g->wakers[index].ctx = ctx;
    }
}

/* ---- the stack's environment ---- */

static void
tx_burst(struct tcp_dpdk_core *c)
{
    if (!c->n_tx) {
        return;
    }
    uint16_t sent = rte_eth_tx_burst(c->g->port, c->index, c->txq, c->n_tx);
    c->stats.tx_pkts += sent;
    for (uint16_t i = sent; i < c->n_tx; i++) {
        rte_pktmbuf_free(c->txq[i]); /* TCP recovers as from a loss */
        c->stats.tx_dropped++;
    }
    c->n_tx = 0;
}

/* header_mbuf returns a new mbuf holding the `hdr_len` octets at `hdr`. */
static struct rte_mbuf *
header_mbuf(struct tcp_dpdk_core *c, const uint8_t *hdr, size_t hdr_len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->g->mp);
    if (!m) {
        c->stats.tx_alloc_failed++;
        return NULL;
    }
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hdr_len);
    memcpy(p, hdr, hdr_len);
    return m;
}

/* attach_payload chains the payload pieces to `m` as indirect segments
 * over the payload mbufs (zero copy). Frees `m` on failure. */
static int
attach_payload(struct tcp_dpdk_core *c, struct rte_mbuf *m, const struct tcp_iov *pl, size_t n_pl)
{
    for (size_t i = 0; i < n_pl; i++) {
        struct rte_mbuf *mi = rte_pktmbuf_alloc(c->g->mp_indir);
        if (!mi) {
            rte_pktmbuf_free(m);
            c->stats.tx_alloc_failed++;
            return RL_ENOMEM;
        }
        rte_pktmbuf_attach(mi, pl[i].buf);
        mi->data_off = (uint16_t)(pl[i].data - (const uint8_t *)mi->buf_addr);
        mi->data_len = (uint16_t)pl[i].len;
        mi->pkt_len = pl[i].len;
        if (rte_pktmbuf_chain(m, mi) != 0) {
            rte_pktmbuf_free(mi);
            rte_pktmbuf_free(m);
            return RL_ENOMEM;
        }
    }
    return 0;
}

static void
tx_enqueue(struct tcp_dpdk_core *c, struct rte_mbuf *m)
{
    c->txq[c->n_tx++] = m;
    if (c->n_tx == BURST) {
        tx_burst(c);
    }
}

static int
core_tx(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl)
{
    struct tcp_dpdk_core *c = ctx;
    struct rte_mbuf *m = header_mbuf(c, hdr, hdr_len);
    if (!m) {
        return RL_ENOMEM;
    }
    if (c->g->tx_multiseg) {
        if (attach_payload(c, m, pl, n_pl) != 0) {
            return RL_ENOMEM;
        }
    } else {
        for (size_t i = 0; i < n_pl; i++) {
            uint8_t *q = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)pl[i].len);
            if (!q) {
                rte_pktmbuf_free(m);
                return RL_ENOMEM;
            }
            memcpy(q, pl[i].data, pl[i].len);
        }
    }
    if (c->g->tx_csum && hdr_len >= TCP_ETH_HLEN + TCP_IP_HLEN + TCP_TCP_HLEN &&
        hdr[TCP_ETH_HLEN + 9] == TCP_IP_PROTO_TCP && tcp_rd16(hdr + 12) == TCP_ETHERTYPE_IPV4) {
        /* the stack left the pseudo-header sum for the port to complete */
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
        m->l2_len = TCP_ETH_HLEN;
        m->l3_len = TCP_IP_HLEN;
    }
    tx_enqueue(c, m);
    return 0;
}

/* copy_per_segment chains the payload to `m` copied into one mbuf per
 * `seg` octets. net_tap needs it: its software checksum sums every mbuf of
 * a chain as if it started at an even offset (DPDK 22.11
 * tap_tx_l4_add_rcksum), and rte_gso cuts segments out of the chain's mbufs;
 * with one mbuf per segment each cut segment is its headers and one piece,
 * which it sums right. Frees `m` on failure. */
static int
copy_per_segment(struct tcp_dpdk_core *c, struct rte_mbuf *m, const struct tcp_iov *pl, size_t n_pl,
                 uint32_t seg)
{
    struct rte_mbuf *cur = NULL;
    for (size_t i = 0; i < n_pl; i++) {
        const uint8_t *src = pl[i].data;
        uint32_t left = pl[i].len;
        while (left > 0) {
            if (cur == NULL || cur->data_len == seg) {
                cur = rte_pktmbuf_alloc(c->g->mp);
                if (cur == NULL || rte_pktmbuf_chain(m, cur) != 0) {
                    rte_pktmbuf_free(cur);
                    rte_pktmbuf_free(m);
                    c->stats.tx_alloc_failed++;
                    return RL_ENOMEM;
                }
            }
            uint32_t take = seg - cur->data_len < left ? seg - cur->data_len : left;
            uint8_t *q = rte_pktmbuf_mtod_offset(cur, uint8_t *, cur->data_len);
            memcpy(q, src, take);
            cur->data_len = (uint16_t)(cur->data_len + take);
            m->pkt_len += take;
            src += take;
            left -= take;
        }
    }
    return 0;
}

/* core_tx_tso hands the port one TCP super-segment to cut into `seg`-octet
 * segments (ops.tx_tso): the stack zeroed the IPv4 checksum and wrote the
 * pseudo-header sum without the length, as RTE_MBUF_F_TX_TCP_SEG wants. */
static int
core_tx_tso(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl,
            uint32_t seg)
{
    struct tcp_dpdk_core *c = ctx;
    if (c->g->tso_tap && seg + hdr_len > c->g->mtu) {
        /* net_tap (22.11) checks tso_segsz + l2 + l3 + l4 against the MTU,
         * Ethernet header included: its segments are 14 octets short */
        seg = c->g->mtu - (uint32_t)hdr_len;
    }
    if (c->g->tso_tap && seg > RTE_MBUF_DEFAULT_DATAROOM) {
        seg = RTE_MBUF_DEFAULT_DATAROOM; /* one mbuf per segment (copy_per_segment) */
    }
    struct rte_mbuf *m = header_mbuf(c, hdr, hdr_len);
    if (!m) {
        return RL_ENOMEM;
    }
    int rc = c->g->tso_tap ? copy_per_segment(c, m, pl, n_pl, seg) : attach_payload(c, m, pl, n_pl);
    if (rc != 0) {
        return rc;
    }
    m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
                   RTE_MBUF_F_TX_TCP_CKSUM;
    m->l2_len = TCP_ETH_HLEN;
    m->l3_len = TCP_IP_HLEN;
    m->l4_len = (uint16_t)(hdr_len - TCP_ETH_HLEN - TCP_IP_HLEN);
    m->tso_segsz = (uint16_t)seg;
    tx_enqueue(c, m);
    return 0;
}

static void *
core_buf_alloc(void *ctx, uint8_t **out_data, uint32_t *out_cap)
{
    struct tcp_dpdk_core *c = ctx;
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->g->mp);
    if (!m) {
        return NULL;
    }
    m->data_off = 0; /* payload only: no headroom needed */
    *out_data = (uint8_t *)m->buf_addr;
    *out_cap = m->buf_len;
    return m;
}

static void
core_buf_free(void *ctx, void *buf)
{
    (void)ctx;
    rte_pktmbuf_free(buf);
}

static bool
core_flow_local(void *ctx, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
    struct tcp_dpdk_core *c = ctx;
    return group_owner(c->g, rip, rport, lip, lport) == c->index;
}

int
tcp_dpdk_core_new(struct tcp_dpdk_core **out_c, struct rl_diag *diag, struct tcp_dpdk_group *g,
                  uint16_t index, const struct tcp_stack_config *cfg)
{
    if (index >= g->n_cores) {
        return rl_diag_set(diag, "core", "core %u of %u", index, g->n_cores);
    }
    struct tcp_dpdk_core *c =
        rte_zmalloc_socket("rlnet_core", sizeof(*c), RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
    if (!c) {
        return RL_ENOMEM;
    }
    c->g = g;
    c->index = index;
    struct tcp_stack_config sc = *cfg;
    static const uint8_t zero[6] = {0};
    if (memcmp(sc.mac, zero, 6) == 0) {
        memcpy(sc.mac, g->mac, 6);
    }
    sc.tx_csum_offload = g->tx_csum;
    sc.tso_max = g->tso ? g->tso_max : 0;
    sc.tso_segs_max = g->tso_segs;
    c->stats.offload_tx_csum = g->tx_csum;
    c->stats.offload_tso = g->tso;
    struct tcp_stack_ops ops = {.ctx = c,
                                .tx = core_tx,
                                .tx_tso = core_tx_tso,
                                .buf_alloc = core_buf_alloc,
                                .buf_free = core_buf_free,
                                .flow_local = g->n_cores > 1 ? core_flow_local : NULL};
    int rc = tcp_stack_new(&c->st, diag, &sc, &ops, tcp_dpdk_now_us());
    if (rc) {
        rte_free(c);
        return rc;
    }
    *out_c = c;
    return 0;
}

void
tcp_dpdk_core_free(struct tcp_dpdk_core *c)
{
    if (!c) {
        return;
    }
    tx_burst(c);
    tcp_stack_free(c->st);
    rte_free(c);
}

struct tcp_stack *
tcp_dpdk_core_stack(struct tcp_dpdk_core *c)
{
    return c->st;
}

const struct tcp_dpdk_stats *
tcp_dpdk_core_stats(const struct tcp_dpdk_core *c)
{
    return &c->stats;
}

/* Which core owns a received frame: IPv4/TCP by its tuple, the rest (ARP,
 * ICMP) stays with the receiving core, which answers for the address. */
static uint16_t
frame_owner(const struct tcp_dpdk_core *c, const uint8_t *f, size_t len)
{
    if (len < TCP_ETH_HLEN + TCP_IP_HLEN + 4 || tcp_rd16(f + 12) != TCP_ETHERTYPE_IPV4) {
        return c->index;
    }
    const uint8_t *ip = f + TCP_ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    if (ip[9] != TCP_IP_PROTO_TCP || ihl < TCP_IP_HLEN || len < TCP_ETH_HLEN + ihl + 4) {
        return c->index;
    }
    const uint8_t *t = ip + ihl;
    return group_owner(c->g, tcp_rd32(ip + 12), tcp_rd16(t), tcp_rd32(ip + 16), tcp_rd16(t + 2));
}

/* handoff gives frame `m` to core `to`'s ring, and marks it to be woken. */
static void
handoff(struct tcp_dpdk_core *c, uint16_t to, struct rte_mbuf *m)
{
    if (rte_ring_enqueue(c->g->handoff[to], m) == 0) {
        c->stats.handoff_out++;
        c->poked |= 1ULL << to;
    } else {
        c->stats.handoff_dropped++;
        rte_pktmbuf_free(m);
    }
}

static bool
arp_reply(const struct rte_mbuf *m)
{
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    return m->data_len >= TCP_ETH_HLEN + TCP_ARP_LEN && tcp_rd16(f + 12) == TCP_ETHERTYPE_ARP &&
           tcp_rd16(f + TCP_ETH_HLEN + 6) == 2;
}

static void
share_arp(struct tcp_dpdk_core *c, struct rte_mbuf *m)
{
    for (uint16_t i = 0; i < c->g->n_cores; i++) {
        if (i == c->index) {
            continue;
        }
        rte_mbuf_refcnt_update(m, 1);
        handoff(c, i, m);
    }
}

static void
input_mbuf(struct tcp_dpdk_core *c, struct rte_mbuf *m, uint64_t now_us)
{
    const uint8_t *f;
    uint32_t len = rte_pktmbuf_pkt_len(m);
    if (m->nb_segs == 1) {
        f = rte_pktmbuf_mtod(m, const uint8_t *);
    } else {
        if (len > sizeof(c->scratch)) {
            len = sizeof(c->scratch);
        }
        f = rte_pktmbuf_read(m, 0, len, c->scratch);
        c->stats.rx_linearized++;
    }
    bool ok = c->g->rx_csum &&
              (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
              (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    if (f) {
        tcp_stack_input(c->st, f, len, ok, now_us);
    }
    rte_pktmbuf_free(m);
}

size_t
tcp_dpdk_core_poll(struct tcp_dpdk_core *c, uint64_t now_us)
{
    struct rte_mbuf *pkts[BURST];
    size_t got = 0;
    if (c->index < c->g->n_rxq) {
        uint16_t n = rte_eth_rx_burst(c->g->port, c->index, pkts, BURST);
        c->stats.rx_bursts++;
        c->stats.rx_pkts += n;
        got += n;
        for (uint16_t i = 0; i < n; i++) {
            struct rte_mbuf *m = pkts[i];
            if (c->g->n_cores > 1 && arp_reply(m)) {
                share_arp(c, m); /* every core's neighbour table learns it */
            }
            uint16_t owner =
                c->g->rss ? c->index
                          : frame_owner(c, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
            if (owner == c->index) {
                input_mbuf(c, m, now_us);
            } else {
                handoff(c, owner, m);
            }
        }
    }
    if (c->g->handoff[c->index]) {
        unsigned n = rte_ring_dequeue_burst(c->g->handoff[c->index], (void **)pkts, BURST, NULL);
        c->stats.handoff_in += n;
        got += n;
        for (unsigned i = 0; i < n; i++) {
            input_mbuf(c, pkts[i], now_us);
        }
    }
    tcp_stack_flush(c->st, now_us);
    tcp_stack_timers(c->st, now_us);
    tcp_stack_flush(c->st, now_us);
    tx_burst(c);
    while (c->poked != 0) {
        unsigned k = (unsigned)__builtin_ctzll(c->poked);
        c->poked &= c->poked - 1;
        if (c->g->wakers[k].fn != NULL) {
            c->g->wakers[k].fn(c->g->wakers[k].ctx);
        }
    }
    return got;
}

int
tcp_dpdk_core_rx_fd(const struct tcp_dpdk_core *c)
{
    if (!c->g->rx_intr || c->index >= c->g->n_rxq) {
        return -1;
    }
    return rte_eth_dev_rx_intr_ctl_q_get_fd(c->g->port, c->index);
}

void
tcp_dpdk_core_rx_intr(struct tcp_dpdk_core *c, bool on)
{
    if (tcp_dpdk_core_rx_fd(c) < 0) {
        return;
    }
    uint16_t q = c->index;
    if (on) {
        (void)rte_eth_dev_rx_intr_enable(c->g->port, q);
    } else {
        (void)rte_eth_dev_rx_intr_disable(c->g->port, q);
    }
}

bool
tcp_dpdk_core_reads_queue(const struct tcp_dpdk_core *c)
{
    return c->index < c->g->n_rxq;
}

bool
tcp_dpdk_core_pending(const struct tcp_dpdk_core *c)
{
    return c->g->handoff[c->index] != NULL && rte_ring_count(c->g->handoff[c->index]) > 0;
}

static const char *const port_stats_names[] = {
#define TCP_DPDK_PORT_STATS_NAME(name) #name,
    TCP_DPDK_PORT_STATS_FIELDS(TCP_DPDK_PORT_STATS_NAME)
#undef TCP_DPDK_PORT_STATS_NAME
};
_Static_assert(sizeof(port_stats_names) / sizeof(port_stats_names[0]) == TCP_DPDK_PORT_STATS_COUNT,
               "struct tcp_dpdk_port_stats holds only uint64_t counters");

const char *
tcp_dpdk_port_stats_name(size_t i)
{
    return i < TCP_DPDK_PORT_STATS_COUNT ? port_stats_names[i] : "?";
}

void
tcp_dpdk_core_port_stats(const struct tcp_dpdk_core *c, struct tcp_dpdk_port_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct rte_eth_stats st;
    if (rte_eth_stats_get(c->g->port, &st) != 0) {
        return;
    }
    uint16_t q = c->index; /* its TX queue, and its RX queue if it has one */
    if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
        out->port_tx_packets = st.q_opackets[q];
        out->port_tx_bytes = st.q_obytes[q];
        if (q < c->g->n_rxq) {
            out->port_rx_packets = st.q_ipackets[q];
            out->port_rx_bytes = st.q_ibytes[q];
            out->port_rx_queue_errors = st.q_errors[q];
        }
    }
    if (c->index == 0) {
        out->port_rx_missed = st.imissed;
        out->port_rx_errors = st.ierrors;
        out->port_tx_errors = st.oerrors;
        out->port_rx_nombuf = st.rx_nombuf;
    }
}

void
tcp_dpdk_core_flush(struct tcp_dpdk_core *c, uint64_t now_us)
{
    tcp_stack_flush(c->st, now_us);
    tx_burst(c);
}

static const char *const stats_names[] = {
#define TCP_DPDK_STATS_NAME(name) #name,
    TCP_DPDK_STATS_FIELDS(TCP_DPDK_STATS_NAME)
#undef TCP_DPDK_STATS_NAME
};
_Static_assert(sizeof(stats_names) / sizeof(stats_names[0]) == TCP_DPDK_STATS_COUNT,
               "struct tcp_dpdk_stats holds only uint64_t counters");

const char *
tcp_dpdk_stats_name(size_t i)
{
    return i < TCP_DPDK_STATS_COUNT ? stats_names[i] : "?";
}

uint64_t
tcp_dpdk_stats_value(const struct tcp_dpdk_stats *s, size_t i)
{
    return tcp_counter_at(s, TCP_DPDK_STATS_COUNT, i);
}
