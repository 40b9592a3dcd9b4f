/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration document's edits, reads and differences (ctl_model),
 * and whole-document validation through the dataplane's parser, the TLS
 * library and the Hyperscan compiler (ctl_validate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl_model.h"
#include "ctl_validate.h"

static json_t *
base(void)
{
    json_t *d = json_loads("{\"mta_groups\": {\"default\": [\"127.0.0.1:2526\"], "
                           "\"partners\": [\"127.0.0.1:2527\", \"127.0.0.1:2528\"]},"
                           "\"routes\": [{\"domain\": \"*\", \"group\": \"default\"}],"
                           "\"relay_networks\": [\"127.0.0.0/8\"]}",
                           0, NULL);
    assert_non_null(d);
    return d;
}

/* apply runs one edit given as JSON args; returns the code, `diag` filled. */
static int
apply(json_t *doc, struct rl_diag *d, const char *cmd, const char *args)
{
    json_t *a = json_loads(args, 0, NULL);
    assert_non_null(a);
    memset(d, 0, sizeof(*d));
    int rc = ctl_model_apply(doc, d, cmd, a, NULL);
    json_decref(a);
    return rc;
}

static void
test_routes(void **state)
{
    (void)state;
    json_t *doc = base();
    struct rl_diag d;
    assert_int_equal(
        apply(doc, &d, "route.add", "{\"domain\":\"example.com\",\"group\":\"partners\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "routes")), 2);
    assert_int_equal(
        apply(doc, &d, "route.add", "{\"domain\":\"EXAMPLE.com\",\"group\":\"default\"}"),
        RL_EINVAL);
    assert_string_equal(d.field, "domain");
    assert_non_null(strstr(d.reason, "exists"));
    assert_int_equal(apply(doc, &d, "route.set", "{\"domain\":\"example.com\",\"tls\":\"p\"}"), 0);
    json_t *r = json_array_get(json_object_get(doc, "routes"), 1);
    assert_string_equal(json_string_value(json_object_get(r, "tls")), "p");
    assert_int_equal(apply(doc, &d, "route.set", "{\"domain\":\"example.com\",\"tls\":\"\"}"), 0);
    assert_null(json_object_get(r, "tls"));
    assert_int_equal(apply(doc, &d, "route.set", "{\"domain\":\"example.com\"}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "route.set", "{\"domain\":\"nope.com\",\"group\":\"x\"}"),
                     RL_EINVAL);
    assert_non_null(strstr(d.reason, "route add"));
    assert_int_equal(apply(doc, &d, "route.add", "{\"domain\":\"a.com\"}"), RL_EINVAL);
    assert_string_equal(d.field, "group");
    assert_int_equal(apply(doc, &d, "route.add", "{\"domain\":\"a.com\",\"group\":7}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "route.add", "{\"group\":\"x\"}"), RL_EINVAL);
    assert_string_equal(d.field, "domain");
    assert_int_equal(apply(doc, &d, "route.del", "{\"domain\":\"example.com\"}"), 0);
    assert_int_equal(apply(doc, &d, "route.del", "{\"domain\":\"example.com\"}"), RL_EINVAL);
    assert_int_equal(json_array_size(json_object_get(doc, "routes")), 1);
    json_decref(doc);
}

static void
test_named_sections(void **state)
{
    (void)state;
    json_t *doc = base();
    struct rl_diag d;
    assert_int_equal(apply(doc, &d, "mta-group.add", "{\"name\":\"b\",\"hops\":[\"10.0.0.1:25\"]}"),
                     0);
    assert_int_equal(apply(doc, &d, "mta-group.add", "{\"name\":\"b\",\"hops\":[]}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "mta-group.set", "{\"name\":\"c\",\"hops\":[]}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "mta-group.set", "{\"name\":\"b\",\"hops\":\"x\"}"), RL_EINVAL);
    assert_string_equal(d.field, "hops");
    assert_int_equal(apply(doc, &d, "mta-group.del", "{\"name\":\"b\"}"), 0);
    assert_int_equal(apply(doc, &d, "mta-group.del", "{\"name\":\"b\"}"), RL_EINVAL);
    assert_int_equal(
        apply(doc, &d, "tls-profile.add", "{\"name\":\"p\",\"profile\":{\"role\":\"client\"}}"), 0);
    assert_int_equal(apply(doc, &d, "tls-profile.add", "{\"name\":\"p\",\"profile\":{}}"),
                     RL_EINVAL);
    assert_int_equal(apply(doc, &d, "tls-profile.set", "{\"name\":\"p\",\"profile\":[]}"),
                     RL_EINVAL);
    assert_int_equal(apply(doc, &d, "client-network.add", "{\"cidr\":\"10.0.0.0/8\"}"), 0);
    assert_int_equal(apply(doc, &d, "client-network.add", "{\"cidr\":\"10.0.0.0/8\"}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "client-network.del", "{\"cidr\":\"10.9.0.0/16\"}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "client-network.del", "{\"cidr\":\"10.0.0.0/8\"}"), 0);
    assert_int_equal(apply(doc, &d, "no.such", "{}"), RL_ENOENT);
    assert_false(ctl_model_is_edit("route.list"));
    assert_true(ctl_model_is_edit("config.rollback"));
    json_decref(doc);
}

static void
test_lexicons_and_policy(void **state)
{
    (void)state;
    json_t *doc = base();
    struct rl_diag d;
    /* A lexicon without a policy makes a minimal one. */
    assert_int_equal(apply(doc, &d, "lexicon.add",
                           "{\"lexicon\":{\"name\":\"codes\",\"action\":\"block\",\"threshold\":1,"
                           "\"entries\":[{\"word\":\"falcon\",\"weight\":1}]}}"),
                     0);
    json_t *p = json_object_get(doc, "policy");
    assert_string_equal(json_string_value(json_object_get(p, "version")), "controld");
    assert_int_equal(apply(doc, &d, "lexicon.add", "{\"lexicon\":{\"name\":\"codes\"}}"),
                     RL_EINVAL);
    assert_string_equal(d.field, "lexicon.name");
    assert_int_equal(apply(doc, &d, "lexicon.add", "{\"lexicon\":{\"entries\":[]}}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "lexicon.set", "{\"lexicon\":{\"name\":\"none\"}}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "lexicon.del", "{\"name\":\"codes\"}"), 0);
    assert_int_equal(apply(doc, &d, "lexicon.del", "{\"name\":\"codes\"}"), RL_EINVAL);
    assert_int_equal(apply(doc, &d, "policy.set", "{\"policy\":{\"version\":\"v2\"}}"), 0);
    assert_int_equal(apply(doc, &d, "policy.set", "{\"policy\":\"v2\"}"), RL_EINVAL);
    json_decref(doc);
}

static void
test_rollback_and_import_keep_license(void **state)
{
    (void)state;
    json_t *doc = base();
    json_object_set_new(doc, "license", json_string("LICENCE"));
    json_t *old = json_loads("{\"routes\": [], \"license\": \"OLD\"}", 0, NULL);
    struct rl_diag d = {{0}, {0}};
    json_t *args = json_pack("{s:i}", "n", 1);
    assert_int_equal(ctl_model_apply(doc, &d, "config.rollback", args, old), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "license")), "LICENCE");
    assert_null(json_object_get(doc, "mta_groups"));
    assert_int_equal(ctl_model_apply(doc, &d, "config.rollback", args, NULL), RL_EINVAL);
    json_decref(args);
    assert_int_equal(apply(doc, &d, "config.rollback", "{}"), RL_EINVAL);
    assert_string_equal(d.field, "n");
    /* An import without a licence keeps the current one; with one, takes it. */
    assert_int_equal(apply(doc, &d, "config.import", "{\"doc\":{\"routes\":[]}}"), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "license")), "LICENCE");
    assert_int_equal(apply(doc, &d, "config.import", "{\"doc\":{\"license\":\"NEW\"}}"), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "license")), "NEW");
    assert_int_equal(apply(doc, &d, "config.import", "{\"doc\":[]}"), RL_EINVAL);
    json_decref(old);
    json_decref(doc);
}

static void
test_reads(void **state)
{
    (void)state;
    json_t *doc = base();
    struct rl_diag d = {{0}, {0}};
    json_t *args = json_pack("{s:s}", "domain", "*");
    json_t *r = ctl_model_read(doc, &d, "route.show", args);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "route"), "group")),
                        "default");
    json_decref(r);
    json_decref(args);
    args = json_pack("{s:s}", "domain", "nope.example");
    assert_null(ctl_model_read(doc, &d, "route.show", args));
    assert_string_equal(d.field, "domain");
    json_decref(args);
    args = json_pack("{s:s}", "name", "partners");
    r = ctl_model_read(doc, &d, "mta-group.show", args);
    assert_int_equal(json_array_size(json_object_get(r, "value")), 2);
    json_decref(r);
    json_decref(args);
    r = ctl_model_read(doc, &d, "lexicon.list", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "lexicons")), 0);
    json_decref(r);
    assert_null(ctl_model_read(doc, &d, "route.frob", NULL));
    json_decref(doc);
}

