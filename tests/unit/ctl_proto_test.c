/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld's request lines (forwarded, JSON, refused) and who may
 * use its socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_proto.h"
#include "ctl_server.h"

static int
parse(struct ctl_request *r, struct rl_diag *d, const char *line)
{
    memset(d, 0, sizeof(*d));
    return ctl_request_parse(r, d, line, strlen(line));
}

static void
test_forwarded(void **state)
{
    (void)state;
    struct ctl_request r;
    struct rl_diag d;
    assert_int_equal(parse(&r, &d, "stats\n"), 0);
    assert_true(r.forward);
    assert_string_equal(r.line, "stats");
    assert_int_equal(parse(&r, &d, "quarantine release a.1.2\r\n"), 0);
    assert_true(r.forward);
    assert_string_equal(r.line, "quarantine release a.1.2");
    assert_int_equal(parse(&r, &d, "reload"), 0);
    assert_true(r.forward);
    /* Only whole first words are forwarded. */
    assert_int_equal(parse(&r, &d, "statsx"), RL_ESYNTAX);
    assert_int_equal(parse(&r, &d, "shutdown"), RL_ESYNTAX);
    char longline[700];
    snprintf(longline, sizeof(longline), "quarantine release %0600d", 1);
    assert_int_equal(parse(&r, &d, longline), RL_EINVAL);
    assert_non_null(strstr(d.reason, "longer"));
}

static void
test_json(void **state)
{
    (void)state;
    struct ctl_request r;
    struct rl_diag d;
    assert_int_equal(parse(&r, &d,
                           "{\"cmd\":\"route.add\",\"args\":{\"domain\":\"a.com\"},"
                           "\"comment\":\"why\",\"dry_run\":true}\n"),
                     0);
    assert_false(r.forward);
    assert_string_equal(r.cmd, "route.add");
    assert_string_equal(r.comment, "why");
    assert_true(r.dry_run);
    assert_string_equal(json_string_value(json_object_get(r.args, "domain")), "a.com");
    ctl_request_fini(&r);
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\"}"), 0);
    assert_true(json_is_object(r.args));
    ctl_request_fini(&r);
}

static void
test_json_refused(void **state)
{
    (void)state;
    struct ctl_request r;
    struct rl_diag d;
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"route.frob\"}"), RL_EINVAL);
    assert_string_equal(d.field, "cmd");
    assert_int_equal(parse(&r, &d, "{\"cmd\":7}"), RL_EINVAL);
    assert_int_equal(parse(&r, &d, "{}"), RL_EINVAL);
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\",\"args\":[]}"), RL_EINVAL);
    assert_string_equal(d.field, "args");
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\",\"dry_run\":1}"), RL_EINVAL);
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\",\"comment\":1}"), RL_EINVAL);
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\",\"x\":1}"), RL_EINVAL);
    assert_string_equal(d.field, "x");
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\",\"cmd\":\"status\"}"), RL_ESYNTAX);
    assert_int_equal(parse(&r, &d, "{\"cmd\":"), RL_ESYNTAX);
    assert_int_equal(parse(&r, &d, "{\"cmd\":\"status\"}\n{\"cmd\":\"status\"}"), RL_EINVAL);
    assert_int_equal(parse(&r, &d, ""), RL_ESYNTAX);
    assert_int_equal(ctl_request_parse(&r, &d, "{\"cmd\"\0:1}", 10), RL_EINVAL);
    char comment[400];
    memset(comment, 'c', sizeof(comment));
    char line[600];
    snprintf(line, sizeof(line), "{\"cmd\":\"status\",\"comment\":\"%.*s\"}", 300, comment);
    assert_int_equal(parse(&r, &d, line), RL_EINVAL);
    assert_string_equal(d.field, "comment");
    /* Over the limit: refused before any parsing. */
    size_t big = CTL_REQ_MAX + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    assert_int_equal(ctl_request_parse(&r, &d, huge, big), RL_ELIMIT);
    free(huge);
}

static void
test_peers(void **state)
{
    (void)state;
    struct ctl_server_config cfg = {.admin_gid_set = true, .admin_gid = 4242};
    gid_t groups[] = {10, 4242};
    assert_true(ctl_peer_allowed(&cfg, 0, 0, NULL, 0));
    assert_true(ctl_peer_allowed(&cfg, 1000, 4242, NULL, 0));
    assert_true(ctl_peer_allowed(&cfg, 1000, 1000, groups, 2));
    assert_false(ctl_peer_allowed(&cfg, 1000, 1000, groups, 1));
    assert_false(ctl_peer_allowed(&cfg, 65534, 65534, NULL, 0));
    cfg.admin_gid_set = false;
    assert_true(ctl_peer_allowed(&cfg, 0, 0, NULL, 0));
    assert_false(ctl_peer_allowed(&cfg, 1000, 4242, groups, 2));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forwarded),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_refused),
        cmocka_unit_test(test_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
