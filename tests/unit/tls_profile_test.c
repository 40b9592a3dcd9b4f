/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tls_profile.c: every key of both roles read back, the
 * defaults, and every refusal naming its exact field path. Also the
 * example profiles of tls/README.md. Single-threaded cmocka runner, run
 * from the source root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "tls_fixture.h"

static struct tls_profiles *
load_ok(const char *json)
{
    struct tls_profiles *set = malloc(sizeof(*set));
    struct rl_diag d = {{0}, {0}};
    assert_non_null(set);
    int rc = tls_profiles_load_json(set, &d, json, strlen(json));
    if (rc != 0) {
        fail_msg("%s\n  refused: %s: %s", json, d.field, d.reason);
    }
    return set;
}

/* refused loads `json` and expects `rc`, `field` and `reason` (NULL: any). */
static void
refused(const char *json, int rc, const char *field, const char *reason)
{
    struct tls_profiles *set = malloc(sizeof(*set));
    struct rl_diag d = {{0}, {0}};
    assert_non_null(set);
    int got = tls_profiles_load_json(set, &d, json, strlen(json));
    if (got != rc || strcmp(d.field, field) != 0 ||
        (reason != NULL && strcmp(d.reason, reason) != 0) || d.reason[0] == '\0') {
        fail_msg("%s\n  got %d '%s' '%s'\n  want %d '%s' '%s'", json, got, d.field, d.reason, rc,
                 field, reason != NULL ? reason : "(any)");
    }
    free(set);
}

/* each_refused expects `head` + item + "]}}" to be refused for every item. */
static void
each_refused(const char *head, const char *const *items, size_t n, const char *field,
             const char *reason)
{
    for (size_t i = 0; i < n; i++) {
        char json[512];
        snprintf(json, sizeof(json), "%s%s]}}", head, items[i]);
        refused(json, RL_EINVAL, field, reason);
    }
}

static void
test_every_key(void **state)
{
    (void)state;
    struct tls_profiles *set =
        load_ok("{\"inbound\": {\"role\": \"server\", \"cert\": \"/etc/rl/mx.pem\","
                " \"key\": \"/etc/rl/mx.key\", \"cert2\": \"/etc/rl/mx-rsa.pem\","
                " \"key2\": \"/etc/rl/mx-rsa.key\", \"min_version\": \"TLSv1.3\","
                " \"max_version\": \"TLSv1.3\", \"ciphers\": \"ECDHE+AESGCM\","
                " \"ciphersuites\": \"TLS_AES_256_GCM_SHA384\", \"groups\": \"P-256\","
                " \"client_cert\": \"require\", \"ca_file\": \"/etc/rl/clients.pem\","
                " \"ticket_rotate_seconds\": 600, \"ticket_keys\": 4},"
                " \"partner\": {\"role\": \"client\", \"mode\": \"mandatory\", \"verify\": \"ca\","
                " \"ca_file\": \"/etc/rl/ca.pem\", \"names\": [\"MX.Partner.example\","
                " \"xn--bcher-kva.example\"], \"min_version\": \"TLSv1.2\"},"
                " \"pinned\": {\"role\": \"client\", \"verify\": \"fingerprint\", \"fingerprints\":"
                " [\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\","
                " \"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:"
                "aa:bb:cc:dd:ee:fe\"]}}");
    assert_int_equal(set->n, 3);
    const struct tls_profile *s = tls_profiles_find(set, "inbound");
    assert_non_null(s);
    assert_int_equal(s->role, TLS_ROLE_SERVER);
    assert_string_equal(s->cert_file, "/etc/rl/mx.pem");
    assert_string_equal(s->key_file, "/etc/rl/mx.key");
    assert_string_equal(s->cert2_file, "/etc/rl/mx-rsa.pem");
    assert_string_equal(s->key2_file, "/etc/rl/mx-rsa.key");
    assert_int_equal(s->min_version, TLS1_3_VERSION);
    assert_int_equal(s->max_version, TLS1_3_VERSION);
    assert_string_equal(s->ciphers, "ECDHE+AESGCM");
    assert_string_equal(s->ciphersuites, "TLS_AES_256_GCM_SHA384");
    assert_string_equal(s->groups, "P-256");
    assert_int_equal(s->client_cert, TLS_CLIENT_CERT_REQUIRE);
    assert_string_equal(s->ca_file, "/etc/rl/clients.pem");
    assert_int_equal(s->ticket_rotate_s, 600);
    assert_int_equal(s->ticket_keys, 4);

    const struct tls_profile *c = tls_profiles_find(set, "partner");
    assert_non_null(c);
    assert_int_equal(c->role, TLS_ROLE_CLIENT);
    assert_int_equal(c->mode, TLS_MODE_MANDATORY);
    assert_int_equal(c->verify, TLS_VERIFY_CA);
    assert_int_equal(c->n_names, 2);
    assert_string_equal(c->names[0], "mx.partner.example"); /* compared without case */
    assert_string_equal(c->names[1], "xn--bcher-kva.example");

    const struct tls_profile *p = tls_profiles_find(set, "pinned");
    assert_non_null(p);
    assert_int_equal(p->verify, TLS_VERIFY_PIN);
    assert_int_equal(p->mode, TLS_MODE_OPPORTUNISTIC);
    assert_int_equal(p->n_pins, 2);
    assert_int_equal(p->pins[0][0], 0x00);
    assert_int_equal(p->pins[0][31], 0xff);
    assert_int_equal(p->pins[1][31], 0xfe);
    assert_null(tls_profiles_find(set, "nope"));
    free(set);
}

