/* SPDX-License-Identifier: Apache-2.0 */
/* Licences: the format, the Ed25519 check against trusted keys, every byte
 * of a licence flipped, another key, dates, tiers and what a licence means
 * at a given time. Keys are made here; nothing is read from disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ctl_license.h"

#define DAY 86400
#define T0 1767225600 /* 2026-01-01T00:00:00Z */

struct key {
    EVP_PKEY *pk;
    struct ctl_license_key pub;
};

static void
keygen(struct key *k)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    k->pk = NULL;
    assert_int_equal(EVP_PKEY_keygen(ctx, &k->pk), 1);
    EVP_PKEY_CTX_free(ctx);
    size_t len = CTL_LICENSE_KEY_LEN;
    assert_int_equal(EVP_PKEY_get_raw_public_key(k->pk, k->pub.pub, &len), 1);
}

/* issue signs `lic` with `k` (setting its key id) as redline-license does. */
static size_t
issue(char *out, size_t cap, struct ctl_license *lic, const struct key *k)
{
    ctl_license_key_id(lic->key_id, k->pub.pub);
    struct rl_diag d = {{0}, {0}};
    size_t n = ctl_license_format(out, cap, &d, lic);
    assert_true(n > 0);
    uint8_t sig[64];
    size_t sl = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k->pk), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &sl, (const unsigned char *)out, n), 1);
    EVP_MD_CTX_free(md);
    memcpy(out + n, "signature: ", 11);
    n += 11;
    n += (size_t)EVP_EncodeBlock((unsigned char *)out + n, sig, 64);
    out[n++] = '\n';
    out[n] = '\0';
    return n;
}

static struct ctl_license
sample(void)
{
    struct ctl_license lic = {.tier = CTL_TIER_MEDIUM, .not_before = T0, .expires = T0 + 365 * DAY};
    snprintf(lic.company, sizeof(lic.company), "Example Bank plc");
    snprintf(lic.serial, sizeof(lic.serial), "RL-2026-0001");
    snprintf(lic.features, sizeof(lic.features), "documents,html");
    return lic;
}

static void
test_valid(void **state)
{
    (void)state;
    struct key k;
    keygen(&k);
    struct ctl_license lic = sample();
    char text[2048];
    size_t n = issue(text, sizeof(text), &lic, &k);
    struct ctl_license got;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(ctl_license_verify(&got, &d, text, n, &k.pub, 1), 0);
    assert_string_equal(got.company, "Example Bank plc");
    assert_string_equal(got.serial, "RL-2026-0001");
    assert_int_equal(got.tier, CTL_TIER_MEDIUM);
    assert_string_equal(got.features, "documents,html");
    assert_int_equal(got.not_before, T0);
    assert_int_equal(got.expires, T0 + 365 * DAY);
    struct ctl_license_status st;
    ctl_license_evaluate(&st, text, n, &k.pub, 1, T0 + 100 * DAY);
    assert_int_equal(st.state, CTL_LICENSE_VALID);
    assert_false(st.evaluation);
    assert_int_equal(st.tier, CTL_TIER_MEDIUM);
    assert_int_equal(st.days_left, 265);
    /* Among several trusted keys, the one its id names is used. */
    struct key other;
    keygen(&other);
    struct ctl_license_key both[2] = {other.pub, k.pub};
    assert_int_equal(ctl_license_verify(&got, &d, text, n, both, 2), 0);
    EVP_PKEY_free(other.pk);
    EVP_PKEY_free(k.pk);
}