static void
test_diff(void **state)
{
    (void)state;
    json_t *a = base();
    json_t *b = base();
    json_t *ch = ctl_model_diff(a, b);
    assert_int_equal(json_array_size(ch), 0);
    json_decref(ch);
    struct rl_diag d;
    assert_int_equal(apply(b, &d, "route.add", "{\"domain\":\"x.com\",\"group\":\"partners\"}"), 0);
    assert_int_equal(apply(b, &d, "mta-group.del", "{\"name\":\"default\"}"), 0);
    json_array_set_new(json_object_get(b, "relay_networks"), 0, json_string("10.0.0.0/8"));
    ch = ctl_model_diff(a, b);
    assert_int_equal(json_array_size(ch), 3);
    char *s = json_dumps(ch, JSON_COMPACT);
    assert_non_null(strstr(s, "{\"path\":\"mta_groups.default\",\"op\":\"removed\""));
    assert_non_null(strstr(s, "{\"path\":\"routes[1]\",\"op\":\"added\""));
    assert_non_null(strstr(s,
                           "{\"path\":\"relay_networks[0]\",\"op\":\"changed\",\"old\":\"127.0.0.0/"
                           "8\",\"new\":\"10.0.0.0/8\"}"));
    free(s);
    json_decref(ch);
    json_decref(a);
    json_decref(b);
}