static void
test_defaults(void **state)
{
    (void)state;
    struct tls_profiles *set =
        load_ok("{\"in\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\"},"
                " \"out\": {\"role\": \"client\"}}");
    const struct tls_profile *s = &set->p[0];
    assert_int_equal(s->min_version, TLS1_2_VERSION);
    assert_int_equal(s->max_version, 0);
    assert_int_equal(s->client_cert, TLS_CLIENT_CERT_NONE);
    assert_int_equal(s->ticket_rotate_s, 3600);
    assert_int_equal(s->ticket_keys, 3);
    assert_non_null(strstr(s->ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256"));
    assert_null(strstr(s->ciphers, "CBC"));
    assert_string_equal(s->groups, "X25519:P-256:P-384");
    const struct tls_profile *c = &set->p[1];
    assert_int_equal(c->mode, TLS_MODE_OPPORTUNISTIC);
    assert_int_equal(c->verify, TLS_VERIFY_NONE);
    assert_int_equal(c->n_names, 0);
    assert_string_equal(c->name, "out");
    free(set);

    set = load_ok("{}");
    assert_int_equal(set->n, 0);
    free(set);
    assert_string_equal(tls_version_name(TLS1_3_VERSION), "TLSv1.3");
    assert_string_equal(tls_version_name(TLS1_VERSION), "TLSv1");
    assert_string_equal(tls_version_name(0), "");
    assert_string_equal(tls_version_name(0x7f1c), "");
}

static void
test_syntax_and_shape(void **state)
{
    (void)state;
    refused("{\"a\": ", RL_ESYNTAX, "line 1 column 6", NULL);
    refused("{\"a\": {\"role\": \"client\"}, \"a\": {\"role\": \"client\"}}", RL_ESYNTAX,
            "line 1 column 29", NULL);
    refused("[]", RL_EINVAL, "tls_profiles", "must be an object of named profiles");
    refused("{\"a\": 1}", RL_EINVAL, "tls_profiles.a", "must be an object");
    refused("{\"a b\": {}}", RL_EINVAL, "tls_profiles.a b",
            "a profile name is 1 to 63 printable characters without spaces or dots");
    refused("{\"a.b\": {}}", RL_EINVAL, "tls_profiles.a.b", NULL);
    refused("{\"\": {}}", RL_EINVAL, "tls_profiles.", NULL);
    refused("{\"a\": {}}", RL_EINVAL, "tls_profiles.a.role", "is required (server or client)");
    refused("{\"a\": {\"role\": \"both\"}}", RL_EINVAL, "tls_profiles.a.role",
            "must be server or client");
    refused("{\"a\": {\"role\": 1}}", RL_EINVAL, "tls_profiles.a.role", NULL);
}

static void
test_too_many_profiles(void **state)
{
    (void)state;
    char json[4096];
    size_t n = 0;
    n += (size_t)snprintf(json + n, sizeof(json) - n, "{");
    for (int i = 0; i <= TLS_MAX_PROFILES; i++) {
        n += (size_t)snprintf(json + n, sizeof(json) - n, "%s\"p%d\": {\"role\": \"client\"}",
                              i > 0 ? "," : "", i);
    }
    snprintf(json + n, sizeof(json) - n, "}");
    refused(json, RL_EINVAL, "tls_profiles", "holds more than 32 profiles");
}

static void
test_keys_by_role(void **state)
{
    (void)state;
    refused("{\"o\": {\"role\": \"client\", \"cert\": \"c\"}}", RL_EINVAL, "tls_profiles.o.cert",
            "is a server profile key");
    refused("{\"o\": {\"role\": \"client\", \"key2\": \"k\"}}", RL_EINVAL, "tls_profiles.o.key2",
            "is a server profile key");
    refused("{\"o\": {\"role\": \"client\", \"ticket_keys\": 2}}", RL_EINVAL,
            "tls_profiles.o.ticket_keys", "is a server profile key");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\", \"mode\": \"none\"}}",
            RL_EINVAL, "tls_profiles.i.mode", "is a client profile key");
    refused("{\"i\": {\"role\": \"server\", \"names\": []}}", RL_EINVAL, "tls_profiles.i.names",
            "is a client profile key");
    refused("{\"o\": {\"role\": \"client\", \"verfy\": \"ca\"}}", RL_EINVAL, "tls_profiles.o.verfy",
            "unknown key");
}

static void
test_bad_values(void **state)
{
    (void)state;
    refused("{\"o\": {\"role\": \"client\", \"min_version\": \"SSLv3\"}}", RL_EINVAL,
            "tls_profiles.o.min_version", "must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
    refused("{\"o\": {\"role\": \"client\", \"max_version\": 12}}", RL_EINVAL,
            "tls_profiles.o.max_version", NULL);
    refused("{\"o\": {\"role\": \"client\", \"min_version\": \"TLSv1.3\","
            " \"max_version\": \"TLSv1.2\"}}",
            RL_EINVAL, "tls_profiles.o.max_version", "is below min_version");
    refused("{\"o\": {\"role\": \"client\", \"mode\": \"always\"}}", RL_EINVAL,
            "tls_profiles.o.mode", "must be none, opportunistic or mandatory");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"dane\"}}", RL_EINVAL,
            "tls_profiles.o.verify", "must be none, ca or fingerprint");
    refused("{\"o\": {\"role\": \"client\", \"ciphers\": \"\"}}", RL_EINVAL,
            "tls_profiles.o.ciphers", "must not be empty");
    refused("{\"o\": {\"role\": \"client\", \"ciphers\": \"A B\"}}", RL_EINVAL,
            "tls_profiles.o.ciphers", "must be printable ASCII without spaces");
    refused("{\"o\": {\"role\": \"client\", \"groups\": [\"P-256\"]}}", RL_EINVAL,
            "tls_profiles.o.groups", "must be a string");
    refused("{\"o\": {\"role\": \"client\", \"ciphersuites\": \"\\u00e9\"}}", RL_EINVAL,
            "tls_profiles.o.ciphersuites", "must be printable ASCII without spaces");
    char json[1024];
    snprintf(json, sizeof(json), "{\"o\": {\"role\": \"client\", \"groups\": \"%0200d\"}}", 0);
    refused(json, RL_EINVAL, "tls_profiles.o.groups", "is longer than 127 octets");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"\", \"key\": \"k\"}}", RL_EINVAL,
            "tls_profiles.i.cert", "must be a file path of 1 to 4095 octets");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"a\\u0000b\", \"key\": \"k\"}}", RL_ESYNTAX,
            "line 1 column 43", NULL); /* jansson refuses NUL in strings */
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\","
            " \"ticket_keys\": 0}}",
            RL_EINVAL, "tls_profiles.i.ticket_keys", "must be an integer from 1 to 8");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\","
            " \"ticket_rotate_seconds\": -1}}",
            RL_EINVAL, "tls_profiles.i.ticket_rotate_seconds",
            "must be an integer from 0 to 604800");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\","
            " \"ticket_rotate_seconds\": 1.5}}",
            RL_EINVAL, "tls_profiles.i.ticket_rotate_seconds", NULL);
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\","
            " \"client_cert\": \"maybe\"}}",
            RL_EINVAL, "tls_profiles.i.client_cert", "must be none, request or require");
}