static void
test_every_flipped_byte_refused(void **state)
{
    (void)state;
    struct key k;
    keygen(&k);
    struct ctl_license lic = sample();
    char text[2048];
    size_t n = issue(text, sizeof(text), &lic, &k);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            char copy[2048];
            memcpy(copy, text, n);
            copy[i] = (char)(copy[i] ^ (1 << bit));
            struct ctl_license got;
            struct rl_diag d = {{0}, {0}};
            /* Every octet counts, the signature's encoding included. */
            assert_int_not_equal(ctl_license_verify(&got, &d, copy, n, &k.pub, 1), 0);
            struct ctl_license_status st;
            ctl_license_evaluate(&st, copy, n, &k.pub, 1, T0 + DAY);
            assert_int_equal(st.state, CTL_LICENSE_INVALID);
            assert_true(st.evaluation);
            assert_int_equal(st.tier, CTL_TIER_LOW);
        }
    }
    EVP_PKEY_free(k.pk);
}

static void
test_wrong_key(void **state)
{
    (void)state;
    struct key k, other;
    keygen(&k);
    keygen(&other);
    struct ctl_license lic = sample();
    char text[2048];
    size_t n = issue(text, sizeof(text), &lic, &k);
    struct ctl_license got;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(ctl_license_verify(&got, &d, text, n, &other.pub, 1), RL_ENOENT);
    assert_string_equal(d.field, "key_id");
    assert_int_equal(ctl_license_verify(&got, &d, text, n, NULL, 0), RL_ENOENT);
    /* Another key's signature under the trusted key's id: a forgery. */
    struct ctl_license forged = sample();
    char ftext[2048];
    size_t fn = issue(ftext, sizeof(ftext), &forged, &other);
    char id[CTL_LICENSE_KEY_ID_LEN + 1], oid[CTL_LICENSE_KEY_ID_LEN + 1];
    ctl_license_key_id(id, k.pub.pub);
    ctl_license_key_id(oid, other.pub.pub);
    char *at = strstr(ftext, oid);
    assert_non_null(at);
    memcpy(at, id, CTL_LICENSE_KEY_ID_LEN);
    assert_int_equal(ctl_license_verify(&got, &d, ftext, fn, &k.pub, 1), RL_EVERIFY);
    assert_string_equal(d.field, "signature");
    EVP_PKEY_free(k.pk);
    EVP_PKEY_free(other.pk);
}

static void
test_dates(void **state)
{
    (void)state;
    struct key k;
    keygen(&k);
    struct ctl_license lic = sample();
    char text[2048];
    size_t n = issue(text, sizeof(text), &lic, &k);
    struct ctl_license_status st;
    ctl_license_evaluate(&st, text, n, &k.pub, 1, T0 - 1);
    assert_int_equal(st.state, CTL_LICENSE_NOT_YET_VALID);
    assert_true(st.evaluation);
    assert_int_equal(st.tier, CTL_TIER_LOW);
    assert_non_null(strstr(st.why, "not valid before 2026-01-01T00:00:00Z"));
    ctl_license_evaluate(&st, text, n, &k.pub, 1, T0);
    assert_int_equal(st.state, CTL_LICENSE_VALID);
    /* Warnings from 30 days before expiry, still at the licensed tier. */
    ctl_license_evaluate(&st, text, n, &k.pub, 1, lic.expires - 31 * DAY);
    assert_int_equal(st.state, CTL_LICENSE_VALID);
    ctl_license_evaluate(&st, text, n, &k.pub, 1, lic.expires - 30 * DAY);
    assert_int_equal(st.state, CTL_LICENSE_EXPIRING);
    assert_false(st.evaluation);
    assert_int_equal(st.tier, CTL_TIER_MEDIUM);
    assert_int_equal(st.days_left, 30);
    ctl_license_evaluate(&st, text, n, &k.pub, 1, lic.expires - 1);
    assert_int_equal(st.state, CTL_LICENSE_EXPIRING);
    assert_int_equal(st.days_left, 0);
    ctl_license_evaluate(&st, text, n, &k.pub, 1, lic.expires);
    assert_int_equal(st.state, CTL_LICENSE_EXPIRED);
    assert_true(st.evaluation);
    assert_int_equal(st.tier, CTL_TIER_LOW);
    assert_non_null(strstr(st.why, "expired"));
    EVP_PKEY_free(k.pk);
}

