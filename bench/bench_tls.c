/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench tls`: full handshakes/s with ECDSA P-256 and RSA-2048
 * server certificates, resumed handshakes/s (tickets) and 32 KB record
 * throughput, client and server in this one pinned thread over memory, the
 * server's own calls timed apart; `openssl speed` runs on the same core in
 * the same invocation as the reference. Touches a temporary directory (the
 * certificates), runs `openssl`, writes stdout/stderr and --json. */
#include "bench_tls.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "bench_cert.h"
#include "bench_report.h"
#include "internal.h"
#include "tls_client.h"
#include "tls_conn.h"
#include "tls_server.h"
#include "tls_testcert.h"

#define RECORD_BYTES ((size_t)32 * 1024) /* plaintext per tls_conn_write in the bulk test */
#define SIGN_TARGET 0.70                 /* issue 4: full handshakes >= 70% of the sign rate */

struct options {
    double seconds;   /* per measurement */
    bool openssl;     /* run `openssl speed` */
    const char *json; /* --json FILE or NULL */
};

/* What `openssl speed` measured, per second; 0 when not run or not parsed. */
struct reference {
    double ecdsa_sign; /* ecdsap256 sign/s */
    double rsa_sign;   /* rsa2048 sign/s */
    double x25519;     /* ecdhx25519 op/s */
    double gcm_bytes;  /* AES-128-GCM encrypt, 16 KB blocks, bytes/s */
};

/* One handshake measurement. */
struct figure {
    const char *name;
    const char *cert;  /* "ecdsa-p256" or "rsa2048" */
    bool resumed;      /* resumed handshakes (tickets) */
    unsigned long n;   /* handshakes completed */
    double wall_s;     /* client and server together */
    double cpu_s;      /* CPU time of this thread: client and server together */
    double server_s;   /* time inside the server's calls */
    double sign_per_s; /* the matching openssl speed sign rate; 0 = none */
};

/* The server's calls are timed one by one; the client's are not. */
struct pair {
    struct tls_conn *cl;
    struct tls_conn *sv;
    double server_s;       /* CPU time inside the server's calls, clock reads included */
    unsigned long n_clock; /* clock reads that server_s includes */
};

/* clock_cost is the CPU time of one bench_cpu_s call, measured at start and
 * taken off server_s (a thread CPU clock is a system call: ~0.3-0.7 us). */
static double clock_cost;

static double
calibrate_clock(void)
{
    double best = 1;
    for (int round = 0; round < 5; round++) {
        double t0 = bench_cpu_s();
        for (int i = 0; i < 1000; i++) {
            (void)bench_cpu_s();
        }
        double per = (bench_cpu_s() - t0) / 1001;
        best = per < best ? per : best;
    }
    return best;
}

/* server_start / server_stop bracket a stretch of server work. */
static double
server_start(struct pair *p)
{
    p->n_clock += 2;
    return bench_cpu_s();
}

static void
server_stop(struct pair *p, double t0)
{
    p->server_s += bench_cpu_s() - t0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: redline-bench tls [--seconds S] [--no-openssl] [--json FILE]\n"
               "  --seconds S    time per measurement (default 2)\n"
               "  --no-openssl   skip the openssl speed reference\n"
               "  --json FILE    also write the JSON report to FILE\n");
}

static int
parse_options(struct options *o, int argc, char **argv)
{
    static const struct option longs[] = {
        {"seconds", required_argument, NULL, 's'},
        {"no-openssl", no_argument, NULL, 'n'},
        {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct options){.seconds = 2, .openssl = true};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (ch == 's' && bench_arg_double(optarg, 0.1, 600, &o->seconds)) {
            continue;
        }
        if (ch == 'n' || ch == 'j') {
            o->openssl = o->openssl && ch != 'n';
            o->json = ch == 'j' ? optarg : o->json;
            continue;
        }
        usage(ch == 'h' ? stdout : stderr);
        return ch == 'h' ? 1 : -1;
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- the reference ------------------------------------------------------ */

/* rate_after returns the first number after `label` on `line` that is not a
 * time ("0.0000s"): openssl speed prints times, then rates. */
static double
rate_after(const char *line, const char *label)
{
    const char *p = strstr(line, label);
    if (p == NULL) {
        return 0;
    }
    p += strlen(label);
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p) {
            return 0;
        }
        if (*end != 's') {
            return v;
        }
        p = end + 1;
    }
}

static int
run_speed(struct reference *ref, double seconds)
{
    char cmd[160];
    char line[512];
    int secs = seconds < 1 ? 1 : (int)seconds;
    snprintf(cmd, sizeof(cmd), "openssl speed -seconds %d ecdsap256 rsa2048 ecdhx25519 2>/dev/null",
             secs);
    FILE *f = popen(cmd, "r");
    if (f == NULL) {
        return RL_EIO;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        ref->ecdsa_sign = ref->ecdsa_sign > 0 ? ref->ecdsa_sign : rate_after(line, "(nistp256)");
        ref->rsa_sign = ref->rsa_sign > 0 ? ref->rsa_sign : rate_after(line, "rsa 2048 bits");
        ref->x25519 = ref->x25519 > 0 ? ref->x25519 : rate_after(line, "(X25519)");
    }
    int st = pclose(f);
    snprintf(cmd, sizeof(cmd),
             "openssl speed -seconds %d -bytes 16384 -evp aes-128-gcm 2>/dev/null", secs);
    f = popen(cmd, "r");
    if (f == NULL) {
        return RL_EIO;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        double k = rate_after(line, "AES-128-GCM");
        ref->gcm_bytes = k > 0 ? k * 1000 : ref->gcm_bytes; /* printed in 1000s of bytes/s */
    }
    st |= pclose(f);
    return st == 0 && ref->ecdsa_sign > 0 && ref->rsa_sign > 0 ? 0 : RL_EIO;
}

/* ---- the measurements --------------------------------------------------- */

/* carry moves output from one side to the other, timed as the
 * server's work (feeding it, or taking its output). */
static void
carry(struct pair *p, bool to_server)
{
    struct tls_conn *from = to_server ? p->cl : p->sv;
    struct tls_conn *to = to_server ? p->sv : p->cl;
    double t0 = server_start(p);
    size_t n = 0;
    const uint8_t *o;
    while ((o = tls_conn_output(from, &n)) != NULL) {
        size_t used = 0;
        tls_conn_feed(to, &used, o, n);
        tls_conn_consume(from, used);
        if (used < n) {
            break;
        }
    }
    server_stop(p, t0);
}

/* handshake runs one connection to its end; returns 0 and whether it
 * resumed, or RL_ETLS. */
static int
handshake(struct pair *p, struct tls_client *cli, struct tls_server *srv, const char *hop,
          bool *out_resumed)
{
    int rc = tls_conn_connect(&p->cl, cli, hop, "mx.example.test");
    double t0 = server_start(p);
    rc = rc != 0 ? rc : tls_conn_accept(&p->sv, srv);
    server_stop(p, t0);
    int crc = rc;
    int src = rc;
    for (int round = 0; rc == 0 && round < 100; round++) {
        crc = tls_conn_handshake(p->cl);
        carry(p, true);
        t0 = server_start(p);
        src = tls_conn_handshake(p->sv);
        server_stop(p, t0);
        carry(p, false);
        if (crc == RL_ETLS || src == RL_ETLS || (crc == 0 && src == 0)) {
            break;
        }
    }
    if (crc == 0 && src == 0) {
        uint8_t b[16];
        size_t n = 0;
        crc = tls_conn_read(p->cl, &n, b, sizeof(b)) == RL_ETLS ? RL_ETLS : 0; /* the ticket */
    }
    *out_resumed = crc == 0 && tls_conn_resumed(p->cl);
    tls_conn_free(p->cl);
    t0 = server_start(p);
    tls_conn_free(p->sv);
    server_stop(p, t0);
    p->cl = NULL;
    p->sv = NULL;
    return crc == 0 && src == 0 ? 0 : RL_ETLS;
}

static int
measure(struct figure *f, struct tls_client *cli, struct tls_server *srv, double seconds)
{
    struct pair p = {0};
    bool resumed = false;
    const char *hop = f->resumed ? "bench:25" : NULL;
    if (f->resumed && handshake(&p, cli, srv, hop, &resumed) != 0) {
        return RL_ETLS; /* the full handshake that brings the first ticket */
    }
    p.server_s = 0;
    p.n_clock = 0;
    double t0 = bench_cpu_now_s();
    double c0 = bench_cpu_s();
    double end = t0 + seconds;
    do {
        for (int i = 0; i < 16; i++) {
            if (handshake(&p, cli, srv, hop, &resumed) != 0 || resumed != f->resumed) {
                return RL_ETLS;
            }
            f->n++;
        }
    } while (bench_cpu_now_s() < end);
    f->wall_s = bench_cpu_now_s() - t0;
    f->cpu_s = bench_cpu_s() - c0;
    f->server_s = p.server_s - (double)p.n_clock * clock_cost;
    return 0;
}

/* bulk writes RECORD_BYTES at a time from client to server for `seconds`:
 * one encryption and one decryption per byte, on this core. */
static int
bulk(struct tls_client *cli, struct tls_server *srv, double seconds, double *out_bytes_per_s)
{
    struct pair p = {0};
    int rc = tls_conn_connect(&p.cl, cli, NULL, "mx.example.test");
    rc = rc != 0 ? rc : tls_conn_accept(&p.sv, srv);
    uint8_t *msg = malloc(RECORD_BYTES);
    uint8_t *got = malloc(RECORD_BYTES);
    rc = rc != 0 || msg == NULL || got == NULL ? RL_ENOMEM : 0;
    for (int i = 0; rc == 0 && !(tls_conn_done(p.cl) && tls_conn_done(p.sv)); i++) {
        int crc = tls_conn_handshake(p.cl);
        carry(&p, true);
        int src = tls_conn_handshake(p.sv);
        carry(&p, false);
        rc = crc == RL_ETLS || src == RL_ETLS || i == 100 ? RL_ETLS : 0;
    }
    double total = 0;
    double t0 = bench_cpu_now_s();
    double c0 = bench_cpu_s();
    double end = t0 + seconds;
    if (rc == 0) {
        memset(msg, 'x', RECORD_BYTES);
    }
    while (rc == 0 && bench_cpu_now_s() < end) {
        size_t sent = 0;
        while (rc == 0 && sent < RECORD_BYTES) {
            size_t n = 0;
            size_t r = 0;
            double before = total;
            int w = tls_conn_write(p.cl, &n, msg + sent, RECORD_BYTES - sent);
            sent += n;
            carry(&p, true);
            int rr;
            while ((rr = tls_conn_read(p.sv, &r, got, RECORD_BYTES)) == 0 && r > 0) {
                total += (double)r;
            }
            /* Every round moves something, or the pump is broken. */
            bool stuck = n == 0 && total == before;
            rc = w == RL_ETLS || rr == RL_ETLS || stuck ? RL_ETLS : 0;
        }
    }
    *out_bytes_per_s = total / (bench_cpu_s() - c0);
    tls_conn_free(p.cl);
    tls_conn_free(p.sv);
    free(msg);
    free(got);
    return rc;
}

/* ---- set-up --------------------------------------------------------------- */

struct setup {
    struct tls_server *srv[2]; /* [0] ECDSA P-256, [1] RSA-2048 */
    struct tls_client *cli;
};

static int
make_setup(struct setup *s, struct rl_diag *diag)
{
    int rc = bench_cert_server_selfsigned(&s->srv[0], diag, TLS_TESTCERT_P256, "mx.example.test");
    rc = rc != 0 ? rc
                 : bench_cert_server_selfsigned(&s->srv[1], diag, TLS_TESTCERT_RSA2048,
                                                "mx.example.test");
    return rc != 0 ? rc : bench_cert_client_new(&s->cli, diag);
}

static void
free_setup(struct setup *s)
{
    tls_server_free(s->srv[0]);
    tls_server_free(s->srv[1]);
    tls_client_free(s->cli);
}

/* ---- report --------------------------------------------------------------- */

/* loadavg returns the 1-minute load average, -1 if unknown: on a shared
 * machine it says how far the figures can be trusted. */
static double
loadavg(void)
{
    double v = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL && fscanf(f, "%lf", &v) != 1) {
        v = -1;
    }
    if (f != NULL) {
        fclose(f);
    }
    return v;
}

static json_t *
figure_json(const struct figure *f)
{
    json_t *o = json_object();
    double rate = f->wall_s > 0 ? (double)f->n / f->wall_s : 0;
    double server_rate = f->server_s > 0 ? (double)f->n / f->server_s : 0;
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "server_cert", json_string(f->cert));
    json_object_set_new(o, "resumed", json_boolean(f->resumed));
    json_object_set_new(o, "handshakes", json_integer((json_int_t)f->n));
    json_object_set_new(o, "wall_s", json_real(f->wall_s));
    json_object_set_new(o, "combined_per_s", json_real(rate));
    json_object_set_new(o, "cpu_s", json_real(f->cpu_s));
    json_object_set_new(o, "combined_per_cpu_s",
                        json_real(f->cpu_s > 0 ? (double)f->n / f->cpu_s : 0));
    json_object_set_new(o, "server_cpu_us", json_real(f->n ? f->server_s * 1e6 / (double)f->n : 0));
    json_object_set_new(o, "server_per_s", json_real(server_rate));
    if (f->sign_per_s > 0 && !f->resumed) {
        json_object_set_new(o, "openssl_sign_per_s", json_real(f->sign_per_s));
        json_object_set_new(o, "server_vs_sign", json_real(server_rate / f->sign_per_s));
        json_object_set_new(o, "target_vs_sign", json_real(SIGN_TARGET));
        json_object_set_new(o, "target_met",
                            json_boolean(server_rate >= SIGN_TARGET * f->sign_per_s));
    }
    return o;
}

static void
table(FILE *out, const struct figure *fig, size_t n, const struct reference *ref, double bulk_bps)
{
    fprintf(out, "%-22s %10s %10s %10s %12s %10s %9s\n", "handshakes (TLS 1.3)", "wall/s", "cpu/s",
            "server/s", "server us/hs", "sign/s", "srv/sign");
    for (size_t i = 0; i < n; i++) {
        const struct figure *f = &fig[i];
        double server_rate = f->server_s > 0 ? (double)f->n / f->server_s : 0;
        fprintf(out, "%-22s %10.0f %10.0f %10.0f %12.1f", f->name, (double)f->n / f->wall_s,
                (double)f->n / f->cpu_s, server_rate, f->server_s * 1e6 / (double)f->n);
        if (f->sign_per_s > 0 && !f->resumed) {
            fprintf(out, " %10.0f %8.0f%%\n", f->sign_per_s, 100 * server_rate / f->sign_per_s);
        } else {
            fprintf(out, "\n");
        }
    }
    if (ref->x25519 > 0 && ref->ecdsa_sign > 0) {
        fprintf(out,
                "openssl speed X25519 %.0f op/s: sign + ECDHE (keygen + derive) alone allow "
                "%.0f ECDSA / %.0f RSA handshakes/s\n",
                ref->x25519, 1 / (1 / ref->ecdsa_sign + 2 / ref->x25519),
                1 / (1 / ref->rsa_sign + 2 / ref->x25519));
    }
    fprintf(out, "records of 32 KB, encrypt + decrypt: %.2f GB/s", bulk_bps / 1e9);
    if (ref->gcm_bytes > 0) {
        fprintf(out, " (openssl speed AES-128-GCM encrypt %.2f GB/s, so at most %.2f for both)",
                ref->gcm_bytes / 1e9, ref->gcm_bytes / 2e9);
    }
    fprintf(out, "\n");
}

static int
report(const struct options *o, int cpu, const double load[2], const struct figure *fig, size_t n,
       const struct reference *ref, double bulk_bps)
{
    json_t *root = bench_report_root("tls");
    if (root == NULL) {
        return RL_ENOMEM;
    }
    json_object_set_new(json_object_get(root, "machine"), "pinned_cpu", json_integer(cpu));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "seconds", json_real(o->seconds));
    json_object_set_new(cfg, "openssl", json_string(OpenSSL_version(OPENSSL_VERSION)));
    json_object_set_new(cfg, "protocol", json_string("TLSv1.3, X25519, TLS_AES_128_GCM_SHA256"));
    json_object_set_new(cfg, "method",
                        json_string("client and server in one pinned thread over memory; "
                                    "server_* is the thread CPU time inside the server's calls "
                                    "(openssl speed also counts CPU time)"));
    json_object_set_new(cfg, "clock_read_ns", json_real(clock_cost * 1e9));
    json_object_set_new(cfg, "loadavg_1min_before", json_real(load[0]));
    json_object_set_new(cfg, "loadavg_1min_after", json_real(load[1]));
    json_object_set_new(root, "config", cfg);
    json_t *r = json_object();
    json_object_set_new(r, "command",
                        json_string("openssl speed -seconds S ecdsap256 rsa2048 "
                                    "ecdhx25519; -bytes 16384 -evp aes-128-gcm"));
    json_object_set_new(r, "ecdsap256_sign_per_s", json_real(ref->ecdsa_sign));
    json_object_set_new(r, "rsa2048_sign_per_s", json_real(ref->rsa_sign));
    json_object_set_new(r, "x25519_op_per_s", json_real(ref->x25519));
    json_object_set_new(r, "aes128gcm_16k_bytes_per_s", json_real(ref->gcm_bytes));
    json_object_set_new(root, "openssl_speed", r);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, figure_json(&fig[i]));
    }
    json_object_set_new(root, "handshakes", arr);
    json_t *b = json_object();
    json_object_set_new(b, "write_bytes", json_integer((json_int_t)RECORD_BYTES));
    json_object_set_new(b, "encrypt_decrypt_bytes_per_s", json_real(bulk_bps));
    json_object_set_new(b, "openssl_gcm_encrypt_bytes_per_s", json_real(ref->gcm_bytes));
    json_object_set_new(root, "bulk", b);
    int rc = bench_report_write(root, stdout, o->json);
    json_decref(root);
    return rc;
}

int
bench_tls_main(int argc, char **argv)
{
    struct options o;
    int parsed = parse_options(&o, argc, argv);
    if (parsed != 0) {
        return parsed > 0 ? 0 : 2;
    }
    int cpu = bench_cpu_pin();
    clock_cost = calibrate_clock();
    struct setup s = {0};
    struct reference ref = {0};
    struct rl_diag diag = {0};
    struct figure fig[4] = {
        {.name = "full-ecdsa-p256", .cert = "ecdsa-p256"},
        {.name = "full-rsa2048", .cert = "rsa2048"},
        {.name = "resumed-ecdsa-p256", .cert = "ecdsa-p256", .resumed = true},
        {.name = "resumed-rsa2048", .cert = "rsa2048", .resumed = true},
    };
    double bulk_bps = 0;
    double load[2] = {loadavg(), -1};
    int rc = make_setup(&s, &diag);
    if (rc == 0 && o.openssl && run_speed(&ref, o.seconds) != 0) {
        fprintf(stderr, "redline-bench tls: openssl speed failed or printed no rates\n");
    }
    fig[0].sign_per_s = ref.ecdsa_sign;
    fig[1].sign_per_s = ref.rsa_sign;
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        rc = measure(&fig[i], s.cli, s.srv[i % 2], o.seconds);
        if (rc != 0) {
            rl_diag_set(&diag, fig[i].name, "a handshake failed or did not resume as expected");
        }
    }
    if (rc == 0 && bulk(s.cli, s.srv[0], o.seconds, &bulk_bps) != 0) {
        rc = rl_diag_set(&diag, "bulk", "a record failed");
    }
    free_setup(&s);
    load[1] = loadavg();
    if (rc != 0) {
        fprintf(stderr, "redline-bench tls: %s: %s\n", diag.field, diag.reason);
        return 1;
    }
    table(stderr, fig, 4, &ref, bulk_bps);
    fprintf(stderr, "load average (1 min) before %.2f, after %.2f\n", load[0], load[1]);
    if (report(&o, cpu, load, fig, 4, &ref, bulk_bps) != 0) {
        fprintf(stderr, "redline-bench tls: cannot write the JSON report\n");
        return 1;
    }
    return 0;
}
