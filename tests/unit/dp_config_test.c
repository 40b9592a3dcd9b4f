/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for io_addr.c and the dataplane configuration (dp_config*.c):
 * address and prefix text round trips, route precedence, the command line
 * and the JSON file, where every refusal must name its field exactly and
 * leave the configuration untouched. Single-threaded cmocka runner; run
 * from the source root (docs/examples/redlined.json, docs/CONFIG.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_config.h"
#include "internal.h"
#include "io_addr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------- */

static struct dp_config *
cfg_new(void)
{
    struct dp_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    dp_config_defaults(c);
    return c;
}

static struct io_addr
addr(const char *text)
{
    struct io_addr a;
    assert_int_equal(io_addr_parse(&a, text, strlen(text)), 0);
    return a;
}

static struct io_prefix
prefix(const char *text)
{
    struct io_prefix p;
    assert_int_equal(io_prefix_parse(&p, text, strlen(text)), 0);
    return p;
}

/* A configuration that passes dp_config_check, to break one piece at a time. */
static const char good_json[] = "{\"listen\": [\"127.0.0.1:2525\"],"
                                " \"mta_groups\": {\"default\": [\"127.0.0.1:2526\"]},"
                                " \"routes\": [{\"domain\": \"*\", \"group\": \"default\"}]}";

static struct dp_config *
cfg_good(void)
{
    struct dp_config *c = cfg_new();
    struct rl_diag d;
    assert_int_equal(dp_config_load_json(c, &d, good_json, strlen(good_json)), 0);
    assert_int_equal(dp_config_check(c, &d), 0);
    return c;
}

/* Loads `json` onto the good configuration: it must be refused with `rc`,
 * naming `field`, with `reason` (NULL: any), and change nothing. */
static void
json_refused(const char *json, int rc, const char *field, const char *reason)
{
    struct dp_config *c = cfg_good();
    struct dp_config *before = cfg_good();
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    int got = dp_config_load_json(c, &d, json, strlen(json));
    if (got != rc || strcmp(d.field, field) != 0 ||
        (reason != NULL && strcmp(d.reason, reason) != 0) || d.reason[0] == '\0') {
        fail_msg("%s\n  got %d field '%s' reason '%s'\n  want %d field '%s' reason '%s'", json, got,
                 d.field, d.reason, rc, field, reason != NULL ? reason : "(any)");
    }
    assert_memory_equal(c, before, sizeof(*c));
    free(c);
    free(before);
}

static struct dp_config *
json_ok(const char *json)
{
    struct dp_config *c = cfg_new();
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    int rc = dp_config_load_json(c, &d, json, strlen(json));
    if (rc != 0) {
        fail_msg("%s\n  refused: field '%s' reason '%s'", json, d.field, d.reason);
    }
    return c;
}

#define ARGS(...) ((const char *const[]){"redlined", __VA_ARGS__, NULL})
#define ARGC(...) ((int)N_ELEMS(((const char *const[]){"redlined", __VA_ARGS__})))

/* parse runs dp_config_parse_args on a writable copy of `in`, as main gets. */
static int
parse(struct dp_config *c, struct rl_diag *d, int argc, const char *const in[])
{
    char *argv[64];
    assert_true(argc < 64);
    for (int i = 0; i < argc; i++) {
        argv[i] = strdup(in[i]);
        assert_non_null(argv[i]);
    }
    argv[argc] = NULL;
    memset(d, 0, sizeof(*d));
    int rc = dp_config_parse_args(c, d, argc, argv);
    for (int i = 0; i < argc; i++) {
        free(argv[i]);
    }
    return rc;
}

static struct dp_config *
args_ok_(int argc, const char *const argv[])
{
    struct dp_config *c = malloc(sizeof(*c));
    struct rl_diag d;
    assert_non_null(c);
    int rc = parse(c, &d, argc, argv);
    if (rc != 0) {
        fail_msg("%s ...: refused %d field '%s' reason '%s'", argv[1], rc, d.field, d.reason);
    }
    return c;
}
#define ARGS_OK(...) args_ok_(ARGC(__VA_ARGS__), ARGS(__VA_ARGS__))

static void
args_refused_(int argc, const char *const argv[], int rc, const char *field, const char *reason)
{
    struct dp_config *c = malloc(sizeof(*c));
    struct rl_diag d;
    assert_non_null(c);
    int got = parse(c, &d, argc, argv);
    if (got != rc || strcmp(d.field, field) != 0 ||
        (reason != NULL && strcmp(d.reason, reason) != 0) || d.reason[0] == '\0') {
        fail_msg("%s %s\n  got %d field '%s' reason '%s'\n  want %d field '%s' reason '%s'",
                 argv[1], argc > 2 ? argv[2] : "", got, d.field, d.reason, rc, field,
                 reason != NULL ? reason : "(any)");
    }
    free(c);
}
#define ARGS_REFUSED(rc, field, reason, ...)                                                       \
    args_refused_(ARGC(__VA_ARGS__), ARGS(__VA_ARGS__), rc, field, reason)

static void
check_refused(const struct dp_config *c, const char *field, const char *reason)
{
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    int rc = dp_config_check(c, &d);
    if (rc != RL_EINVAL || strcmp(d.field, field) != 0 ||
        (reason != NULL && strcmp(d.reason, reason) != 0)) {
        fail_msg("check: got %d field '%s' reason '%s', want field '%s' reason '%s'", rc, d.field,
                 d.reason, field, reason != NULL ? reason : "(any)");
    }
}

/* Writes `text` to a fresh temporary file; the caller unlinks `path`. */
static void
write_temp(char path[64], const char *text)
{
    snprintf(path, 64, "/tmp/dp_config_test.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* ---- io_addr ---------------------------------------------------------- */

static void
test_addr_round_trip(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "127.0.0.1:2525",
        "0.0.0.0:1",
        "255.255.255.255:65535",
        "[::1]:25",
        "[::]:587",
        "[2001:db8::1]:25",
        "[fe80::1:2:3:4]:465",
        "[::ffff:10.1.2.3]:25",
        "10.0.0.5:25",
        "[2001:db8:0:1:2:3:4:5]:2526",
    };
    char out[IO_ADDR_STRLEN];
    for (size_t i = 0; i < N_ELEMS(texts); i++) {
        struct io_addr a = addr(texts[i]);
        assert_int_equal(io_addr_format(out, sizeof(out), &a), strlen(texts[i]));
        assert_string_equal(out, texts[i]);
        struct io_addr b = addr(out);
        assert_true(io_addr_equal(&a, &b));
    }
    struct io_addr a = addr("192.0.2.7:2525");
    assert_int_equal(a.family, IO_AF_INET4);
    assert_memory_equal(a.ip, "\xc0\x00\x02\x07", 4);
    assert_int_equal(a.port, 2525);
    a = addr("[2001:DB8:0:0::1]:25");
    assert_int_equal(a.family, IO_AF_INET6);
    assert_int_equal(io_addr_format(out, sizeof(out), &a), strlen("[2001:db8::1]:25"));
    assert_string_equal(out, "[2001:db8::1]:25");
    assert_int_equal(io_addr_format_ip(out, sizeof(out), &a), strlen("2001:db8::1"));
    assert_string_equal(out, "2001:db8::1");
    /* Only `len` octets count: what follows is not read. */
    assert_int_equal(io_addr_parse(&a, "10.0.0.1:25XYZ", 11), 0);
    assert_int_equal(a.port, 25);
}

static void
test_addr_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        ":25",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:99999999999",
        "127.0.0.1:025",
        "127.0.0.1:+25",
        "127.0.0.1:-1",
        "127.0.0.1:2x",
        "127.0.0.1: 25",
        "256.0.0.1:25",
        "1.2.3.999:25",
        "1.2.3:25",
        "01.2.3.4:25",
        "1.2.3.4.5:25",
        " 1.2.3.4:25",
        "::1:25",
        "[::1]25",
        "[::1:25",
        "::1]:25",
        "[]:25",
        "[127.0.0.1]:25",
        "[fe80::1%eth0]:25",
        "[::g]:25",
        "localhost:25",
        "[[::1]]:25",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        struct io_addr a;
        memset(&a, 0x5a, sizeof(a));
        if (io_addr_parse(&a, bad[i], strlen(bad[i])) != RL_EINVAL) {
            fail_msg("io_addr_parse accepted '%s'", bad[i]);
        }
    }
    /* An embedded NUL is not the end of the text. */
    struct io_addr a;
    assert_int_equal(io_addr_parse(&a, "1.2.3.4\0:25", 10), RL_EINVAL);
    assert_int_equal(io_addr_parse(&a, "1.2.3.4:2\0", 10), RL_EINVAL);
}

static void
test_addr_format_limits(void **state)
{
    (void)state;
    char out[IO_ADDR_STRLEN];
    struct io_addr a = addr("10.0.0.1:25");
    assert_int_equal(io_addr_format(out, 12, &a), 11); /* exact fit with the NUL */
    assert_string_equal(out, "10.0.0.1:25");
    assert_int_equal(io_addr_format(out, 11, &a), 0);
    assert_int_equal(io_addr_format_ip(out, 8, &a), 0);
    assert_int_equal(io_addr_format_ip(out, 9, &a), 8);
    struct io_addr longest = addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    assert_true(io_addr_format(out, sizeof(out), &longest) < IO_ADDR_STRLEN);
    struct io_addr none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(io_addr_format(out, sizeof(out), &none), 0);
    assert_int_equal(io_addr_format_ip(out, sizeof(out), &none), 0);
}

static void
test_addr_equal(void **state)
{
    (void)state;
    struct io_addr a = addr("10.0.0.1:25");
    struct io_addr b = addr("10.0.0.1:25");
    struct io_addr port = addr("10.0.0.1:26");
    struct io_addr other = addr("10.0.0.2:25");
    struct io_addr mapped = addr("[::ffff:10.0.0.1]:25");
    assert_true(io_addr_equal(&a, &b));
    assert_false(io_addr_equal(&a, &port));
    assert_false(io_addr_equal(&a, &other));
    assert_false(io_addr_equal(&a, &mapped));
}

static void
test_prefix_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum io_family family;
        unsigned len;
    } ok[] = {
        {"10.0.0.0/8", IO_AF_INET4, 8},          {"0.0.0.0/0", IO_AF_INET4, 0},
        {"10.0.0.128/25", IO_AF_INET4, 25},      {"192.0.2.7", IO_AF_INET4, 32},
        {"192.0.2.7/32", IO_AF_INET4, 32},       {"::/0", IO_AF_INET6, 0},
        {"::1/128", IO_AF_INET6, 128},           {"::1", IO_AF_INET6, 128},
        {"2001:db8::/32", IO_AF_INET6, 32},      {"::ffff:10.0.0.0/104", IO_AF_INET6, 104},
        {"2001:db8:8000::/33", IO_AF_INET6, 33},
    };
    for (size_t i = 0; i < N_ELEMS(ok); i++) {
        struct io_prefix p = prefix(ok[i].text);
        assert_int_equal(p.net.family, ok[i].family);
        assert_int_equal(p.prefix_len, ok[i].len);
    }
    char out[IO_ADDR_STRLEN];
    struct io_prefix p = prefix("2001:db8::/32");
    assert_int_equal(io_addr_format_ip(out, sizeof(out), &p.net), strlen("2001:db8::"));
    assert_string_equal(out, "2001:db8::");
}