static void
test_server_needs(void **state)
{
    (void)state;
    refused("{\"i\": {\"role\": \"server\", \"key\": \"k\"}}", RL_EINVAL, "tls_profiles.i.cert",
            "is required in a server profile");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\"}}", RL_EINVAL, "tls_profiles.i.key",
            "is required in a server profile");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\", \"cert2\": \"c2\"}}",
            RL_EINVAL, "tls_profiles.i.key2", "cert2 and key2 go together");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\", \"key2\": \"k2\"}}",
            RL_EINVAL, "tls_profiles.i.cert2", "cert2 and key2 go together");
    refused("{\"i\": {\"role\": \"server\", \"cert\": \"c\", \"key\": \"k\","
            " \"client_cert\": \"require\"}}",
            RL_EINVAL, "tls_profiles.i.ca_file", "is required with client_cert require");
}

static void
test_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"*.example.test\"",
        "\"f*.example.test\"",
        "\" mx.example.test\"",
        "\"mx.example.test \"",
        "\"mx..example.test\"",
        "\".example.test\"",
        "\"mx.example.test.\"",
        "\"\"",
        "\"b\\u00fccher.example\"",
        "\"mx example\"",
        "7",
    };
    each_refused("{\"o\": {\"role\": \"client\", \"verify\": \"ca\", \"names\": [\"ok.example\", ",
                 bad, sizeof(bad) / sizeof(bad[0]), "tls_profiles.o.names[1]",
                 "must be a DNS name (letters, digits, '-', dots; A-labels for IDNs; no wildcard, "
                 "no spaces)");
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"o\": {\"role\": \"client\", \"verify\": \"ca\", \"names\": [\"%064d.example\"]}}",
             0);
    refused(json, RL_EINVAL, "tls_profiles.o.names[0]", NULL); /* a 64-octet label */
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"ca\", \"names\": \"mx.example\"}}",
            RL_EINVAL, "tls_profiles.o.names", "must be an array of at most 8 DNS names");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"ca\", \"names\": [\"a\",\"b\",\"c\","
            "\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}}",
            RL_EINVAL, "tls_profiles.o.names", "must be an array of at most 8 DNS names");
    refused("{\"o\": {\"role\": \"client\", \"names\": [\"mx.example\"]}}", RL_EINVAL,
            "tls_profiles.o.names", "are only checked with verify ca");
    refused("{\"o\": {\"role\": \"client\", \"ca_file\": \"/x\"}}", RL_EINVAL,
            "tls_profiles.o.ca_file", "is only used with verify ca");
}