/* check validates `text`; returns the code and the field. */
static int
check(const char *text, char *field, size_t cap)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    struct rl_diag d = {{0}, {0}};
    int rc = ctl_validate(&d, doc);
    snprintf(field, cap, "%s", d.field);
    json_decref(doc);
    return rc;
}

static void
test_validate(void **state)
{
    (void)state;
    char f[64];
    const char *ok = "{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                     "\"routes\": [{\"domain\": \"*\", \"group\": \"d\"}]}";
    assert_int_equal(check(ok, f, sizeof(f)), 0);
    /* Unknown group, bad CIDR, dangling TLS profile, duplicate domain. */
    assert_int_not_equal(check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                               "\"routes\": [{\"domain\": \"*\", \"group\": \"e\"}]}",
                               f, sizeof(f)),
                         0);
    assert_string_equal(f, "routes[0].group");
    assert_int_not_equal(check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                               "\"routes\": [{\"domain\": \"*\", \"group\": \"d\"}], "
                               "\"relay_networks\": [\"10.0.0.0/33\"]}",
                               f, sizeof(f)),
                         0);
    assert_string_equal(f, "relay_networks[0]");
    assert_int_not_equal(
        check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
              "\"routes\": [{\"domain\": \"*\", \"group\": \"d\", \"tls\": \"p\"}]}",
              f, sizeof(f)),
        0);
    assert_string_equal(f, "routes[0].tls");
    assert_int_not_equal(check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                               "\"routes\": [{\"domain\": \"a.com\", \"group\": \"d\"},"
                               "{\"domain\": \"A.com\", \"group\": \"d\"}]}",
                               f, sizeof(f)),
                         0);
    assert_string_equal(f, "routes[1].domain");
    /* A TLS profile whose CA file cannot be read. */
    assert_int_not_equal(
        check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
              "\"routes\": [{\"domain\": \"*\", \"group\": \"d\", \"tls\": \"p\"}], "
              "\"tls_profiles\": {\"p\": {\"role\": \"client\", \"verify\": \"ca\", "
              "\"ca_file\": \"/nonexistent/ca.pem\"}}}",
              f, sizeof(f)),
        0);
    assert_non_null(strstr(f, "tls_profiles.p"));
    /* A lexicon regex Hyperscan cannot compile. */
    assert_int_not_equal(check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                               "\"routes\": [{\"domain\": \"*\", \"group\": \"d\"}], "
                               "\"policy\": {\"version\": \"1\", \"lexicons\": [{\"name\": \"x\", "
                               "\"action\": \"block\", \"threshold\": 1, \"entries\": "
                               "[{\"regex\": \"a(b\", \"weight\": 1}]}]}}",
                               f, sizeof(f)),
                         0);
    assert_non_null(strstr(f, "policy.lexicons[0]"));
    assert_int_not_equal(check("{\"routes\": [], \"frob\": 1}", f, sizeof(f)), 0);
    assert_string_equal(f, "frob");
    assert_int_not_equal(check("{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, "
                               "\"routes\": [{\"domain\": \"*\", \"group\": \"d\"}], "
                               "\"license\": 5}",
                               f, sizeof(f)),
                         0);
    assert_string_equal(f, "license");
    assert_int_not_equal(check("{}", f, sizeof(f)), 0); /* no route */
    assert_int_not_equal(check("[]", f, sizeof(f)), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_named_sections),
        cmocka_unit_test(test_lexicons_and_policy),
        cmocka_unit_test(test_rollback_and_import_keep_license),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