static void
test_prefix_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "/8",
        "10.0.0.1/8",
        "10.0.0.128/24",
        "10.0.0.0/33",
        "::/129",
        "10.0.0.0/",
        "10.0.0.0/08",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/8/8",
        "10.0.0.0/ 8",
        "2001:db8::1/32",
        "10.0.0.0/8x",
        "[::1]/128",
        "10.0.0/8",
        "10.0.0.256/32",
        "fe80::1%lo/64",
        "2001:db8:c000::/33",
        "10.0.0.0/1000",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        struct io_prefix p;
        if (io_prefix_parse(&p, bad[i], strlen(bad[i])) != RL_EINVAL) {
            fail_msg("io_prefix_parse accepted '%s'", bad[i]);
        }
    }
}

static void
test_prefix_match(void **state)
{
    (void)state;
    static const struct {
        const char *prefix;
        const char *addr;
        bool match;
    } cases[] = {
        {"10.0.0.0/8", "10.255.1.2:1", true},
        {"10.0.0.0/8", "11.0.0.0:1", false},
        {"10.0.0.0/8", "9.255.255.255:1", false},
        {"10.0.0.128/25", "10.0.0.128:1", true},
        {"10.0.0.128/25", "10.0.0.255:1", true},
        {"10.0.0.128/25", "10.0.0.127:1", false},
        {"0.0.0.0/0", "203.0.113.9:1", true},
        {"0.0.0.0/0", "[2001:db8::1]:1", false},
        {"192.0.2.7", "192.0.2.7:9", true},
        {"192.0.2.7", "192.0.2.8:9", false},
        /* A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6. */
        {"127.0.0.0/8", "[::ffff:127.0.0.1]:1", true},
        {"127.0.0.0/8", "[::ffff:128.0.0.1]:1", false},
        {"127.0.0.0/8", "[::127.0.0.1]:1", false}, /* IPv4-compatible is not mapped */
        {"127.0.0.0/8", "[::1]:1", false},
        {"::1/128", "[::1]:1", true},
        {"::1/128", "127.0.0.1:1", false},
        {"2001:db8::/32", "[2001:db8:ffff::1]:1", true},
        {"2001:db8::/32", "[2001:db9::1]:1", false},
        {"2001:db8:8000::/33", "[2001:db8:8000::1]:1", true},
        {"2001:db8:8000::/33", "[2001:db8:7fff::1]:1", false},
        {"::ffff:10.0.0.0/104", "10.1.2.3:1", true},
        {"::ffff:10.0.0.0/104", "11.1.2.3:1", false},
        {"::ffff:10.0.0.0/104", "[::ffff:10.9.9.9]:1", true},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct io_prefix p = prefix(cases[i].prefix);
        struct io_addr a = addr(cases[i].addr);
        if (io_prefix_match(&p, &a) != cases[i].match) {
            fail_msg("%s in %s: want %d", cases[i].addr, cases[i].prefix, cases[i].match);
        }
    }
    struct io_prefix p = prefix("0.0.0.0/0");
    struct io_addr none;
    memset(&none, 0, sizeof(none));
    assert_false(io_prefix_match(&p, &none));
}

/* ---- routes ----------------------------------------------------------- */

static const char *
route_of(const struct dp_config *c, const char *domain)
{
    const struct dp_route *r = dp_route_find(&c->rt, domain, strlen(domain));
    return r == NULL ? "(none)" : c->rt.groups[r->group].name;
}

static void
test_route_precedence(void **state)
{
    (void)state;
    struct dp_config *c =
        json_ok("{\"mta_groups\": {\"any\": [\"10.0.0.1:25\"], \"exact\": [\"10.0.0.2:25\"],"
                "  \"sub\": [\"10.0.0.3:25\"], \"mailsub\": [\"10.0.0.4:25\"]},"
                " \"routes\": [{\"domain\": \"*\", \"group\": \"any\"},"
                "  {\"domain\": \"*.mail.example.com\", \"group\": \"mailsub\"},"
                "  {\"domain\": \"*.example.com\", \"group\": \"sub\"},"
                "  {\"domain\": \"Example.COM\", \"group\": \"exact\"}]}");
    assert_string_equal(route_of(c, "example.com"), "exact");
    assert_string_equal(route_of(c, "EXAMPLE.com"), "exact");
    assert_string_equal(route_of(c, "a.example.com"), "sub");
    assert_string_equal(route_of(c, "A.B.Example.Com"), "sub");
    assert_string_equal(route_of(c, "mail.example.com"), "sub"); /* not its own subdomain */
    assert_string_equal(route_of(c, "x.mail.example.com"), "mailsub");
    assert_string_equal(route_of(c, "y.x.MAIL.example.com"), "mailsub");
    assert_string_equal(route_of(c, "other.org"), "any");
    assert_string_equal(route_of(c, "badexample.com"), "any");
    assert_string_equal(route_of(c, "example.com.evil.org"), "any");
    assert_string_equal(route_of(c, "example.co"), "any");
    assert_string_equal(route_of(c, ""), "any");
    /* `len` bounds the domain. */
    assert_ptr_equal(dp_route_find(&c->rt, "example.comX", 11),
                     dp_route_find(&c->rt, "example.com", 11));
    free(c);
}

static void
test_route_label_boundary(void **state)
{
    (void)state;
    struct dp_config *c = json_ok("{\"mta_groups\": {\"sub\": [\"10.0.0.3:25\"]},"
                                  " \"routes\": [{\"domain\": \"*.example.com\", \"group\": "
                                  "\"sub\"}]}");
    assert_string_equal(route_of(c, "a.example.com"), "sub");
    assert_string_equal(route_of(c, "badexample.com"), "(none)");
    assert_string_equal(route_of(c, "example.com"), "(none)");
    assert_string_equal(route_of(c, ".example.com"), "(none)");
    assert_string_equal(route_of(c, "xexample.com"), "(none)");
    assert_string_equal(route_of(c, "a.example.co"), "(none)");
    assert_string_equal(route_of(c, "a.example.com.au"), "(none)");
    assert_string_equal(route_of(c, "other.org"), "(none)");
    free(c);
}

static void
test_relay_allowed(void **state)
{
    (void)state;
    struct dp_config *c = json_ok("{\"relay_networks\": [\"127.0.0.0/8\", \"::1/128\","
                                  " \"10.20.0.0/16\"]}");
    assert_int_equal(c->rt.n_relay_nets, 3);
    struct io_addr yes[] = {addr("127.0.0.1:1"), addr("[::1]:1"), addr("10.20.255.1:1"),
                            addr("[::ffff:10.20.0.1]:1")};
    struct io_addr no[] = {addr("10.21.0.1:1"), addr("[::2]:1"), addr("192.0.2.1:1"),
                           addr("[::ffff:10.21.0.1]:1")};
    for (size_t i = 0; i < N_ELEMS(yes); i++) {
        assert_true(dp_relay_allowed(&c->rt, &yes[i]));
        assert_false(dp_relay_allowed(&c->rt, &no[i]));
    }
    c->rt.n_relay_nets = 0; /* no relay network: nobody relays */
    assert_false(dp_relay_allowed(&c->rt, &yes[0]));
    free(c);
}

/* ---- defaults and check ----------------------------------------------- */

static void
test_defaults(void **state)
{
    (void)state;
    struct dp_config *c = cfg_new();
    assert_true(c->rt.hostname[0] != '\0');
    assert_true(dp_domain_valid(c->rt.hostname, strlen(c->rt.hostname)));
    assert_int_equal(c->boot.workers, 1);
    for (size_t i = 0; i < DP_MAX_WORKERS; i++) {
        assert_int_equal(c->boot.cores[i], -1);
    }
    assert_int_equal(c->boot.backend, DP_BACKEND_KERNEL);
    assert_int_equal(c->boot.idle, DP_IDLE_SLEEP);
    assert_int_equal(c->rt.max_message_size, 10 * 1024 * 1024);
    assert_int_equal(c->rt.max_recipients, 100);
    assert_int_equal(c->rt.max_conn_per_worker, 4096);
    /* Issue 13: one address cannot take every connection by default. */
    assert_int_equal(c->rt.max_conn_per_ip, 50);
    assert_int_equal(c->rt.max_conn_per_net, 200);
    assert_int_equal(c->rt.net_prefix_v4, 24);
    assert_int_equal(c->rt.net_prefix_v6, 64);
    assert_int_equal(c->rt.command_timeout_ms, 300000);
    assert_int_equal(c->rt.data_timeout_ms, 300000);
    assert_int_equal(c->rt.connect_timeout_ms, 30000);
    assert_int_equal(c->rt.pool_per_hop, 64);
    assert_int_equal(c->rt.pool_idle_ms, 60000);
    assert_string_equal(c->boot.log_path, "-");
    assert_string_equal(c->boot.quarantine_dir, "/var/spool/redline/quarantine");
    assert_string_equal(c->boot.control_socket, "");
    assert_string_equal(c->boot.user, "");
    assert_string_equal(c->rt.policy_path, "");
    assert_string_equal(c->rt.tls_cert, "");
    assert_string_equal(c->rt.tls_profile, "");
    assert_int_equal(c->rt.tls_policy, DP_TLS_MAY);
    assert_false(c->boot.foreground);
    assert_int_equal(c->boot.n_listen + c->rt.n_routes + c->rt.n_groups + c->rt.n_relay_nets, 0);
    /* Defaults alone are not a configuration: no listener, no route. */
    check_refused(c, "listen", NULL);
    free(c);
}

static void
test_check_refuses_missing_parts(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    c->rt.n_routes = 0;
    check_refused(c, "routes", NULL);
    free(c);

    c = cfg_good();
    c->rt.groups[0].n_hops = 0;
    check_refused(c, "mta_groups.default", "must have 1 to 8 next hops");
    free(c);

    c = cfg_good();
    c->rt.routes[0].group = 1;
    check_refused(c, "routes[0].group", "refers to no MTA group");
    free(c);

    c = cfg_good();
    c->rt.routes[1] = c->rt.routes[0];
    c->rt.n_routes = 2;
    check_refused(c, "routes[1].domain", "'*' is routed twice");
    free(c);

    c = cfg_good();
    c->boot.listen[0].port = 0;
    check_refused(c, "listen[0]", NULL);
    free(c);

    c = cfg_good();
    c->rt.hostname[0] = '\0';
    check_refused(c, "hostname", NULL);
    free(c);
}