static void
test_missing(void **state)
{
    (void)state;
    struct ctl_license_status st;
    ctl_license_evaluate(&st, NULL, 0, NULL, 0, T0);
    assert_int_equal(st.state, CTL_LICENSE_MISSING);
    assert_true(st.evaluation);
    assert_int_equal(st.tier, CTL_TIER_LOW);
    assert_non_null(strstr(st.why, "evaluation mode"));
    ctl_license_evaluate(&st, "", 0, NULL, 0, T0);
    assert_int_equal(st.state, CTL_LICENSE_MISSING);
}

static void
test_tiers(void **state)
{
    (void)state;
    assert_int_equal(ctl_tier_rate(CTL_TIER_LOW), 20000);
    assert_int_equal(ctl_tier_rate(CTL_TIER_MEDIUM), 50000);
    assert_int_equal(ctl_tier_rate(CTL_TIER_HIGH), 60000);
    assert_int_equal(ctl_tier_rate(CTL_TIER_VERY_HIGH), 0);
    enum ctl_tier t;
    assert_int_equal(ctl_tier_parse(&t, "very-high"), 0);
    assert_int_equal(t, CTL_TIER_VERY_HIGH);
    assert_int_equal(ctl_tier_parse(&t, "High"), RL_EINVAL);
    assert_int_equal(ctl_tier_parse(&t, "ultra"), RL_EINVAL);
    assert_int_equal(ctl_tier_parse(&t, ""), RL_EINVAL);
    assert_string_equal(ctl_tier_name(CTL_TIER_HIGH), "high");
}

/* edit_and_parse replaces `from` with `to` in a valid licence and parses
 * it; returns the code and the diagnostic's field. */
static int
edit_and_parse(const char *from, const char *to, char *field, size_t cap)
{
    struct key k;
    keygen(&k);
    struct ctl_license lic = sample();
    char text[2048], out[2300];
    size_t n = issue(text, sizeof(text), &lic, &k);
    EVP_PKEY_free(k.pk);
    char *at = strstr(text, from);
    assert_non_null(at);
    int pre = (int)(at - text);
    snprintf(out, sizeof(out), "%.*s%s%s", pre, text, to, at + strlen(from));
    (void)n;
    struct ctl_license got;
    size_t sl = 0;
    uint8_t sig[64];
    struct rl_diag d = {{0}, {0}};
    int rc = ctl_license_parse(&got, &sl, sig, &d, out, strlen(out));
    snprintf(field, cap, "%s", d.field);
    return rc;
}