static void
test_fingerprints(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\"",   /* 63 */
        "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\"", /* 65 */
        "\"g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"",
        "\"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:"
        "cc:dd:eeff\"",
        "\"00-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-ff-00-11-22-33-44-55-66-77-88-99-aa-bb-"
        "cc-dd-ee-ff\"",
        "null",
    };
    each_refused("{\"o\": {\"role\": \"client\", \"verify\": \"fingerprint\", \"fingerprints\": [",
                 bad, sizeof(bad) / sizeof(bad[0]), "tls_profiles.o.fingerprints[0]",
                 "must be a SHA-256 digest: 64 hex digits, colons allowed");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"fingerprint\"}}", RL_EINVAL,
            "tls_profiles.o.fingerprints", "must list at least one digest with verify fingerprint");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"fingerprint\", \"fingerprints\": []}}",
            RL_EINVAL, "tls_profiles.o.fingerprints",
            "must list at least one digest with verify fingerprint");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"ca\", \"fingerprints\": []}}", RL_EINVAL,
            "tls_profiles.o.fingerprints", "are only used with verify fingerprint");
    refused("{\"o\": {\"role\": \"client\", \"verify\": \"fingerprint\", \"fingerprints\": "
            "[\"a\",\"b\",\"c\",\"d\",\"e\"]}}",
            RL_EINVAL, "tls_profiles.o.fingerprints",
            "must be an array of at most 4 SHA-256 digests");
}

/* The example of tls/README.md parses. */
static void
test_readme_example(void **state)
{
    (void)state;
    FILE *f = fopen("tls/README.md", "r");
    assert_non_null(f);
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *start = strstr(text, "```json\n");
    assert_non_null(start);
    start += 8;
    const char *end = strstr(start, "```");
    assert_non_null(end);
    struct tls_profiles *set = malloc(sizeof(*set));
    struct rl_diag d = {{0}, {0}};
    int rc = tls_profiles_load_json(set, &d, start, (size_t)(end - start));
    if (rc != 0) {
        fail_msg("README example refused: %s: %s", d.field, d.reason);
    }
    assert_true(set->n >= 3);
    free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key),        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_syntax_and_shape), cmocka_unit_test(test_too_many_profiles),
        cmocka_unit_test(test_keys_by_role),     cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_server_needs),     cmocka_unit_test(test_names),
        cmocka_unit_test(test_fingerprints),     cmocka_unit_test(test_readme_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