static void
test_check_refuses_limits(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    c->rt.max_recipients = 99;
    check_refused(c, "limits.max_recipients",
                  "must be an integer from 100 to 1000000 (RFC 5321 4.5.3.1.8)");
    free(c);

    c = cfg_good();
    c->boot.workers = 0;
    check_refused(c, "workers", "must be an integer from 1 to 64");
    c->boot.workers = DP_MAX_WORKERS + 1;
    check_refused(c, "workers", "must be an integer from 1 to 64");
    free(c);

    c = cfg_good();
    c->rt.command_timeout_ms = 0;
    check_refused(c, "limits.command_timeout_s", NULL);
    free(c);
    c = cfg_good();
    c->rt.data_timeout_ms = 0;
    check_refused(c, "limits.data_timeout_s", NULL);
    free(c);
    c = cfg_good();
    c->rt.connect_timeout_ms = 0;
    check_refused(c, "relay.connect_timeout_s", NULL);
    free(c);
    c = cfg_good();
    c->rt.pool_idle_ms = 0;
    check_refused(c, "relay.pool_idle_s", NULL);
    free(c);
    c = cfg_good();
    c->rt.max_message_size = 0;
    check_refused(c, "limits.max_message_size", NULL);
    free(c);
}

static void
test_check_refuses_cores(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    c->boot.workers = 2;
    c->boot.cores[0] = 0;
    check_refused(c, "cores", "lists 1 CPUs for 2 workers");
    c->boot.cores[1] = 0;
    check_refused(c, "cores[1]", "CPU 0 is listed twice");
    c->boot.cores[1] = 3;
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    c->boot.cores[3] = 5; /* a gap */
    check_refused(c, "cores[3]", NULL);
    free(c);
}

static void
test_check_refuses_backend_and_tls(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    c->boot.backend = DP_BACKEND_DPDK;
    check_refused(c, "dpdk.ports", "the dpdk backend needs at least one port");
    free(c);

    c = cfg_good();
    snprintf(c->rt.tls_cert, sizeof(c->rt.tls_cert), "/etc/cert.pem");
    check_refused(c, "tls.key", "is needed with tls.cert");
    c->rt.tls_cert[0] = '\0';
    snprintf(c->rt.tls_key, sizeof(c->rt.tls_key), "/etc/key.pem");
    check_refused(c, "tls.cert", "is needed with tls.key");
    snprintf(c->rt.tls_cert, sizeof(c->rt.tls_cert), "/etc/cert.pem");
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    /* A profile besides the pair, or a profile that is not there. */
    snprintf(c->rt.tls_profile, sizeof(c->rt.tls_profile), "in");
    check_refused(c, "tls.profile", "excludes tls.cert and tls.key: give one or the other");
    c->rt.tls_cert[0] = c->rt.tls_key[0] = '\0';
    check_refused(c, "tls.profile", "no TLS profile named 'in'");
    c->rt.tls_profile[0] = '\0';
    c->rt.tls_policy = DP_TLS_ENCRYPT;
    check_refused(c, "tls.policy",
                  "encrypt needs a certificate (tls.cert and tls.key, or tls.profile)");
    free(c);

    c = cfg_good();
    c->boot.log_path[0] = '\0';
    check_refused(c, "log", "must not be empty");
    free(c);
}

/* ---- the DPDK backend's section ---------------------------------------- */

static const char dpdk_json[] =
    "{\"backend\": \"dpdk\", \"listen\": [\"0.0.0.0:25\", \"192.0.2.10:587\"],"
    " \"dpdk\": {\"eal\": [\"--no-huge\", \"-m\", \"512\"], \"mbufs\": 8191,"
    " \"max_connections\": 20000, \"syn_backlog\": 512, \"buffer_kb\": 128,"
    " \"idle_sleep_max_us\": 250, \"ports\": ["
    "{\"device\": \"0000:81:00.0\", \"address\": \"192.0.2.10/24\","
    " \"gateway\": \"192.0.2.1\"},"
    "{\"device\": \"net_tap0,iface=rl0\", \"address\": \"10.77.0.2/16\","
    " \"mac\": \"02:00:0a:4d:00:02\"}]}}";

static void
test_dpdk_section(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(dp_config_load_json(c, &d, dpdk_json, strlen(dpdk_json)), 0);
    assert_int_equal(dp_config_check(c, &d), 0);
    const struct dp_dpdk *p = &c->boot.dpdk;
    assert_int_equal(c->boot.backend, DP_BACKEND_DPDK);
    assert_int_equal(p->n_eal, 3);
    assert_string_equal(p->eal[2], "512");
    assert_int_equal(p->mbufs, 8191);
    assert_int_equal(p->max_conns, 20000);
    assert_int_equal(p->syn_backlog, 512);
    assert_int_equal(p->buffer_kb, 128);
    assert_int_equal(p->idle_sleep_max_us, 250);
    assert_int_equal(p->n_ports, 2);
    assert_string_equal(p->ports[0].device, "0000:81:00.0");
    assert_memory_equal(p->ports[0].ip, ((uint8_t[]){192, 0, 2, 10}), 4);
    assert_int_equal(p->ports[0].prefix_len, 24);
    assert_memory_equal(p->ports[0].gateway, ((uint8_t[]){192, 0, 2, 1}), 4);
    assert_memory_equal(p->ports[0].mac, ((uint8_t[]){0, 0, 0, 0, 0, 0}), 6);
    assert_string_equal(p->ports[1].device, "net_tap0,iface=rl0");
    assert_int_equal(p->ports[1].prefix_len, 16);
    assert_memory_equal(p->ports[1].mac, ((uint8_t[]){2, 0, 0x0a, 0x4d, 0, 2}), 6);
    /* The defaults, without the section. */
    struct dp_config *dflt = cfg_new();
    assert_int_equal(dflt->boot.dpdk.mbufs, 16383);
    assert_int_equal(dflt->boot.dpdk.max_conns, 8192);
    assert_int_equal(dflt->boot.dpdk.syn_backlog, 1024);
    assert_int_equal(dflt->boot.dpdk.buffer_kb, 64);
    assert_int_equal(dflt->boot.dpdk.idle_sleep_max_us, 1000);
    free(dflt);

    /* The check: listeners on the wildcard or a port's address, IPv4 only,
     * distinct devices and addresses. */
    c->boot.listen[1] = addr("192.0.2.11:587");
    check_refused(c, "listen[1]", "is neither 0.0.0.0 nor the address of a port in dpdk.ports");
    c->boot.listen[1] = addr("[::]:587");
    check_refused(c, "listen[1]", "the dpdk backend's stack speaks IPv4 only");
    c->boot.listen[1] = addr("10.77.0.2:587");
    assert_int_equal(dp_config_check(c, &d), 0);
    memcpy(c->boot.dpdk.ports[1].ip, c->boot.dpdk.ports[0].ip, 4);
    check_refused(c, "dpdk.ports[1]", "has the address of dpdk.ports[0]");
    snprintf(c->boot.dpdk.ports[1].device, sizeof(c->boot.dpdk.ports[1].device),
             "0000:81:00.0,rxq=2");
    check_refused(c, "dpdk.ports[1]", "names the device of dpdk.ports[0] again");
    free(c);
}

static void
test_dpdk_section_refuses(void **state)
{
    (void)state;
    json_refused("{\"dpdk\": []}", RL_EINVAL, "dpdk", "must be an object");
    json_refused("{\"dpdk\": {\"rings\": 2}}", RL_EINVAL, "dpdk.rings", "unknown key");
    json_refused("{\"dpdk\": {\"mbufs\": 5}}", RL_EINVAL, "dpdk.mbufs", NULL);
    json_refused("{\"dpdk\": {\"eal\": [\"a\\u0001\"]}}", RL_EINVAL, "dpdk.eal[0]",
                 "holds a control character");
    json_refused("{\"dpdk\": {\"eal\": \"-m 512\"}}", RL_EINVAL, "dpdk.eal", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"address\": \"10.0.0.2/24\"}]}}", RL_EINVAL,
                 "dpdk.ports[0].device", "is required");
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\"}]}}", RL_EINVAL,
                 "dpdk.ports[0].address", "is required");
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net tap\", \"address\": "
                 "\"10.0.0.2/24\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].device", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"10.0.0.2\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].address", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"10.0.0.2/33\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].address", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"224.0.0.2/24\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].address", "'224.0.0.2/24' is not a unicast address");
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"10.0.0.2/24\", \"gateway\": \"10.0.0.1/24\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].gateway", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"10.0.0.2/24\", \"mac\": \"01:00:5e:00:00:01\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].mac", NULL);
    json_refused("{\"dpdk\": {\"ports\": [{\"device\": \"net_tap0\", \"address\": "
                 "\"10.0.0.2/24\", \"vlan\": \"5\"}]}}",
                 RL_EINVAL, "dpdk.ports[0].vlan", "unknown key");
    json_refused("{\"dpdk\": {\"ports\": [1, 2, 3, 4, 5]}}", RL_EINVAL, "dpdk.ports",
                 "holds more than 4 entries");
}

/* ---- JSON ------------------------------------------------------------- */

