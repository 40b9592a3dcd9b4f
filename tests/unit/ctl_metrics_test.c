/* SPDX-License-Identifier: Apache-2.0 */
/* The Prometheus text of redlined's counters, the configuration version and
 * the licence (the integration test reads the same text with a real
 * Prometheus parser). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_metrics.h"

static const char stats_text[] =
    "{\"total\": {\"messages_received\": 5, \"tls_reloads\": 2, \"next_hops_down\": 1,"
    "  \"next_hops\": [{\"hop\": \"10.0.0.1:25\", \"down\": true, \"fails\": 2},"
    "                  {\"hop\": \"b\\\"x:25\", \"down\": false, \"fails\": 0}]},"
    " \"workers\": ["
    "  {\"messages_received\": 3, \"connections_active\": 1, \"replies_2xx\": 3,"
    "   \"replies_4xx\": 0, \"findings\": {\"CREDIT_CARD\": 2},"
    "   \"tls_failures_by_reason\": {\"no_shared_cipher\": 1},"
    "   \"tls_out_failures_by_reason\": {},"
    "   \"loop_turn_seconds\": {\"le\": [0.0001, 0.001], \"counts\": [7, 9], \"sum\": 0.002,"
    "                          \"count\": 10}},"
    "  {\"messages_received\": 2, \"connections_active\": 0, \"replies_2xx\": 1,"
    "   \"replies_4xx\": 1, \"findings\": {\"IBAN\": 1, \"we\\\"ird\": 1},"
    "   \"tls_failures_by_reason\": {}, \"tls_out_failures_by_reason\": {\"cert_verify\": 4},"
    "   \"loop_turn_seconds\": {\"le\": [0.0001, 0.001], \"counts\": [1, 1], \"sum\": 0.0001,"
    "                          \"count\": 1}}]}";

static void
test_render(void **state)
{
    (void)state;
    json_t *stats = json_loads(stats_text, 0, NULL);
    assert_non_null(stats);
    struct ctl_license_status lic = {
        .state = CTL_LICENSE_EXPIRING, .tier = CTL_TIER_HIGH, .days_left = 12};
    struct ctl_metrics_input in = {.stats = stats, .committed = 42, .license = &lic};
    size_t len = 0;
    char *t = ctl_metrics_render(&len, &in);
    assert_non_null(t);
    assert_int_equal(strlen(t), len);
    static const char *const want[] = {
        "redline_dataplane_up 1\n",
        "# TYPE redline_next_hop_down gauge\n",
        "redline_next_hop_down{hop=\"10.0.0.1:25\"} 1\n",
        "redline_next_hop_down{hop=\"b\\\"x:25\"} 0\n",
        "redline_config_version_committed 42\n",
        "redline_license_days_left 12\n",
        "redline_license_evaluation 0\n",
        "redline_license_info{state=\"expiring\",tier=\"high\"} 1\n",
        "redline_license_rate_limit_per_hour 60000\n",
        "# TYPE redline_messages_received_total counter\n",
        "redline_messages_received_total{worker=\"0\"} 3\n",
        "redline_messages_received_total{worker=\"1\"} 2\n",
        "# TYPE redline_connections_active gauge\n",
        "redline_replies_total{worker=\"1\",class=\"4xx\"} 1\n",
        "redline_findings_total{worker=\"0\",type=\"CREDIT_CARD\"} 2\n",
        "redline_findings_total{worker=\"1\",type=\"we\\\"ird\"} 1\n",
        "redline_tls_failures_by_reason_total{worker=\"0\",direction=\"in\",reason=\"no_shared_"
        "cipher\"} 1\n",
        "redline_tls_failures_by_reason_total{worker=\"1\",direction=\"out\",reason=\"cert_"
        "verify\"}"
        " 4\n",
        "# TYPE redline_loop_turn_seconds histogram\n",
        "redline_loop_turn_seconds_bucket{worker=\"0\",le=\"0.001\"} 9\n",
        "redline_loop_turn_seconds_bucket{worker=\"0\",le=\"+Inf\"} 10\n",
        "redline_loop_turn_seconds_count{worker=\"1\"} 1\n",
        "# TYPE redline_tls_reloads_total counter\nredline_tls_reloads_total 2\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(t, want[i]) == NULL) {
            fail_msg("missing: %s\nin:\n%s", want[i], t);
        }
    }
    /* Each family once: one TYPE line per name. */
    assert_null(
        strstr(strstr(t, "# TYPE redline_findings_total") + 1, "# TYPE redline_findings_total"));
    assert_null(strstr(strstr(t, "# TYPE redline_tls_failures_by_reason_total") + 1,
                       "# TYPE redline_tls_failures_by_reason_total"));
    /* The totals repeat the workers' counters: not written twice. */
    assert_null(strstr(t, "redline_messages_received_total 5"));
    free(t);
    json_decref(stats);
}

static void
test_dataplane_down(void **state)
{
    (void)state;
    struct ctl_license_status lic = {
        .state = CTL_LICENSE_MISSING, .tier = CTL_TIER_LOW, .evaluation = true};
    struct ctl_metrics_input in = {.stats = NULL, .committed = 0, .license = &lic};
    size_t len = 0;
    char *t = ctl_metrics_render(&len, &in);
    assert_non_null(strstr(t, "redline_dataplane_up 0\n"));
    assert_non_null(strstr(t, "redline_license_evaluation 1\n"));
    assert_null(strstr(t, "worker="));
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_dataplane_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