static void
test_malformed(void **state)
{
    (void)state;
    char f[64];
    assert_int_equal(edit_and_parse("tier: medium", "tier: ultra", f, sizeof(f)), RL_EINVAL);
    assert_string_equal(f, "tier");
    assert_int_equal(edit_and_parse("company: ", "firm: ", f, sizeof(f)), RL_ESYNTAX);
    assert_string_equal(f, "company");
    assert_int_equal(edit_and_parse("serial: RL-2026-0001\n", "", f, sizeof(f)), RL_ESYNTAX);
    assert_string_equal(f, "serial");
    assert_int_equal(edit_and_parse("expires: 2027", "expires: 2025", f, sizeof(f)), RL_EINVAL);
    assert_string_equal(f, "expires");
    assert_int_equal(edit_and_parse("not_before: 2026-01-01T00:00:00Z",
                                    "not_before: 2026-02-30T00:00:00Z", f, sizeof(f)),
                     RL_EINVAL);
    assert_string_equal(f, "not_before");
    /* the bare date is the same instant but another text for one licence */
    assert_int_equal(
        edit_and_parse("not_before: 2026-01-01T00:00:00Z", "not_before: 2026-01-01", f, sizeof(f)),
        RL_EINVAL);
    assert_string_equal(f, "not_before");
    assert_int_equal(
        edit_and_parse("features: documents,html", "features: documents,,html", f, sizeof(f)),
        RL_EINVAL);
    assert_string_equal(f, "features");
    assert_int_equal(edit_and_parse("serial: RL-2026-0001", "serial: RL 2026", f, sizeof(f)),
                     RL_EINVAL);
    assert_int_equal(edit_and_parse("\nsignature: ", "\nextra: 1\nsignature: ", f, sizeof(f)),
                     RL_ESYNTAX);
    assert_string_equal(f, "signature");
    assert_int_equal(edit_and_parse("==\n", "==\ntrailing\n", f, sizeof(f)), RL_EINVAL);
    assert_int_equal(edit_and_parse("==\n", "=\n", f, sizeof(f)), RL_EINVAL);
    assert_string_equal(f, "signature");
    assert_int_equal(edit_and_parse("company: Example Bank plc\n", "company: Example Bank plc\r\n",
                                    f, sizeof(f)),
                     RL_EINVAL);
    assert_string_equal(f, "company");
    assert_int_equal(edit_and_parse("redline-license: 1", "redline-license: 2", f, sizeof(f)),
                     RL_ESYNTAX);
    struct ctl_license got;
    size_t sl = 0;
    uint8_t sig[64];
    struct rl_diag d = {{0}, {0}};
    char big[CTL_LICENSE_MAX + 2];
    memset(big, 'a', sizeof(big));
    assert_int_equal(ctl_license_parse(&got, &sl, sig, &d, big, sizeof(big)), RL_EINVAL);
    assert_int_equal(ctl_license_parse(&got, &sl, sig, &d, "redline-license: 1\0x", 20),
                     RL_ESYNTAX);
}

static void
test_format_refuses(void **state)
{
    (void)state;
    char out[2048];
    struct rl_diag d = {{0}, {0}};
    struct ctl_license lic = sample();
    snprintf(lic.key_id, sizeof(lic.key_id), "0123456789abcdef");
    assert_true(ctl_license_format(out, sizeof(out), &d, &lic) > 0);
    struct ctl_license bad = lic;
    bad.company[0] = '\0';
    assert_int_equal(ctl_license_format(out, sizeof(out), &d, &bad), 0);
    assert_string_equal(d.field, "company");
    bad = lic;
    snprintf(bad.company, sizeof(bad.company), "a\nb");
    assert_int_equal(ctl_license_format(out, sizeof(out), &d, &bad), 0);
    bad = lic;
    bad.expires = bad.not_before;
    assert_int_equal(ctl_license_format(out, sizeof(out), &d, &bad), 0);
    assert_string_equal(d.field, "expires");
    bad = lic;
    snprintf(bad.key_id, sizeof(bad.key_id), "XYZ");
    assert_int_equal(ctl_license_format(out, sizeof(out), &d, &bad), 0);
    assert_int_equal(ctl_license_format(out, 20, &d, &lic), 0);
}

static void
test_time_parse(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(ctl_time_parse(&t, "2026-01-01"), 0);
    assert_int_equal(t, T0);
    assert_int_equal(ctl_time_parse(&t, "2026-01-01T00:00:01Z"), 0);
    assert_int_equal(t, T0 + 1);
    assert_int_equal(ctl_time_parse(&t, "2024-02-29"), 0);
    static const char *const bad[] = {
        "2025-02-29",           "2026-13-01",           "2026-1-01",
        "+026-01-01",           "2026-01-01T24:00:00Z", "2026-01-01T00:00:00",
        "2026-01-01 00:00:00Z", "1969-12-31",           "",
        "2026-01-01T00:00:60Z", " 2026-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ctl_time_parse(&t, bad[i]), RL_EINVAL);
    }
    char s[32];
    ctl_time_format(s, sizeof(s), T0 + 61);
    assert_string_equal(s, "2026-01-01T00:01:01Z");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),      cmocka_unit_test(test_every_flipped_byte_refused),
        cmocka_unit_test(test_wrong_key),  cmocka_unit_test(test_dates),
        cmocka_unit_test(test_missing),    cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