static void
test_json_every_key(void **state)
{
    (void)state;
    struct dp_config *c = json_ok(
        "{\"listen\": [\"127.0.0.1:2525\", \"[::1]:2626\"],"
        " \"hostname\": \"gw.example.com\","
        " \"workers\": 2, \"cores\": [3, 1], \"backend\": \"kernel\", \"idle\": \"spin\","
        " \"policy\": \"/etc/redline/policy.json\","
        " \"relay_networks\": [\"127.0.0.0/8\", \"::1/128\"],"
        " \"mta_groups\": {\"default\": [\"127.0.0.1:2526\"],"
        "   \"partners\": [\"10.0.0.5:25\", \"[2001:db8::5]:2525\", \"localhost:25\"]},"
        " \"routes\": [{\"domain\": \"*\", \"group\": \"default\"},"
        "   {\"group\": \"partners\", \"domain\": \"example.com\"}],"
        " \"limits\": {\"max_message_size\": 20971520, \"max_recipients\": 500,"
        "   \"max_connections_per_worker\": 1000, \"max_connections_per_ip\": 64,"
        "   \"command_timeout_s\": 120, \"data_timeout_s\": 600},"
        " \"relay\": {\"connect_timeout_s\": 10, \"pool_per_hop\": 4, \"pool_idle_s\": 90},"
        " \"quarantine_dir\": \"/srv/q\", \"log\": \"/var/log/redline.log\","
        " \"control_socket\": \"/run/redline/redlined.sock\", \"user\": \"nobody\","
        " \"tls\": {\"cert\": \"/etc/redline/cert.pem\", \"key\": \"/etc/redline/key.pem\"}}");
    char out[IO_ADDR_STRLEN];
    assert_int_equal(c->boot.n_listen, 2);
    io_addr_format(out, sizeof(out), &c->boot.listen[1]);
    assert_string_equal(out, "[::1]:2626");
    assert_string_equal(c->rt.hostname, "gw.example.com");
    assert_int_equal(c->boot.workers, 2);
    assert_int_equal(c->boot.cores[0], 3);
    assert_int_equal(c->boot.cores[1], 1);
    assert_int_equal(c->boot.cores[2], -1);
    assert_int_equal(c->boot.backend, DP_BACKEND_KERNEL);
    assert_int_equal(c->boot.idle, DP_IDLE_SPIN);
    assert_string_equal(c->rt.policy_path, "/etc/redline/policy.json");
    assert_int_equal(c->rt.n_relay_nets, 2);
    assert_int_equal(c->rt.n_groups, 2);
    assert_string_equal(c->rt.groups[1].name, "partners");
    assert_int_equal(c->rt.groups[1].n_hops, 3);
    io_addr_format(out, sizeof(out), &c->rt.groups[1].hops[1]);
    assert_string_equal(out, "[2001:db8::5]:2525");
    assert_string_equal(c->rt.groups[1].hop_names[2], "localhost:25");
    assert_int_equal(c->rt.groups[1].hops[2].port, 25);
    assert_int_not_equal(c->rt.groups[1].hops[2].family, IO_AF_NONE);
    assert_int_equal(c->rt.n_routes, 2);
    assert_int_equal(c->rt.routes[0].kind, DP_ROUTE_ANY);
    assert_int_equal(c->rt.routes[1].kind, DP_ROUTE_EXACT);
    assert_int_equal(c->rt.routes[1].group, 1);
    assert_int_equal(c->rt.max_message_size, 20971520);
    assert_int_equal(c->rt.max_recipients, 500);
    assert_int_equal(c->rt.max_conn_per_worker, 1000);
    assert_int_equal(c->rt.max_conn_per_ip, 64);
    assert_int_equal(c->rt.command_timeout_ms, 120000);
    assert_int_equal(c->rt.data_timeout_ms, 600000);
    assert_int_equal(c->rt.connect_timeout_ms, 10000);
    assert_int_equal(c->rt.pool_per_hop, 4);
    assert_int_equal(c->rt.pool_idle_ms, 90000);
    assert_string_equal(c->boot.quarantine_dir, "/srv/q");
    assert_string_equal(c->boot.log_path, "/var/log/redline.log");
    assert_string_equal(c->boot.control_socket, "/run/redline/redlined.sock");
    assert_string_equal(c->boot.user, "nobody");
    assert_string_equal(c->rt.tls_cert, "/etc/redline/cert.pem");
    assert_string_equal(c->rt.tls_key, "/etc/redline/key.pem");
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    free(c);

    c = json_ok("{\"backend\": \"dpdk\", \"idle\": \"sleep\", \"cores\": []}");
    assert_int_equal(c->boot.backend, DP_BACKEND_DPDK);
    assert_int_equal(c->boot.idle, DP_IDLE_SLEEP);
    assert_int_equal(c->boot.cores[0], -1);
    free(c);
}

static void
test_json_applies_over(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    struct rl_diag d;
    /* Only what the text names changes. */
    const char *more = "{\"workers\": 4, \"limits\": {\"max_recipients\": 200}}";
    assert_int_equal(dp_config_load_json(c, &d, more, strlen(more)), 0);
    assert_int_equal(c->boot.workers, 4);
    assert_int_equal(c->rt.max_recipients, 200);
    assert_int_equal(c->rt.max_conn_per_worker, 4096);
    assert_int_equal(c->rt.n_routes, 1);
    /* New groups without routes: the routes follow their group by name. */
    const char *groups = "{\"mta_groups\": {\"other\": [\"10.0.0.9:25\"],"
                         " \"default\": [\"10.0.0.8:25\"]}}";
    assert_int_equal(dp_config_load_json(c, &d, groups, strlen(groups)), 0);
    assert_int_equal(c->rt.n_groups, 2);
    assert_int_equal(c->rt.routes[0].group, 1);
    assert_string_equal(route_of(c, "x.org"), "default");
    /* Routes may come before the groups they name. */
    const char *order = "{\"routes\": [{\"domain\": \"x.org\", \"group\": \"new\"}],"
                        " \"mta_groups\": {\"new\": [\"10.0.0.7:25\"]}}";
    assert_int_equal(dp_config_load_json(c, &d, order, strlen(order)), 0);
    assert_string_equal(route_of(c, "x.org"), "new");
    assert_string_equal(route_of(c, "y.org"), "(none)");
    free(c);
}

static void
test_json_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "{\"workers\": 1,}",
        "{\"workers\": 1} trailing",
        "{\"workers\": 1, \"workers\": 2}",
        "{\"user\": \"a\\u0000b\"}",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        struct dp_config *c = cfg_good();
        struct rl_diag d;
        memset(&d, 0, sizeof(d));
        assert_int_equal(dp_config_load_json(c, &d, bad[i], strlen(bad[i])), RL_ESYNTAX);
        assert_memory_equal(d.field, "line ", 5);
        assert_true(d.reason[0] != '\0');
        free(c);
    }
    json_refused("{\n  \"workers\": }", RL_ESYNTAX, "line 2 column 14", NULL);
}

static void
test_json_unknown_keys(void **state)
{
    (void)state;
    json_refused("[]", RL_EINVAL, "", "the configuration must be a JSON object");
    json_refused("{\"colour\": 1}", RL_EINVAL, "colour", "unknown key");
    json_refused("{\"Workers\": 1}", RL_EINVAL, "Workers", "unknown key");
    json_refused("{\"limits.max_recipients\": 100}", RL_EINVAL, "limits.max_recipients",
                 "unknown key");
    json_refused("{\"limits\": {\"max_rcpt\": 100}}", RL_EINVAL, "limits.max_rcpt", "unknown key");
    json_refused("{\"limits\": {\"cert\": \"x\"}}", RL_EINVAL, "limits.cert", "unknown key");
    json_refused("{\"relay\": {\"pool\": 1}}", RL_EINVAL, "relay.pool", "unknown key");
    json_refused("{\"tls\": {\"cert\": \"a\", \"key\": \"b\", \"ca\": \"c\"}}", RL_EINVAL, "tls.ca",
                 "unknown key");
    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": \"default\", \"via\": 1}]}",
                 RL_EINVAL, "routes[0].via", "unknown key");
    json_refused("{\"foreground\": true}", RL_EINVAL, "foreground", "unknown key");
}

/* "smtp" and the engine's limits (issue 12 bare LF, issue 13 greedy clients). */
static void
test_json_smtp(void **state)
{
    (void)state;
    struct dp_config *c = cfg_new();
    assert_int_equal(c->rt.bare_newline, SMTP_BARE_LF_NORMALIZE);
    assert_int_equal(c->rt.nul, SMTP_NUL_REJECT);
    assert_false(c->rt.address_literals);
    assert_int_equal(c->rt.max_errors, 20);
    assert_int_equal(c->rt.max_junk, 100);
    assert_int_equal(c->rt.tarpit_after, 10);
    assert_int_equal(c->rt.tarpit_ms, 1000);
    assert_int_equal(c->rt.min_data_rate, 500);
    free(c);
    c = json_ok("{\"smtp\": {\"bare_newline\": \"reject\", \"nul\": \"strip\","
                " \"address_literals\": true},"
                " \"limits\": {\"max_errors\": 0, \"max_junk_commands\": 7,"
                " \"tarpit_after_errors\": 3, \"tarpit_delay_ms\": 250, \"min_data_rate\": 0}}");
    assert_int_equal(c->rt.bare_newline, SMTP_BARE_LF_REJECT);
    assert_int_equal(c->rt.nul, SMTP_NUL_STRIP);
    assert_true(c->rt.address_literals);
    assert_int_equal(c->rt.max_errors, 0);
    assert_int_equal(c->rt.max_junk, 7);
    assert_int_equal(c->rt.tarpit_after, 3);
    assert_int_equal(c->rt.tarpit_ms, 250);
    assert_int_equal(c->rt.min_data_rate, 0);
    free(c);
    json_refused("{\"smtp\": {\"bare_newline\": \"fix\"}}", RL_EINVAL, "smtp.bare_newline",
                 "must be normalize or reject");
    json_refused("{\"smtp\": {\"nul\": 0}}", RL_EINVAL, "smtp.nul", "must be reject or strip");
    json_refused("{\"smtp\": {\"address_literals\": \"yes\"}}", RL_EINVAL, "smtp.address_literals",
                 "must be true or false");
    json_refused("{\"smtp\": {\"bare_lf\": \"reject\"}}", RL_EINVAL, "smtp.bare_lf", "unknown key");
    json_refused("{\"smtp\": []}", RL_EINVAL, "smtp", "must be an object");
    json_refused("{\"limits\": {\"tarpit_delay_ms\": 60001}}", RL_EINVAL, "limits.tarpit_delay_ms",
                 "must be an integer from 0 to 60000");
    json_refused("{\"limits\": {\"max_junk_commands\": -1}}", RL_EINVAL, "limits.max_junk_commands",
                 NULL);
    /* Connection limits per address and network (issue 13). */
    c = json_ok("{\"limits\": {\"max_connections_per_ip\": 0, \"max_connections_per_net\": 1000,"
                " \"net_prefix_v4\": 16, \"net_prefix_v6\": 48}}");
    assert_int_equal(c->rt.max_conn_per_ip, 0);
    assert_int_equal(c->rt.max_conn_per_net, 1000);
    assert_int_equal(c->rt.net_prefix_v4, 16);
    assert_int_equal(c->rt.net_prefix_v6, 48);
    free(c);
    json_refused("{\"limits\": {\"max_connections_per_ip\": 65536}}", RL_EINVAL,
                 "limits.max_connections_per_ip", "must be an integer from 0 to 65535");
    json_refused("{\"limits\": {\"net_prefix_v4\": 33}}", RL_EINVAL, "limits.net_prefix_v4",
                 "must be an integer from 8 to 32");
    json_refused("{\"limits\": {\"net_prefix_v6\": 8}}", RL_EINVAL, "limits.net_prefix_v6",
                 "must be an integer from 16 to 128");
    c = ARGS_OK("--bare-newline", "reject");
    assert_int_equal(c->rt.bare_newline, SMTP_BARE_LF_REJECT);
    free(c);
    ARGS_REFUSED(RL_EINVAL, "--bare-newline", NULL, "--bare-newline", "lf");
}

