/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the dataplane's JSON configuration loader: any bytes
 * give a configuration or a diagnostic, never a crash, and a refused load
 * changes nothing. Host names are not resolved (no network, no slow
 * resolver): DP_RESOLVE_SKIP keeps them unresolved. The same bytes also go
 * to the address and prefix parsers, whose output must read back as itself. */
#include <stdlib.h>
#include <string.h>

#include "dp_config.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dp_config cfg;
static struct dp_config before;

static void
addresses(const char *text, size_t len)
{
    char out[IO_ADDR_STRLEN];
    struct io_addr a;
    struct io_addr b;
    if (io_addr_parse(&a, text, len) == 0) {
        size_t n = io_addr_format(out, sizeof(out), &a);
        if (n == 0 || io_addr_parse(&b, out, n) != 0 || !io_addr_equal(&a, &b)) {
            abort();
        }
    }
    struct io_prefix p;
    if (io_prefix_parse(&p, text, len) == 0) {
        size_t n = io_addr_format_ip(out, sizeof(out), &p.net);
        if (n == 0 || !io_prefix_match(&p, &p.net)) {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    addresses((const char *)data, size);
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    dp_config_defaults(&cfg);
    before = cfg;
    int rc = dp_config_load_json_how(&cfg, &d, (const char *)data, size, DP_RESOLVE_SKIP);
    if (rc != 0) {
        if (d.reason[0] == '\0' || memcmp(&cfg, &before, sizeof(cfg)) != 0) {
            abort(); /* every refusal says why and leaves the configuration as it was */
        }
        return 0;
    }
    if (dp_config_check(&cfg, &d) != 0 && d.reason[0] == '\0') {
        abort();
    }
    /* Lookups on whatever was accepted must stay in bounds. */
    static const char *const domains[] = {"example.com", "a.example.com", "badexample.com", "",
                                          "x.y.z.example.org"};
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        const struct dp_route *r = dp_route_find(&cfg.rt, domains[i], strlen(domains[i]));
        if (r != NULL && r->group >= cfg.rt.n_groups) {
            abort();
        }
    }
    struct io_addr peer;
    if (io_addr_parse(&peer, "[::ffff:127.0.0.1]:1", 20) != 0) {
        abort();
    }
    (void)dp_relay_allowed(&cfg.rt, &peer);
    return 0;
}