/* Routes name client TLS profiles; a missing or server profile is refused. */
static void
test_json_route_tls(void **state)
{
    (void)state;
    struct dp_config *c = cfg_good();
    struct rl_diag d;
    static const char j[] =
        "{\"tls_profiles\": {\"in\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\"},"
        " \"partner\": {\"role\": \"client\", \"mode\": \"mandatory\", \"verify\": \"none\"}},"
        " \"routes\": [{\"domain\": \"example.com\", \"group\": \"default\", \"tls\": \"partner\"},"
        " {\"domain\": \"*\", \"group\": \"default\"}]}";
    assert_int_equal(dp_config_load_json(c, &d, j, strlen(j)), 0);
    const struct dp_route *r = dp_route_find(&c->rt, "example.com", 11);
    assert_non_null(r);
    assert_int_equal(r->tls, 1);
    assert_int_equal(c->rt.tls_profiles.p[r->tls].mode, TLS_MODE_MANDATORY);
    assert_int_equal(dp_route_find(&c->rt, "other.org", 9)->tls, DP_TLS_DEFAULT);
    /* A later file without routes: the route follows its profile by name. */
    static const char j2[] = "{\"tls_profiles\": {\"partner\": {\"role\": \"client\"}}}";
    assert_int_equal(dp_config_load_json(c, &d, j2, strlen(j2)), 0);
    assert_int_equal(dp_route_find(&c->rt, "example.com", 11)->tls, 0);
    static const char j3[] = "{\"tls_profiles\": {\"x\": {\"role\": \"client\"}}}";
    assert_int_equal(dp_config_load_json(c, &d, j3, strlen(j3)), RL_EINVAL);
    assert_string_equal(d.field, "tls_profiles");
    assert_non_null(strstr(d.reason, "partner"));
    free(c);

    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": \"default\", \"tls\": \"nope\"}]}",
                 RL_EINVAL, "routes[0].tls", "no TLS profile named 'nope'");
    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": \"default\", \"tls\": 1}]}",
                 RL_EINVAL, "routes[0].tls", "must be a string");
    json_refused(
        "{\"tls_profiles\": {\"in\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\"}},"
        " \"routes\": [{\"domain\": \"*\", \"group\": \"default\", \"tls\": \"in\"}]}",
        RL_EINVAL, "routes[0].tls", "'in' is a server profile, not a client one");
    json_refused("{\"tls_profiles\": {\"p\": {\"role\": \"client\", \"mode\": \"always\"}}}",
                 RL_EINVAL, "tls_profiles.p.mode", NULL);
}

/* The listener names a server profile, or has a certificate and key; the
 * policy says whether mail waits for STARTTLS. */
static void
test_json_inbound_tls(void **state)
{
    (void)state;
    static const char in[] =
        "{\"tls_profiles\": {\"in\": {\"role\": \"server\", \"cert\": \"/c.pem\","
        " \"key\": \"/k.pem\", \"client_cert\": \"request\"},"
        " \"out\": {\"role\": \"client\"}},"
        " \"tls\": {\"policy\": \"encrypt\", \"profile\": \"in\"}}";
    struct dp_config *c = cfg_good();
    struct rl_diag d;
    struct tls_profile p;
    assert_false(dp_config_tls_inbound(&c->rt, &p));
    assert_int_equal(c->rt.tls_policy, DP_TLS_MAY);
    assert_int_equal(dp_config_load_json(c, &d, in, strlen(in)), 0);
    assert_string_equal(c->rt.tls_profile, "in");
    assert_int_equal(c->rt.tls_policy, DP_TLS_ENCRYPT);
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_true(dp_config_tls_inbound(&c->rt, &p));
    assert_string_equal(p.name, "in");
    assert_string_equal(p.cert_file, "/c.pem");
    assert_int_equal(p.client_cert, TLS_CLIENT_CERT_REQUEST);
    /* A certificate and key in a later file replace the profile, and back. */
    static const char pair[] = "{\"tls\": {\"cert\": \"/a.pem\", \"key\": \"/b.pem\"}}";
    assert_int_equal(dp_config_load_json(c, &d, pair, strlen(pair)), 0);
    assert_string_equal(c->rt.tls_profile, "");
    assert_int_equal(c->rt.tls_policy, DP_TLS_ENCRYPT); /* not named: kept */
    assert_true(dp_config_tls_inbound(&c->rt, &p));
    assert_string_equal(p.name, "inbound");
    assert_string_equal(p.key_file, "/b.pem");
    assert_string_equal(tls_version_name(p.min_version), "TLSv1.2");
    assert_int_equal(p.client_cert, TLS_CLIENT_CERT_NONE);
    static const char back[] = "{\"tls\": {\"profile\": \"in\", \"policy\": \"may\"}}";
    assert_int_equal(dp_config_load_json(c, &d, back, strlen(back)), 0);
    assert_string_equal(c->rt.tls_cert, "");
    assert_string_equal(c->rt.tls_key, "");
    assert_int_equal(c->rt.tls_policy, DP_TLS_MAY);
    assert_int_equal(dp_config_check(c, &d), 0);
    /* New profiles without the one tls.profile names: refused, nothing changes. */
    static const char gone[] = "{\"tls_profiles\": {\"x\": {\"role\": \"client\"}}}";
    assert_int_equal(dp_config_load_json(c, &d, gone, strlen(gone)), RL_EINVAL);
    assert_string_equal(d.field, "tls.profile");
    assert_string_equal(d.reason, "no TLS profile named 'in'");
    assert_string_equal(c->rt.tls_profile, "in");
    free(c);

    json_refused("{\"tls\": {\"profile\": \"nope\"}}", RL_EINVAL, "tls.profile",
                 "no TLS profile named 'nope'");
    json_refused("{\"tls_profiles\": {\"p\": {\"role\": \"client\"}},"
                 " \"tls\": {\"profile\": \"p\"}}",
                 RL_EINVAL, "tls.profile", "'p' is a client profile, not a server one");
    json_refused("{\"tls_profiles\": {\"in\": {\"role\": \"server\", \"cert\": \"c\","
                 " \"key\": \"k\"}}, \"tls\": {\"profile\": \"in\", \"cert\": \"c\","
                 " \"key\": \"k\"}}",
                 RL_EINVAL, "tls.profile", "excludes tls.cert and tls.key: give one or the other");
    json_refused("{\"tls\": {\"key\": \"k\", \"profile\": \"in\"}}", RL_EINVAL, "tls.profile",
                 "excludes tls.cert and tls.key: give one or the other");
    json_refused("{\"tls\": {\"profile\": 5}}", RL_EINVAL, "tls.profile", "must be a string");
    json_refused("{\"tls\": {\"policy\": \"must\"}}", RL_EINVAL, "tls.policy",
                 "must be may or encrypt");
    json_refused("{\"tls\": {\"policy\": true}}", RL_EINVAL, "tls.policy",
                 "must be may or encrypt");
    json_refused("{\"tls\": {\"policy\": \"Encrypt\"}}", RL_EINVAL, "tls.policy",
                 "must be may or encrypt");

    /* The policy alone loads; the whole check wants a certificate for it. */
    c = cfg_good();
    static const char enc[] = "{\"tls\": {\"policy\": \"encrypt\"}}";
    assert_int_equal(dp_config_load_json(c, &d, enc, strlen(enc)), 0);
    check_refused(c, "tls.policy",
                  "encrypt needs a certificate (tls.cert and tls.key, or tls.profile)");
    c->rt.tls_policy = (enum dp_tls_policy)7;
    check_refused(c, "tls.policy", "must be may or encrypt");
    free(c);
}

static void
test_json_wrong_types(void **state)
{
    (void)state;
    json_refused("{\"listen\": \"127.0.0.1:25\"}", RL_EINVAL, "listen",
                 "must be an array of strings");
    json_refused("{\"listen\": [25]}", RL_EINVAL, "listen[0]", "must be a string");
    json_refused("{\"hostname\": 5}", RL_EINVAL, "hostname", "must be a string");
    json_refused("{\"workers\": \"2\"}", RL_EINVAL, "workers", "must be an integer from 1 to 64");
    json_refused("{\"workers\": 1.5}", RL_EINVAL, "workers", NULL);
    json_refused("{\"workers\": null}", RL_EINVAL, "workers", NULL);
    json_refused("{\"workers\": true}", RL_EINVAL, "workers", NULL);
    json_refused("{\"cores\": {}}", RL_EINVAL, "cores", "must be an array of CPU numbers");
    json_refused("{\"cores\": [0, \"1\"]}", RL_EINVAL, "cores[1]",
                 "must be a CPU number from 0 to 1023");
    json_refused("{\"backend\": 1}", RL_EINVAL, "backend", "must be kernel or dpdk");
    json_refused("{\"idle\": [\"spin\"]}", RL_EINVAL, "idle", "must be sleep or spin");
    json_refused("{\"policy\": 7}", RL_EINVAL, "policy", "must be a string");
    json_refused("{\"relay_networks\": \"10.0.0.0/8\"}", RL_EINVAL, "relay_networks",
                 "must be an array of strings");
    json_refused("{\"relay_networks\": [\"10.0.0.0/8\", true]}", RL_EINVAL, "relay_networks[1]",
                 "must be a string");
    json_refused("{\"mta_groups\": [\"10.0.0.1:25\"]}", RL_EINVAL, "mta_groups",
                 "must be an object of next-hop lists");
    json_refused("{\"mta_groups\": {\"x\": \"10.0.0.1:25\"}}", RL_EINVAL, "mta_groups.x",
                 "must be an array of next hops (HOST:PORT)");
    json_refused("{\"mta_groups\": {\"x\": [\"10.0.0.1:25\", 7]}}", RL_EINVAL, "mta_groups.x[1]",
                 "must be a string");
    json_refused("{\"routes\": {}}", RL_EINVAL, "routes", "must be an array of objects");
    json_refused("{\"routes\": [\"*\"]}", RL_EINVAL, "routes[0]",
                 "must be an object with domain and group");
    json_refused("{\"routes\": [{\"domain\": 5, \"group\": \"default\"}]}", RL_EINVAL,
                 "routes[0].domain", "must be a string");
    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": 0}]}", RL_EINVAL, "routes[0].group",
                 "must be a string");
    json_refused("{\"limits\": []}", RL_EINVAL, "limits", "must be an object");
    json_refused("{\"limits\": {\"max_recipients\": \"100\"}}", RL_EINVAL, "limits.max_recipients",
                 NULL);
    json_refused("{\"relay\": 3}", RL_EINVAL, "relay", "must be an object");
    json_refused("{\"tls\": \"on\"}", RL_EINVAL, "tls", "must be an object");
    json_refused("{\"tls\": {\"cert\": 1, \"key\": \"k\"}}", RL_EINVAL, "tls.cert",
                 "must be a string");
    json_refused("{\"user\": false}", RL_EINVAL, "user", "must be a string");
}

static void
test_json_bad_values(void **state)
{
    (void)state;
    json_refused("{\"listen\": [\"127.0.0.1:2525\", \"127.0.0.1:0\"]}", RL_EINVAL, "listen[1]",
                 "port 0 is not allowed");
    json_refused("{\"listen\": [\"localhost:25\"]}", RL_EINVAL, "listen[0]",
                 "'localhost' is not an IP address");
    json_refused("{\"listen\": [\"127.0.0.1:25\", \"127.0.0.1:25\"]}", RL_EINVAL, "listen[1]",
                 "'127.0.0.1:25' is listed twice");
    json_refused("{\"hostname\": \"-bad-.example.com\"}", RL_EINVAL, "hostname",
                 "'-bad-.example.com' is not a domain");
    json_refused("{\"hostname\": \"\"}", RL_EINVAL, "hostname", "'' is not a domain");
    json_refused("{\"workers\": 0}", RL_EINVAL, "workers", "must be an integer from 1 to 64");
    json_refused("{\"workers\": 65}", RL_EINVAL, "workers", NULL);
    json_refused("{\"workers\": -1}", RL_EINVAL, "workers", NULL);
    json_refused("{\"cores\": [0, -1]}", RL_EINVAL, "cores[1]", NULL);
    json_refused("{\"cores\": [1024]}", RL_EINVAL, "cores[0]",
                 "must be a CPU number from 0 to 1023");
    json_refused("{\"backend\": \"DPDK\"}", RL_EINVAL, "backend", "must be kernel or dpdk");
    json_refused("{\"idle\": \"busy\"}", RL_EINVAL, "idle", "must be sleep or spin");
    json_refused("{\"log\": \"\"}", RL_EINVAL, "log", "must not be empty");
    json_refused("{\"quarantine_dir\": \"\"}", RL_EINVAL, "quarantine_dir", "must not be empty");
    json_refused("{\"user\": \"a\\tb\"}", RL_EINVAL, "user", "must not contain control characters");
    char json[256];
    snprintf(json, sizeof(json), "{\"control_socket\": \"/run/%0103d\"}", 0); /* 108 bytes */
    json_refused(json, RL_EINVAL, "control_socket", "is longer than 107 bytes");
    snprintf(json, sizeof(json), "{\"control_socket\": \"/run/%0102d\"}", 0);
    struct dp_config *c = json_ok(json);
    assert_int_equal(strlen(c->boot.control_socket), 107);
    free(c);
    json_refused("{\"relay_networks\": [\"10.0.0.1/8\"]}", RL_EINVAL, "relay_networks[0]",
                 "'10.0.0.1/8' has host bits set below /8");
    json_refused("{\"relay_networks\": [\"10.0.0.0/33\"]}", RL_EINVAL, "relay_networks[0]",
                 "'10.0.0.0/33': the prefix length must be 0 to 32");
    json_refused("{\"relay_networks\": [\"intranet\"]}", RL_EINVAL, "relay_networks[0]",
                 "'intranet' is not an IP address");
    json_refused("{\"limits\": {\"max_recipients\": 99}}", RL_EINVAL, "limits.max_recipients",
                 "must be an integer from 100 to 1000000 (RFC 5321 4.5.3.1.8)");
    json_refused("{\"limits\": {\"command_timeout_s\": 0}}", RL_EINVAL, "limits.command_timeout_s",
                 "must be an integer from 1 to 86400");
    json_refused("{\"limits\": {\"max_message_size\": 0}}", RL_EINVAL, "limits.max_message_size",
                 NULL);
    json_refused("{\"relay\": {\"pool_per_hop\": 2000}}", RL_EINVAL, "relay.pool_per_hop",
                 "must be an integer from 0 to 1024");
    json_refused("{\"tls\": {\"cert\": \"c\"}}", RL_EINVAL, "tls.key", "is required in tls");
    json_refused("{\"tls\": {\"key\": \"k\"}}", RL_EINVAL, "tls.cert", "is required in tls");
    json_refused("{\"tls\": {\"cert\": \"c\", \"key\": \"\"}}", RL_EINVAL, "tls.key",
                 "is needed with tls.cert");
    json_refused("{\"tls\": {\"cert\": \"\", \"key\": \"k\"}}", RL_EINVAL, "tls.cert",
                 "is needed with tls.key");
}

static void
test_json_bad_groups(void **state)
{
    (void)state;
    json_refused("{\"mta_groups\": {\"x\": []}}", RL_EINVAL, "mta_groups.x",
                 "must list at least one next hop");
    json_refused("{\"mta_groups\": {\"a b\": [\"10.0.0.1:25\"]}}", RL_EINVAL, "mta_groups.a b",
                 "a group name is 1 to 63 printable characters without spaces");
    json_refused("{\"mta_groups\": {\"\": [\"10.0.0.1:25\"]}}", RL_EINVAL, "mta_groups.", NULL);
    json_refused("{\"mta_groups\": {\"x\": [\"10.0.0.1:0\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "port 0 is not allowed");
    json_refused("{\"mta_groups\": {\"x\": [\"10.0.0.1:65536\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "port '65536' is not a number from 1 to 65535");
    json_refused("{\"mta_groups\": {\"x\": [\"10.0.0.1\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "'10.0.0.1' has no port (HOST:PORT)");
    json_refused("{\"mta_groups\": {\"x\": [\"10.0.0.256:25\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "'10.0.0.256' is not an IPv4 address");
    json_refused("{\"mta_groups\": {\"x\": [\"2001:db8::1:25\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "an IPv6 address needs brackets: [2001:db8::1]:25");
    json_refused("{\"mta_groups\": {\"x\": [\"[2001:db8::zz]:25\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "'[2001:db8::zz]' is not an IPv6 address in brackets");
    json_refused("{\"mta_groups\": {\"x\": [\":25\"]}}", RL_EINVAL, "mta_groups.x[0]",
                 "':25' has no host");
    json_refused("{\"mta_groups\": {\"x\": [\"mx_1.example.com:25\"]}}", RL_EINVAL,
                 "mta_groups.x[0]", "'mx_1.example.com' is not a domain");
    json_refused("{\"mta_groups\": {\"x\": [\"1.0.0.1:25\", \"1.0.0.2:25\", \"1.0.0.3:25\","
                 " \"1.0.0.4:25\", \"1.0.0.5:25\", \"1.0.0.6:25\", \"1.0.0.7:25\","
                 " \"1.0.0.8:25\", \"1.0.0.9:25\"]}}",
                 RL_EINVAL, "mta_groups.x", "holds more than 8 entries");
    /* Replacing the groups must keep the one the kept routes use. */
    json_refused("{\"mta_groups\": {\"other\": [\"10.0.0.1:25\"]}}", RL_EINVAL, "mta_groups",
                 "lacks group 'default', which routes use");
}

static void
test_json_bad_routes(void **state)
{
    (void)state;
    json_refused("{\"routes\": [{\"group\": \"default\"}]}", RL_EINVAL, "routes[0].domain",
                 "is required");
    json_refused("{\"routes\": [{\"domain\": \"*\"}]}", RL_EINVAL, "routes[0].group",
                 "is required");
    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": \"default\"},"
                 " {\"domain\": \"a.org\", \"group\": \"default\"},"
                 " {\"domain\": \"b.org\", \"group\": \"nope\"}]}",
                 RL_EINVAL, "routes[2].group", "no MTA group named 'nope'");
    json_refused("{\"routes\": [{\"domain\": \"exa mple.com\", \"group\": \"default\"}]}",
                 RL_EINVAL, "routes[0].domain", "'exa mple.com' is not a domain");
    json_refused("{\"routes\": [{\"domain\": \"example.com\", \"group\": \"default\"},"
                 " {\"domain\": \"EXAMPLE.com\", \"group\": \"default\"}]}",
                 RL_EINVAL, "routes[1].domain", "'example.com' is routed twice");
    json_refused("{\"routes\": [{\"domain\": \"*\", \"group\": \"default\"},"
                 " {\"domain\": \"*\", \"group\": \"default\"}]}",
                 RL_EINVAL, "routes[1].domain", "'*' is routed twice");
    static const char *const bad_domains[] = {
        "",
        "example.com.",
        ".example.com",
        "*.",
        "**",
        "*.*",
        "*example.com",
        "a.*.com",
        "ex..ample",
        "-a.com",
        "a-.com",
        "a_b.com",
        "*.*.a.com",
        "a.com/x",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", /* 64 */
    };
    for (size_t i = 0; i < N_ELEMS(bad_domains); i++) {
        char json[512];
        char want[160];
        snprintf(json, sizeof(json), "{\"routes\": [{\"domain\": \"%s\", \"group\": \"default\"}]}",
                 bad_domains[i]);
        snprintf(want, sizeof(want), "'%s' is not a domain", bad_domains[i]);
        json_refused(json, RL_EINVAL, "routes[0].domain", want);
    }
    /* A U-label (RFC 6531) is a domain; so is a punycode A-label. */
    struct dp_config *c = json_ok("{\"mta_groups\": {\"g\": [\"10.0.0.1:25\"]},"
                                  " \"routes\": [{\"domain\": \"b\\u00fccher.example\", "
                                  "\"group\": \"g\"}, {\"domain\": \"xn--bcher-kva.example\", "
                                  "\"group\": \"g\"}]}");
    assert_string_equal(c->rt.routes[0].domain, "b\xc3\xbc"
                                                "cher.example");
    free(c);
}

static void
test_json_names_resolve(void **state)
{
    (void)state;
    struct dp_config *c = json_ok("{\"mta_groups\": {\"g\": [\"localhost:2527\"]}}");
    struct io_prefix v4 = prefix("127.0.0.0/8");
    struct io_prefix v6 = prefix("::1/128");
    const struct io_addr *h = &c->rt.groups[0].hops[0];
    assert_true(io_prefix_match(&v4, h) || io_prefix_match(&v6, h));
    assert_int_equal(h->port, 2527);
    assert_string_equal(c->rt.groups[0].hop_names[0], "localhost:2527");
    free(c);
    /* RFC 6761 6.4: .invalid never resolves. */
    struct dp_config *before = cfg_good();
    c = cfg_good();
    struct rl_diag d;
    const char *json = "{\"mta_groups\": {\"g\": [\"10.0.0.1:25\", \"mx.redline.invalid:25\"]}}";
    assert_int_equal(dp_config_load_json(c, &d, json, strlen(json)), RL_EINVAL);
    assert_string_equal(d.field, "mta_groups.g[1]");
    assert_non_null(strstr(d.reason, "'mx.redline.invalid' does not resolve"));
    assert_memory_equal(c, before, sizeof(*c));
    /* Without resolution (the fuzz target) a name stays unresolved and the
     * check refuses it. */
    const char *skip = "{\"mta_groups\": {\"g\": [\"mx.redline.invalid:25\"]},"
                       " \"routes\": [{\"domain\": \"*\", \"group\": \"g\"}]}";
    assert_int_equal(dp_config_load_json_how(c, &d, skip, strlen(skip), DP_RESOLVE_SKIP), 0);
    assert_int_equal(c->rt.groups[0].hops[0].family, IO_AF_NONE);
    check_refused(c, "mta_groups.g[0]", "'mx.redline.invalid:25' has no resolved address and port");
    free(c);
    free(before);
}

static void
test_json_limits_on_lists(void **state)
{
    (void)state;
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof(json), "{\"cores\": [");
    for (int i = 0; i <= DP_MAX_WORKERS; i++) {
        n += (size_t)snprintf(json + n, sizeof(json) - n, "%s%d", i ? ", " : "", i);
    }
    snprintf(json + n, sizeof(json) - n, "]}");
    json_refused(json, RL_EINVAL, "cores", "holds more than 64 entries");

    n = (size_t)snprintf(json, sizeof(json), "{\"listen\": [");
    for (int i = 0; i <= DP_MAX_LISTEN; i++) {
        n += (size_t)snprintf(json + n, sizeof(json) - n, "%s\"127.0.0.1:%d\"", i ? ", " : "",
                              2000 + i);
    }
    snprintf(json + n, sizeof(json) - n, "]}");
    json_refused(json, RL_EINVAL, "listen", "holds more than 8 entries");
}

static void
test_example_loads(void **state)
{
    (void)state;
    struct dp_config *c = cfg_new();
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    int rc = dp_config_load_file(c, &d, "docs/examples/redlined.json");
    if (rc != 0) {
        fail_msg("docs/examples/redlined.json: %s: %s", d.field, d.reason);
    }
    rc = dp_config_check(c, &d);
    if (rc != 0) {
        fail_msg("docs/examples/redlined.json check: %s: %s", d.field, d.reason);
    }
    assert_int_equal(c->boot.n_listen, 2);
    assert_int_equal(c->boot.workers, 2);
    assert_string_equal(route_of(c, "example.com"), "partners");
    assert_string_equal(route_of(c, "mx.example.com"), "partners");
    assert_string_equal(route_of(c, "example.org"), "default");
    struct io_addr peer = addr("10.20.3.4:40000");
    assert_true(dp_relay_allowed(&c->rt, &peer));
    free(c);

    /* The DPDK example: two ports of one NIC, outside and inside. */
    c = cfg_new();
    rc = dp_config_load_file(c, &d, "docs/examples/redlined-dpdk.json");
    if (rc != 0 || (rc = dp_config_check(c, &d)) != 0) {
        fail_msg("docs/examples/redlined-dpdk.json: %s: %s", d.field, d.reason);
    }
    assert_int_equal(c->boot.backend, DP_BACKEND_DPDK);
    assert_int_equal(c->boot.dpdk.n_ports, 2);
    assert_int_equal(c->boot.dpdk.mbufs, 65535);
    free(c);
}

/* The first ```json block of docs/CONFIG.md is the complete example: it
 * must load and check clean like the shipped file. */
static void
test_config_md_example_loads(void **state)
{
    (void)state;
    FILE *f = fopen("docs/CONFIG.md", "rb");
    assert_non_null(f);
    static char md[1 << 16];
    size_t len = fread(md, 1, sizeof(md) - 1, f);
    fclose(f);
    md[len] = '\0';
    char *start = strstr(md, "```json\n");
    assert_non_null(start);
    start += strlen("```json\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    struct dp_config *c = cfg_new();
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    if (dp_config_load_json(c, &d, start, (size_t)(end - start)) != 0 ||
        dp_config_check(c, &d) != 0) {
        fail_msg("docs/CONFIG.md example: %s: %s", d.field, d.reason);
    }
    free(c);
}

static void
test_load_file_refuses(void **state)
{
    (void)state;
    struct dp_config *c = cfg_new();
    struct rl_diag d;
    assert_int_equal(dp_config_load_file(c, &d, "docs/examples/no-such.json"), RL_EIO);
    assert_string_equal(d.field, "docs/examples/no-such.json");
    char path[64];
    write_temp(path, "{\"workers\": 2,\n \"nope\": 1}\n");
    assert_int_equal(dp_config_load_file(c, &d, path), RL_EINVAL);
    assert_string_equal(d.field, "nope");
    assert_int_equal(c->boot.workers, 1);
    unlink(path);
    write_temp(path, "{\"workers\": 2,\n \"nope\" 1}\n");
    assert_int_equal(dp_config_load_file(c, &d, path), RL_ESYNTAX);
    assert_string_equal(d.field, "line 2 column 9");
    unlink(path);
    free(c);
}

/* ---- command line ----------------------------------------------------- */

static void
test_args_minimal(void **state)
{
    (void)state;
    struct dp_config *c = ARGS_OK("--listen", "127.0.0.1:2525", "--route", "*=127.0.0.1:2526");
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_int_equal(c->boot.n_listen, 1);
    assert_int_equal(c->rt.n_groups, 1);
    assert_string_equal(c->rt.groups[0].name, "*");
    assert_string_equal(c->rt.groups[0].hop_names[0], "127.0.0.1:2526");
    assert_string_equal(route_of(c, "anything.org"), "*");
    assert_int_equal(c->boot.workers, 1);
    assert_string_equal(c->boot.log_path, "-");
    free(c);
}

static void
test_args_every_flag(void **state)
{
    (void)state;
    struct dp_config *c = ARGS_OK(
        "--listen", "127.0.0.1:2525", "--listen=[::1]:2525", "--route",
        "Example.COM=10.0.0.5:25,[2001:db8::6]:2525", "--route", "*.example.com=localhost:26",
        "--route", "*=127.0.0.1:2526", "--relay-net", "127.0.0.0/8", "--relay-net", "::1",
        "--policy", "/etc/p.json", "--workers", "2", "--cores", "2,3", "--backend", "kernel",
        "--idle", "spin", "--hostname", "gw.example.com", "--quarantine", "/srv/q", "--log",
        "/var/log/r.log", "--control-socket", "/run/r.sock", "--user", "redline", "--tls-cert",
        "/etc/c.pem", "--tls-key", "/etc/k.pem", "--tls-policy", "encrypt", "--max-message-size",
        "1048576", "--max-recipients", "1000", "--foreground");
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_int_equal(c->boot.n_listen, 2);
    assert_int_equal(c->boot.listen[1].family, IO_AF_INET6);
    assert_int_equal(c->rt.n_routes, 3);
    assert_int_equal(c->rt.n_groups, 3);
    assert_string_equal(c->rt.groups[0].name, "example.com");
    assert_int_equal(c->rt.groups[0].n_hops, 2);
    assert_string_equal(c->rt.groups[0].hop_names[1], "[2001:db8::6]:2525");
    assert_string_equal(c->rt.groups[1].name, "*.example.com");
    assert_int_equal(c->rt.routes[1].kind, DP_ROUTE_SUBDOMAINS);
    assert_string_equal(c->rt.routes[1].domain, "example.com");
    assert_string_equal(route_of(c, "EXAMPLE.com"), "example.com");
    assert_string_equal(route_of(c, "a.example.com"), "*.example.com");
    assert_string_equal(route_of(c, "badexample.com"), "*");
    assert_int_equal(c->rt.n_relay_nets, 2);
    assert_int_equal(c->rt.relay_nets[1].prefix_len, 128);
    assert_string_equal(c->rt.policy_path, "/etc/p.json");
    assert_int_equal(c->boot.workers, 2);
    assert_int_equal(c->boot.cores[0], 2);
    assert_int_equal(c->boot.cores[1], 3);
    assert_int_equal(c->boot.cores[2], -1);
    assert_int_equal(c->boot.backend, DP_BACKEND_KERNEL);
    assert_int_equal(c->boot.idle, DP_IDLE_SPIN);
    assert_string_equal(c->rt.hostname, "gw.example.com");
    assert_string_equal(c->boot.quarantine_dir, "/srv/q");
    assert_string_equal(c->boot.log_path, "/var/log/r.log");
    assert_string_equal(c->boot.control_socket, "/run/r.sock");
    assert_string_equal(c->boot.user, "redline");
    assert_string_equal(c->rt.tls_cert, "/etc/c.pem");
    assert_string_equal(c->rt.tls_key, "/etc/k.pem");
    assert_int_equal(c->rt.tls_policy, DP_TLS_ENCRYPT);
    assert_int_equal(c->rt.max_message_size, 1048576);
    assert_int_equal(c->rt.max_recipients, 1000);
    assert_true(c->boot.foreground);
    free(c);

    c = ARGS_OK("--backend", "dpdk", "--idle", "sleep");
    assert_int_equal(c->boot.backend, DP_BACKEND_DPDK);
    assert_int_equal(c->boot.idle, DP_IDLE_SLEEP);
    free(c);
}

static void
test_args_config_then_overrides(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, "{\"listen\": [\"127.0.0.1:2525\"], \"workers\": 2, \"cores\": [0, 1],"
                     " \"relay_networks\": [\"10.0.0.0/8\"], \"log\": \"/var/log/f.log\","
                     " \"mta_groups\": {\"default\": [\"127.0.0.1:2526\"],"
                     "   \"partners\": [\"10.0.0.5:25\"]},"
                     " \"routes\": [{\"domain\": \"*\", \"group\": \"default\"},"
                     "   {\"domain\": \"example.com\", \"group\": \"partners\"}]}");
    /* The file alone. */
    struct dp_config *c = ARGS_OK("--config", path);
    struct rl_diag d;
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_int_equal(c->boot.workers, 2);
    assert_int_equal(c->rt.n_routes, 2);
    assert_string_equal(route_of(c, "example.com"), "partners");
    free(c);

    /* Flags override wherever --config stands; lists given replace. */
    c = ARGS_OK("--workers", "1", "--cores", "5", "--route", "example.org=10.0.0.9:25",
                "--relay-net", "192.0.2.0/24", "--relay-net", "::1", "--config", path, "--listen",
                "[::1]:2600", "--foreground");
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_int_equal(c->boot.workers, 1);
    assert_int_equal(c->boot.cores[0], 5);
    assert_int_equal(c->boot.cores[1], -1);
    assert_int_equal(c->rt.n_routes, 1);
    assert_int_equal(c->rt.n_groups, 1);
    assert_string_equal(route_of(c, "example.org"), "example.org");
    assert_string_equal(route_of(c, "example.com"), "(none)");
    assert_int_equal(c->rt.n_relay_nets, 2);
    struct io_addr ten = addr("10.1.1.1:1");
    assert_false(dp_relay_allowed(&c->rt, &ten));
    assert_int_equal(c->boot.n_listen, 1);
    assert_int_equal(c->boot.listen[0].port, 2600);
    assert_string_equal(c->boot.log_path, "/var/log/f.log"); /* not overridden */
    assert_true(c->boot.foreground);
    free(c);
    unlink(path);
}

/* --tls-cert and --tls-key replace the file's tls.profile; --tls-policy its policy. */
static void
test_args_tls_over_profile(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, "{\"listen\": [\"127.0.0.1:2525\"],"
                     " \"mta_groups\": {\"default\": [\"127.0.0.1:2526\"]},"
                     " \"routes\": [{\"domain\": \"*\", \"group\": \"default\"}],"
                     " \"tls_profiles\": {\"in\": {\"role\": \"server\", \"cert\": \"/c\","
                     "   \"key\": \"/k\"}},"
                     " \"tls\": {\"profile\": \"in\", \"policy\": \"encrypt\"}}");
    struct rl_diag d;
    struct dp_config *c = ARGS_OK("--config", path);
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_string_equal(c->rt.tls_profile, "in");
    free(c);
    c = ARGS_OK("--config", path, "--tls-cert", "/x.pem", "--tls-key", "/y.pem", "--tls-policy",
                "may");
    assert_int_equal(dp_config_check(c, &d), 0);
    assert_string_equal(c->rt.tls_profile, "");
    assert_string_equal(c->rt.tls_cert, "/x.pem");
    assert_int_equal(c->rt.tls_policy, DP_TLS_MAY);
    free(c);
    unlink(path);
    /* Encrypt without any certificate: the flags parse, the check refuses. */
    c = ARGS_OK("--listen", "127.0.0.1:2525", "--route", "*=127.0.0.1:2526", "--tls-policy",
                "encrypt");
    check_refused(c, "tls.policy",
                  "encrypt needs a certificate (tls.cert and tls.key, or tls.profile)");
    free(c);
}

static void
test_args_help(void **state)
{
    (void)state;
    struct dp_config *c = malloc(sizeof(*c));
    struct rl_diag d;
    assert_int_equal(parse(c, &d, ARGC("--help"), ARGS("--help")), RL_EAGAIN);
    assert_int_equal(
        parse(c, &d, ARGC("--workers", "2", "--help"), ARGS("--workers", "2", "--help")),
        RL_EAGAIN);
    free(c);
    const char *u = dp_config_usage();
    static const char *const flags[] = {
        "--config",         "--listen",     "--route",
        "--relay-net",      "--policy",     "--workers",
        "--cores",          "--backend",    "--idle",
        "--hostname",       "--quarantine", "--log",
        "--control-socket", "--user",       "--tls-cert",
        "--tls-key",        "--tls-policy", "--max-message-size",
        "--max-recipients", "--foreground", "--help",
    };
    for (size_t i = 0; i < N_ELEMS(flags); i++) {
        assert_non_null(strstr(u, flags[i]));
    }
}

static void
test_args_route_errors(void **state)
{
    (void)state;
    ARGS_REFUSED(RL_EINVAL, "--route", "port 0 is not allowed", "--route",
                 "example.com=10.0.0.5:0");
    ARGS_REFUSED(RL_EINVAL, "--route", "'exa mple.com' is not a domain", "--route",
                 "exa mple.com=10.0.0.5:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "'example.com' is not DOMAIN=HOST:PORT[,HOST:PORT...]",
                 "--route", "example.com");
    ARGS_REFUSED(RL_EINVAL, "--route", "'example.com=' has an empty next hop", "--route",
                 "example.com=");
    ARGS_REFUSED(RL_EINVAL, "--route", "'example.com=10.0.0.5:25,' has an empty next hop",
                 "--route", "example.com=10.0.0.5:25,");
    ARGS_REFUSED(RL_EINVAL, "--route", "'*.' is not a domain", "--route", "*.=10.0.0.5:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "'' is not a domain", "--route", "=10.0.0.5:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "'\xff.org' is not a domain", "--route",
                 "\xff.org=10.0.0.5:25"); /* not UTF-8 */
    ARGS_REFUSED(RL_EINVAL, "--route", "'1.2.3.256' is not an IPv4 address", "--route",
                 "a.org=1.2.3.256:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "an IPv6 address needs brackets: [::1]:25", "--route",
                 "a.org=::1:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "'a.org' is routed twice", "--route", "a.org=1.2.3.4:25",
                 "--route", "A.ORG=1.2.3.5:25");
    ARGS_REFUSED(RL_EINVAL, "--route", "at most 8 next hops in one MTA group", "--route",
                 "a.org=1.0.0.1:1,1.0.0.1:2,1.0.0.1:3,1.0.0.1:4,1.0.0.1:5,1.0.0.1:6,1.0.0.1:7,"
                 "1.0.0.1:8,1.0.0.1:9");
    struct dp_config *c = malloc(sizeof(*c));
    struct rl_diag d;
    assert_int_equal(parse(c, &d, ARGC("--route", "a.org=mx.redline.invalid:25"),
                           ARGS("--route", "a.org=mx.redline.invalid:25")),
                     RL_EINVAL);
    assert_string_equal(d.field, "--route");
    assert_non_null(strstr(d.reason, "does not resolve"));
    free(c);
}

static void
test_args_address_errors(void **state)
{
    (void)state;
    ARGS_REFUSED(RL_EINVAL, "--listen", "'localhost' is not an IP address", "--listen",
                 "localhost:25");
    ARGS_REFUSED(RL_EINVAL, "--listen", "'127.0.0.1' has no port (HOST:PORT)", "--listen",
                 "127.0.0.1");
    ARGS_REFUSED(RL_EINVAL, "--listen", "port '99999' is not a number from 1 to 65535", "--listen",
                 "127.0.0.1:99999");
    ARGS_REFUSED(RL_EINVAL, "--listen", "'127.0.0.1:25' is listed twice", "--listen",
                 "127.0.0.1:25", "--listen", "127.0.0.1:25");
    ARGS_REFUSED(RL_EINVAL, "--relay-net", "'10.0.0.1/8' has host bits set below /8", "--relay-net",
                 "10.0.0.1/8");
    ARGS_REFUSED(RL_EINVAL, "--relay-net", "'::/129': the prefix length must be 0 to 128",
                 "--relay-net", "::/129");
    ARGS_REFUSED(RL_EINVAL, "--relay-net", "'lan' is not an IP address", "--relay-net", "lan");
    ARGS_REFUSED(RL_EINVAL, "--hostname", "'bad host' is not a domain", "--hostname", "bad host");
}

static void
test_args_value_errors(void **state)
{
    (void)state;
    ARGS_REFUSED(RL_EINVAL, "--workers", "must be an integer from 1 to 64", "--workers", "0");
    ARGS_REFUSED(RL_EINVAL, "--workers", "must be an integer from 1 to 64", "--workers", "65");
    ARGS_REFUSED(RL_EINVAL, "--workers", "'two' is not a number", "--workers", "two");
    ARGS_REFUSED(RL_EINVAL, "--workers", "'02' is not a number", "--workers", "02");
    ARGS_REFUSED(RL_EINVAL, "--workers", "'-1' is not a number", "--workers", "-1");
    ARGS_REFUSED(RL_EINVAL, "--workers", "'99999999999999999999' is not a number", "--workers",
                 "99999999999999999999");
    ARGS_REFUSED(RL_EINVAL, "--cores", "'0,,1' is not a list of CPU numbers like 0,1", "--cores",
                 "0,,1");
    ARGS_REFUSED(RL_EINVAL, "--cores", "'' is not a list of CPU numbers like 0,1", "--cores", "");
    ARGS_REFUSED(RL_EINVAL, "--cores", "must be a CPU number from 0 to 1023", "--cores", "0,2048");
    ARGS_REFUSED(RL_EINVAL, "--backend", "must be kernel or dpdk", "--backend", "netmap");
    ARGS_REFUSED(RL_EINVAL, "--idle", "must be sleep or spin", "--idle", "busy");
    ARGS_REFUSED(RL_EINVAL, "--max-recipients",
                 "must be an integer from 100 to 1000000 (RFC 5321 4.5.3.1.8)", "--max-recipients",
                 "99");
    ARGS_REFUSED(RL_EINVAL, "--max-message-size", "must be an integer from 1 to 1099511627776",
                 "--max-message-size", "0");
    ARGS_REFUSED(RL_EINVAL, "--log", "must not be empty", "--log", "");
    ARGS_REFUSED(RL_EINVAL, "--quarantine", "must not be empty", "--quarantine", "");
    char sock[128];
    snprintf(sock, sizeof(sock), "/run/%0103d", 0);
    ARGS_REFUSED(RL_EINVAL, "--control-socket", "is longer than 107 bytes", "--control-socket",
                 sock);
    ARGS_REFUSED(RL_EINVAL, "--user", "must not contain control characters", "--user", "a\nb");
    ARGS_REFUSED(RL_EINVAL, "--tls-key", "is needed with --tls-cert", "--tls-cert", "/c.pem");
    ARGS_REFUSED(RL_EINVAL, "--tls-cert", "is needed with --tls-key", "--tls-key", "/k.pem");
    ARGS_REFUSED(RL_EINVAL, "--tls-policy", "must be may or encrypt", "--tls-policy", "require");
}

static void
test_args_syntax_errors(void **state)
{
    (void)state;
    ARGS_REFUSED(RL_EINVAL, "--bogus", "unknown option (see --help)", "--bogus");
    ARGS_REFUSED(RL_EINVAL, "--bogus", "unknown option (see --help)", "--bogus=1");
    ARGS_REFUSED(RL_EINVAL, "-x", "unknown option (see --help)", "-x");
    ARGS_REFUSED(RL_EINVAL, "--foreground", "takes no value", "--foreground=yes");
    ARGS_REFUSED(RL_EINVAL, "--route", "needs a value", "--route");
    ARGS_REFUSED(RL_EINVAL, "stray", "unexpected argument (options only)", "--foreground", "stray");
    ARGS_REFUSED(RL_EINVAL, "--config", "is given more than once", "--config", "a.json", "--config",
                 "b.json");
    ARGS_REFUSED(RL_EIO, "--config", NULL, "--config", "docs/examples/no-such.json");

    char path[64];
    write_temp(path, "{\"routes\": [{\"domain\": \"*\", \"group\": \"none\"}]}");
    ARGS_REFUSED(RL_EINVAL, "routes[0].group", "no MTA group named 'none'", "--config", path);
    unlink(path);
    write_temp(path, "{\"workers\": 2,}");
    ARGS_REFUSED(RL_ESYNTAX, "line 1 column 15", NULL, "--workers", "3", "--config", path);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_round_trip),
        cmocka_unit_test(test_addr_parse_refuses),
        cmocka_unit_test(test_addr_format_limits),
        cmocka_unit_test(test_addr_equal),
        cmocka_unit_test(test_prefix_parse),
        cmocka_unit_test(test_prefix_parse_refuses),
        cmocka_unit_test(test_prefix_match),
        cmocka_unit_test(test_route_precedence),
        cmocka_unit_test(test_route_label_boundary),
        cmocka_unit_test(test_relay_allowed),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_check_refuses_missing_parts),
        cmocka_unit_test(test_check_refuses_limits),
        cmocka_unit_test(test_check_refuses_cores),
        cmocka_unit_test(test_check_refuses_backend_and_tls),
        cmocka_unit_test(test_dpdk_section),
        cmocka_unit_test(test_dpdk_section_refuses),
        cmocka_unit_test(test_json_every_key),
        cmocka_unit_test(test_json_applies_over),
        cmocka_unit_test(test_json_syntax_errors),
        cmocka_unit_test(test_json_unknown_keys),
        cmocka_unit_test(test_json_wrong_types),
        cmocka_unit_test(test_json_route_tls),
        cmocka_unit_test(test_json_inbound_tls),
        cmocka_unit_test(test_json_bad_values),
        cmocka_unit_test(test_json_bad_groups),
        cmocka_unit_test(test_json_bad_routes),
        cmocka_unit_test(test_json_names_resolve),
        cmocka_unit_test(test_json_limits_on_lists),
        cmocka_unit_test(test_example_loads),
        cmocka_unit_test(test_config_md_example_loads),
        cmocka_unit_test(test_load_file_refuses),
        cmocka_unit_test(test_args_minimal),
        cmocka_unit_test(test_args_every_flag),
        cmocka_unit_test(test_args_config_then_overrides),
        cmocka_unit_test(test_args_tls_over_profile),
        cmocka_unit_test(test_json_smtp),
        cmocka_unit_test(test_args_help),
        cmocka_unit_test(test_args_route_errors),
        cmocka_unit_test(test_args_address_errors),
        cmocka_unit_test(test_args_value_errors),
        cmocka_unit_test(test_args_syntax_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
